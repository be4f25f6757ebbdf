import Foundation
import Kafka
import Logging
import ServiceLifecycle
import StrictOutputs
import Synchronization
import Testing
import TrackDomain
import TrackPipeline
import TrackRuntime

/// Failures the service must survive: members coming and going, a paused broker, poison records.
@Suite("trackstream under failure", .serialized)
struct FailureTests {
    @Test("three instances; one is killed and another started during the run: nothing is lost")
    func scaleOutAndIn() async throws {
        // A broker of its own: Tansu's group coordinator, after hours of other tests' groups, has
        // been seen to leave a partition unassigned for minutes after members come and go.
        let broker = try Broker.startPrivate()
        defer { broker.stop() }
        let pipeline = try await TestPipeline.make(broker: broker)
        try pipeline.generate(count: 40_000)
        let members = try (0..<3).map { try pipeline.startService(instance: $0) }
        #expect(await members[0].waitForLog("partitions assigned", timeout: .seconds(40)))
        try await Task.sleep(for: .seconds(3))
        members[1].signal(SIGKILL)
        let late = try pipeline.startService(instance: 3)
        try pipeline.generate(count: 10_000, seed: 2)
        #expect(await late.waitForLog("partitions assigned", timeout: .seconds(60)), "the new member gets work")
        try await Task.sleep(for: .seconds(5))
        let survivors = [members[0], members[2], late]
        for member in survivors { member.signal(SIGTERM) }
        for member in survivors {
            let status = await member.waitForExit(timeout: .seconds(20))
            #expect(status == 0, "a member stops cleanly; log:\n\(member.log.suffix(1500))")
        }
        // Whatever the group had not committed yet is still there for the next member: one more
        // instance, starting from the group's committed offsets, reads to the end; together they must
        // account for every input. It runs in a copy of the group (same committed offsets): Tansu's
        // coordinator can leave a group unassignable for minutes after a member leaves mid-join
        // (docs/test-broker.md), which Apache Kafka does not.
        let admin = try broker.admin()
        let committed = try await admin.listGroupOffsets(group: pipeline.group).filter { $0.offset >= 0 }
        let sweepGroup = "\(pipeline.group)-sweep"
        if !committed.isEmpty { try await admin.alterGroupOffsets(group: sweepGroup, offsets: committed) }
        let sweep = try pipeline.startService(["--until-caught-up", "--group", sweepGroup], instance: 4)
        let status = await sweep.waitForExit(timeout: .seconds(240))
        #expect(status == 0, "log:\n\(sweep.log.suffix(2000))")

        let inputs = try await readAll(pipeline.input, partitions: 4, broker: broker, strict: false)
        let enriched = try await readAll(pipeline.enriched, partitions: 4, broker: broker)
        let rejected = try await readAll(pipeline.rejected, partitions: 4, broker: broker)
        #expect(inputs.count == 50_000)
        let missing = Accounting(enriched: enriched, rejected: rejected).missing(from: inputs)
        #expect(
            missing.prefix(10) == [],
            "nothing is lost; what the members said:\n\(Self.rebalanceLines(of: members + [late, sweep]))"
        )
    }

    /// The lines of the members' logs about partitions and offsets, to tell where something went missing.
    static func rebalanceLines(of members: [ServiceProcess]) -> String {
        members.enumerated().map { index, member in
            member.log.split(separator: "\n")
                .filter { $0.contains("partition") || $0.contains("offset") || $0.contains("commit") }
                .map { "[\(index)] \($0)" }
                .joined(separator: "\n")
        }
        .joined(separator: "\n")
    }

    @Test(
        "the broker paused with SIGSTOP for 8 s (past the session timeout) mid-run: the service resumes by itself and loses nothing"
    )
    func brokerPause() async throws {
        let broker = try Broker.startPrivate()
        defer { broker.stop() }
        let pipeline = try await TestPipeline.make(broker: broker)
        try pipeline.generate(count: 30_000)
        let service = try pipeline.startService(["--until-caught-up"])
        #expect(await service.waitForLog("partitions assigned", timeout: .seconds(30)))
        try await Task.sleep(for: .seconds(1))
        kill(broker.pid, SIGSTOP)
        // Longer than the test pipeline's 6 s session timeout: the member is expelled and rejoins.
        try await Task.sleep(for: .seconds(8))
        kill(broker.pid, SIGCONT)
        let status = await service.waitForExit(timeout: .seconds(240))
        #expect(status == 0, "log:\n\(service.log.suffix(3000))")

        let inputs = try await readAll(pipeline.input, partitions: 4, broker: broker, strict: false)
        let enriched = try await readAll(pipeline.enriched, partitions: 4, broker: broker)
        let rejected = try await readAll(pipeline.rejected, partitions: 4, broker: broker)
        #expect(
            Accounting(enriched: enriched, rejected: rejected).missing(from: inputs).prefix(10) == [],
            "nothing is lost"
        )
    }

    @Test("a poison record that makes processing throw is rejected as processing_error after its retries")
    func poisonRecord() async throws {
        let broker = Broker.shared
        let pipeline = try await TestPipeline.make(broker: broker, partitions: 1)
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": broker.bootstrap])
        let good = #"{"site_id":"s","event_type":"viewed","bsin":"u1","url":"https://a.example/x"}"#
        let report = try await producer.send(
            [good, #"{"poison":true}"#, good].map { ProducerMessage(topic: pipeline.input, value: Array($0.utf8)) }
        )
        #expect(report.allDelivered)
        await producer.close()

        let loaded = try PipelineLoader.load(path: pipeline.file)
        let processor = PoisonedProcessor(
            inner: EventProcessor(
                configuration: loaded.processingConfiguration(),
                botDetector: BotDetector(patterns: [], sourceDescription: "none")
            )
        )
        var options = RuntimeOptions()
        options.untilCaughtUp = true
        let service = PipelineService(
            pipeline: loaded,
            options: options,
            processor: processor,
            logger: Logger(label: "poison-test")
        )
        try await service.run()
        #expect(processor.attempts.value == 3, "three attempts, then the rejection")
        #expect(service.statistics.consumed == 3)
        #expect(service.statistics.enriched == 2)
        let rejected = try await readAll(pipeline.rejected, partitions: 1, broker: broker)
        #expect(rejected.count == 1)
        let text = String(decoding: rejected.first?.value ?? [], as: UTF8.self)
        #expect(text.contains(#""reason":"processing_error""#))
        #expect(text.contains("poison"))
        #expect(sourceOf(rejected.first?.value)?.offset == 1)
    }
}

