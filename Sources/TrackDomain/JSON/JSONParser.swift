/// Why a value is not acceptable JSON, with the byte offset where the parser gave up.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as a short phrase ("unexpected end of input").
    public var reason: String
    /// The 0-based byte offset of the problem in the input.
    public var offset: Int

    public init(reason: String, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "\(reason) at byte \(offset)" }
}

/// A strict RFC 8259 parser over UTF-8 bytes, built for untrusted input.
///
/// - The full grammar: no comments, no trailing commas, no leading zeros, no NaN/Infinity, no BOM.
/// - Numbers must lie within the range of a 64-bit float (`1e400` is refused): many strict readers
///   refuse larger ones, others read them as infinity.
/// - Strings must be valid UTF-8 (no overlong forms, no encoded surrogates); `\u` escapes must form
///   valid scalars, so lone surrogates are rejected.
/// - Nesting deeper than ``maximumDepth`` is rejected instead of exhausting the stack.
/// - Duplicate keys in one object are rejected: different JSON readers disagree on which one wins,
///   and an event whose `site_id` means different things to different consumers is not acceptable.
public struct JSONParser {
    /// The deepest nesting of arrays and objects accepted, the top-level value counting as 1.
    public static let maximumDepth = 255

    /// The input as typed bytes: `String(decoding:)` has a fast path for `UnsafeBufferPointer<UInt8>`.
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index: Int
    private var scratch: [UInt8] = []
    /// Whether the last string parsed contained an escape, so its bytes differ from its text.
    private var lastStringHadEscapes = false
    /// How many places so far differ from the compact form ``JSONWriter`` writes: whitespace between
    /// tokens and escaped strings. A value during which it did not change can be copied verbatim.
    private var nonCompactSpots = 0

