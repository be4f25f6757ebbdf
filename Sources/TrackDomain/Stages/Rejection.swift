/// The stable reason codes of events.md §2, used by alerts and by redrive.
public enum RejectionReason: String, Sendable, Hashable, CaseIterable {
    case invalidJSON = "invalid_json"
    case notAnObject = "not_an_object"
    case tooLarge = "too_large"
    case missingField = "missing_field"
    case invalidField = "invalid_field"
    case missingIdentity = "missing_identity"
    case reservedAttribute = "reserved_attribute"
    case ambiguousProperties = "ambiguous_properties"
    case invalidScore = "invalid_score"
    case invalidTarget = "invalid_target"
    case fanoutLimit = "fanout_limit"
    case invalidItems = "invalid_items"
    case processingError = "processing_error"
}

/// Why one raw event was rejected: a reason code, the JSON path of the offending field, and a sentence.
///
/// Thrown by the stages; the processor turns it into the rejection envelope.
public struct Rejection: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: RejectionReason
    /// The JSON path of the offending field (`properties.score`, `attributes.items`), or nil.
    public var field: String?
    /// One human sentence saying what was wrong.
    public var message: String

    public init(_ reason: RejectionReason, field: String?, _ message: String) {
        self.reason = reason
        self.field = field
        self.message = message
    }

    public var description: String {
        "\(reason.rawValue)\(field.map { " at \($0)" } ?? ""): \(message)"
    }
}

/// Writes the rejected-topic value (events.md §2).
///
/// `{"event_id", "reason", "field", "message", "source": {topic, partition, offset, timestamp},
/// "processor": {name, version}, "payload" | "payload_base64"}`. The payload is the original value as
/// a string when it is valid UTF-8, else its standard Base64; a tombstone (no value) has `"payload": null`.
public struct RejectionEncoder: Sendable {
    var processorVersion: String

    func encode(
        _ rejection: Rejection,
        eventID: EventID,
        value: UnsafeRawBufferPointer?,
        source: SourceCoordinates,
        into writer: inout JSONWriter
    ) {
        writer.beginObject()
        writer.key("event_id")
        eventID.write(to: &writer)
        writer.key("reason")
        writer.plainString(rejection.reason.rawValue)
        writer.key("field")
        writer.string(rejection.field)
        writer.key("message")
        writer.string(rejection.message)
        writer.key("source")
        writer.beginObject()
        writer.key("topic")
        writer.string(source.topic)
        writer.key("partition")
        writer.integer(Int64(source.partition))
        writer.key("offset")
        writer.integer(source.offset)
        writer.key("timestamp")
        if let timestamp = source.timestamp { writer.integer(timestamp) } else { writer.null() }
        writer.endObject()
        writer.key("processor")
        writer.beginObject()
        writer.key("name")
        writer.plainString("trackstream")
        writer.key("version")
        writer.string(processorVersion)
        writer.endObject()
        if let value {
            if let text = String(validating: value, as: UTF8.self) {
                writer.key("payload")
                writer.string(text)
            } else {
                writer.key("payload_base64")
                writer.plainString(Base64.encode(value))
            }
        } else {
            writer.key("payload")
            writer.null()
        }
        writer.endObject()
    }
}

extension RejectionEncoder {
    /// A rejection value without its payload, for when the rejection itself is larger than the
    /// producer may send: `payload` / `payload_base64` give way to `"payload_omitted": {"bytes": N,
    /// "reason": ...}`, N being the payload's size as it was written. Nil when `value` is not a
    /// rejection with a payload (nothing to shrink).
    public static func withoutPayload(_ value: [UInt8], reason: String) -> [UInt8]? {
        guard case .object(let envelope)? = try? JSONParser.parse(value) else { return nil }
        var omitted: Int?
        var writer = JSONWriter(capacity: 512)
        writer.beginObject()
        for member in envelope.members {
            if member.key == "payload" || member.key == "payload_base64" {
                if case .string(let payload) = member.value { omitted = payload.utf8.count }
                continue
            }
            writer.key(escaping: member.key)
            writer.value(member.value)
        }
        guard let omitted else { return nil }
        writer.key("payload_omitted")
        writer.beginObject()
        writer.key("bytes")
        writer.integer(Int64(omitted))
        writer.key("reason")
        writer.string(reason)
        writer.endObject()
        writer.endObject()
        return writer.bytes
    }
}

/// Standard Base64 (RFC 4648 §4) with padding.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
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
