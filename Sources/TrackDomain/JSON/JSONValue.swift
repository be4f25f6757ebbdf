/// A parsed JSON value that keeps everything the event contract needs to re-emit it faithfully:
/// object members in their original order and numbers as their original text.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The string payload, or nil for every other kind of value.
    @inlinable
    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    /// The object payload, or nil for every other kind of value.
    @inlinable
    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// The number payload, or nil for every other kind of value.
    @inlinable
    public var numberValue: JSONNumber? {
        if case .number(let number) = self { return number }
        return nil
    }

    /// `true` for JSON `null`, which the contract treats exactly like an absent field.
    @inlinable
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The JSON type name used in rejection messages ("a string", "an array" ...).
    public var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// One `"key": value` pair of a JSON object.
public struct JSONMember: Sendable, Hashable {
    public var key: String
    public var value: JSONValue

    @inlinable
    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// A JSON object as an ordered list of members with unique keys (the parser rejects duplicates).
///
/// Events have a few dozen members at most, so a linear scan beats hashing for look-ups.
public struct JSONObject: Sendable, Hashable {
    public var members: [JSONMember]

    @inlinable
    public init(members: [JSONMember] = []) {
        self.members = members
    }

    /// The value of `key`, or nil when the key is absent.
    @inlinable
    public subscript(key: String) -> JSONValue? {
        for member in members where member.key == key {
            return member.value
        }
        return nil
    }

    /// The value of `key` with JSON `null` read as absent (the contract's rule for optional fields).
    @inlinable
    public func present(_ key: String) -> JSONValue? {
        guard let value = self[key], !value.isNull else { return nil }
        return value
    }
}

/// A JSON number kept as its exact source text, converted on demand.
///
/// Keeping the text means pass-through numbers (properties, extra fields) are written back exactly as
/// received, with no precision lost on integers beyond 2^53 or on long decimals.
public struct JSONNumber: Sendable, Hashable {
    /// The number's text as it appeared in the input; always valid JSON number grammar.
    public var text: String
    /// `true` when the text has neither a fraction nor an exponent.
    public var isIntegerLiteral: Bool

    @inlinable
    public init(text: String, isIntegerLiteral: Bool) {
        self.text = text
        self.isIntegerLiteral = isIntegerLiteral
    }

    /// The nearest `Double`, or nil when the magnitude overflows to infinity.
    @inlinable
    public var doubleValue: Double? {
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// The value as an exact integer when it is integral (`4`, `4.0`, `4e0`) and fits in 64 bits.
    public var integralValue: IntegralValue {
        if isIntegerLiteral, let integer = Int64(text) {
            return .integer(integer)
        }
        guard let value = Double(text) else { return .notIntegral }
        if value.isFinite, value.rounded(.towardZero) == value {
            if let exact = Int64(exactly: value) {
                return .integer(exact)
            }
            return .outOfRange
        }
        if isIntegerLiteral || value.isInfinite { return .outOfRange }
        return .notIntegral
    }

    /// How a number reads as an integer.
    public enum IntegralValue: Sendable, Equatable {
        /// Integral and representable as `Int64`.
        case integer(Int64)
        /// Integral but too large in magnitude for `Int64`.
        case outOfRange
        /// Has a fractional part.
        case notIntegral
    }
}
