/// User agents and what is known of each: the user agents' bytes back to back in one array, found
/// through an open-addressing index of their hashes.
///
/// A look-up hashes the bytes once and compares them a word at a time: no `Hasher`, no reference
/// counting. A search gives up after ``maximumProbes`` slots, so crafted colliding user agents cost at
/// most that many comparisons each; they are then matched every time, like unique ones. The index
/// doubles as it fills, up to four slots per remembered user agent.
struct UserAgentTable<Value: Sendable>: Sendable {
    private struct Slot: Sendable {
        var hash: UInt32 = 0
        var start: UInt32 = 0
        var length: UInt16 = 0
        var value: Value? = nil
        var isUsed = false
    }

    static var maximumProbes: Int { 16 }
    private var slots = Array(repeating: Slot(), count: 64)
    private var bytes: [UInt8] = []
    private(set) var count = 0
    /// The largest index: room for `capacity` user agents with the index at most a quarter full.
    private let maximumSlots: Int

    init(capacity: Int) {
        var slotCount = 64
        while slotCount < capacity * 4 { slotCount *= 2 }
        maximumSlots = slotCount
    }

    /// Bytes held, including those of user agents whose slot was taken over by another.
    var storedBytes: Int { bytes.count }

    /// The most bytes held before the table is emptied: those of `capacity` of the longest user agents
    /// remembered, and never past what a slot's 32-bit offset can address.
    static func byteLimit(capacity: Int) -> Int {
        min(capacity * UserAgentCache.longestRemembered, Int(UInt32.max) - UserAgentCache.longestRemembered)
    }

    mutating func removeAll() {
        for index in slots.indices { slots[index].isUsed = false }
        bytes.removeAll(keepingCapacity: true)
        count = 0
    }

    func value(for userAgent: UnsafeBufferPointer<UInt8>, hash: UInt32) -> Value? {
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        for _ in 0..<Self.maximumProbes {
            let slot = slots[index]
            guard slot.isUsed else { return nil }
            if slot.hash == hash && Int(slot.length) == userAgent.count && matches(slot, userAgent) {
                return slot.value
            }
            index = (index + 1) & mask
        }
        return nil
    }

    /// Stores a user agent not found by ``value(for:hash:)``: in the first free slot it probes, or,
    /// when all are taken, in place of the one its hash points at.
    mutating func remember(_ userAgent: UnsafeBufferPointer<UInt8>, hash: UInt32, value: Value) {
        if count * 4 >= slots.count && slots.count < maximumSlots { grow() }
        let start = UInt32(bytes.count)
        bytes.append(contentsOf: userAgent)
        place(Slot(hash: hash, start: start, length: UInt16(userAgent.count), value: value, isUsed: true))
    }

    private mutating func place(_ slot: Slot) {
        let mask = slots.count - 1
        let home = Int(truncatingIfNeeded: slot.hash) & mask
        var target = home
        var index = home
        for _ in 0..<Self.maximumProbes {
            if !slots[index].isUsed {
                target = index
                count += 1
                break
            }
            index = (index + 1) & mask
        }
        slots[target] = slot
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(), count: old.count * 2)
        count = 0
        for slot in old where slot.isUsed { place(slot) }
    }

    private func matches(_ slot: Slot, _ userAgent: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.withUnsafeBytes { stored in
            JSONBytes.equal(
                UnsafeRawBufferPointer(rebasing: stored[Int(slot.start)..<Int(slot.start) + Int(slot.length)]),
                UnsafeRawBufferPointer(userAgent)
            )
        }
    }

    /// A fast hash of the bytes, read eight at a time and mixed as MurmurHash3's finalizer does.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        var hash = UInt64(truncatingIfNeeded: bytes.count) &* multiplier
        let raw = UnsafeRawBufferPointer(bytes)
        var offset = 0
        while offset + 8 <= raw.count {
            let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            hash = (hash ^ word) &* multiplier
            hash ^= hash >> 29
            offset += 8
        }
        var tail: UInt64 = 0
        while offset < raw.count {
            tail = tail << 8 | UInt64(raw[offset])
            offset += 1
        }
        hash ^= tail
        hash = (hash ^ (hash >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        hash = (hash ^ (hash >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        return UInt32(truncatingIfNeeded: hash ^ (hash >> 33))
    }
}
