extension Collection {
    /// The elements whose key has not occurred before them, in order: a share's targets, a purchase's
    /// items. Such collections are short, so up to 16 elements are compared with those kept so far;
    /// longer ones are checked through a set, which keeps the work linear.
    func firstOccurrences<Key: Hashable>(by key: (Element) -> Key) -> [Element] {
        var kept: [Element] = []
        kept.reserveCapacity(count)
        if count <= 16 {
            for element in self where !kept.contains(where: { key($0) == key(element) }) {
                kept.append(element)
            }
        } else {
            var seen: Set<Key> = []
            for element in self where seen.insert(key(element)).inserted {
                kept.append(element)
            }
        }
        return kept
    }
}
