/// A W3C Trace Context `traceparent` header value: which trace and which span an input belongs to,
/// parsed strictly, and the `traceparent` of the child span its outputs carry.
///
/// `version "-" trace-id "-" parent-id "-" trace-flags`, each field lowercase hex:
/// `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`. A value is valid when:
/// - the version is two lowercase hex digits other than `ff`;
/// - version `00` is exactly 55 bytes; a later version is at least 55 bytes, and anything past them
///   begins with `-` (read as version 00 and the rest ignored, as the specification asks of a
///   version not yet known);
/// - the trace-id (32 digits) and the parent-id (16 digits) are not all zeros;
/// - the flags are two lowercase hex digits (all eight bits are kept).
///
/// Anything else (upper case, whitespace, another length, a missing dash) is invalid, and an
/// input with an invalid value is treated as one with none: its outputs start no trace.
public struct TraceParent: Sendable, Hashable, CustomStringConvertible {
    /// The trace-id's 16 bytes, the first eight in ``traceIDHigh`` (most significant first).
    public let traceIDHigh: UInt64
    public let traceIDLow: UInt64
    /// The span this value names: the parent of the span it is read in.
    public let spanID: UInt64
    public let flags: UInt8

    /// The length of a version-00 value.
    public static let length = 55

    public init(traceIDHigh: UInt64, traceIDLow: UInt64, spanID: UInt64, flags: UInt8) {
        self.traceIDHigh = traceIDHigh
        self.traceIDLow = traceIDLow
        self.spanID = spanID
        self.flags = flags
    }

    /// Parses a header value; nil when it is not a valid `traceparent` (see the type's rules).
    public init?(_ value: UnsafeRawBufferPointer) {
        guard value.count >= Self.length else { return nil }
        guard let version = Self.hex(value, 0, digits: 2), version != 0xFF else { return nil }
        if version == 0 {
            guard value.count == Self.length else { return nil }
        } else if value.count > Self.length, value[Self.length] != UInt8(ascii: "-") {
            return nil
        }
        let dash = UInt8(ascii: "-")
        guard value[2] == dash, value[35] == dash, value[52] == dash,
            let high = Self.hex(value, 3, digits: 16),
            let low = Self.hex(value, 19, digits: 16),
            let span = Self.hex(value, 36, digits: 16),
            let flags = Self.hex(value, 53, digits: 2),
            high | low != 0, span != 0
        else { return nil }
        self.init(traceIDHigh: high, traceIDLow: low, spanID: span, flags: UInt8(flags))
    }

    /// Parses a header value given as bytes; nil for a null value or an invalid one.
    public init?(_ value: [UInt8]?) {
        guard let value, let parsed = value.withUnsafeBytes({ TraceParent($0) }) else { return nil }
        self = parsed
    }

    /// Whether the caller sampled the trace (flag bit 0): the span is worth recording.
    public var isSampled: Bool { flags & 1 != 0 }

    /// The context of the child span of the input at `source`: the same trace and flags, the span-id
    /// ``spanID(for:)``.
    public func child(of source: SourceCoordinates) -> TraceParent {
        TraceParent(traceIDHigh: traceIDHigh, traceIDLow: traceIDLow, spanID: Self.spanID(for: source), flags: flags)
    }

    /// The span-id of the span that processes the input at `source`: the first 8 bytes of
    /// BLAKE2b-128 of `s:<topic>:<partition>:<offset>` (as a big-endian number), so that processing
    /// the same offsets again gives the same outputs byte for byte. Not random, as the specification
    /// would have it, but unique enough: a trace would need billions of inputs for two of them to
    /// share a span-id by chance. All zeros, which is invalid, become 1.
    public static func spanID(for source: SourceCoordinates) -> UInt64 {
        let digest = EventID.coordinatesDigest(prefix: UInt8(ascii: "s"), source: source)
        let id = digest.low.byteSwapped
        return id == 0 ? 1 : id
    }

    /// The version-00 value: 55 ASCII bytes.
    public var headerValue: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.length) { buffer, count in
            buffer[0] = UInt8(ascii: "0")
            buffer[1] = UInt8(ascii: "0")
            buffer[2] = UInt8(ascii: "-")
            Self.writeHex(traceIDHigh, digits: 16, to: buffer, at: 3)
            Self.writeHex(traceIDLow, digits: 16, to: buffer, at: 19)
            buffer[35] = UInt8(ascii: "-")
            Self.writeHex(spanID, digits: 16, to: buffer, at: 36)
            buffer[52] = UInt8(ascii: "-")
            Self.writeHex(UInt64(flags), digits: 2, to: buffer, at: 53)
            count = Self.length
        }
    }

    /// The trace-id as 32 lowercase hex digits.
    public var traceIDHex: String { Self.hexString(traceIDHigh, digits: 16) + Self.hexString(traceIDLow, digits: 16) }

    /// The span-id as 16 lowercase hex digits.
    public var spanIDHex: String { Self.hexString(spanID, digits: 16) }

    public var description: String { String(decoding: headerValue, as: UTF8.self) }

    /// The number written as `digits` lowercase hex digits at `offset`; nil for anything else.
    private static func hex(_ bytes: UnsafeRawBufferPointer, _ offset: Int, digits: Int) -> UInt64? {
        var value: UInt64 = 0
        for index in offset..<(offset + digits) {
            let byte = bytes[index]
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            value = value << 4 | UInt64(nibble)
        }
        return value
    }

    private static func writeHex(
        _ value: UInt64,
        digits: Int,
        to buffer: UnsafeMutableBufferPointer<UInt8>,
        at offset: Int
    ) {
        for index in 0..<digits {
            let nibble = UInt8(truncatingIfNeeded: value >> (4 * UInt64(digits - 1 - index))) & 0x0F
            buffer[offset + index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
        }
    }

    private static func hexString(_ value: UInt64, digits: Int) -> String {
        String(unsafeUninitializedCapacity: digits) { buffer in
            writeHex(value, digits: digits, to: buffer, at: 0)
            return digits
        }
    }
}
