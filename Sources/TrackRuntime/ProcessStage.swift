public import Kafka
import Metrics
public import TrackDomain

/// What the processing stage runs for each record: the domain's ``EventProcessor``, or, in tests,
/// a processor that fails on purpose.
public protocol RecordProcessing: Sendable {
    /// The outcome for one raw record; throwing means "could not process", not "bad data".
    func process(value: UnsafeRawBufferPointer?, source: SourceCoordinates) throws -> ProcessingOutcome
    /// The `processing_error` rejection for a record that kept failing.
    func processingErrorRejection(
        value: UnsafeRawBufferPointer?,
        source: SourceCoordinates,
        error: String
    )
        -> EncodedRecord
}

extension EventProcessor: RecordProcessing {}

/// The topics a pipeline writes.
struct OutputTopics: Sendable {
    var enriched: String
    var signals: String
    var rejected: String
}

/// A consumed batch on its way through the stages, numbered in consumption order.
struct ConsumedWork: Sendable {
    let sequence: UInt64
    let batch: ConsumerBatch
}

/// A batch's outputs, ready to publish, still holding the consumed records (so memory stays
/// bounded by the consumer's in-flight limit until the outputs are acknowledged).
struct ProcessedWork: Sendable {
    let sequence: UInt64
    let batch: ConsumerBatch
    /// Every output record, grouped by input record in input order.
    var messages: [ProducerMessage]
    /// One entry per input record, in input order.
    var inputs: [ProcessedInput]
}

/// What one input record produced.
struct ProcessedInput: Sendable {
    var partition: Int32
    var offset: Int64
    /// Its outputs in ``ProcessedWork/messages``.
    var outputs: Range<Int>
    var enriched: Int
    var signals: Int
    var rejectionReason: String?
}

/// The processing stage: validate → normalize/expand → signals → encode for a whole batch in one
/// actor hop. Several run in parallel; each owns the CPU work of the batches it is given.
actor ProcessStage {
    private let processor: any RecordProcessing
    private let inputTopic: String
    private let outputs: OutputTopics
    private let attempts: Int
    private let metrics: PipelineMetrics

    init(
        processor: any RecordProcessing,
        inputTopic: String,
        outputs: OutputTopics,
        attempts: Int,
        metrics: PipelineMetrics
    ) {
        self.processor = processor
        self.inputTopic = inputTopic
        self.outputs = outputs
        self.attempts = attempts
        self.metrics = metrics
    }

    func process(_ work: ConsumedWork) -> ProcessedWork {
        let started = ContinuousClock.now
        metrics.queueDuration.recordInterval(since: work.batch.polledAt)
        var messages: [ProducerMessage] = []
        messages.reserveCapacity(work.batch.count * 2)
        var inputs: [ProcessedInput] = []
        inputs.reserveCapacity(work.batch.count)
        for record in work.batch {
            let source = SourceCoordinates(
                topic: inputTopic,
                partition: record.partition,
                offset: record.offset,
                timestamp: record.timestamp
            )
            let first = messages.count
            let outcome = outcome(of: record, source: source)
            let timestamp = record.timestamp
            for output in outcome.enriched {
                messages.append(
                    ProducerMessage(topic: outputs.enriched, key: output.key, value: output.value, timestamp: timestamp)
                )
            }
            for output in outcome.signals {
                messages.append(
                    ProducerMessage(topic: outputs.signals, key: output.key, value: output.value, timestamp: timestamp)
                )
            }
            if let rejection = outcome.rejection {
                messages.append(
                    ProducerMessage(
                        topic: outputs.rejected,
                        key: rejection.key ?? record.key.map(Array.init),
                        value: rejection.value,
                        headers: record.headers,
                        timestamp: timestamp
                    )
                )
            }
            inputs.append(
                ProcessedInput(
                    partition: record.partition,
                    offset: record.offset,
                    outputs: first..<messages.count,
                    enriched: outcome.enriched.count,
                    signals: outcome.signals.count,
                    rejectionReason: outcome.rejectionReason?.rawValue
                )
            )
        }
        metrics.processingDuration.recordInterval(since: started)
        return ProcessedWork(sequence: work.sequence, batch: work.batch, messages: messages, inputs: inputs)
    }

    /// Runs the processor, retrying a throwing record a bounded number of times before rejecting
    /// it as `processing_error`: a poison record never stalls its partition.
    private func outcome(of record: ConsumedRecord, source: SourceCoordinates) -> ProcessingOutcome {
        var lastError = ""
        for _ in 0..<attempts {
            do {
                return try processor.process(value: record.value, source: source)
            } catch {
                lastError = "\(error)"
            }
        }
        metrics.processingErrors.increment()
        return ProcessingOutcome(
            rejection: processor.processingErrorRejection(value: record.value, source: source, error: lastError),
            rejectionReason: .processingError
        )
    }
}

extension Timer {
    /// Records the time since `start`.
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
