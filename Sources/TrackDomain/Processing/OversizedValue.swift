extension EventProcessor {
    /// The `too_large` rejection of a value of `byteCount` bytes that was never held whole: the
    /// offline runner's over-long line, read past without keeping it.
    ///
    /// The envelope of every rejection, with the `too_large` message the value would have had,
    /// the event id from its coordinates (as for any `too_large` value, whose `message_id` is never
    /// read), and in place of the payload `"payload_omitted": {"bytes": byteCount, "reason": reason}`,
    /// the form of a rejection too large to send.
    public func oversizedValueRejection(byteCount: Int, source: SourceCoordinates, reason: String) -> [UInt8] {
        let rejection = Rejection(
            .tooLarge,
            field: nil,
            "the value is \(byteCount) bytes, more than limits.max_event_bytes (\(configuration.maxEventBytes))"
        )
        var full = JSONWriter(capacity: 512)
        RejectionEncoder(processorVersion: configuration.processorVersion).encode(
            rejection,
            eventID: EventID(source: source),
            value: nil,
            source: source,
            into: &full
        )
        // The encoder's own envelope, re-written with `payload_omitted` in place of its `"payload": null`.
        guard case .object(let envelope)? = try? JSONParser.parse(full.bytes) else { return full.bytes }
        var writer = JSONWriter(capacity: 512)
        writer.beginObject()
        for member in envelope.members where member.key != "payload" && member.key != "payload_base64" {
            writer.key(escaping: member.key)
            writer.value(member.value)
        }
        writer.key("payload_omitted")
        writer.beginObject()
        writer.key("bytes")
        writer.integer(Int64(byteCount))
        writer.key("reason")
        writer.string(reason)
        writer.endObject()
        writer.endObject()
        return writer.bytes
    }
}