extension FailureTests {
    @Test(
        "an output the broker can never take (too large) turns its input into one processing_error rejection, also for a resent duplicate; the rest is delivered"
    )
    func undeliverableOutput() async throws {
        let blob = String(repeating: "x", count: 900)
        let large =
            #"{"site_id":"s","event_type":"viewed","bsin":"u2","message_id":"m-dup","url":"https://a.example/y","properties":{"blob":"\#(blob)"}}"#
        let small = #"{"site_id":"s","event_type":"viewed","bsin":"u1","url":"https://a.example/x"}"#
        // A producer limit between the size of the large event's enriched output and its rejection.
        var sizing = Self.sizing
        let enrichedSize = try #require(
            sizing.processStrictly(value: Array(large.utf8), source: Self.sizingSource).enriched.first
        )
        .value.count
        let rejectionSize = Self.undeliverableRejection(of: large).count
        try #require(rejectionSize + 40 < enrichedSize, "rejection \(rejectionSize) B, enriched \(enrichedSize) B")
        let (pipeline, service) = try await Self.runWithProducerLimit(
            (rejectionSize + enrichedSize) / 2,
            inputs: [small, large, large, small]
        )
        #expect(service.statistics.consumed == 4)
        #expect(service.statistics.enriched == 2)
        #expect(service.statistics.rejected == 2)
        let enriched = try await readAll(pipeline.enriched, partitions: 1, broker: Broker.shared)
        let rejected = try await readAll(pipeline.rejected, partitions: 1, broker: Broker.shared)
        #expect(enriched.count == 2)
        #expect(rejected.count == 2)
        for record in rejected {
            let text = String(decoding: record.value ?? [], as: UTF8.self)
            #expect(text.contains(#""reason":"processing_error""#))
            #expect(text.contains("could not be delivered"))
        }
        #expect(rejected.compactMap { sourceOf($0.value)?.offset }.sorted() == [1, 2], "one rejection per input")
    }
}

