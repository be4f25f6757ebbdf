/// The event contract as one pure function: raw record in, enriched events and signals or one rejection out.
///
/// Runs the stages in order — decode → validate → normalize/expand → signals → encode — and turns
/// any ``Rejection`` into the rejection envelope. It holds no mutable state of its own (the bot
/// detector's cache is internally synchronized), so one processor can serve several threads.
/// The same value and coordinates always give byte-identical outputs.
public struct EventProcessor: Sendable {
    public let configuration: ProcessingConfiguration
    public let botDetector: BotDetector
    private let normalizer: EventNormalizer
    private let signalDeriver: SignalDeriver
    private let rejectionEncoder: RejectionEncoder

    public init(configuration: ProcessingConfiguration, botDetector: BotDetector) {
        self.configuration = configuration
        self.botDetector = botDetector
        self.normalizer = EventNormalizer(configuration: configuration)
        self.signalDeriver = SignalDeriver(implicitWeights: configuration.implicitWeights)
        self.rejectionEncoder = RejectionEncoder(processorVersion: configuration.processorVersion)
    }

    /// Processes one raw record. `value` nil is a tombstone, rejected as `invalid_json`.
    public func process(value: UnsafeRawBufferPointer?, source: SourceCoordinates) -> ProcessingOutcome {
        let object: JSONObject
        do {
            object = try decode(value)
        } catch {
            return rejected(error, value: value, object: nil, source: source)
        }
        do {
            let validated = try EventValidator.validate(object)
            let normalized = try normalizer.normalize(validated, kafkaTimestamp: source.timestamp)
            let eventID = validated.messageID.map(EventID.init(messageID:)) ?? EventID(source: source)
            let isBot = botDetector.isBot(userAgent: validated.userAgent)
            let enriched = EnrichedEventEncoder().encode(normalized, eventID: eventID, isBot: isBot, source: source)
            let signals = SignalEncoder().encode(
                signalDeriver.signals(for: normalized),
                of: normalized,
                eventID: eventID
            )
            return ProcessingOutcome(enriched: enriched, signals: signals)
        } catch {
            return rejected(error, value: value, object: object, source: source)
        }
    }

    /// Processes a byte array; a convenience for tests, tools and the offline runner.
    public func process(value: [UInt8]?, source: SourceCoordinates) -> ProcessingOutcome {
        guard let value else { return process(value: UnsafeRawBufferPointer?.none, source: source) }
        return value.withUnsafeBytes { process(value: $0, source: source) }
    }

    /// The `processing_error` rejection for a record the runtime could not process after its retries.
    public func processingErrorRejection(
        value: UnsafeRawBufferPointer?,
        source: SourceCoordinates,
        error: String
    ) -> EncodedRecord {
        let rejection = Rejection(.processingError, field: nil, "the service failed to process the record: \(error)")
        return rejectionRecord(rejection, value: value, object: nil, source: source)
    }

    private func decode(_ value: UnsafeRawBufferPointer?) throws(Rejection) -> JSONObject {
        guard let value else {
            throw Rejection(.invalidJSON, field: nil, "the record has no value (a tombstone)")
        }
        guard value.count <= configuration.maxEventBytes else {
            throw Rejection(
                .tooLarge,
                field: nil,
                "the value is \(value.count) bytes, more than limits.max_event_bytes (\(configuration.maxEventBytes))"
            )
        }
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(value)
        } catch {
            throw Rejection(.invalidJSON, field: nil, "the value is not valid UTF-8 JSON: \(error)")
        }
        guard case .object(let object) = parsed else {
            throw Rejection(.notAnObject, field: nil, "the value is \(parsed.kindDescription), not a JSON object")
        }
        return object
    }

    private func rejected(
        _ rejection: Rejection,
        value: UnsafeRawBufferPointer?,
        object: JSONObject?,
        source: SourceCoordinates
    ) -> ProcessingOutcome {
        ProcessingOutcome(
            rejection: rejectionRecord(rejection, value: value, object: object, source: source),
            rejectionReason: rejection.reason
        )
    }

    private func rejectionRecord(
        _ rejection: Rejection,
        value: UnsafeRawBufferPointer?,
        object: JSONObject?,
        source: SourceCoordinates
    ) -> EncodedRecord {
        let eventID = Self.rejectionEventID(object, source: source)
        return EncodedRecord(
            key: nil,
            value: rejectionEncoder.encode(rejection, eventID: eventID, value: value, source: source)
        )
    }

    /// A rejection gets the id its event would have had: from a usable message_id, else its coordinates.
    private static func rejectionEventID(_ object: JSONObject?, source: SourceCoordinates) -> EventID {
        if case .string(let messageID)? = object?["message_id"], !messageID.isEmpty,
            TextNormalization.hasAtMost128Characters(messageID)
        {
            return EventID(messageID: messageID)
        }
        return EventID(source: source)
    }
}
