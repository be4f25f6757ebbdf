/// Writes a ``JSONFragment`` as compact UTF-8 JSON.
///
/// Strings are escaped per RFC 8259: quote, backslash and every control character below U+0020, so
/// a written value never holds a raw newline and generated traffic can be stored one value a line.
/// Non-ASCII text is written as UTF-8, as browsers' collectors forward it.
enum JSONBytesWriter {
    static func bytes(of fragment: JSONFragment) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(768)
        write(fragment, into: &output)
        return output
    }

    private static func write(_ fragment: JSONFragment, into output: inout [UInt8]) {
        switch fragment {
        case .string(let text):
            writeString(text, into: &output)
        case .integer(let value):
            output.append(contentsOf: String(value).utf8)
        case .number(let text):
            output.append(contentsOf: text.utf8)
        case .bool(let value):
            output.append(contentsOf: (value ? "true" : "false").utf8)
        case .null:
            output.append(contentsOf: "null".utf8)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                write(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            for (index, member) in object.members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                write(member.value, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        let written: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
            append(bytes, to: &output)
        }
        if written == nil { append(Array(text.utf8), to: &output) }
        output.append(UInt8(ascii: "\""))
    }

    /// Copies plain text in one go; escapes byte by byte only when the text needs it.
    private static func append(_ bytes: some Collection<UInt8>, to output: inout [UInt8]) {
        if bytes.contains(where: needsEscape) {
            for byte in bytes { appendEscaped(byte, to: &output) }
        } else {
            output.append(contentsOf: bytes)
        }
    }

    /// Quote, backslash and control characters must be escaped inside a JSON string.
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    private static func appendEscaped(_ byte: UInt8, to output: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case UInt8(ascii: "\n"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case UInt8(ascii: "\r"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case UInt8(ascii: "\t"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0..<0x20:
            output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            output.append(hexDigit(byte >> 4))
            output.append(hexDigit(byte & 0xF))
        default:
            output.append(byte)
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
