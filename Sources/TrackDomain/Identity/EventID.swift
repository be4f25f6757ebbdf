/// Deterministic ids for every output of one raw event (events.md §3 "IDs").
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
    /// The 32 lowercase hex characters of the base id.
    public let base: String

    /// The id derived from a client or collector message id.
    public init(messageID: String) {
        base = BLAKE2b.hexDigest16(of: Self.bytes("m:", messageID))
    }

    /// The id derived from the Kafka coordinates of the raw record.
    public init(source: SourceCoordinates) {
        base = BLAKE2b.hexDigest16(of: Self.bytes("o:", "\(source.topic):\(source.partition):\(source.offset)"))
    }

    private static func bytes(_ prefix: StaticString, _ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(prefix.utf8CodeUnitCount + text.utf8.count)
        bytes.append(contentsOf: UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount))
        bytes.append(contentsOf: text.utf8)
        return bytes
    }

    /// The id of the `index`-th child of an expanded share.
    public func child(_ index: Int) -> String { "\(base):\(index)" }

    /// The id of the `index`-th signal of the event.
    public func signal(_ index: Int) -> String { "\(base):s\(index)" }

    public var description: String { base }

    /// Writes `"<base>"` without copying the id into a new string.
    func write(to writer: inout JSONWriter) {
        writer.idString(base: base, separator: "", index: nil)
    }

    /// Writes `"<base>:s<index>"` (the ``signal(_:)`` id) without building the string first.
    func writeSignal(_ index: Int, to writer: inout JSONWriter) {
        writer.idString(base: base, separator: ":s", index: index)
    }
}
