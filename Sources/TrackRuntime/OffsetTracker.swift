import Kafka

/// Decides which input offsets may be committed: per partition, the batches in flight in
/// consumption order; an offset becomes committable only when its batch *and every earlier batch
/// of that partition* has all its outputs acknowledged.
struct OffsetTracker {
    private struct Pending {
        var sequence: UInt64
        var nextOffset: Int64
        var done = false
    }

    private var pending: [TopicPartition: [Pending]] = [:]

    /// A batch was handed to the producer with records of these partitions up to `nextOffset - 1`.
    mutating func begin(sequence: UInt64, nextOffsets: [TopicPartition: Int64]) {
        for (partition, nextOffset) in nextOffsets {
            pending[partition, default: []].append(Pending(sequence: sequence, nextOffset: nextOffset))
        }
    }

    /// A batch's outputs are all acknowledged; returns the offsets that became committable.
    mutating func complete(sequence: UInt64, partitions: some Sequence<TopicPartition>) -> [TopicPartitionOffset] {
        var committable: [TopicPartitionOffset] = []
        for partition in partitions {
            guard var queue = pending[partition], let index = queue.firstIndex(where: { $0.sequence == sequence })
            else {
                continue
            }
            queue[index].done = true
            var released: Int64?
            while let first = queue.first, first.done {
                released = first.nextOffset
                queue.removeFirst()
            }
            pending[partition] = queue.isEmpty ? nil : queue
            if let released { committable.append(TopicPartitionOffset(partition, offset: released)) }
        }
        return committable
    }

    /// Whether any batch with records of these partitions is still awaiting acknowledgement.
    func hasPending(in partitions: Set<TopicPartition>) -> Bool {
        partitions.contains { pending[$0] != nil }
    }

    var isEmpty: Bool { pending.isEmpty }

    /// Forgets lost partitions: their in-flight batches will never be committed here.
    mutating func forget(_ partitions: some Sequence<TopicPartition>) {
        for partition in partitions { pending[partition] = nil }
    }
}
