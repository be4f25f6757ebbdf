/// A rejection read back from the rejected topic: why the record was rejected, where it came from,
/// and the original value, so that it can be processed again as the same record (`redrive`).
///
/// The inverse of the rejection encoding (``RejectionEncoder``): `payload` is the original value as a
/// string when it was UTF-8 (its UTF-8 bytes are the value's bytes exactly), `payload_base64` its
/// Base64 otherwise, `"payload": null` a tombstone, and `payload_omitted` a value left out to fit.
public struct RejectionEnvelope: Sendable, Hashable {
    /// The original value as the rejection carries it.
    public enum Payload: Sendable, Hashable {
        /// The value's bytes.
        case value([UInt8])
        /// The record had no value.
        case tombstone
        /// The value was left out of the rejection to fit a record; it had this many bytes.
        case omitted(bytes: Int64?)
    }

    /// The reason code (``RejectionReason``'s raw value, or a newer one).
    public var reason: String
    /// The rejection's one-sentence message.
    public var message: String
    /// The raw record's coordinates: processing it again under them gives it the same ids.
    public var source: SourceCoordinates
    public var payload: Payload

    public init(reason: String, message: String, source: SourceCoordinates, payload: Payload) {
        self.reason = reason
        self.message = message
        self.source = source
        self.payload = payload
    }

    /// Reads a rejection record's value.
    public static func parse(_ bytes: [UInt8]) throws(RejectionEnvelopeError) -> RejectionEnvelope {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .notARejection("the value is not JSON: \(error)")
        }
        guard let object = value.objectValue else {
            throw .notARejection("the value is \(value.kindDescription), not an object")
        }
        guard let reason = object["reason"]?.stringValue else { throw .notARejection("it has no string `reason`") }
        guard let source = object["source"]?.objectValue, let topic = source["topic"]?.stringValue,
            case .integer(let partition)? = source["partition"]?.numberValue?.integralValue,
            let partition32 = Int32(exactly: partition),
            case .integer(let offset)? = source["offset"]?.numberValue?.integralValue
        else { throw .notARejection("its `source` is not {topic, partition, offset, timestamp}") }
        var timestamp: Int64?
        if let stamp = source["timestamp"], !stamp.isNull {
            guard case .integer(let milliseconds)? = stamp.numberValue?.integralValue else {
                throw .notARejection("its `source.timestamp` is not an integer or null")
            }
            timestamp = milliseconds
        }
        let payload: Payload
        if let text = object["payload"] {
            switch text {
            case .string(let string): payload = .value(Array(string.utf8))
            case .null: payload = .tombstone
            default: throw .notARejection("its `payload` is \(text.kindDescription), not a string or null")
            }
        } else if let encoded = object["payload_base64"] {
            guard let string = encoded.stringValue, let bytes = Base64.decode(string) else {
                throw .notARejection("its `payload_base64` is not Base64")
            }
            payload = .value(bytes)
        } else if let omitted = object["payload_omitted"] {
            var count: Int64?
            if case .integer(let bytes)? = omitted.objectValue?["bytes"]?.numberValue?.integralValue { count = bytes }
            payload = .omitted(bytes: count)
        } else {
            throw .notARejection("it has none of `payload`, `payload_base64` and `payload_omitted`")
        }
        return RejectionEnvelope(
            reason: reason,
            message: object["message"]?.stringValue ?? "",
            source: SourceCoordinates(topic: topic, partition: partition32, offset: offset, timestamp: timestamp),
            payload: payload
        )
    }
}

/// A record of the rejected topic that is not a rejection trackstream wrote.
public enum RejectionEnvelopeError: Error, Sendable, Hashable, CustomStringConvertible {
    case notARejection(String)

    public var description: String {
        switch self {
        case .notARejection(let why): "not a trackstream rejection: \(why)"
        }
    }
}
