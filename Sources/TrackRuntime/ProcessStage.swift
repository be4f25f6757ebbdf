public import Kafka
import Metrics
public import TrackDomain

/// What the processing stage runs for each record: the domain's ``EventProcessor``, or, in tests,
/// a processor that fails on purpose.
public protocol RecordProcessing: Sendable {
    /// Appends the outputs of one raw record to `output`; throwing means "could not process", not
    /// "bad data" (the caller then rolls `output` back).
    /// Mutating: a processor may remember what it has seen (each worker holds its own copy).
    /// `carried` sizes the key and headers a rejection would be sent with.
    mutating func process(
        value: UnsafeRawBufferPointer?,
        source: SourceCoordinates,
        carrying carried: CarriedFields,
        into output: inout OutputBuffer
    ) throws -> RecordOutcome
    /// Appends the `processing_error` rejection for a record that kept failing; returns what it had
    /// to leave out to fit a record.
    func appendProcessingErrorRejection(
        value: UnsafeRawBufferPointer?,
        source: SourceCoordinates,
        error: String,
        carrying carried: CarriedFields,
        into output: inout OutputBuffer
    ) -> RejectionOmissions
}

extension EventProcessor: RecordProcessing {}

// The outputs of a batch are one block of memory that the producer sends without copying.
// TrackDomain has no I/O and does not depend on the Kafka binding, so the conformance lives here,
// in the module that joins them.
extension EncodedOutputs: ProducerPayloadStorage {
    public var payloadBytes: UnsafeRawBufferPointer { bytes }
}

