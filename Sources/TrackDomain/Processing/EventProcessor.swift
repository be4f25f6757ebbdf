/// The event contract as one pure function: raw record in, enriched events and signals or one rejection out.
///
/// Runs the stages in order — decode → validate → normalize/expand → signals → encode — and turns
/// any ``Rejection`` into the rejection envelope. The same value and coordinates always give
/// byte-identical outputs.
///
/// A processor value belongs to one worker: it remembers the bot verdicts of the user agents it has
/// seen (processing is `mutating`), so copies are independent and nothing is locked per record.
/// Give each concurrent worker its own copy.
public struct EventProcessor: Sendable {
    public let configuration: ProcessingConfiguration
    public let botDetector: BotDetector
    private let normalizer: EventNormalizer
    private let signalDeriver: SignalDeriver
    private let rejectionEncoder: RejectionEncoder
    private var enricher: EventEnricher

    public init(configuration: ProcessingConfiguration, botDetector: BotDetector, enrichments: Enrichments = .none) {
        self.configuration = configuration
        self.botDetector = botDetector
        self.enricher = EventEnricher(botDetector: botDetector, enrichments: enrichments)
        self.normalizer = EventNormalizer(configuration: configuration)
        self.signalDeriver = SignalDeriver(implicitWeights: configuration.implicitWeights)
        self.rejectionEncoder = RejectionEncoder(processorVersion: configuration.processorVersion)
    }

    /// Processes one raw record, appending its outputs to `output`. `value` nil is a tombstone,
    /// rejected as `invalid_json`. Rejections get no key: the runtime gives them the input's key and
    /// headers, whose sizes `carried` gives, unless the outcome says they were left out. The headers
    /// the runtime gives enriched events and signals (`carried.outputHeaders`) count towards the
    /// output limits; the forwarded ones are left out when the outputs fit only without them.
    public mutating func process(
        value: UnsafeRawBufferPointer?,
        source: SourceCoordinates,
        carrying carried: CarriedFields = .none,
        into output: inout OutputBuffer
    ) -> RecordOutcome {
        guard let input = value else {
            let tombstone = Rejection(.invalidJSON, field: nil, "the record has no value (a tombstone)")
            return reject(tombstone, value: nil, members: nil, source: source, carried: carried, into: &output)
        }
        let members: [InputMember]
        do {
            members = try decode(input)
        } catch {
            return reject(error, value: input, members: nil, source: source, carried: carried, into: &output)
        }
        let start = output.checkpoint
        do throws(Rejection) {
            var normalized = try normalizer.normalize(
                EventValidator.validate(members, input: input),
                kafkaTimestamp: source.timestamp,
                input: input
            )
            let eventID =
                normalized.event.messageID.map { EventID(messageID: $0, in: input) } ?? EventID(source: source)
            let found = enricher.enrich(&normalized.event, input: input)
            let signals = signalDeriver.signals(for: normalized)
            // The outputs with the input's forwarded headers; when they break a limit with them, once
            // more without them (only a share's many children or a huge header get here).
            let headers = carried.outputHeaders
            var omittingForwarded = false
            while true {
                output.limitOutputs(
                    bytes: configuration.maxOutputBytes,
                    recordBytes: configuration.maxRecordBytes,
                    headerBytes: headers.perRecordBytes(omittingForwarded: omittingForwarded)
                )
                let key = EnrichedEventEncoder.appendOutputKey(normalized.event, input: input, to: &output)
                let enriched = EnrichedEventEncoder().encode(
                    normalized,
                    input: input,
                    eventID: eventID,
                    found: found,
                    source: source,
                    key: key,
                    into: &output
                )
                SignalEncoder().encode(signals, of: normalized, input: input, eventID: eventID, key: key, into: &output)
                if let exceeded = output.endLimits() {
                    guard !omittingForwarded, headers.forwardedBytes > OutputHeaderName.omittedHeadersBytes else {
                        throw overLimit(exceeded)
                    }
                    output.rollback(to: start)
                    omittingForwarded = true
                    continue
                }
                return RecordOutcome(
                    enriched: enriched,
                    signals: signals.count,
                    rejectionReason: nil,
                    forwardedHeadersOmitted: omittingForwarded
                )
            }
        } catch {
            output.rollback(to: start)
            return reject(error, value: input, members: members, source: source, carried: carried, into: &output)
        }
    }

    /// The `output_too_large` rejection for outputs that broke a limit.
    private func overLimit(_ exceeded: OutputLimitExceeded) -> Rejection {
        switch exceeded {
        case .total:
            Rejection(
                .outputTooLarge,
                field: nil,
                "the event's outputs would take more than limits.max_output_bytes (\(configuration.maxOutputBytes) bytes)"
            )
        case .record(let bytes):
            Rejection(
                .outputTooLarge,
                field: nil,
                "an output record of \(bytes) bytes would be larger than a record may be "
                    + "(\(configuration.maxRecordBytes) bytes, from the producer's message.max.bytes)"
            )
        }
    }

    /// Processes one raw record into self-contained records; for tests, tools and the offline runner.
    public mutating func process(value: UnsafeRawBufferPointer?, source: SourceCoordinates) -> ProcessingOutcome {
        var output = OutputBuffer(capacity: 2048, expectedRecords: 4)
        let outcome = process(value: value, source: source, into: &output)
        let encoded = output.finish()
        var result = ProcessingOutcome(rejectionReason: outcome.rejectionReason)
        result.omissions = outcome.omissions
        for (index, layout) in encoded.records.enumerated() {
            let record = encoded.record(at: index)
            switch layout.kind {
            case .enriched: result.enriched.append(record)
            case .signal: result.signals.append(record)
            case .rejection: result.rejection = record
            }
        }
        return result
    }

