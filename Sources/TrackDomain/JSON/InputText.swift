/// A string of a raw event, kept as a range of the event's bytes whenever those bytes are its text.
///
/// Most strings of an event have no escapes: their text is a slice of the input, valid UTF-8 (the
/// parser checked it) and free of anything JSON would escape. Keeping the range instead of building a
/// `String` saves an allocation per string, and writing it back is a plain copy. Only the rare string
/// with escapes is decoded.
///
/// A text means something only with the input it was read from. Equality compares the
/// representation (the same range, or the same decoded string), not the text: compare texts through
/// ``string(in:)`` or ``withUTF8(in:_:)``.
public enum InputText: Sendable, Hashable {
    /// The text is exactly these bytes of the input.
    case verbatim(Range<Int>)
    /// The text had escapes; this is the decoded text.
    case decoded(String)

    /// The empty string.
    public var isEmpty: Bool {
        switch self {
        case .verbatim(let range): range.isEmpty
        case .decoded(let string): string.isEmpty
        }
    }

    /// The text as a `String`; `input` is the event the text was read from.
    public func string(in input: UnsafeRawBufferPointer) -> String {
        withUTF8(in: input) { String(decoding: $0, as: UTF8.self) }
    }

    /// Runs `body` on the text's UTF-8 bytes; `input` is the event the text was read from.
    public func withUTF8<Result>(
        in input: UnsafeRawBufferPointer,
        _ body: (UnsafeBufferPointer<UInt8>) -> Result
    ) -> Result {
        switch self {
        case .verbatim(let range):
            precondition(range.lowerBound >= 0 && range.upperBound <= input.count, "text \(range) outside its input")
            return body(UnsafeRawBufferPointer(rebasing: input[range]).assumingMemoryBound(to: UInt8.self))
        case .decoded(var string):
            return string.withUTF8(body)
        }
    }

    /// Whether the text has at most 128 Unicode scalars (the contract's "characters").
    public func hasAtMost128Characters(in input: UnsafeRawBufferPointer) -> Bool {
        withUTF8(in: input) { utf8 in
            utf8.count <= 128 || utf8.lazy.filter { $0 & 0xC0 != 0x80 }.count <= 128
        }
    }
}

/// The value of one top-level member of a raw event: a string as ``InputText``, anything else parsed.
public enum InputValue: Sendable {
    case text(InputText)
    case value(JSONValue)

    /// `true` for JSON `null`, which the contract treats exactly like an absent field.
    public var isNull: Bool {
        if case .value(.null) = self { return true }
        return false
    }

    /// The JSON type name used in rejection messages ("a string", "an array" ...).
    public var kindDescription: String {
        switch self {
        case .text: "a string"
        case .value(let value): value.kindDescription
        }
    }

    /// The value as a ``JSONValue``; `input` is the event it was read from.
    public func jsonValue(in input: UnsafeRawBufferPointer) -> JSONValue {
        switch self {
        case .text(let text): .string(text.string(in: input))
        case .value(let value): value
        }
    }
}

/// One member of a raw event's top-level object, as read by ``JSONParser/parseEventObject(_:)``.
public struct InputMember: Sendable {
    public var key: String
    public var value: InputValue
    /// Where the value's bytes lie in the input.
    public var extent: Range<Int>
    /// Whether those bytes are exactly what ``JSONWriter`` would write for the value (no whitespace,
    /// no escapes), so they can be copied as they are.
    public var isCompact: Bool
}
