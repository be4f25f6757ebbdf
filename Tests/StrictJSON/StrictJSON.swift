/// A strict JSON checker for test outputs, written apart from the product's parser so that a bug in
/// one cannot hide the same bug in the other.
///
/// Accepts exactly one RFC 8259 value (surrounding whitespace allowed) that every strict reader
/// accepts and reads alike: UTF-8 that is well formed (Unicode Table 3-7), no `\u` escape that leaves
/// a lone surrogate, no NaN or infinity (nor a number past the largest double), and no object with two members of the same name (names
/// compared by their decoded bytes, at any depth and any member count).
public enum StrictJSON {
    /// Why a value is not strict JSON, and where.
    public struct Violation: Error, CustomStringConvertible, Sendable {
        public var reason: String
        public var offset: Int
        public var description: String { "\(reason) at byte \(offset)" }
    }

    /// Deeper nesting is reported rather than risking the test's stack.
    public static let maximumDepth = 512

    /// Throws the first violation in `bytes`.
    public static func validate(_ bytes: [UInt8]) throws(Violation) {
        var checker = Checker(bytes: bytes)
        checker.skipWhitespace()
        try checker.value(depth: 0)
        checker.skipWhitespace()
        guard checker.index == bytes.count else { throw checker.violation("data after the value") }
    }

    /// Throws the first violation in the UTF-8 of `text`.
    public static func validate(_ text: String) throws(Violation) {
        try validate(Array(text.utf8))
    }

    /// The violation in `bytes`, or nil when they are strict JSON.
    public static func violation(in bytes: [UInt8]) -> Violation? {
        do {
            try validate(bytes)
            return nil
        } catch {
            return error
        }
    }
}

private struct Checker {
    let bytes: [UInt8]
    var index = 0

    func violation(_ reason: String) -> StrictJSON.Violation {
        StrictJSON.Violation(reason: reason, offset: index)
    }

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    mutating func value(depth: Int) throws(StrictJSON.Violation) {
        guard depth < StrictJSON.maximumDepth else { throw violation("nesting deeper than \(StrictJSON.maximumDepth)") }
        switch current {
        case UInt8(ascii: "{"): try object(depth: depth + 1)
        case UInt8(ascii: "["): try array(depth: depth + 1)
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-")?, (UInt8(ascii: "0")...UInt8(ascii: "9"))?: try number()
        case nil: throw violation("unexpected end")
        default: throw violation("not a JSON value (NaN, Infinity and bare words are not JSON)")
        }
    }

    mutating func literal(_ word: String) throws(StrictJSON.Violation) {
        for expected in word.utf8 {
            guard current == expected else { throw violation("bad literal, expected \(word)") }
            index += 1
        }
    }

    mutating func object(depth: Int) throws(StrictJSON.Violation) {
        index += 1
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return
        }
        var names = Set<[UInt8]>()
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw violation("expected a member name") }
            let nameOffset = index
            let name = try string()
            guard names.insert(name).inserted else {
                throw StrictJSON.Violation(
                    reason: "duplicate member name \"\(String(decoding: name.prefix(64), as: UTF8.self))\"",
                    offset: nameOffset
                )
            }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw violation("expected ':'") }
            index += 1
            skipWhitespace()
            try value(depth: depth)
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return
            default: throw violation("expected ',' or '}'")
            }
        }
    }

    mutating func array(depth: Int) throws(StrictJSON.Violation) {
        index += 1
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            try value(depth: depth)
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return
            default: throw violation("expected ',' or ']'")
            }
        }
    }

    /// A number in JSON's grammar and within the range of a double: orjson and Foundation refuse a
    /// larger one, other readers make it infinity.
    mutating func number() throws(StrictJSON.Violation) {
        let start = index
        try numberGrammar()
        guard Double(String(decoding: bytes[start..<index], as: UTF8.self))?.isFinite == true else {
            throw violation("a number past the largest double")
        }
    }

    mutating func numberGrammar() throws(StrictJSON.Violation) {
        func digit(_ byte: UInt8?) -> Bool { byte.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else {
            guard digit(current) else { throw violation("bad number") }
            while digit(current) { index += 1 }
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard digit(current) else { throw violation("bad fraction") }
            while digit(current) { index += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digit(current) else { throw violation("bad exponent") }
            while digit(current) { index += 1 }
        }
    }

    /// Reads a string and returns its decoded UTF-8 bytes.
    mutating func string() throws(StrictJSON.Violation) -> [UInt8] {
        index += 1
        var decoded: [UInt8] = []
        while true {
            guard let byte = current else { throw violation("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return decoded
            case UInt8(ascii: "\\"):
                index += 1
                try escape(into: &decoded)
            case 0..<0x20:
                throw violation("unescaped control character")
            case 0x20..<0x80:
                decoded.append(byte)
                index += 1
            default:
                let length = try scalarLength()
                decoded.append(contentsOf: bytes[index..<(index + length)])
                index += length
            }
        }
    }

    mutating func escape(into decoded: inout [UInt8]) throws(StrictJSON.Violation) {
        guard let byte = current else { throw violation("unterminated escape") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(byte)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u")
                else { throw violation("lone high surrogate escape") }
                index += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw violation("high surrogate without a low one") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw violation("lone low surrogate escape")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw violation("invalid scalar") }
            decoded.append(contentsOf: Array(String(Character(unicode)).utf8))
        default:
            throw violation("invalid escape")
        }
    }

    mutating func hex4() throws(StrictJSON.Violation) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw violation("truncated \\u escape") }
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw violation("bad hex digit")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    /// The length of the well-formed multi-byte UTF-8 sequence at `index` (Unicode Table 3-7).
    func scalarLength() throws(StrictJSON.Violation) -> Int {
        let lead = bytes[index]
        let length: Int
        var second: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            second = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            second = 0x80...0x9F
        case 0xF0:
            length = 4
            second = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            second = 0x80...0x8F
        default: throw violation("invalid UTF-8 lead byte")
        }
        guard index + length <= bytes.count, second.contains(bytes[index + 1]) else {
            throw violation("invalid UTF-8 sequence")
        }
        for offset in 2..<length where !(0x80...0xBF).contains(bytes[index + offset]) {
            throw violation("invalid UTF-8 continuation")
        }
        return length
    }
}
