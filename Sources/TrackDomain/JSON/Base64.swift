/// Standard Base64 (RFC 4648 §4) with padding.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The padded Base64 text of `bytes`.
    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            appendQuad(chunk, significant: 4, to: &output)
            index += 3
        }
        switch bytes.count - index {
        case 1:
            appendQuad(UInt32(bytes[index]) << 16, significant: 2, to: &output)
        case 2:
            appendQuad(UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8, significant: 3, to: &output)
        default:
            break
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The padded Base64 text of `bytes`.
    public static func encode(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { encode($0) }
    }

    /// The bytes of padded Base64 `text`, or nil when it is not exactly that (a wrong length, a
    /// character outside the alphabet, padding before the end, or bits set in the padding).
    public static func decode(_ text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            var chunk: UInt32 = 0
            var padding = 0
            for position in 0..<4 {
                let character = input[index + position]
                if character == UInt8(ascii: "=") {
                    // Padding: only the last one or two characters of the last quad.
                    guard index + 4 == input.count, position >= 2 else { return nil }
                    padding += 1
                    chunk <<= 6
                } else {
                    guard padding == 0, let sextet = sextets[Int(character)] else { return nil }
                    chunk = chunk << 6 | UInt32(sextet)
                }
            }
            output.append(UInt8(chunk >> 16 & 0xFF))
            if padding < 2 { output.append(UInt8(chunk >> 8 & 0xFF)) }
            if padding < 1 { output.append(UInt8(chunk & 0xFF)) }
            // Canonical only: the bits the padding drops must be zero.
            if padding == 2, chunk & 0xFFFF != 0 { return nil }
            if padding == 1, chunk & 0xFF != 0 { return nil }
            index += 4
        }
        return output
    }

    /// Each byte's value in the alphabet, nil for bytes outside it.
    private static let sextets: [UInt8?] = {
        var table = [UInt8?](repeating: nil, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()

    /// The number of bytes that the padded Base64 text `text` decodes to.
    public static func decodedCount(_ text: String) -> Int {
        let count = text.utf8.count
        let padding = text.utf8.reversed().prefix(2).prefix { $0 == UInt8(ascii: "=") }.count
        return max(0, count / 4 * 3 - padding)
    }

    private static func appendQuad(_ chunk: UInt32, significant: Int, to output: inout [UInt8]) {
        for position in 0..<4 {
            if position < significant {
                output.append(alphabet[Int((chunk >> (18 - 6 * UInt32(position))) & 0x3F)])
            } else {
                output.append(UInt8(ascii: "="))
            }
        }
    }
}
