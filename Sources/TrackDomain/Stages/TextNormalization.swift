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
        guard utf8.contains(where: isUppercaseASCII) else { return text }
        return String(decoding: utf8.map(lowercasedASCII), as: UTF8.self)
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
                if bytes[index] == UInt8(ascii: ":"), end - index >= escapedAt.utf8CodeUnitCount,
                    equals(bytes[index..<(index + escapedAt.utf8CodeUnitCount)], escapedAt, ignoringCase: true)
                {
                    output[written] = UInt8(ascii: "@")
                    index += escapedAt.utf8CodeUnitCount
                } else {
                    output[written] = lowercasedASCII(bytes[index])
                    index += 1
                }
                written += 1
            }
            return written
        }
    }

    /// `:::at:::`, compared ignoring case because it is read after lowercasing.
    private static let escapedAt: StaticString = ":::at:::"

    /// Whether `bytes` spell `expected`; with `ignoringCase` they are compared lowercased, so
    /// `expected` must be lowercase.
    static func equals(
        _ bytes: Slice<UnsafeBufferPointer<UInt8>>,
        _ expected: StaticString,
        ignoringCase: Bool = false
    ) -> Bool {
        guard bytes.count == expected.utf8CodeUnitCount else { return false }
        let expectedBytes = UnsafeBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount)
        return zip(bytes, expectedBytes).allSatisfy { (ignoringCase ? lowercasedASCII($0) : $0) == $1 }
    }

    static func isUppercaseASCII(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    /// `byte` with A-Z mapped to a-z.
    static func lowercasedASCII(_ byte: UInt8) -> UInt8 {
        isUppercaseASCII(byte) ? byte | 0x20 : byte
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
