import Foundation
import Testing

/// Values on the command line that once trapped, hung or misbehaved: the real binary must refuse
/// each with a usage error (exit 1) naming the option and saying what it takes, before it touches a
/// broker or allocates by the value.
@Suite("the trackstream binary refuses hostile option values")
struct UsageErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        /// Text the error message must contain.
        var message: String
        var testDescription: String { arguments.joined(separator: " ").prefix(80) + "" }
    }

    static let longName = String(repeating: "t", count: 250)

    static let cases: [Case] = [
        Case(arguments: ["run", "--shutdown-timeout", "nan"], message: "--shutdown-timeout"),
        Case(arguments: ["run", "--shutdown-timeout", "inf"], message: "--shutdown-timeout"),
        Case(arguments: ["run", "--shutdown-timeout", "1e300"], message: "--shutdown-timeout"),
        Case(arguments: ["run", "--shutdown-timeout", "3601"], message: "--shutdown-timeout"),
        Case(arguments: ["run", "--shutdown-timeout", "0"], message: "--shutdown-timeout"),
        Case(arguments: ["run", "--shutdown-timeout=-1"], message: "--shutdown-timeout"),
        Case(arguments: ["run", "--batch-size", "1000000000000"], message: "--batch-size"),
        Case(arguments: ["run", "--batch-size", "100001"], message: "--batch-size"),
        Case(arguments: ["run", "--batch-size", "0"], message: "--batch-size"),
        Case(arguments: ["run", "--workers", "1000000000000"], message: "--workers"),
        Case(arguments: ["run", "--workers", "65"], message: "--workers"),
        Case(arguments: ["run", "--workers", "0"], message: "--workers"),
        Case(arguments: ["run", "--max-in-flight-batches", "1000000000000"], message: "--max-in-flight-batches"),
        Case(arguments: ["run", "--max-in-flight-batches", "1"], message: "--max-in-flight-batches"),
        Case(arguments: ["generate", "--rate", "inf"], message: "--rate"),
        Case(arguments: ["generate", "--rate", "nan"], message: "--rate"),
        Case(arguments: ["generate", "--rate", "1e-300"], message: "--rate"),
        Case(arguments: ["generate", "--rate", "1e300"], message: "--rate"),
        Case(arguments: ["generate", "--rate", "inf", "--output", "/dev/null", "--count", "1"], message: "--rate"),
        Case(arguments: ["generate", "--start-time", "9223372036854775807"], message: "--start-time"),
        Case(arguments: ["generate", "--start-time=-9223372036854775808"], message: "--start-time"),
        Case(arguments: ["generate", "--topic", longName], message: "more than 249"),
        Case(arguments: ["generate", "--topic", "a b"], message: "not a valid Kafka topic name"),
        Case(arguments: ["generate", "--topic", ".."], message: "not a valid Kafka topic name"),
        Case(arguments: ["topics", "create", "--partitions", "2000000000"], message: "--partitions"),
        Case(arguments: ["topics", "create", "--replication-factor", "0"], message: "--replication-factor"),
        Case(arguments: ["topics", "create", "--replication-factor", "20000"], message: "--replication-factor"),
        Case(arguments: ["topics", "create", "--replication-factor=-2"], message: "--replication-factor"),
        Case(
            arguments: ["offsets", "reset", "--topic", "t", "--by-duration", "P100000000000DT999999999999H"],
            message: "too long"
        ),
        Case(arguments: ["offsets", "reset", "--topic", "t", "--by-duration", "PT1S1S"], message: "ISO-8601 duration"),
        Case(
            arguments: ["replay", "--from-datetime", "2026-01-01T00:00:00Z", "--to-offset=-5"],
            message: "--to-offset"
        ),
        Case(arguments: ["replay", "--from-offset", "0", "--output-prefix", longName], message: "more than 249"),
        Case(arguments: ["run", "--group", ""], message: "--group is empty"),
        Case(arguments: ["replay", "--from-offset", "0", "--group", ""], message: "--group is empty"),
        Case(arguments: ["offsets", "show", "--group", ""], message: "--group is empty"),
        Case(arguments: ["check-config", "--group", ""], message: "--group is empty"),
        Case(arguments: ["run", "--brokers", " "], message: "--brokers is empty"),
        Case(arguments: ["run", "--metrics-listen", "nosuch.invalid:9464"], message: "does not resolve"),
        Case(
            arguments: ["run", "--kafka", "queued.max.messages.kbytes=99999999999"],
            message: "'queued.max.messages.kbytes'"
        ),
        Case(
            arguments: ["run", "--kafka", "queued.max.messages.kbytes=4294975488"],
            message: "out of the property's range"
        ),
        Case(arguments: ["run", "--kafka", "fetch.wait.max.ms=nan"], message: "'fetch.wait.max.ms'"),
        Case(arguments: ["run", "--kafka", "linger.ms=-5"], message: "'linger.ms'"),
        Case(arguments: ["run", "--metrics-listen", "192.0.2.1:9464"], message: "not an address of this machine"),
        Case(arguments: ["kafka-check", "--brokers", ""], message: "--brokers is empty"),
        Case(
            arguments: ["replay", "--from-offset", "0", "--output-prefix", "replay/1"],
            message: "not a valid Kafka topic name"
        ),
        Case(
            arguments: ["check-config", "Tests/Fixtures/exactly-once.yml"],
            message: "exactly_once is not yet supported"
        ),
        Case(arguments: ["run", "Tests/Fixtures/exactly-once.yml"], message: "exactly_once is not yet supported"),
        Case(arguments: ["run", "--kafka", "transactional.id=t"], message: "are not yet supported"),
    ]

    @Test(arguments: cases)
    func refuses(_ row: Case) throws {
        let binary = try #require(TrackstreamBinary.locate(), "build the package first: swift build --build-tests")
        let result = try binary.run(row.arguments, timeout: .seconds(20))
        #expect(result.status == 1, "exit status; output:\n\(result.output.prefix(2000))")
        #expect(result.output.contains(row.message), "\(result.output.prefix(2000))")
        #expect(!result.output.contains("Fatal error") && !result.output.contains("runtime failure"))
    }
}

extension TrackstreamBinary {
    /// Runs the binary like ``run(_:environment:)``, killing it after `timeout`: a value that should
    /// have been refused must not leave a service running (status 137 then).
    func run(_ arguments: [String], timeout: Duration) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.currentDirectoryURL = Repository.root
        var environment = ProcessInfo.processInfo.environment
        environment["TRACKSTREAM_BROKERS"] = "127.0.0.1:1"
        environment["TRACKSTREAM_GROUP"] = nil
        process.environment = environment
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("usage-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try handle.close()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        return (
            process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus,
            text
        )
    }
}
