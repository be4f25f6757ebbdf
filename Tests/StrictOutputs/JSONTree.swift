public import StrictJSON

/// A JSON value as a tree, for the schema checks (``JSONSchema``).
///
/// ``parse(_:)`` first runs the text through ``StrictJSON``, the tests' independent checker, and
/// builds the tree only from text it accepted: the reader below then need not check the grammar
/// again, and being compiled optimized (Package.swift) it costs a fraction of the check. Numbers
/// keep their text, so that each keyword decides how to read them; members keep their order.
public enum JSONTree: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONTree])
    case object([Member])

    /// One member of an object (names are unique: ``StrictJSON`` refuses duplicates).
    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: JSONTree

        public init(key: String, value: JSONTree) {
            self.key = key
            self.value = value
        }
    }

    /// The tree of `bytes`, or why they are not strict JSON.
    public static func parse(_ bytes: [UInt8]) -> Result<JSONTree, StrictJSON.Failure> {
        if let failure = StrictJSON.violation(in: bytes) { return .failure(failure) }
        return .success(
            bytes.withUnsafeBufferPointer { buffer in
                var reader = Reader(bytes: buffer)
                return reader.value()
            }
        )
    }

    /// Reads text that ``StrictJSON`` accepted.
    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func skipWhitespace() {
            while index < bytes.count,
                bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A || bytes[index] == 0x0D
            {
                index += 1
            }
        }

        mutating func value() -> JSONTree {
            skipWhitespace()
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var members: [Member] = []
                skipWhitespace()
                while bytes[index] != UInt8(ascii: "}") {
                    skipWhitespace()
                    let key = string()
                    skipWhitespace()
                    index += 1  // ':'
                    members.append(Member(key: key, value: value()))
                    skipWhitespace()
                    if bytes[index] == UInt8(ascii: ",") { index += 1 }
                }
                index += 1
                return .object(members)
            case UInt8(ascii: "["):
                index += 1
                var elements: [JSONTree] = []
                skipWhitespace()
                while bytes[index] != UInt8(ascii: "]") {
                    elements.append(value())
                    skipWhitespace()
                    if bytes[index] == UInt8(ascii: ",") { index += 1 }
                }
                index += 1
                return .array(elements)
            case UInt8(ascii: "\""):
                return .string(string())
            case UInt8(ascii: "t"):
                index += 4
                return .bool(true)
            case UInt8(ascii: "f"):
                index += 5
                return .bool(false)
            case UInt8(ascii: "n"):
                index += 4
                return .null
            default:
                let start = index
                while index < bytes.count, Self.isNumberByte(bytes[index]) { index += 1 }
                return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
            }
        }

        static func isNumberByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                UInt8(ascii: "e"), UInt8(ascii: "E"):
                true
            default:
                false
            }
        }

        /// The string at `"`, decoded.
        mutating func string() -> String {
            index += 1
            let start = index
            while bytes[index] != UInt8(ascii: "\"") && bytes[index] != UInt8(ascii: "\\") { index += 1 }
            if bytes[index] == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<(index - 1)]), as: UTF8.self)
            }
            var decoded = Array(bytes[start..<index])
            while bytes[index] != UInt8(ascii: "\"") {
                guard bytes[index] == UInt8(ascii: "\\") else {
                    decoded.append(bytes[index])
                    index += 1
                    continue
                }
                let letter = bytes[index + 1]
                index += 2
                switch letter {
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = hexQuad()
                    if (0xD800...0xDBFF).contains(scalar) {
                        index += 2  // the low surrogate's `\u`
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (hexQuad() - 0xDC00)
                    }
                    decoded.append(contentsOf: String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
                default: decoded.append(letter)  // `"`, `\`, `/`
                }
            }
            index += 1
            return String(decoding: decoded, as: UTF8.self)
        }

        mutating func hexQuad() -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8 =
                    switch byte {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
                    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
                    default: byte - UInt8(ascii: "A") + 10
                    }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }
    }
}
