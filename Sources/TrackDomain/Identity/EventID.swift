/// Deterministic ids for every output of one raw event (contract §3 "IDs").
///
/// - The base id is `blake2b-128("m:" + message_id)` when the event carries a `message_id`, else
///   `blake2b-128("o:" + topic + ":" + partition + ":" + offset)`: a redelivered offset or a resent
///   message gets the same id, which is what downstream de-duplication needs.
/// - A share expanded into several events gives its children `<base>:<n>` (n from 0, in expansion
///   order) and `parent_event_id = <base>`; a share that expands into one event keeps `<base>`.
/// - Signals are `<base>:s<n>`, n from 0 in signal order.
///
/// The `m:`/`o:` prefixes keep the two id spaces apart, and the `:` suffixes cannot occur in a bare
/// 32-character hex digest, so ids are unique across enriched events, signals and rejections.
public struct EventID: Sendable, Hashable, CustomStringConvertible {
    /// The digest behind the base id; ids are written from it straight into the output.
    private let digest: BLAKE2b.Digest16

    /// The 32 lowercase hex characters of the base id.
    public var base: String { digest.hex }

    /// The id derived from a client or collector message id.
    public init(messageID: String) {
        var messageID = messageID
        digest = messageID.withUTF8(Self.messageDigest)
    }

    /// The id derived from a message id read from the raw event `input`.
    public init(messageID: InputText, in input: UnsafeRawBufferPointer) {
        digest = messageID.withUTF8(in: input, Self.messageDigest)
    }

    private static func messageDigest(_ text: UnsafeBufferPointer<UInt8>) -> BLAKE2b.Digest16 {
        digest(prefix: UInt8(ascii: "m"), length: text.count) { output in
            output.copyMemory(from: UnsafeRawBufferPointer(text))
        }
    }

    /// The id derived from the Kafka coordinates of the raw record: `o:<topic>:<partition>:<offset>`.
    public init(source: SourceCoordinates) {
        digest = Self.coordinatesDigest(prefix: UInt8(ascii: "o"), source: source)
    }

    /// BLAKE2b-128 of `<prefix>:<topic>:<partition>:<offset>`: ids derived from coordinates, told
    /// apart by their prefix (`o` event ids, `s` span-ids).
    static func coordinatesDigest(prefix: UInt8, source: SourceCoordinates) -> BLAKE2b.Digest16 {
        var topic = source.topic
        return topic.withUTF8 { topic in
            let partition = DecimalText(Int64(source.partition))
            let offset = DecimalText(source.offset)
            return Self.digest(prefix: prefix, length: topic.count + 2 + partition.count + offset.count) {
                output in
                var position = 0
                func append(_ bytes: UnsafeRawBufferPointer) {
                    UnsafeMutableRawBufferPointer(rebasing: output[position..<(position + bytes.count)])
                        .copyMemory(from: bytes)
                    position += bytes.count
                }
                append(UnsafeRawBufferPointer(topic))
                output[position] = UInt8(ascii: ":")
                position += 1
                partition.withBytes(append)
                output[position] = UInt8(ascii: ":")
                position += 1
                offset.withBytes(append)
            }
        }
    }

    /// BLAKE2b-128 of `<prefix>:` followed by the `length` bytes `fill` writes, hashed from a buffer
    /// on the stack (no array is built for it).
    private static func digest(
        prefix: UInt8,
        length: Int,
        fill: (UnsafeMutableRawBufferPointer) -> Void
    ) -> BLAKE2b.Digest16 {
        withUnsafeTemporaryAllocation(byteCount: length + 2, alignment: 8) { message in
            message[0] = prefix
            message[1] = UInt8(ascii: ":")
            fill(UnsafeMutableRawBufferPointer(rebasing: message[2...]))
            return BLAKE2b.digest16(of: UnsafeRawBufferPointer(message))
        }
    }

    /// The id of the `index`-th child of an expanded share.
    public func child(_ index: Int) -> String { "\(base):\(index)" }

    /// The id of the `index`-th signal of the event.
    public func signal(_ index: Int) -> String { "\(base):s\(index)" }

    public var description: String { base }

    /// Writes `"<base>"`.
    func write(to writer: inout JSONWriter) {
        writer.idString(digest, separator: "", index: nil)
    }

    /// Writes `"<base>:<index>"` (the ``child(_:)`` id) without building the string first.
    func writeChild(_ index: Int, to writer: inout JSONWriter) {
        writer.idString(digest, separator: ":", index: index)
    }

    /// Writes `"<base>:s<index>"` (the ``signal(_:)`` id) without building the string first.
    func writeSignal(_ index: Int, to writer: inout JSONWriter) {
        writer.idString(digest, separator: ":s", index: index)
    }
}

/// The decimal digits of an integer in a fixed buffer, without making a `String`.
private struct DecimalText {
    /// Room for the 20 characters of any `Int64`, right-aligned.
    private var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
    let count: Int

    init(_ value: Int64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        count = withUnsafeMutableBytes(of: &digits) { buffer in
            var magnitude = value.magnitude
            var position = buffer.count
            repeat {
                position -= 1
                buffer[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                position -= 1
                buffer[position] = UInt8(ascii: "-")
            }
            return buffer.count - position
        }
        self.digits = digits
    }

    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        withUnsafeBytes(of: digits) { body(UnsafeRawBufferPointer(rebasing: $0[($0.count - count)...])) }
    }
}
