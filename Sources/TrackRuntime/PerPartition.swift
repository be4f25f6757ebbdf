/// Values kept per input partition while walking a batch record by record.
///
/// A batch holds records of a few partitions, in runs: a short array that remembers the slot used
/// last costs one comparison per record, where a dictionary would hash every record.
struct PerPartition<Value> {
    private(set) var entries: [(partition: Int32, value: Value)] = []
    private var lastSlot = 0

    var isEmpty: Bool { entries.isEmpty }

    subscript(partition: Int32) -> Value? {
        mutating get {
            guard let slot = slot(of: partition) else { return nil }
            return entries[slot].value
        }
        set {
            if let slot = slot(of: partition) {
                if let newValue { entries[slot].value = newValue } else { entries.remove(at: slot) }
            } else if let newValue {
                entries.append((partition, newValue))
                lastSlot = entries.count - 1
            }
        }
    }

    private mutating func slot(of partition: Int32) -> Int? {
        if lastSlot < entries.count, entries[lastSlot].partition == partition { return lastSlot }
        guard let slot = entries.firstIndex(where: { $0.partition == partition }) else { return nil }
        lastSlot = slot
        return slot
    }
}
