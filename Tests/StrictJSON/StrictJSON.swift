/// An RFC 8259 validator, the oracle of the tests and the fuzz targets, independent of TrackDomain's
/// parser.
///
/// The parser is under test, so it cannot judge itself: this file follows the RFC's grammar and
/// Unicode's Table 3-7 directly, shares no code with `JSONParser`, and favours plain checks over speed.
/// It rejects everything the RFC does not allow (comments, trailing commas, leading zeros,
/// `NaN`/`Infinity`/`inf`/`nan`, a byte-order mark, text after the value), invalid UTF-8 (overlong
/// forms, encoded surrogates, code points above U+10FFFF, stray continuation bytes), `\u` escapes that
/// do not form a scalar (a lone surrogate), and — as trackstream's contract does — duplicate keys at
/// any depth, compared as decoded code points in a `Set`, nesting deeper than `maximumDepth`, and a
/// number past the largest double (orjson and Foundation refuse one, other readers make it infinity).
public enum StrictJSON {
    /// Why a text is not strict JSON; `offset` is the byte where the problem was found.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case syntax(offset: Int, reason: String)
        case invalidUTF8(offset: Int)
        case loneSurrogate(offset: Int)
        case tooDeep(offset: Int)
        /// A key repeated in one object; `membersBefore` is how many members the object had before it.
        case duplicateKey(offset: Int, membersBefore: Int)

        public var offset: Int {
            switch self {
            case .syntax(let offset, _), .invalidUTF8(let offset), .loneSurrogate(let offset),
                .tooDeep(let offset), .duplicateKey(let offset, _):
                offset
            }
        }

        public var description: String {
            switch self {
            case .syntax(let offset, let reason): "\(reason) at byte \(offset)"
            case .invalidUTF8(let offset): "invalid UTF-8 at byte \(offset)"
            case .loneSurrogate(let offset): "a \\u escape that is a lone surrogate at byte \(offset)"
            case .tooDeep(let offset): "nesting too deep at byte \(offset)"
            case .duplicateKey(let offset, let before): "duplicate key at byte \(offset) after \(before) members"
            }
        }
    }

    /// What a valid text holds, as far as the targets need it.
    public struct Summary: Sendable, Equatable {
        /// Whether the value is an object.
        public var isObject: Bool
        /// The top-level object's members whose values are strings, decoded, in input order.
        public var topLevelStrings: [(key: String, value: String)]

        public static func == (left: Summary, right: Summary) -> Bool {
            left.isObject == right.isObject
                && left.topLevelStrings.elementsEqual(right.topLevelStrings) {
                    $0.key == $1.key && $0.value == $1.value
                }
        }

        /// The value of the top-level string member `key`, if any.
        public func string(_ key: String) -> String? {
            topLevelStrings.first { $0.key == key }?.value
        }
    }

    /// Validates one JSON text filling `bytes` (whitespace around it allowed). `maximumDepth` counts
    /// the top-level value as 1, like the contract's limit of 255; it must stay small enough to recurse.
    public static func validate(
        _ bytes: UnsafeRawBufferPointer,
        maximumDepth: Int = 512
    ) -> Result<Summary, Failure> {
        precondition(maximumDepth <= 4096, "the validator recurses once per level")
        var validator = Validator(bytes: bytes.assumingMemoryBound(to: UInt8.self), maximumDepth: maximumDepth)
        return Result { () throws(Failure) in try validator.document() }
    }

    /// Validates a byte array.
    public static func validate(_ bytes: [UInt8], maximumDepth: Int = 512) -> Result<Summary, Failure> {
        bytes.withUnsafeBytes { validate($0, maximumDepth: maximumDepth) }
    }

    /// Why `bytes` are not strict JSON, or nil when they are.
    public static func violation(in bytes: [UInt8]) -> Failure? {
        if case .failure(let failure) = validate(bytes) { return failure }
        return nil
    }
}

/// The recursive-descent validator behind ``StrictJSON``.
private struct Validator {
    let bytes: UnsafeBufferPointer<UInt8>
    let maximumDepth: Int
    var index = 0
    var summary = StrictJSON.Summary(isObject: false, topLevelStrings: [])

