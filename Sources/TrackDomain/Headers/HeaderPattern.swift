/// A header name to match in a pipeline's `headers.allow` or `headers.deny`: an exact name, or a
/// prefix ending in `*` (`x-b3-*`; `*` alone matches every name).
///
/// Names are compared byte for byte, case-sensitively, as Kafka compares header names.
public struct HeaderPattern: Sendable, Hashable, CustomStringConvertible {
    /// The name, or the prefix without its `*`.
    public let text: String
    /// Whether ``text`` is a prefix.
    public let isPrefix: Bool

    /// Nil for text that is not a pattern: empty, or with a `*` anywhere but at the end.
    public init?(_ pattern: String) {
        guard !pattern.isEmpty else { return nil }
        let isPrefix = pattern.utf8.last == UInt8(ascii: "*")
        let text = isPrefix ? String(pattern.dropLast()) : pattern
        guard !text.utf8.contains(UInt8(ascii: "*")) else { return nil }
        self.text = text
        self.isPrefix = isPrefix
    }

    /// Whether the header name `name` matches.
    public func matches(_ name: String) -> Bool {
        isPrefix ? name.utf8.starts(with: text.utf8) : name.utf8.elementsEqual(text.utf8)
    }

    /// The pattern as written: `name` or `prefix*`.
    public var description: String { isPrefix ? text + "*" : text }
}
