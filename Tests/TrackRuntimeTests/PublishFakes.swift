import Dispatch
import Kafka
import Logging
import Synchronization
import TrackDomain

@testable import TrackRuntime

/// A ``RecordSink`` whose acknowledgements the test gives, one send at a time.
final class ScriptedSink: RecordSink {
    struct Sent: Sendable {
        var records: [ProducerMessage]
        var continuation: CheckedContinuation<DeliveryReport, Never>?
        var isAcknowledged = false
    }

    private let state = Mutex<
        (sent: [Sent], waiters: [(Int, CheckedContinuation<Void, Never>)], refusing: KafkaError?)
    >(
        ([], [], nil)
    )

    /// Every send so far: the records of each.
    var sends: [[ProducerMessage]] { state.withLock { $0.sent.map(\.records) } }

    /// Makes every later send throw (an unusable producer).
    func refuseSends(with error: KafkaError) {
        state.withLock { $0.refusing = error }
    }

    func send(_ batch: ProducerBatch) async throws(KafkaError) -> PendingAcknowledgements {
        try record(batch.records.indices.map { batch.message(at: $0) })
    }

    func send(_ messages: [ProducerMessage]) async throws(KafkaError) -> PendingAcknowledgements {
        try record(messages)
    }

    private func record(_ messages: [ProducerMessage]) throws(KafkaError) -> PendingAcknowledgements {
        let (index, ready, refusing) = state.withLock { state in
            if let refusing = state.refusing { return (0, [CheckedContinuation<Void, Never>](), Optional(refusing)) }
            state.sent.append(Sent(records: messages))
            let index = state.sent.count - 1
            var ready: [CheckedContinuation<Void, Never>] = []
            state.waiters.removeAll { waiter in
                guard state.sent.count >= waiter.0 else { return false }
                ready.append(waiter.1)
                return true
            }
            return (index, ready, nil)
        }
        if let refusing { throw refusing }
        for continuation in ready { continuation.resume() }
        return PendingAcknowledgements { [self] in
            await withCheckedContinuation { continuation in
                state.withLock { $0.sent[index].continuation = continuation }
            }
        }
    }

    /// Waits until at least `count` sends happened (or `timeout` passed); returns whether they did.
    @discardableResult
    func waitForSends(_ count: Int, timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if state.withLock({ $0.sent.count }) >= count { return true }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return false
    }

    /// Acknowledges send `index`: every record delivered except those in `failing`.
    func acknowledge(_ index: Int, failing: [Int: KafkaError] = [:]) async {
        while true {
            let continuation = state.withLock { state -> CheckedContinuation<DeliveryReport, Never>? in
                guard index < state.sent.count, let continuation = state.sent[index].continuation else { return nil }
                state.sent[index].continuation = nil
                state.sent[index].isAcknowledged = true
                return continuation
            }
            if let continuation {
                let records = state.withLock { $0.sent[index].records }
                let failures = failing.sorted { $0.key < $1.key }.map { index, error in
                    DeliveryFailure(message: records[index], error: error, index: index)
                }
                continuation.resume(
                    returning: DeliveryReport(delivered: records.count - failures.count, failures: failures)
                )
                return
            }
            try? await Task.sleep(for: .milliseconds(1))
        }
    }
}

/// An ``OffsetStore`` that remembers what was stored and committed, in order.
final class RecordingOffsetStore: OffsetStore {
    enum Event: Sendable, Hashable, CustomStringConvertible {
        case stored(Int32, Int64)
        case committed

        var description: String {
            switch self {
            case .stored(let partition, let offset): "store \(partition)@\(offset)"
            case .committed: "commit"
            }
        }
    }

    private let state = Mutex<[Event]>([])
    /// How long a commit takes to answer.
    let commitDelay: Duration

    init(commitDelay: Duration = .zero) {
        self.commitDelay = commitDelay
    }

    var events: [Event] { state.withLock { $0 } }

    /// The last stored offset per partition.
    var stored: [Int32: Int64] {
        var last: [Int32: Int64] = [:]
        for case .stored(let partition, let offset) in events { last[partition] = offset }
        return last
    }

    func storeOffsets(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        state.withLock { events in
            for offset in offsets.sorted(by: { $0.partition < $1.partition }) {
                events.append(.stored(offset.partition, offset.offset))
            }
        }
    }

    /// Waits `commitDelay` whatever happens, as librdkafka's blocking commit does (it cannot be
    /// cancelled), then records the commit.
    func commit() async throws(KafkaError) {
        if commitDelay > .zero {
            let milliseconds =
                Int(commitDelay.components.seconds * 1000)
                + Int(commitDelay.components.attoseconds / 1_000_000_000_000_000)
            await withCheckedContinuation { continuation in
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(milliseconds)) {
                    continuation.resume()
                }
            }
        }
        state.withLock { $0.append(.committed) }
    }
}

/// Consumed records kept in memory.
final class FakeSource: SourceRecords {
    let rebalanceGeneration: UInt64
    private let records: [SourceRecord]

    init(generation: UInt64, records: [SourceRecord]) {
        self.rebalanceGeneration = generation
        self.records = records
    }

