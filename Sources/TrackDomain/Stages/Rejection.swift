/// The stable reason codes of contract §2, used by alerts and by redrive.
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
    /// The outputs of one event would exceed `limits.max_output_bytes`, or one output record the
    /// producer's record size (a reason trackstream adds to the contract's table).
    case outputTooLarge = "output_too_large"
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

/// Writes the rejected-topic value (contract §2).
///
/// `{"event_id", "reason", "field", "message", "source": {topic, partition, offset, timestamp},
/// "processor": {name, version}, "payload" | "payload_base64"}`. The payload is the original value as
/// a string when it is valid UTF-8, else its standard Base64; a tombstone (no value) has `"payload": null`.
/// Parts left out so that the record can be sent are reported after it (see ``RejectionOmissions``).
public struct RejectionEncoder: Sendable {
    var processorVersion: String

    /// Writes the envelope; `omitting` and `carried` say what is left out and how large it was,
    /// `omissionReason` why.
    func encode(
        _ rejection: Rejection,
        eventID: EventID,
        value: UnsafeRawBufferPointer?,
        source: SourceCoordinates,
        omitting omissions: RejectionOmissions = [],
        carried: CarriedFields = .none,
        omissionReason: String = "",
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
        if omissions.contains(.payload), let value {
            Self.writeOmitted("payload_omitted", bytes: value.count, reason: omissionReason, into: &writer)
        } else if let value {
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
        Self.writeOmissions(omissions.subtracting(.payload), carried: carried, reason: omissionReason, into: &writer)
        writer.endObject()
    }

    /// `"<name>":{"bytes":N,"reason":"..."}`.
    private static func writeOmitted(_ name: StaticString, bytes: Int, reason: String, into writer: inout JSONWriter) {
        writer.key(name)
        writer.beginObject()
        writer.key("bytes")
        writer.integer(Int64(bytes))
        writer.key("reason")
        writer.string(reason)
        writer.endObject()
    }

    /// The members for the key, the headers and the timestamp left out (not the payload's).
    private static func writeOmissions(
        _ omissions: RejectionOmissions,
        carried: CarriedFields,
        reason: String,
        into writer: inout JSONWriter
    ) {
        if omissions.contains(.keyAndHeaders) {
            if let keyBytes = carried.keyBytes {
                writeOmitted("key_omitted", bytes: keyBytes, reason: reason, into: &writer)
            }
            if carried.headerCount > 0 {
                writer.key("headers_omitted")
                writer.beginObject()
                writer.key("count")
                writer.integer(Int64(carried.headerCount))
                writer.key("bytes")
                writer.integer(Int64(carried.headerBytes))
                writer.key("reason")
                writer.string(reason)
                writer.endObject()
            }
        }
        if omissions.contains(.timestamp) {
            writer.key("timestamp_omitted")
            writer.beginObject()
            writer.key("reason")
            writer.string(reason)
            writer.endObject()
        }
    }
}

extension RejectionEncoder {
    /// A rejection value rewritten to leave out more, for when the broker refused it as it was:
    /// the parts in `omissions` that `value` still has are replaced by their `*_omitted` members
    /// (see ``RejectionOmissions``). `carried` describes the key and headers it was sent with.
    /// Nil when `value` is not a rejection envelope.
    public static func stripped(
        _ value: [UInt8],
        omitting omissions: RejectionOmissions,
        carried: CarriedFields,
        reason: String
    ) -> [UInt8]? {
        guard case .object(let envelope)? = try? JSONParser.parse(value), envelope["reason"] != nil else { return nil }
        var writer = JSONWriter(capacity: 1024)
        writer.beginObject()
        var alreadyOmitted: RejectionOmissions = []
        for member in envelope.members {
            switch member.key {
            case "payload" where omissions.contains(.payload) && member.value.stringValue != nil:
                let bytes = member.value.stringValue?.utf8.count ?? 0
                writeOmitted("payload_omitted", bytes: bytes, reason: reason, into: &writer)
            case "payload_base64" where omissions.contains(.payload) && member.value.stringValue != nil:
                let bytes = Base64.decodedCount(member.value.stringValue ?? "")
                writeOmitted("payload_omitted", bytes: bytes, reason: reason, into: &writer)
            default:
                if member.key == "key_omitted" || member.key == "headers_omitted" {
                    alreadyOmitted.insert(.keyAndHeaders)
                }
                if member.key == "timestamp_omitted" { alreadyOmitted.insert(.timestamp) }
                writer.key(escaping: member.key)
                writer.value(member.value)
            }
        }
        let newlyOmitted = omissions.subtracting(alreadyOmitted).subtracting(.payload)
        writeOmissions(newlyOmitted, carried: carried, reason: reason, into: &writer)
        writer.endObject()
        return writer.bytes
    }
}
