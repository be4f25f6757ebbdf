/// Stage 4: writes enriched events and signals as deterministic JSON (contract §3, §4).
///
/// Enriched members, in this order: event_id, parent_event_id, site_id, event_type, resource_id,
/// resource_type, then by type target_user_id | score | comment_text | items, total; then
/// timestamp, received_at, sent_at, client_timestamp, identity {bsin, user_id, email}, identified,
/// message_id, url, href, referer, user_agent, http_method, ip, geolocation, user_agent_parsed, is_bot,
/// is_test, status, enriched, properties, extra, source {topic, partition, offset}. Absent values are
/// `null`.
public struct EnrichedEventEncoder: Sendable {
    public init() {}

    /// Writes the enriched events of one normalized event into `output`, keyed `key`: one per
    /// (resource, target) pair for a share, else one. Returns how many it wrote. `input` is the raw
    /// event the event was read from.
    @discardableResult
    public func encode(
        _ normalized: NormalizedEvent,
        input: UnsafeRawBufferPointer,
        eventID: EventID,
        found: EventEnricher.Found,
        source: SourceCoordinates,
        key: Range<Int>,
        into output: inout OutputBuffer
    ) -> Int {
        guard case .share(let resources, let targets) = normalized.details else {
            output.appendRecord(.enriched, key: key) { writer in
                encodeOne(
                    normalized,
                    input: input,
                    eventID: eventID,
                    child: nil,
                    share: nil,
                    found: found,
                    source: source,
                    into: &writer
                )
            }
            return 1
        }
        let isExpanded = resources.count * targets.count > 1
        var written = 0
        for resource in resources {
            for target in targets {
                // Past limits.max_output_bytes the processor rejects the event: stop writing.
                guard !output.isOverLimit else { return written }
                output.appendRecord(.enriched, key: key) { writer in
                    encodeOne(
                        normalized,
                        input: input,
                        eventID: eventID,
                        child: isExpanded ? written : nil,
                        share: (resource, target),
                        found: found,
                        source: source,
                        into: &writer
                    )
                }
                written += 1
            }
        }
        return written
    }

    /// Writes the output key of `event` into `output`: `site_id:` + the first of bsin, user_id,
    /// email, so that all outputs of one user share a partition.
    public static func appendOutputKey(
        _ event: ValidatedEvent,
        input: UnsafeRawBufferPointer,
        to output: inout OutputBuffer
    ) -> Range<Int> {
        let identity = event.identity
        if let text = identity.bsin ?? identity.userID {
            return text.withUTF8(in: input) { output.appendKey(event.siteID, $0) }
        }
        var email = identity.email ?? ""
        return email.withUTF8 { output.appendKey(event.siteID, $0) }
    }

    private func encodeOne(
        _ normalized: NormalizedEvent,
        input: UnsafeRawBufferPointer,
        eventID: EventID,
        child: Int?,
        share: (resource: String?, target: String?)?,
        found: EventEnricher.Found,
        source: SourceCoordinates,
        into writer: inout JSONWriter
    ) {
        let event = normalized.event
        writer.beginObject()
        writer.key("event_id")
        if let child { eventID.writeChild(child, to: &writer) } else { eventID.write(to: &writer) }
        writer.key("parent_event_id")
        if child != nil { eventID.write(to: &writer) } else { writer.null() }
        writer.key("site_id")
        writer.string(event.siteID)
        writer.key("event_type")
        writer.string(event.eventType)
        writer.key("resource_id")
        writer.string(share.map { $0.resource } ?? normalized.resourceID)
        writer.key("resource_type")
        writer.string(normalized.resourceType)
        writeDetails(normalized.details, share: share, into: &writer)
        writer.key("timestamp")
        writer.timestamp(normalized.eventTime)
        writer.key("received_at")
        writer.timestamp(normalized.receivedAt)
        writer.key("sent_at")
        writer.timestamp(event.sentAt)
        writer.key("client_timestamp")
        writer.timestamp(event.timestamp)
        writer.key("identity")
        writer.beginObject()
        writer.key("bsin")
        writer.text(event.identity.bsin, in: input)
        writer.key("user_id")
        writer.text(event.identity.userID, in: input)
        writer.key("email")
        writer.string(event.identity.email)
        writer.endObject()
        writer.key("identified")
        writer.bool(event.identity.isIdentified)
        writer.key("message_id")
        writer.text(event.messageID, in: input)
        writer.key("url")
        writer.text(event.url, in: input)
        writer.key("href")
        writer.text(event.href, in: input)
        writer.key("referer")
        writer.text(event.referer, in: input)
        writer.key("user_agent")
        writer.text(event.userAgent, in: input)
        writer.key("http_method")
        writer.text(event.httpMethod, in: input)
        writer.key("ip")
        writer.text(event.ip, in: input)
        writer.key("geolocation")
        writer.compactJSON(found.geolocation)
        writer.key("user_agent_parsed")
        writer.compactJSON(found.userAgentParsed)
        writer.key("is_bot")
        writer.bool(found.isBot)
        writer.key("is_test")
        writer.bool(event.isTest)
        writer.key("status")
        writer.plainString("accepted")
        writer.key("enriched")
        writer.bool(true)
        writer.key("properties")
        if let compact = event.compactProperties {
            precondition(compact.upperBound <= input.count, "properties \(compact) outside their input")
            writer.compactJSON(UnsafeRawBufferPointer(rebasing: input[compact]))
        } else {
            writer.object(event.properties)
        }
        writer.key("extra")
        writer.object(JSONObject(members: event.extra))
        writer.key("source")
        writer.beginObject()
        writer.key("topic")
        writer.string(source.topic)
        writer.key("partition")
        writer.integer(Int64(source.partition))
        writer.key("offset")
        writer.integer(source.offset)
        writer.endObject()
        writer.endObject()
    }

