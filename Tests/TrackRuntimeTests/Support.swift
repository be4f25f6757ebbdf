import Foundation
import Kafka
import Logging
import ServiceLifecycle
import StrictOutputs
import Synchronization
import Testing
import TrackRuntime

/// A Tansu broker: the shared one `make test` starts, or a private one a test may pause.
struct Broker: Sendable {
    let bootstrap: String
    let pid: Int32
    let directory: String?

    static var shared: Broker {
        let environment = ProcessInfo.processInfo.environment
        guard let address = environment["TRACKSTREAM_TEST_BROKERS"], !address.isEmpty else {
            Issue.record("TRACKSTREAM_TEST_BROKERS is not set: run the tests with 'make test', which starts a broker")
            return Broker(bootstrap: "127.0.0.1:1", pid: 0, directory: nil)
        }
        return Broker(
            bootstrap: address,
            pid: Int32(environment["TRACKSTREAM_TEST_BROKER_PID"] ?? "") ?? 0,
            directory: nil
        )
    }

    /// Starts a broker of the test's own with scripts/broker (so pausing it disturbs no other test).
    static func startPrivate() throws -> Broker {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ts-broker-\(UUID().uuidString.prefix(8))"
        ).path
        let output = try run(repositoryRoot + "/scripts/broker", ["start", "--dir", directory])
        let pid = try String(contentsOfFile: directory + "/tansu.pid", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        return Broker(
            bootstrap: output.trimmingCharacters(in: .whitespacesAndNewlines),
            pid: Int32(pid) ?? 0,
            directory: directory
        )
    }

    func stop() {
        guard let directory else { return }
        _ = try? run(repositoryRoot + "/scripts/broker", ["stop", "--dir", directory])
    }

    func admin() throws -> KafkaAdmin { try KafkaAdmin(configuration: ["bootstrap.servers": bootstrap]) }
}

/// The repository's root folder.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The `trackstream` binary built beside this test bundle.
let trackstreamBinary: String = {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    return executable.deletingLastPathComponent().appendingPathComponent("trackstream").path
}()

/// Runs a command to completion and returns its standard output; throws on a non-zero exit.
@discardableResult
func run(_ executable: String, _ arguments: [String]) throws -> String {
    let result = try CommandResult.run(executable, arguments)
    guard result.status == 0 else {
        throw TestFailure("\(executable) \(arguments.joined(separator: " ")) exited with status \(result.status)")
    }
    return result.output
}

/// A finished command's exit status and output.
struct CommandResult: CustomStringConvertible {
    var status: Int32
    var output: String
    var errors: String

    /// The output's lines split into words: table rows compare as arrays.
    var rows: [[String]] { output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) } }

    var description: String { "exit \(status)\nstdout:\n\(output)stderr:\n\(errors)" }

    /// Runs a command to completion and captures its output and errors.
    ///
    /// Spawned with posix_spawn and reaped with waitpid, output through files: Foundation's `Process`
    /// waits forever on a command that leaves a daemon behind (scripts/broker start does). A command
    /// killed by a signal reports 128 + the signal, as a shell does.
    static func run(_ executable: String, _ arguments: [String]) throws -> CommandResult {
        try run(executable, arguments, whileRunning: nil)
    }

    /// ``run(_:_:)`` that calls `watch` with the child's pid every 2 ms until it exits (the last
    /// call before it is reaped, so the child's /proc entry can still be read).
    static func run(
        _ executable: String,
        _ arguments: [String],
        whileRunning watch: ((pid_t) -> Void)?
    ) throws -> CommandResult {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("cmd-\(UUID().uuidString)").path
        let outputFile = base + ".out"
        let errorFile = base + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: outputFile)
            try? FileManager.default.removeItem(atPath: errorFile)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorFile, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw TestFailure("cannot start \(executable): error \(spawned)") }
        var status: Int32 = 0
        if let watch {
            while true {
                watch(pid)
                let reaped = waitpid(pid, &status, WNOHANG)
                if reaped == pid || (reaped == -1 && errno != EINTR) { break }
                usleep(2000)
            }
        } else {
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        }
        func read(_ path: String) -> String {
            String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        }
        let exitStatus = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return CommandResult(status: exitStatus, output: read(outputFile), errors: read(errorFile))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One pipeline's topics, group and file for a test.