    private init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes.assumingMemoryBound(to: UInt8.self)
        self.index = 0
    }

    /// Parses exactly one JSON value filling the whole buffer (surrounding whitespace allowed).
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else {
            throw parser.error("unexpected data after the JSON value")
        }
        return value
    }

    /// Reads a raw event's top-level object without building its strings: each member's string value
    /// stays a range of `bytes`, and each value's extent is kept with whether it is already in the
    /// compact form ``JSONWriter`` writes (so it can be copied instead of re-encoded).
    ///
    /// Returns nil, having read nothing, when the value is not an object; accepts and rejects exactly
    /// what ``parse(_:)-(UnsafeRawBufferPointer)`` does, with the same errors.
    public static func parseEventObject(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> [InputMember]? {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        guard parser.peek() == UInt8(ascii: "{") else { return nil }
        let members = try parser.parseInputObject()
        parser.skipWhitespace()
        guard parser.index == bytes.count else {
            throw parser.error("unexpected data after the JSON value")
        }
        return members
    }

    /// Parses a byte array; a convenience for tests and tools.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) in try parse(buffer) }
        }
        return try result.get()
    }

    private func error(_ reason: String) -> JSONParseError {
        JSONParseError(reason: reason, offset: index)
    }

    private var isAtEnd: Bool { index >= bytes.count }

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    /// Compact JSON has no whitespace to skip: that check is inlined, the loop is not.
    @inline(__always)
    private mutating func skipWhitespace() {
        guard index < bytes.count, bytes[index] <= UInt8(ascii: " ") else { return }
        skipWhitespaceRun()
    }

    private mutating func skipWhitespaceRun() {
        let start = index
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                index += 1
            default:
                if index != start { nonCompactSpots &+= 1 }
                return
            }
        }
        if index != start { nonCompactSpots &+= 1 }
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard let byte = peek() else { throw error("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"):
            return .object(try parseObject(depth: depth + 1))
        case UInt8(ascii: "["):
            return .array(try parseArray(depth: depth + 1))
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        default:
            throw error("unexpected character")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw error("invalid literal") }
        let start = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != start[offset] {
            throw error("invalid literal")
        }
        index += count
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONObject {
        guard depth <= Self.maximumDepth else {
            throw error("nesting deeper than \(Self.maximumDepth) levels")
        }
        var members: [JSONMember] = []
        members.reserveCapacity(depth == 1 ? 16 : 4)
        guard try opensObject() else { return JSONObject(members: members) }
        var keys = KeyCheck()
        repeat {
            let key = try parseMemberKey(after: members, checking: &keys)
            members.append(JSONMember(key: key, value: try parseValue(depth: depth)))
        } while try continuesObject()
        return JSONObject(members: members)
    }

    /// ``parseObject(depth:)`` for the top level of an event, keeping strings as ``InputText``.
    private mutating func parseInputObject() throws(JSONParseError) -> [InputMember] {
        var members: [InputMember] = []
        members.reserveCapacity(24)
        guard try opensObject() else { return members }
        var keys = KeyCheck()
        repeat {
            let key = try parseMemberKey(after: members, checking: &keys)
            let valueStart = index
            let spotsBefore = nonCompactSpots
            let value: InputValue =
                peek() == UInt8(ascii: "\"") ? .text(try scanString()) : .value(try parseValue(depth: 1))
            members.append(
                InputMember(
                    key: key,
                    value: value,
                    extent: valueStart..<index,
                    isCompact: nonCompactSpots == spotsBefore
                )
            )
        } while try continuesObject()
        return members
    }

    /// What the duplicate-key check of one object has seen so far.
    ///
    /// Up to 16 members, a new key is compared with the earlier ones only when its fingerprint bit was
    /// set before. From the first such collision past 16 members on, every key goes into `seenKeys`,
    /// so that the set always holds all keys read so far.
    private struct KeyCheck {
        var fingerprints: UInt64 = 0
        var seenKeys: Set<KeyBytes>? = nil
    }

    /// Steps over `{`; false when the object is empty (its `}` read too).
    @inline(__always)
    private mutating func opensObject() throws(JSONParseError) -> Bool {
        index += 1
        skipWhitespace()
        guard peek() == UInt8(ascii: "}") else { return true }
        index += 1
        return false
    }

    /// Reads `"key":` and the whitespace after it, rejecting a key already among `members`' keys.
    @inline(__always)
    private mutating func parseMemberKey<Member: KeyedMember>(
        after members: [Member],
        checking check: inout KeyCheck
    ) throws(JSONParseError) -> String {
        skipWhitespace()
        guard peek() == UInt8(ascii: "\"") else { throw error("expected a string key") }
        let keyOffset = index
        let key = try parseString()
        let fingerprint =
            lastStringHadEscapes
            ? UInt64.max : Self.fingerprint(of: UnsafeBufferPointer(rebasing: bytes[(keyOffset + 1)..<(index - 1)]))
        if check.seenKeys != nil || check.fingerprints & fingerprint != 0 {
            try rejectDuplicate(key, at: keyOffset, among: members.lazy.map { $0.key }, seenKeys: &check.seenKeys)
        }
        check.fingerprints |= fingerprint
        skipWhitespace()
        guard peek() == UInt8(ascii: ":") else { throw error("expected ':' after a key") }
        index += 1
        skipWhitespace()
        return key
    }

    /// After a member's value: true when another member follows (its `,` read), false at the `}`.
    @inline(__always)
    private mutating func continuesObject() throws(JSONParseError) -> Bool {
        try continuesContainer(closedBy: UInt8(ascii: "}"), "an object")
    }

    /// After a value in an object or array: true when another follows (its `,` read), false at `close`.
    @inline(__always)
    private mutating func continuesContainer(closedBy close: UInt8, _ container: String) throws(JSONParseError) -> Bool
    {
        skipWhitespace()
        switch peek() {
        case UInt8(ascii: ","):
            index += 1
            return true
        case close:
            index += 1
            return false
        case nil:
            throw error("unexpected end of input in \(container)")
        default:
            throw error("expected ',' or '\(Character(Unicode.Scalar(close)))' in \(container)")
        }
    }

    /// One bit chosen by a key's length and end bytes: keys with different bits cannot be equal, so the
    /// comparison scan below runs only on a fingerprint collision. Escaped keys get every bit (their
    /// bytes are not their text), which sends them, and any key after them, to the comparison.
    private static func fingerprint(of key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let mix = key.count &* 7 &+ Int(key.first ?? 0) &* 3 &+ Int(key.last ?? 0)
        return 1 << UInt64(mix & 63)
    }

    /// Small objects are checked by a linear scan; past 16 members a set of every key read so far
    /// keeps the check linear overall. Keys are compared by their UTF-8 bytes, as JSON readers do:
    /// two spellings of one canonically equivalent text are different keys.
    private func rejectDuplicate(
        _ key: String,
        at offset: Int,
        among keys: some Collection<String>,
        seenKeys: inout Set<KeyBytes>?
    ) throws(JSONParseError) {
        let duplicate: Bool
        if seenKeys == nil && keys.count < 16 {
            duplicate = keys.contains { $0.utf8.elementsEqual(key.utf8) }
        } else {
            if seenKeys == nil {
                seenKeys = Set(keys.map(KeyBytes.init))
            }
            duplicate = seenKeys?.insert(KeyBytes(key)).inserted == false
        }
        if duplicate {
            throw JSONParseError(reason: "duplicate key \"\(key.prefix(64))\"", offset: offset)
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> [JSONValue] {
        guard depth <= Self.maximumDepth else {
            throw error("nesting deeper than \(Self.maximumDepth) levels")
        }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return elements
        }
        repeat {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
        } while try continuesContainer(closedBy: UInt8(ascii: "]"), "an array")
        return elements
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = index
        var isInteger = true
        var hasExponent = false
        if peek() == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        switch peek() {
        case UInt8(ascii: "0"):
            index += 1
        case let digit? where (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(digit):
            skipDigits()
        default:
            throw error("invalid number")
        }
        let integerDigits = index - integerStart
        if peek() == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard try consumeDigits() else { throw error("invalid number: digits expected after '.'") }
        }
        if let byte = peek(), byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            isInteger = false
            hasExponent = true
            index += 1
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { index += 1 }
            guard try consumeDigits() else { throw error("invalid number: digits expected in the exponent") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        // Only an exponent or more than 308 digits can take a number past the largest double, which
        // many strict readers (orjson, Foundation) refuse and others read as infinity.
        if hasExponent || integerDigits > 308, Double(text)?.isFinite != true {
            throw JSONParseError(
                reason: "number \(text.prefix(32)) is out of the range of a 64-bit float",
                offset: start
            )
        }
        return JSONNumber(text: text, isIntegerLiteral: isInteger)
    }

    private mutating func skipDigits() {
        while let byte = peek(), byte &- UInt8(ascii: "0") < 10 { index += 1 }
    }

    private mutating func consumeDigits() throws(JSONParseError) -> Bool {
        let start = index
        skipDigits()
        return index > start
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        switch try scanString() {
        case .verbatim(let range):
            String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        case .decoded(let string):
            string
        }
    }

    /// Reads a string without building it when its bytes are its text (no escapes): most strings.
    private mutating func scanString() throws(JSONParseError) -> InputText {
        lastStringHadEscapes = false
        index += 1
        let start = index
        skipPlainASCIIWords()
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return .verbatim(start..<(index - 1))
            } else if byte == UInt8(ascii: "\\") {
                lastStringHadEscapes = true
                nonCompactSpots &+= 1
                return .decoded(try parseEscapedString(from: start))
            } else if byte < 0x20 {
                throw error("unescaped control character in a string")
            } else if byte < 0x80 {
                index += 1
            } else {
                try skipMultiByteScalar()
            }
        }
        throw error("unterminated string")
    }

    /// Skips 8-byte blocks of printable ASCII other than `"` and `\`, the bulk of every string.
    private mutating func skipPlainASCIIWords() {
        guard let base = bytes.baseAddress else { return }
        while index + 8 <= bytes.count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            guard JSONBytes.isPlainASCIIBlock(word) else { return }
            index += 8
        }
    }

    /// The slow path, taken at the first backslash: copies into a scratch buffer while decoding.
    private mutating func parseEscapedString(from start: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: scratch, as: UTF8.self)
            } else if byte == UInt8(ascii: "\\") {
                try appendEscape()
            } else if byte < 0x20 {
                throw error("unescaped control character in a string")
            } else if byte < 0x80 {
                scratch.append(byte)
                index += 1
            } else {
                let scalarStart = index
                try skipMultiByteScalar()
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[scalarStart..<index]))
            }
        }
        throw error("unterminated string")
    }

    private mutating func appendEscape() throws(JSONParseError) {
        index += 1
        guard let byte = peek() else { throw error("unterminated escape") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(byte)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"): try appendUnicodeEscape()
        default:
            index -= 1
            throw error("invalid escape")
        }
    }

    private mutating func appendUnicodeEscape() throws(JSONParseError) {
        let first = try readHexQuad()
        var codePoint = UInt32(first)
        switch first {
        case 0xD800...0xDBFF:
            guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"),
                bytes[index + 1] == UInt8(ascii: "u")
            else { throw error("lone high surrogate in a \\u escape") }
            index += 2
            let second = try readHexQuad()
            guard (0xDC00...0xDFFF).contains(second) else {
                throw error("high surrogate not followed by a low surrogate")
            }
            codePoint = 0x10000 + ((UInt32(first) - 0xD800) << 10) + (UInt32(second) - 0xDC00)
        case 0xDC00...0xDFFF:
            throw error("lone low surrogate in a \\u escape")
        default:
            break
        }
        guard let scalar = Unicode.Scalar(codePoint) else { throw error("invalid \\u escape") }
        UTF8.encode(scalar) { scratch.append($0) }
    }

    private mutating func readHexQuad() throws(JSONParseError) -> UInt16 {
        guard bytes.count - index >= 4 else { throw error("truncated \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in a \\u escape")
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    /// Validates one multi-byte UTF-8 sequence (Unicode Table 3-7) and steps over it.
    private mutating func skipMultiByteScalar() throws(JSONParseError) {
        let lead = bytes[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            secondRange = 0x80...0x9F
        case 0xF0:
            length = 4
            secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            secondRange = 0x80...0x8F
        default:
            throw error("invalid UTF-8")
        }
        guard bytes.count - index >= length, secondRange.contains(bytes[index + 1]) else {
            throw error("invalid UTF-8")
        }
        for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 {
            throw error("invalid UTF-8")
        }
        index += length
    }
}

/// Word-at-a-time checks on 8 bytes of JSON text (the classic "has a zero byte" bit trick).
enum JSONBytes {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// True when some byte of `word` equals `byte`.
    @inline(__always)
    private static func contains(_ word: UInt64, byte: UInt8) -> Bool {
        let difference = word ^ (ones &* UInt64(byte))
        return (difference &- ones) & ~difference & highBits != 0
    }

    /// True when some byte of `word` is below 0x20.
    @inline(__always)
    private static func containsControl(_ word: UInt64) -> Bool {
        (word &- ones &* 0x20) & ~word & highBits != 0
    }

    /// No control character, quote or backslash: the block can be copied into a JSON string as is.
    @inline(__always)
    static func isCleanBlock(_ word: UInt64) -> Bool {
        !containsControl(word) && !contains(word, byte: 0x22) && !contains(word, byte: 0x5C)
    }

    /// No byte of `bytes` needs escaping in a JSON string.
    static func isClean(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var index = 0
        while index + 8 <= bytes.count {
            guard isCleanBlock(UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)) else { return false }
            index += 8
        }
        while index < bytes.count {
            let byte = base[index]
            if byte < 0x20 || byte == 0x22 || byte == 0x5C { return false }
            index += 1
        }
        return true
    }

    /// Whether two buffers of the same length hold the same bytes, compared a word at a time.
    static func equal(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer) -> Bool {
        precondition(left.count == right.count, "comparing buffers of different lengths")
        var index = 0
        while index + 8 <= left.count {
            guard
                left.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    == right.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            else { return false }
            index += 8
        }
        while index < left.count {
            guard left[index] == right[index] else { return false }
            index += 1
        }
        return true
    }

    /// A clean block that is also pure ASCII: nothing in it needs UTF-8 validation.
    @inline(__always)
    static func isPlainASCIIBlock(_ word: UInt64) -> Bool {
        word & highBits == 0 && isCleanBlock(word)
    }
}

/// A key compared and hashed by its UTF-8 bytes (`String`'s own `==` and hash follow canonical
/// equivalence, under which different keys of one object could look equal).
private struct KeyBytes: Hashable {
    let key: String

    init(_ key: String) { self.key = key }

    static func == (left: KeyBytes, right: KeyBytes) -> Bool {
        left.key.utf8.elementsEqual(right.key.utf8)
    }

    func hash(into hasher: inout Hasher) {
        var key = key
        key.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// An object member as the parser's shared key step sees it: only its key.
protocol KeyedMember {
    var key: String { get }
}

extension JSONMember: KeyedMember {}

extension InputMember: KeyedMember {}
