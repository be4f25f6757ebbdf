import Kafka

/// A consumed batch on its way to a processing worker, numbered in consumption order.
struct ConsumedWork: Sendable {
    let sequence: UInt64
    let batch: ConsumerBatch
}

/// Which chunk of which consumed batch a piece of work is: batches are numbered in consumption
/// order from 1, and a batch whose outputs grow large is published in several parts, numbered from 0.
struct WorkID: Sendable, Hashable, Comparable, CustomStringConvertible {
    var sequence: UInt64
    var part: UInt32

    static func < (left: WorkID, right: WorkID) -> Bool {
        (left.sequence, left.part) < (right.sequence, right.part)
    }

    var description: String { part == 0 ? "\(sequence)" : "\(sequence).\(part)" }
}

/// The outputs of one chunk of a consumed batch, ready to publish.
struct ProcessedWork: Sendable {
    let id: WorkID
    /// Whether this is the batch's last chunk (the next chunk in consumption order is then the
    /// next batch's first).
    let isLastPart: Bool
    /// The records the chunk came from, alive until its outputs are acknowledged.
    let source: any SourceRecords
    /// Every output record, grouped by input record in input order.
    var output: ProducerBatch
    /// One entry per input record of the chunk, in input order.
    var inputs: [ProcessedInput]
    /// The size of the outputs, counted against the in-flight byte limit until acknowledged.
    let outputBytes: Int

    /// The rebalance generation the records were polled in.
    var generation: UInt64 { source.rebalanceGeneration }
}

/// What one input record produced.
struct ProcessedInput: Sendable, Hashable {
    var partition: Int32
    var offset: Int64
    /// Its outputs in ``ProcessedWork/output``.
    var outputs: Range<Int>
    var enriched: Int
    var signals: Int
    var rejectionReason: String?
}

/// The topics a pipeline writes.
struct OutputTopics: Sendable {
    var enriched: String
    var signals: String
    var rejected: String

    /// The topics in the order of ``OutputKind``'s raw values, as a ``ProducerBatch`` names them.
    var byKind: [String] { [enriched, signals, rejected] }
}