struct TestPipeline {
    let name: String
    let broker: Broker
    let partitions: Int32
    let file: String
    let metricsPort: Int

    var input: String { "\(name).raw" }
    var enriched: String { "\(name).enriched" }
    var signals: String { "\(name).signals" }
    var rejected: String { "\(name).rejected" }
    var group: String { "\(name)-group" }

    /// A pipeline file and its topics; `kafka` adds librdkafka properties to the file's `kafka` map,
    /// `sections` more top-level YAML (`enrichments:`, `privacy:`).
    static func make(
        broker: Broker,
        partitions: Int32 = 4,
        kafka: [String: String] = [:],
        sections: String = ""
    ) async throws -> TestPipeline {
        let name = "rt-\(UUID().uuidString.prefix(8).lowercased())"
        let port = 20_000 + Int.random(in: 0..<20_000)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).yml").path
        let yaml = """
            name: \(name)
            kafka:
              bootstrap.servers: \(broker.bootstrap)
              session.timeout.ms: 6000
              heartbeat.interval.ms: 1000
              max.poll.interval.ms: 30000
            \(kafka.map { "  \($0.key): \($0.value)\n" }.joined())group: \(name)-group
            input: \(name).raw
            outputs: {enriched: \(name).enriched, signals: \(name).signals, rejected: \(name).rejected}
            sites:
              acme-news: {score_scale: {min: 0, max: 10}}
            metrics: {listen: 127.0.0.1:\(port)}
            \(sections)
            """
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let pipeline = TestPipeline(name: name, broker: broker, partitions: partitions, file: file, metricsPort: port)
        try await broker.admin().createTopics(
            [pipeline.input, pipeline.enriched, pipeline.signals, pipeline.rejected].map {
                .init(name: $0, partitions: partitions)
            }
        )
        return pipeline
    }

    /// Produces `count` synthetic events into the input topic with `trackstream generate`.
    func generate(count: Int, seed: Int = 1) throws {
        try run(trackstreamBinary, ["generate", file, "--count", "\(count)", "--seed", "\(seed)"])
    }

    /// ``generate(count:seed:)`` at `rate` events per second.
    func generateAtRate(count: Int, rate: Int, seed: Int = 1) throws {
        try run(trackstreamBinary, ["generate", file, "--count", "\(count)", "--seed", "\(seed)", "--rate", "\(rate)"])
    }

    /// Starts `trackstream run` on this pipeline; each instance gets a metrics port of its own.
    /// `environment` adds variables (a fault to inject, say).
    func startService(
        _ extra: [String] = [],
        instance: Int = 0,
        environment: [String: String] = [:]
    ) throws -> ServiceProcess {
        try ServiceProcess(
            arguments: [
                "run", file, "--no-progress", "--log-level", "info", "--metrics-listen",
                "127.0.0.1:\(metricsPort + instance)",
            ]
                + extra,
            environment: environment
        )
    }
}

/// A `trackstream` process under test.
final class ServiceProcess: Sendable {
    private let process: Process
    let logFile: String