extension FailureTests {
    @Test("a rejection too large for the producer goes out without its payload, saying so")
    func oversizedRejection() async throws {
        let blob = String(repeating: "x", count: 900)
        let large =
            #"{"site_id":"s","event_type":"viewed","bsin":"u2","url":"https://a.example/y","properties":{"blob":"\#(blob)"}}"#
        let small = #"{"site_id":"s","event_type":"viewed","bsin":"u1","url":"https://a.example/x"}"#
        // A producer limit above every output of the small event and the payload-less rejection,
        // below the large event's enriched output and its full rejection.
        var sizing = Self.sizing
        let smallOutcome = sizing.processStrictly(value: Array(small.utf8), source: Self.sizingSource)
        let fullRejection = Self.undeliverableRejection(of: large)
        let stripped = try #require(
            RejectionEncoder.stripped(
                fullRejection,
                omitting: .payload,
                carried: .none,
                reason: "the broker refused the rejection with it: Broker: Message size too large (MSG_SIZE_TOO_LARGE)"
            )
        )
        // librdkafka accepts no message.max.bytes below 1000.
        let limit = max(
            1000,
            ((smallOutcome.enriched + smallOutcome.signals).map(\.value.count) + [stripped.count]).max()! + 60
        )
        try #require(limit + 100 < fullRejection.count, "limit \(limit) B, rejection \(fullRejection.count) B")
        let (pipeline, _) = try await Self.runWithProducerLimit(limit, inputs: [small, large, small])
        let rejected = try await readAll(pipeline.rejected, partitions: 1, broker: Broker.shared)
        #expect(rejected.count == 1)
        let rejection = try JSONParser.parse(rejected.first?.value ?? [])
        guard case .object(let envelope) = rejection else {
            Issue.record("the rejection is not an object")
            return
        }
        #expect(envelope["reason"] == .string("processing_error"))
        #expect(envelope["payload"] == nil && envelope["payload_base64"] == nil)
        let omitted = try #require(envelope["payload_omitted"]?.objectValue)
        #expect(omitted["bytes"]?.numberValue?.text == "\(large.utf8.count)")
        #expect(omitted["reason"]?.stringValue?.contains("the broker refused the rejection") == true)
        #expect(sourceOf(rejected.first?.value)?.offset == 1)
    }
}

extension FailureTests {
    /// The domain the producer-limit tests size their outputs with, and run.
    static let sizing = EventProcessor(
        configuration: ProcessingConfiguration(),
        botDetector: BotDetector(patterns: [], sourceDescription: "none")
    )

    /// The coordinates the sizes are computed for: a test pipeline's topic names have this length.
    static let sizingSource = SourceCoordinates(
        topic: "rt-xxxxxxxx.raw",
        partition: 0,
        offset: 1,
        timestamp: 1_767_225_600_000
    )

    /// The `processing_error` rejection the service writes for `value` when its enriched output is
    /// too large for the producer.
    static func undeliverableRejection(of value: String) -> [UInt8] {
        Array(value.utf8).withUnsafeBytes {
            sizing.processingErrorRejection(
                value: $0,
                source: sizingSource,
                error: "an output to rt-xxxxxxxx.enriched could not be delivered: Broker: Message size too large"
            )
            .value
        }
    }

    /// Produces `inputs` to a fresh one-partition pipeline whose producer refuses records above
    /// `producerLimit` bytes, and runs the service over them until caught up.
    static func runWithProducerLimit(
        _ producerLimit: Int,
        inputs: [String]
    ) async throws -> (pipeline: TestPipeline, service: PipelineService) {
        let broker = Broker.shared
        let pipeline = try await TestPipeline.make(
            broker: broker,
            partitions: 1,
            kafka: ["message.max.bytes": "\(producerLimit)"]
        )
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": broker.bootstrap])
        let report = try await producer.send(
            inputs.map { ProducerMessage(topic: pipeline.input, value: Array($0.utf8)) }
        )
        #expect(report.allDelivered)
        await producer.close()
        var options = RuntimeOptions()
        options.untilCaughtUp = true
        let service = PipelineService(
            pipeline: try PipelineLoader.load(path: pipeline.file),
            options: options,
            processor: sizing,
            logger: Logger(label: "producer-limit-test")
        )
        try await runToCompletion(service)
        return (pipeline, service)
    }
}

/// Throws for every record that contains `"poison"`; counts the attempts of all its copies.
struct PoisonedProcessor: RecordProcessing {
    var inner: EventProcessor
    let attempts = Attempts()

    final class Attempts: Sendable {
        private let count = Mutex(0)
        var value: Int { count.withLock { $0 } }
        func increment() { count.withLock { $0 += 1 } }
    }

    init(inner: EventProcessor) { self.inner = inner }

    struct Poisoned: Error, CustomStringConvertible {
        var description: String { "the record is poison" }
    }

    mutating func process(
        value: UnsafeRawBufferPointer?,
        source: SourceCoordinates,
        carrying carried: CarriedFields,
        into output: inout OutputBuffer
    ) throws -> RecordOutcome {
        if let value, String(decoding: value, as: UTF8.self).contains("poison") {
            attempts.increment()
            throw Poisoned()
        }
        return inner.process(value: value, source: source, carrying: carried, into: &output)
    }

    func appendProcessingErrorRejection(
        value: UnsafeRawBufferPointer?,
        source: SourceCoordinates,
        error: String,
        carrying carried: CarriedFields,
        into output: inout OutputBuffer
    ) -> RejectionOmissions {
        inner.appendProcessingErrorRejection(
            value: value,
            source: source,
            error: error,
            carrying: carried,
            into: &output
        )
    }
}