    /// What a value was, so that an object can record its string members.
    enum Scanned {
        case string([UInt8])
        case other
    }

    init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    mutating func document() throws(StrictJSON.Failure) -> StrictJSON.Summary {
        skipWhitespace()
        summary.isObject = peek() == UInt8(ascii: "{")
        _ = try value(depth: 0)
        skipWhitespace()
        guard index == bytes.count else { throw syntax("data after the value") }
        return summary
    }

    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    func syntax(_ reason: String) -> StrictJSON.Failure { .syntax(offset: index, reason: reason) }

    /// RFC 8259 §2: space, horizontal tab, line feed, carriage return; nothing else.
    mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            index += 1
        }
    }

    mutating func value(depth: Int) throws(StrictJSON.Failure) -> Scanned {
        skipWhitespace()
        guard let byte = peek() else { throw syntax("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"):
            try object(depth: depth + 1)
            return .other
        case UInt8(ascii: "["):
            try array(depth: depth + 1)
            return .other
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number()
            return .other
        case UInt8(ascii: "t"):
            try literal("true")
        case UInt8(ascii: "f"):
            try literal("false")
        case UInt8(ascii: "n"):
            try literal("null")
        default:
            throw syntax("unexpected byte \(byte)")
        }
        return .other
    }

    /// `true`, `false` or `null`; a failure points at the token's first byte, where `nan` starts too.
    mutating func literal(_ word: String) throws(StrictJSON.Failure) {
        let start = index
        for expected in word.utf8 {
            guard peek() == expected else { throw .syntax(offset: start, reason: "invalid literal") }
            index += 1
        }
    }

    mutating func object(depth: Int) throws(StrictJSON.Failure) {
        guard depth <= maximumDepth else { throw .tooDeep(offset: index) }
        index += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        var keys = Set<[UInt8]>()
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw syntax("expected a key") }
            let keyOffset = index
            let key = try string()
            guard keys.insert(key).inserted else {
                throw .duplicateKey(offset: keyOffset, membersBefore: keys.count)
            }
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw syntax("expected ':'") }
            index += 1
            let member = try value(depth: depth)
            if depth == 1, case .string(let text) = member {
                summary.topLevelStrings.append(
                    (String(decoding: key, as: UTF8.self), String(decoding: text, as: UTF8.self))
                )
            }
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "}"):
                index += 1
                return
            default:
                throw syntax("expected ',' or '}'")
            }
        }
    }

    mutating func array(depth: Int) throws(StrictJSON.Failure) {
        guard depth <= maximumDepth else { throw .tooDeep(offset: index) }
        index += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            _ = try value(depth: depth)
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "]"):
                index += 1
                return
            default:
                throw syntax("expected ',' or ']'")
            }
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, within the range of a double (orjson
    /// and Foundation refuse a number past it).
    mutating func number() throws(StrictJSON.Failure) {
        let start = index
        try numberGrammar()
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard Double(text)?.isFinite == true else { throw syntax("a number past the largest double") }
    }

    mutating func numberGrammar() throws(StrictJSON.Failure) {
        if peek() == UInt8(ascii: "-") { index += 1 }
        switch peek() ?? 0 {
        case UInt8(ascii: "0"):
            index += 1
        case UInt8(ascii: "1")...UInt8(ascii: "9"):
            skipDigits()
        default:
            throw syntax("expected a digit")
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard try oneOrMoreDigits() else { throw syntax("expected a fraction digit") }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard try oneOrMoreDigits() else { throw syntax("expected an exponent digit") }
        }
    }

    mutating func skipDigits() {
        while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
    }

    mutating func oneOrMoreDigits() throws(StrictJSON.Failure) -> Bool {
        let start = index
        skipDigits()
        return index > start
    }

    /// A string at `"`; returns its decoded UTF-8 bytes.
    mutating func string() throws(StrictJSON.Failure) -> [UInt8] {
        index += 1
        var decoded: [UInt8] = []
        while true {
            guard let byte = peek() else { throw syntax("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return decoded
            case UInt8(ascii: "\\"):
                try escape(into: &decoded)
            case 0x00..<0x20:
                throw syntax("unescaped control character")
            case 0x20..<0x80:
                decoded.append(byte)
                index += 1
            default:
                try multiByteScalar(into: &decoded)
            }
        }
    }

    /// Unicode 15, Table 3-7: the well-formed UTF-8 byte sequences.
    mutating func multiByteScalar(into decoded: inout [UInt8]) throws(StrictJSON.Failure) {
        let start = index
        let lead = bytes[index]
        let second: ClosedRange<UInt8>
        let length: Int
        switch lead {
        case 0xC2...0xDF: (second, length) = (0x80...0xBF, 2)
        case 0xE0: (second, length) = (0xA0...0xBF, 3)
        case 0xE1...0xEC, 0xEE...0xEF: (second, length) = (0x80...0xBF, 3)
        case 0xED: (second, length) = (0x80...0x9F, 3)
        case 0xF0: (second, length) = (0x90...0xBF, 4)
        case 0xF1...0xF3: (second, length) = (0x80...0xBF, 4)
        case 0xF4: (second, length) = (0x80...0x8F, 4)
        default: throw .invalidUTF8(offset: start)
        }
        guard start + length <= bytes.count else { throw .invalidUTF8(offset: start) }
        guard second.contains(bytes[start + 1]) else { throw .invalidUTF8(offset: start) }
        for offset in 2..<length where !(0x80...0xBF).contains(bytes[start + offset]) {
            throw .invalidUTF8(offset: start)
        }
        decoded.append(contentsOf: bytes[start..<(start + length)])
        index = start + length
    }

    /// `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t` or `\uXXXX` (a surrogate pair as two escapes).
    mutating func escape(into decoded: inout [UInt8]) throws(StrictJSON.Failure) {
        let start = index
        index += 1
        guard let letter = peek() else { throw syntax("unterminated escape") }
        index += 1
        let simple: UInt8? =
            switch letter {
            case UInt8(ascii: "\""): 0x22
            case UInt8(ascii: "\\"): 0x5C
            case UInt8(ascii: "/"): 0x2F
            case UInt8(ascii: "b"): 0x08
            case UInt8(ascii: "f"): 0x0C
            case UInt8(ascii: "n"): 0x0A
            case UInt8(ascii: "r"): 0x0D
            case UInt8(ascii: "t"): 0x09
            default: nil
            }
        if let simple {
            decoded.append(simple)
            return
        }
        guard letter == UInt8(ascii: "u") else { throw .syntax(offset: start, reason: "invalid escape") }
        var code = UInt32(try hexQuad())
        if (0xDC00...0xDFFF).contains(code) { throw .loneSurrogate(offset: start) }
        if (0xD800...0xDBFF).contains(code) {
            guard peek() == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                throw .loneSurrogate(offset: start)
            }
            index += 2
            let low = UInt32(try hexQuad())
            guard (0xDC00...0xDFFF).contains(low) else { throw .loneSurrogate(offset: start) }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        appendUTF8(code, to: &decoded)
    }

    mutating func hexQuad() throws(StrictJSON.Failure) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = peek() else { throw syntax("unterminated \\u escape") }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw syntax("invalid hex digit")
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    /// The UTF-8 form of a scalar (never a surrogate here).
    func appendUTF8(_ code: UInt32, to decoded: inout [UInt8]) {
        switch code {
        case 0..<0x80:
            decoded.append(UInt8(code))
        case 0x80..<0x800:
            decoded.append(UInt8(0xC0 | code >> 6))
            decoded.append(UInt8(0x80 | code & 0x3F))
        case 0x800..<0x10000:
            decoded.append(UInt8(0xE0 | code >> 12))
            decoded.append(UInt8(0x80 | code >> 6 & 0x3F))
            decoded.append(UInt8(0x80 | code & 0x3F))
        default:
            decoded.append(UInt8(0xF0 | code >> 18))
            decoded.append(UInt8(0x80 | code >> 12 & 0x3F))
            decoded.append(UInt8(0x80 | code >> 6 & 0x3F))
            decoded.append(UInt8(0x80 | code & 0x3F))
        }
    }
}