/// The processing stage: validate → normalize/expand → signals → encode, a whole batch per actor
/// hop. Several run in parallel; each owns the CPU work of the batches it is given.
///
/// A batch's outputs are written into one block of memory, in chunks: when the block passes the
/// budget's chunk size (a batch of events that expand a lot), the chunk is handed on and the next one
/// begins, each only when the ``OutputBudget`` has room. So the memory of outputs stays bounded in
/// bytes, not only in batches.
actor ProcessStage {
    /// This worker's own copy.
    private var processor: any RecordProcessing
    private let inputTopic: String
    private let outputs: OutputTopics
    private let attempts: Int
    private let budget: OutputBudget
    private let metrics: PipelineMetrics
    private let headerPlanner: OutputHeaderPlanner
    /// Where a span per traced input goes (OTLP export), or nil: then nothing is timed or recorded.
    private let spans: (any InputSpanRecording)?

    init(
        processor: any RecordProcessing,
        inputTopic: String,
        outputs: OutputTopics,
        attempts: Int,
        budget: OutputBudget,
        metrics: PipelineMetrics,
        headers: HeaderPolicy = .default,
        spans: (any InputSpanRecording)? = nil
    ) {
        self.processor = processor
        self.inputTopic = inputTopic
        self.outputs = outputs
        self.attempts = attempts
        self.budget = budget
        self.metrics = metrics
        self.headerPlanner = OutputHeaderPlanner(policy: headers)
        self.spans = spans
    }

    /// Processes the batch and hands each chunk of its outputs to `publish`, in order.
    func process(_ work: ConsumedWork, publish: @Sendable (ProcessedWork) async -> Void) async {
        metrics.queueDuration.recordInterval(since: work.batch.polledAt)
        var next = work.batch.startIndex
        var part: UInt32 = 0
        repeat {
            await budget.waitForRoom(sequence: work.sequence)
            let started = ContinuousClock.now
            let chunk = processChunk(of: work, from: &next, part: part)
            budget.produced(chunk.outputBytes)
            metrics.processingDuration.recordInterval(since: started)
            await publish(chunk)
            part += 1
        } while next < work.batch.endIndex
    }

    /// Processes records from `next` on until the outputs reach the budget's chunk size or the batch
    /// ends; `next` is left at the first record not processed.
    private func processChunk(of work: ConsumedWork, from next: inout Int, part: UInt32) -> ProcessedWork {
        let batch = work.batch
        let chunkBytes = budget.chunkBytes
        let expectedRecords = Self.expectedOutputRecords(of: batch)
        var output = OutputBuffer(
            capacity: min(Self.expectedOutputBytes(of: batch), chunkBytes + chunkBytes / 4),
            expectedRecords: expectedRecords
        )
        var records: [ProducerBatch.Record] = []
        records.reserveCapacity(expectedRecords)
        var inputs: [ProcessedInput] = []
        inputs.reserveCapacity(batch.count - next)
        var droppedForSize = 0
        var invalidTraceParents = 0
        defer {
            metrics.recordHeadersDropped(tooLarge: droppedForSize, invalidTraceParent: invalidTraceParents)
        }
        while next < batch.endIndex, output.byteCount < chunkBytes {
            let started = spans == nil ? 0 : WallClock.nanoseconds()
            let record = batch[next]
            next += 1
            let source = SourceCoordinates(
                topic: inputTopic,
                partition: record.partition,
                offset: record.offset,
                timestamp: record.timestamp
            )
            let first = output.records.count
            // Reading the headers of a record that has none costs no allocation.
            let inputHeaders = record.headers
            let planned = headerPlanner.plan(inputHeaders, source: source)
            var carried = CarriedFields.of(record, headers: inputHeaders)
            carried.outputHeaders = planned.sizes
            let outcome = outcome(of: record, source: source, carrying: carried, into: &output)
            var headers = planned.accepted
            if outcome.rejectionReason != nil {
                if !outcome.omissions.contains(.keyAndHeaders), let key = record.key {
                    output.assignKey(output.appendKey(key), toRecordsFrom: first)
                }
                headers = OutputHeaderPlanner.rejectionHeaders(input: inputHeaders, omissions: outcome.omissions)
            } else if outcome.forwardedHeadersOmitted {
                headers = OutputHeaderPlanner.withoutForwarded(planned)
            }
            if outcome.rejectionReason == nil, planned.droppedForSize || outcome.forwardedHeadersOmitted {
                droppedForSize += 1
            }
            if planned.invalidTraceParent { invalidTraceParents += 1 }
            for layout in output.records[first...] {
                records.append(
                    ProducerBatch.Record(
                        topic: Int(layout.kind.rawValue),
                        key: layout.key,
                        value: layout.value,
                        timestamp: record.timestamp,
                        headers: headers
                    )
                )
            }
            if let spans, let child = planned.child, child.isSampled, let parent = planned.parent {
                spans.record(
                    InputSpan(
                        parent: parent,
                        child: child,
                        source: source,
                        startNanoseconds: started,
                        endNanoseconds: WallClock.nanoseconds(),
                        enriched: outcome.enriched,
                        signals: outcome.signals,
                        rejectionReason: outcome.rejectionReason
                    )
                )
            }
            inputs.append(
                ProcessedInput(
                    partition: record.partition,
                    offset: record.offset,
                    outputs: first..<output.records.count,
                    enriched: outcome.enriched,
                    signals: outcome.signals,
                    rejectionReason: outcome.rejectionReason?.rawValue
                )
            )
        }
        let outputBytes = output.byteCount
        return ProcessedWork(
            id: WorkID(sequence: work.sequence, part: part),
            isLastPart: next == batch.endIndex,
            source: batch,
            output: ProducerBatch(topics: outputs.byKind, storage: output.finish(), records: records),
            inputs: inputs,
            outputBytes: outputBytes
        )
    }

    /// Room for a batch's output records without growing their arrays (each growth copies them):
    /// gen_events traffic yields 2.06 outputs per input, and shares expand further.
    private static func expectedOutputRecords(of batch: ConsumerBatch) -> Int {
        batch.count * 5 / 2 + 16
    }

    /// Room for a batch's outputs without growing the block (each growth copies it). Enriched
    /// events repeat their input plus about 500 bytes of fields, and most events add a signal of
    /// about 330 bytes: on gen_events traffic outputs are 1.5 KB per 565-byte input.
    private static func expectedOutputBytes(of batch: ConsumerBatch) -> Int {
        var inputBytes = 0
        for record in batch { inputBytes += record.value?.count ?? 0 }
        return inputBytes * 2 + batch.count * 640
    }

    /// Runs the processor, retrying a throwing record a bounded number of times before rejecting
    /// it as `processing_error`: a poison record never stalls its partition.
    private func outcome(
        of record: ConsumedRecord,
        source: SourceCoordinates,
        carrying carried: CarriedFields,
        into output: inout OutputBuffer
    ) -> RecordOutcome {
        var lastError = ""
        let start = output.checkpoint
        for _ in 0..<attempts {
            do {
                return try processor.process(value: record.value, source: source, carrying: carried, into: &output)
            } catch {
                output.rollback(to: start)
                lastError = "\(error)"
            }
        }
        metrics.processingErrors.increment()
        let omissions = processor.appendProcessingErrorRejection(
            value: record.value,
            source: source,
            error: lastError,
            carrying: carried,
            into: &output
        )
        return RecordOutcome(enriched: 0, signals: 0, rejectionReason: .processingError, omissions: omissions)
    }
}

extension CarriedFields {
    /// The record's key and `headers` (its headers, read once by the caller).
    static func of(_ record: ConsumedRecord, headers: [KafkaHeader]) -> CarriedFields {
        of(keyBytes: record.key?.count, headers: headers)
    }

    /// A key of `keyBytes` bytes (nil: none) and `headers`.
    static func of(keyBytes: Int?, headers: [KafkaHeader]) -> CarriedFields {
        CarriedFields(
            keyBytes: keyBytes,
            headerCount: headers.count,
            headerBytes: headers.reduce(0) { $0 + $1.byteCount }
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
