/// Trimming and lowercasing without Foundation, with ASCII fast paths (identifiers are almost always ASCII).
enum TextNormalization {
    /// `text` without leading and trailing Unicode whitespace.
    static func trimmed(_ text: String) -> String {
        let utf8 = text.utf8
        guard let first = utf8.first, let last = utf8.last else { return text }
        if isPlainASCII(first) && isPlainASCII(last) { return text }
        if first < 0x80 && last < 0x80, let start = utf8.firstIndex(where: isPlainASCII),
            let end = utf8.lastIndex(where: isPlainASCII),
            utf8[start...end].allSatisfy({ $0 < 0x80 }),
            utf8[..<start].allSatisfy(isASCIIWhitespace), utf8[utf8.index(after: end)...].allSatisfy(isASCIIWhitespace)
        {
            return String(Substring(utf8[start...end]))
        }
        let scalars = text.unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[start...end])
    }

    /// `text` lowercased; ASCII text is mapped byte by byte, anything else by Unicode rules.
    static func lowercased(_ text: String) -> String {
        let utf8 = text.utf8
        guard utf8.allSatisfy({ $0 < 0x80 }) else { return text.lowercased() }
        guard utf8.contains(where: { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) else { return text }
        return String(
            decoding: utf8.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 | 0x20 : $0 },
            as: UTF8.self
        )
    }

    /// `text` with every `:::at:::` replaced by `@`.
    static func unescapingAt(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: ":")) else { return text }
        return text.replacing(":::at:::", with: "@")
    }

    /// ``unescapingAt(_:)`` of ``lowercased(_:)`` of ``trimmed(_:)`` in one pass over ASCII bytes, the
    /// form nearly every email arrives in; nil when a byte is not ASCII (the caller then takes the
    /// general path). Unicode's whitespace within ASCII is exactly what ``isASCIIWhitespace(_:)`` tests.
    static func asciiEmail(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var start = 0
        var end = bytes.count
        for byte in bytes where byte >= 0x80 { return nil }
        while start < end && isASCIIWhitespace(bytes[start]) { start += 1 }
        while end > start && isASCIIWhitespace(bytes[end - 1]) { end -= 1 }
        return String(unsafeUninitializedCapacity: end - start) { output in
            var written = 0
            var index = start
            while index < end {
                if bytes[index] == UInt8(ascii: ":") && isEscapedAt(bytes, from: index, before: end) {
                    output[written] = UInt8(ascii: "@")
                    index += escapedAt.count
                } else {
                    output[written] = lowercasedASCII(bytes[index])
                    index += 1
                }
                written += 1
            }
            return written
        }
    }

    private static let escapedAt = Array(":::at:::".utf8)

    /// Whether `:::at:::`, compared case-insensitively as after lowercasing, starts at `index`.
    private static func isEscapedAt(_ bytes: UnsafeBufferPointer<UInt8>, from index: Int, before end: Int) -> Bool {
        guard end - index >= escapedAt.count else { return false }
        for offset in escapedAt.indices where lowercasedASCII(bytes[index + offset]) != escapedAt[offset] {
            return false
        }
        return true
    }

    private static func lowercasedASCII(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
    }

    /// Space, tab, line feed, vertical tab, form feed, carriage return.
    private static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    /// A printable ASCII byte other than a space: certainly not whitespace.
    private static func isPlainASCII(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F
    }
}