    func record(partition: Int32, offset: Int64) -> SourceRecord? {
        records.first { $0.partition == partition && $0.offset == offset }
    }
}

/// Bytes that records of a test batch point into.
final class FakeStorage: ProducerPayloadStorage {
    // nonisolated(unsafe): written once in init, only read afterwards, freed in deinit.
    private nonisolated(unsafe) let bytes: UnsafeMutableRawBufferPointer

    init(_ content: [UInt8]) {
        bytes = .allocate(byteCount: max(content.count, 1), alignment: 1)
        content.withUnsafeBytes {
            UnsafeMutableRawBufferPointer(rebasing: bytes[..<content.count]).copyMemory(from: $0)
        }
    }

    deinit { bytes.deallocate() }

    var payloadBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(bytes) }
}

/// Builds the pieces of a publish stage under test.
enum PublishFixture {
    static let input = "in"
    static let outputs = OutputTopics(enriched: "out.enriched", signals: "out.signals", rejected: "out.rejected")

    /// A chunk whose inputs are `records` (partition, offset), each with `outputsPerInput` enriched
    /// outputs keyed by the input, valued `"p:o:n"`.
    static func chunk(
        _ sequence: UInt64,
        part: UInt32 = 0,
        last: Bool = true,
        generation: UInt64 = 1,
        _ records: [(Int32, Int64)],
        outputsPerInput: Int = 1
    ) -> ProcessedWork {
        var content: [UInt8] = []
        var batchRecords: [ProducerBatch.Record] = []
        var inputs: [ProcessedInput] = []
        for (partition, offset) in records {
            let first = batchRecords.count
            for output in 0..<outputsPerInput {
                let start = content.count
                content += Array("\"\(partition):\(offset):\(output)\"".utf8)
                batchRecords.append(
                    ProducerBatch.Record(topic: 0, key: nil, value: start..<content.count, timestamp: nil)
                )
            }
            inputs.append(
                ProcessedInput(
                    partition: partition,
                    offset: offset,
                    outputs: first..<batchRecords.count,
                    enriched: outputsPerInput,
                    signals: 0,
                    rejectionReason: nil
                )
            )
        }
        let source = FakeSource(
            generation: generation,
            records: records.map { partition, offset in
                SourceRecord(
                    partition: partition,
                    offset: offset,
                    key: Array("k\(partition)".utf8),
                    value: Array(#"{"site_id":"s","event_type":"viewed","bsin":"b\#(offset)"}"#.utf8),
                    headers: [KafkaHeader(name: "h", value: [1])],
                    timestamp: 1_000
                )
            }
        )
        return ProcessedWork(
            id: WorkID(sequence: sequence, part: part),
            isLastPart: last,
            source: source,
            output: ProducerBatch(topics: outputs.byKind, storage: FakeStorage(content), records: batchRecords),
            inputs: inputs,
            outputBytes: content.count
        )
    }

    static func stage(
        sink: any RecordSink,
        store: any OffsetStore,
        timing: PublishStage.Timing = PublishStage.Timing(
            firstBackoff: .milliseconds(5),
            maximumBackoff: .milliseconds(20),
            revocationTimeout: .seconds(5),
            commitTimeout: .seconds(2)
        ),
        budget: OutputBudget = OutputBudget(limit: 1 << 30)
    ) -> PublishStage {
        let metrics = PipelineMetrics()
        return PublishStage(
            sink: sink,
            offsetStore: store,
            processor: EventProcessor(configuration: .default, botDetector: .builtIn()),
            inputTopic: input,
            outputs: outputs,
            budget: budget,
            timing: timing,
            accounting: PublishAccounting(
                outputs: outputs,
                metrics: metrics,
                statistics: PipelineStatistics(),
                logger: Logger(label: "publish-test")
            ),
            logger: Logger(label: "publish-test")
        )
    }

    static func partitions(_ numbers: Int32...) -> [TopicPartition] {
        numbers.map { TopicPartition(topic: input, partition: $0) }
    }

}

/// Broker and client errors the tests use, named as librdkafka names them.
enum TestErrors {
    static let timedOut = KafkaError(
        code: -192,
        name: "_MSG_TIMED_OUT",
        message: "timed out",
        isRetriable: true,
        context: "test"
    )
    static let topicAuthorizationFailed = KafkaError(
        code: 29,
        name: "TOPIC_AUTHORIZATION_FAILED",
        message: "denied",
        isRetriable: false,
        context: "test"
    )
    static let messageTooLarge = KafkaError(
        code: 10,
        name: "MSG_SIZE_TOO_LARGE",
        message: "too large",
        isRetriable: false,
        context: "test"
    )
    static let invalidTimestamp = KafkaError(
        code: 32,
        name: "INVALID_TIMESTAMP",
        message: "bad timestamp",
        isRetriable: false,
        context: "test"
    )
    static let fatal = KafkaError(
        code: -150,
        name: "_FATAL",
        message: "fatal",
        isRetriable: false,
        isFatal: true,
        context: "test"
    )
}