    /// Processes a byte array; a convenience for tests, tools and the offline runner.
    public mutating func process(value: [UInt8]?, source: SourceCoordinates) -> ProcessingOutcome {
        guard let value else { return process(value: UnsafeRawBufferPointer?.none, source: source) }
        return value.withUnsafeBytes { process(value: $0, source: source) }
    }

    /// Appends the `processing_error` rejection for a record the runtime could not process after its
    /// retries; returns what it had to leave out to fit a record.
    @discardableResult
    public func appendProcessingErrorRejection(
        value: UnsafeRawBufferPointer?,
        source: SourceCoordinates,
        error: String,
        carrying carried: CarriedFields = .none,
        into output: inout OutputBuffer
    ) -> RejectionOmissions {
        let rejection = Rejection(.processingError, field: nil, "the service failed to process the record: \(error)")
        return appendRejection(rejection, value: value, members: nil, source: source, carried: carried, into: &output)
    }

    /// The `processing_error` rejection as a self-contained record.
    public func processingErrorRejection(
        value: UnsafeRawBufferPointer?,
        source: SourceCoordinates,
        error: String
    ) -> EncodedRecord {
        var output = OutputBuffer(capacity: 512 + (value?.count ?? 0) * 2, expectedRecords: 1)
        appendProcessingErrorRejection(value: value, source: source, error: error, into: &output)
        return output.finish().record(at: 0)
    }

    /// The top-level members of the raw event, or the rejection for a value that is not a JSON object.
    private func decode(_ value: UnsafeRawBufferPointer) throws(Rejection) -> [InputMember] {
        guard value.count <= configuration.maxEventBytes else {
            throw Rejection(
                .tooLarge,
                field: nil,
                "the value is \(value.count) bytes, more than limits.max_event_bytes (\(configuration.maxEventBytes))"
            )
        }
        func invalid(_ error: JSONParseError) -> Rejection {
            Rejection(.invalidJSON, field: nil, "the value is not valid UTF-8 JSON: \(error)")
        }
        let members: [InputMember]?
        do {
            members = try JSONParser.parseEventObject(value)
        } catch {
            throw invalid(error)
        }
        if let members { return members }
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(value)
        } catch {
            throw invalid(error)
        }
        throw Rejection(.notAnObject, field: nil, "the value is \(parsed.kindDescription), not a JSON object")
    }

    private func reject(
        _ rejection: Rejection,
        value: UnsafeRawBufferPointer?,
        members: [InputMember]?,
        source: SourceCoordinates,
        carried: CarriedFields,
        into output: inout OutputBuffer
    ) -> RecordOutcome {
        let omissions = appendRejection(
            rejection,
            value: value,
            members: members,
            source: source,
            carried: carried,
            into: &output
        )
        return RecordOutcome(enriched: 0, signals: 0, rejectionReason: rejection.reason, omissions: omissions)
    }

    /// Writes the rejection whole when it fits a record with the key and headers it carries, else
    /// leaves out the payload, then the key and headers (``RejectionOmissions``), and returns what it
    /// left out.
    private func appendRejection(
        _ rejection: Rejection,
        value: UnsafeRawBufferPointer?,
        members: [InputMember]?,
        source: SourceCoordinates,
        carried: CarriedFields,
        into output: inout OutputBuffer
    ) -> RejectionOmissions {
        let eventID = Self.rejectionEventID(members, value: value, source: source)
        let start = output.checkpoint
        var omissions: RejectionOmissions = []
        var reason = ""
        while true {
            output.appendRecord(.rejection, key: nil) { writer in
                rejectionEncoder.encode(
                    rejection,
                    eventID: eventID,
                    value: value,
                    source: source,
                    omitting: omissions,
                    carried: carried,
                    omissionReason: reason,
                    into: &writer
                )
            }
            let valueBytes = output.records[output.records.count - 1].value.count
            let recordBytes =
                valueBytes + (omissions.contains(.keyAndHeaders) ? 0 : carried.bytes)
                + carried.outputHeaders.versionBytes
            // The timestamp takes no room: only a broker's refusal leaves it out.
            guard recordBytes > configuration.maxRecordBytes, !omissions.contains(.keyAndHeaders),
                let next = omissions.next
            else { return omissions }
            if omissions.isEmpty {
                reason =
                    "the rejection would be \(recordBytes) bytes with the payload, key and headers, more than a "
                    + "record may be (\(configuration.maxRecordBytes) bytes)"
            }
            output.rollback(to: start)
            omissions = next
        }
    }

    /// A rejection gets the id its event would have had: from a usable message_id, else its coordinates.
    private static func rejectionEventID(
        _ members: [InputMember]?,
        value: UnsafeRawBufferPointer?,
        source: SourceCoordinates
    ) -> EventID {
        if let input = value, case .text(let messageID)? = members?.first(where: { $0.key == "message_id" })?.value,
            !messageID.isEmpty, messageID.hasAtMost128Characters(in: input)
        {
            return EventID(messageID: messageID, in: input)
        }
        return EventID(source: source)
    }
}