    init(arguments: [String], environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: trackstreamBinary)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("ts-\(UUID().uuidString.prefix(8)).log")
            .path
        FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.logFile = log
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the exit; returns the status, or nil after `timeout`.
    func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline { return nil }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }

    /// Waits until the log shows `text`, up to `timeout`.
    func waitForLog(_ text: String, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if log.contains(text) { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}

/// A record read back from a topic.
struct StoredRecord: Sendable {
    var partition: Int32
    var offset: Int64
    var timestamp: Int64?
    var key: [UInt8]?
    var value: [UInt8]?
    var headers: [KafkaHeader]
}

/// Reads every record of `topic` from the beginning to the current end of each partition.
///
/// Outputs are `strict` (the default): every value must be strict JSON (``StrictJSON``) and conform
/// to its schema in docs/schemas/ (``OutputSchema``, from the topic's name), else the test records an
/// issue. Pass `strict: false` to read an input topic, which may hold anything.
func readAll(
    _ topic: String,
    partitions: Int32,
    broker: Broker,
    timeout: Duration = .seconds(60),
    strict: Bool = true,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws
    -> [StoredRecord]
{
    let consumer = try KafkaConsumer(
        configuration: [
            "bootstrap.servers": broker.bootstrap, "group.id": "reader-\(UUID().uuidString.prefix(8))",
            "fetch.wait.max.ms": "100", "enable.auto.commit": "false",
        ]
    )
    try consumer.assign(
        (0..<partitions).map { TopicPartitionOffset(topic: topic, partition: $0, offset: KafkaOffset.beginning) }
    )
    var records: [StoredRecord] = []
    var atEnd = Set<Int32>()
    let deadline = ContinuousClock.now + timeout
    for await event in consumer.events {
        switch event {
        case .records(let batch):
            for record in batch {
                records.append(
                    StoredRecord(
                        partition: record.partition,
                        offset: record.offset,
                        timestamp: record.timestamp,
                        key: record.key.map(Array.init),
                        value: record.value.map(Array.init),
                        headers: record.headers
                    )
                )
                atEnd.remove(record.partition)
            }
        case .endOfPartition(let partition, _):
            atEnd.insert(partition.partition)
        case .error:
            break
        }
        if atEnd.count == Int(partitions) || ContinuousClock.now > deadline { break }
    }
    await consumer.close()
    if strict {
        for record in records {
            StrictOutputs.expectStrict(
                record.value ?? Array("null".utf8),
                conformingTo: OutputSchema(topic: topic),
                sourceLocation: sourceLocation
            )
        }
    }
    return records
}

/// The lineage of an output value: `source.partition` and `source.offset`.
func sourceOf(_ value: [UInt8]?) -> (partition: Int32, offset: Int64)? {
    guard let value, let object = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any],
        let source = object["source"] as? [String: Any],
        let partition = source["partition"] as? Int, let offset = source["offset"] as? Int
    else { return nil }
    return (Int32(partition), Int64(offset))
}

/// Which input offsets the outputs account for: parents of enriched events plus rejections.
struct Accounting {
    var enrichedInputs: [String: Int] = [:]
    var rejectedInputs: [String: Int] = [:]

    init(enriched: [StoredRecord], rejected: [StoredRecord]) {
        for record in enriched {
            if let source = sourceOf(record.value) {
                enrichedInputs["\(source.partition)/\(source.offset)", default: 0] += 1
            }
        }
        for record in rejected {
            if let source = sourceOf(record.value) {
                rejectedInputs["\(source.partition)/\(source.offset)", default: 0] += 1
            }
        }
    }

    /// Outputs written more than once: the records beyond the first per (input, event id).
    static func duplicates(in outputs: [StoredRecord]) -> Int {
        var seen = Set<String>()
        var duplicates = 0
        for record in outputs {
            guard let value = record.value,
                let object = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any]
            else { continue }
            let id = (object["signal_id"] as? String) ?? (object["event_id"] as? String) ?? ""
            let source = sourceOf(value).map { "\($0.partition)/\($0.offset)" } ?? ""
            if !seen.insert("\(source) \(id)").inserted { duplicates += 1 }
        }
        return duplicates
    }

    func missing(from inputs: [StoredRecord]) -> [String] {
        inputs.map { "\($0.partition)/\($0.offset)" }.filter { enrichedInputs[$0] == nil && rejectedInputs[$0] == nil }
    }
}

/// Runs an in-process service to completion, or shuts it down gracefully after `deadline`, so
/// that a regression fails the test instead of hanging the run.
func runToCompletion(_ service: PipelineService, deadline: Duration = .seconds(60)) async throws {
    let group = ServiceGroup(
        configuration: ServiceGroupConfiguration(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            logger: Logger(label: "test-service-group")
        )
    )
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        tasks.addTask {
            try await Task.sleep(for: deadline)
            await group.triggerGracefulShutdown()
        }
        try await tasks.next()
        tasks.cancelAll()
    }
}