    private func writeDetails(
        _ details: EventDetails,
        share: (resource: String?, target: String?)?,
        into writer: inout JSONWriter
    ) {
        switch details {
        case .share:
            writer.key("target_user_id")
            writer.string(share?.target ?? nil)
        case .like(let score, _):
            writer.key("score")
            if let score { writer.integer(score) } else { writer.null() }
        case .comment(let text):
            writer.key("comment_text")
            writer.string(text)
        case .items(let items, let total):
            writer.key("items")
            if let items {
                writer.beginArray()
                for item in items { writeItem(item, into: &writer) }
                writer.endArray()
            } else {
                writer.null()
            }
            writer.key("total")
            if let total { writer.number(total) } else { writer.null() }
        case .plain:
            break
        }
    }

    private func writeItem(_ item: PurchaseItem, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("resource_id")
        writer.string(item.resourceID)
        writer.key("price")
        writer.number(item.price)
        writer.key("quantity")
        writer.integer(item.quantity)
        if let currency = item.currency {
            writer.key("currency")
            writer.value(currency)
        }
        if let resourceType = item.resourceType {
            writer.key("resource_type")
            writer.string(resourceType)
        }
        writer.endObject()
    }
}

/// Writes preference signals: signal_id, event_id, site_id, bsin, user_id, resource_id, resource_type,
/// event_type, kind, value, score, timestamp.
public struct SignalEncoder: Sendable {
    public init() {}

    /// Writes `signals` into `output`, keyed `key`; `input` is the raw event they derive from.
    public func encode(
        _ signals: [PreferenceSignal],
        of normalized: NormalizedEvent,
        input: UnsafeRawBufferPointer,
        eventID: EventID,
        key: Range<Int>,
        into output: inout OutputBuffer
    ) {
        let event = normalized.event
        for (index, signal) in signals.enumerated() where !output.isOverLimit {
            output.appendRecord(.signal, key: key) { writer in
                writer.beginObject()
                writer.key("signal_id")
                eventID.writeSignal(index, to: &writer)
                writer.key("event_id")
                eventID.write(to: &writer)
                writer.key("site_id")
                writer.string(event.siteID)
                writer.key("bsin")
                writer.text(event.identity.bsin, in: input)
                writer.key("user_id")
                writer.text(event.identity.userID, in: input)
                writer.key("resource_id")
                writer.string(signal.resourceID)
                writer.key("resource_type")
                writer.string(signal.resourceType)
                writer.key("event_type")
                writer.string(event.eventType)
                writer.key("kind")
                writer.plainString(signal.kind.rawValue)
                writer.key("value")
                writer.double(signal.value)
                writer.key("score")
                if let score = signal.score { writer.integer(score) } else { writer.null() }
                writer.key("timestamp")
                writer.timestamp(normalized.eventTime)
                writer.endObject()
            }
        }
    }
}
