import Kafka

/// Decides what is published and in which order.
///
/// - **Order.** Workers finish chunks in any order; the sequencer releases them in consumption order
///   (``WorkID`` order: every part of a batch before the next batch), so that each input partition's
///   records, and so each user's outputs, are published in the order they were consumed.
/// - **Ownership.** Only records of partitions this member owns, and owned since before the records
///   were polled, are published: a partition revoked (or lost) and perhaps assigned again meanwhile
///   is being read from its committed offset by someone, and older records of it are stale.
/// - **Range.** In a replay, only records before each partition's end offset.
///
/// Offsets may be stored for a partition while it is owned and while it is being revoked (the work
/// a revocation waits for is committed with it), never after it is released or lost.
struct Sequencer {
    private enum Ownership {
        /// Owned since the rebalance generation of its latest assignment.
        case owned(since: UInt64)
        /// Being revoked: nothing more is published; what is in flight may still finish and store.
        case revoking
    }

    private let inputTopic: String
    private var ownership: [Int32: Ownership] = [:]
    /// For a replay: per partition, the first offset past the range.
    private var rangeEnds: [Int32: Int64]?
    /// Chunks that arrived before the ones they follow.
    private var early: [WorkID: ProcessedWork] = [:]
    /// The chunk to release next.
    private(set) var next = WorkID(sequence: 1, part: 0)

    init(inputTopic: String) {
        self.inputTopic = inputTopic
    }

    /// Takes a finished chunk; returns the chunks now due, in order (none while one before is missing).
    mutating func accept(_ work: ProcessedWork) -> [ProcessedWork] {
        guard work.id >= next else { return [] }
        early[work.id] = work
        var due: [ProcessedWork] = []
        while let chunk = early.removeValue(forKey: next) {
            next =
                chunk.isLastPart
                ? WorkID(sequence: next.sequence + 1, part: 0)
                : WorkID(
                    sequence: next.sequence,
                    part: next.part + 1
                )
            due.append(chunk)
        }
        return due
    }

    /// Whether chunks are waiting for earlier ones.
    var isHolding: Bool { !early.isEmpty }

    /// Whether every chunk of batches up to `sequence` has been released.
    func hasReleased(through sequence: UInt64) -> Bool { next.sequence > sequence }

    /// The part of `work` that may be published now, renumbered; nil when nothing of it may.
    /// Usually everything, returned without a copy.
    func publishable(_ work: ProcessedWork) -> ProcessedWork? {
        var verdicts = PerPartition<Bool>()
        var keepsAll = rangeEnds == nil
        for input in work.inputs where verdicts[input.partition] == nil {
            let verdict: Bool
            if case .owned(let since)? = ownership[input.partition] {
                verdict = work.generation >= since
            } else {
                verdict = false
            }
            verdicts[input.partition] = verdict
            keepsAll = keepsAll && verdict
        }
        if keepsAll { return work }
        var kept: [ProcessedInput] = []
        kept.reserveCapacity(work.inputs.count)
        for input in work.inputs where verdicts[input.partition] == true {
            if let end = rangeEnds?[input.partition], input.offset >= end { continue }
            kept.append(input)
        }
        guard !kept.isEmpty else { return nil }
        var publishable = work
        publishable.output = work.output.keeping(kept.lazy.flatMap { $0.outputs })
        var position = 0
        publishable.inputs = kept.map { input in
            var moved = input
            moved.outputs = position..<(position + input.outputs.count)
            position += input.outputs.count
            return moved
        }
        return publishable
    }

    /// Whether finished work may store offsets for `partition`.
    func mayStoreOffsets(for partition: TopicPartition) -> Bool {
        partition.topic == inputTopic && ownership[partition.partition] != nil
    }

    /// The partitions are this member's from rebalance generation `generation` on.
    mutating func assign(_ partitions: [TopicPartition], generation: UInt64) {
        for partition in partitions where partition.topic == inputTopic {
            ownership[partition.partition] = .owned(since: generation)
        }
    }

    /// A revocation has begun: nothing more of these partitions is published.
    mutating func beginRevoking(_ partitions: [TopicPartition]) {
        for partition in partitions where partition.topic == inputTopic && ownership[partition.partition] != nil {
            ownership[partition.partition] = .revoking
        }
    }

    /// The partitions are no longer this member's (revoked and committed, or lost).
    mutating func release(_ partitions: [TopicPartition]) {
        for partition in partitions where partition.topic == inputTopic {
            ownership[partition.partition] = nil
        }
    }

    /// Limits publishing to offsets before these ends (a replay's range).
    mutating func limit(to ends: [Int32: Int64]) {
        rangeEnds = ends
    }
}
