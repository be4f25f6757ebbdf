/// A set of offsets kept as sorted, disjoint, non-adjacent half-open ranges: the rejections of one
/// partition that a redrive has published.
public struct OffsetIntervals: Sendable, Hashable {
    /// Sorted by start; no two overlap or touch.
    public private(set) var ranges: [Range<Int64>] = []

    public init() {}

    public init(_ ranges: [Range<Int64>]) {
        for range in ranges { insert(range) }
    }

    public var isEmpty: Bool { ranges.isEmpty }

    /// Whether `offset` is in the set.
    public func contains(_ offset: Int64) -> Bool {
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound <= offset { low = middle + 1 } else { high = middle }
        }
        return low < ranges.count && ranges[low].contains(offset)
    }

    /// Adds one offset.
    public mutating func insert(_ offset: Int64) {
        guard offset < .max else { return }
        // The common case: offsets arrive in increasing order.
        if let last = ranges.last, last.upperBound == offset {
            ranges[ranges.count - 1] = last.lowerBound..<(offset + 1)
        } else if let last = ranges.last, last.upperBound < offset {
            ranges.append(offset..<(offset + 1))
        } else {
            insert(offset..<(offset + 1))
        }
    }

    /// Adds a range, merging it with those it overlaps or touches.
    public mutating func insert(_ range: Range<Int64>) {
        guard !range.isEmpty else { return }
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound < range.lowerBound { low = middle + 1 } else { high = middle }
        }
        var end = low
        var merged = range
        while end < ranges.count, ranges[end].lowerBound <= merged.upperBound {
            merged = min(merged.lowerBound, ranges[end].lowerBound)..<max(merged.upperBound, ranges[end].upperBound)
            end += 1
        }
        ranges.replaceSubrange(low..<end, with: [merged])
    }

    /// Adds every range of `other`.
    public mutating func formUnion(_ other: OffsetIntervals) {
        for range in other.ranges { insert(range) }
    }
}
