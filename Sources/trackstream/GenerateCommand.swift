import ArgumentParser
import Foundation
import Kafka
import TrackDomain
import TrackPipeline
import TrackTraffic

/// `trackstream generate`: realistic synthetic raw events for demos, tests and load.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Produce realistic synthetic raw events (deterministic for a seed).",
        discussion: """
            All standard event types, shares with several targets, scores on several scales, bots and \
            about 5 % malformed values (every rejection reason). The same --seed, --start-time and \
            --count give the same records byte for byte, Kafka timestamps included. Writes to the \
            pipeline's input topic, or with --output to a JSONL file (one value per line).
            """
    )

    @OptionGroup var pipelineArguments: PipelineArguments

    @Option(help: "Topic to write to (default: the pipeline's input).")
    var topic: String?

    @Option(help: "Number of events; 0 means until interrupted.")
    var count = 10_000

    @Option(
        help: """
            Events per second, at most, from \(Self.rateRange.lowerBound) to \(Int(Self.rateRange.upperBound)) \
            (default: as fast as the broker takes them).
            """
    )
    var rate: Double?

    @Option(help: "Seed of the generator.")
    var seed: UInt64 = 1

    @Option(help: "Collector time of the first event: epoch milliseconds from 0 to 253402300799999 (9999), or 'now'.")
    var startTime = "1767225600000"

    @Option(help: "Write the values to this JSONL file instead of Kafka.")
    var output: String?

    /// The rates `--rate` takes, in events per second: a finite number, so that the pacing's
    /// arithmetic holds; below the minimum, the next event would be due in hours.
    static let rateRange: ClosedRange<Double> = 0.001...1_000_000_000

    /// The collector times `--start-time` takes: from the epoch to the last millisecond of year
    /// 9999, the event contract's latest time, so that every generated time is one it accepts.
    static let startTimeRange: ClosedRange<Int64> = 0...EventTime.maximumMilliseconds

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be 0 (endless) or more") }
        if let rate, !Self.rateRange.contains(rate) {
            throw ValidationError(
                "--rate must be from \(Self.rateRange.lowerBound) to \(Int(Self.rateRange.upperBound)) events per "
                    + "second, not \(rate); leave it out to produce as fast as the broker takes them"
            )
        }
        guard startTime == "now" || Int64(startTime).map(Self.startTimeRange.contains) == true else {
            throw ValidationError(
                "--start-time must be 'now' or epoch milliseconds from \(Self.startTimeRange.lowerBound) to "
                    + "\(Self.startTimeRange.upperBound) (1970 to 9999), not '\(startTime)'"
            )
        }
        if let topic, let problem = TopicName.problem(with: topic) {
            throw ValidationError("--topic: \(problem); \(TopicName.rule)")
        }
        if count == 0, output != nil { throw ValidationError("--output needs a --count above 0") }
    }

    func run() async throws {
        let start = startTime == "now" ? Int64(Date().timeIntervalSince1970 * 1000) : Int64(startTime)!
        var generator = TrafficGenerator(seed: seed, startTime: start)
        if let output {
            try write(count: count, from: &generator, to: output)
            return
        }
        try requireSupportedLibrdkafka()
        let pipeline = try pipelineArguments.load()
        let target = topic ?? pipeline.input
        let producer: KafkaProducer
        do {
            producer = try KafkaProducer(configuration: pipeline.producerConfiguration())
        } catch {
            throw CommandFailure(message: "\(error)", exitCode: 1)
        }
        var pacing = RatePacer(eventsPerSecond: rate)
        var produced = 0
        var failed = 0
        var lastReport = ContinuousClock.now
        while count == 0 || produced < count {
            let size = min(pacing.batchSize, count == 0 ? Int.max : count - produced)
            var messages: [ProducerMessage] = []
            messages.reserveCapacity(size)
            for _ in 0..<size {
                let event = generator.next()
                messages.append(
                    ProducerMessage(topic: target, key: event.key, value: event.value, timestamp: event.timestamp)
                )
            }
            do {
                failed += try await producer.send(messages).failures.count
            } catch {
                throw CommandFailure(message: "producing to \(target) failed: \(error)", exitCode: 2)
            }
            produced += size
            if ContinuousClock.now - lastReport > .seconds(2) {
                lastReport = .now
                report("generated \(produced) events to \(target)")
            }
            // The last batch is not followed by a wait: at a low rate, that wait is long.
            if count > 0, produced >= count { break }
            await pacing.wait(after: size)
            if Task.isCancelled { break }
        }
        await producer.close()
        report("generated \(produced) events to \(target) (seed \(seed)); \(failed) not delivered")
        if failed > 0 { throw ExitCode(2) }
    }

    private func write(count: Int, from generator: inout TrafficGenerator, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path)
        else {
            throw CommandFailure(message: "cannot create \(path): check the folder exists and is writable", exitCode: 2)
        }
        defer { try? file.close() }
        var buffer: [UInt8] = []
        for index in 0..<count {
            buffer.append(contentsOf: generator.next().value)
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count > 1 << 20 || index == count - 1 {
                file.write(Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        report("generated \(count) events to \(path) (seed \(seed))")
    }

    private func report(_ line: String) {
        FileHandle.standardError.write(Data("trackstream generate: \(line)\n".utf8))
    }
}

/// Spreads production over time: batches of a tenth of a second's worth of events, at most
/// ``largestBatch`` (the batch unpaced production sends), so that a high rate allocates no more.
private struct RatePacer {
    let eventsPerSecond: Double?
    private let started = ContinuousClock.now
    private var sent = 0
    private static let largestBatch = 5000

    init(eventsPerSecond: Double?) { self.eventsPerSecond = eventsPerSecond }

    var batchSize: Int {
        eventsPerSecond.map { Int(min(Double(Self.largestBatch), max(1, $0 / 10))) } ?? Self.largestBatch
    }

    /// Sleeps until `sent` events are due at the configured rate.
    mutating func wait(after count: Int) async {
        sent += count
        guard let eventsPerSecond else { return }
        let due = started + .milliseconds(Int64(Double(sent) / eventsPerSecond * 1000))
        if due > .now { try? await Task.sleep(until: due) }
    }
}
