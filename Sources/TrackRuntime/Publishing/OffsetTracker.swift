import Kafka

/// Decides which input offsets may be stored: per partition, the chunks in flight in consumption
/// order; an offset becomes storable only when its chunk *and every earlier chunk of that partition*
/// has all its outputs acknowledged. A chunk that never finishes (given up on a shutdown, or stopped
/// by an output that cannot be delivered) holds back every later offset of its partitions.
struct OffsetTracker {
    private struct Pending {
        var id: WorkID
        var nextOffset: Int64
        var done = false
    }

    private var pending: [TopicPartition: [Pending]] = [:]

    /// A chunk was handed to the producer with records of these partitions up to `nextOffset - 1`.
    mutating func begin(_ id: WorkID, nextOffsets: [TopicPartition: Int64]) {
        for (partition, nextOffset) in nextOffsets {
            pending[partition, default: []].append(Pending(id: id, nextOffset: nextOffset))
        }
    }

    /// A chunk's outputs are all acknowledged; returns the offsets that became storable.
    mutating func complete(_ id: WorkID, partitions: some Sequence<TopicPartition>) -> [TopicPartitionOffset] {
        var committable: [TopicPartitionOffset] = []
        for partition in partitions {
            guard var queue = pending[partition], let index = queue.firstIndex(where: { $0.id == id })
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

    /// Whether any chunk with records of these partitions is still awaiting acknowledgement.
    func hasPending(in partitions: Set<TopicPartition>) -> Bool {
        partitions.contains { pending[$0] != nil }
    }

    var isEmpty: Bool { pending.isEmpty }

    /// Forgets partitions (lost, or given up on): their chunks in flight will never store offsets.
    mutating func forget(_ partitions: some Sequence<TopicPartition>) {
        for partition in partitions { pending[partition] = nil }
    }
}
