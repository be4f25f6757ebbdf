/// One generated raw tracking event, ready to produce to the raw topic.
public struct SyntheticEvent: Sendable, Hashable {
    /// The Kafka key, `site_id:` + bsin, else user_id, else email (as collectors key raw events).
    public var key: [UInt8]?
    /// The raw value: compact UTF-8 JSON, or deliberately malformed bytes. Never holds a raw newline.
    public var value: [UInt8]
    /// The Kafka message timestamp in epoch milliseconds: the collector's receive time.
    public var timestamp: Int64
    /// The normalized event type the event was generated as (`viewed`, `video:play`, …), for summaries;
    /// a malformed value may no longer carry it.
    public var eventType: String
    /// The rule this value deliberately breaks; nil for a valid event.
    public var malformation: Malformation?
    /// True when the user agent is a crawler's, so the pipeline should mark the event `is_bot`.
    public var hasBotUserAgent: Bool

    /// True when the value is deliberately invalid and must be rejected (see ``malformation``).
    public var isMalformed: Bool { malformation != nil }

    public init(
        key: [UInt8]?,
        value: [UInt8],
        timestamp: Int64,
        eventType: String,
        malformation: Malformation?,
        hasBotUserAgent: Bool
    ) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.eventType = eventType
        self.malformation = malformation
        self.hasBotUserAgent = hasBotUserAgent
    }
}

/// How a malformed value breaks the contract, and the rejection reason (contract §2) it must get.
///
/// Together the cases cover every reason code except `processing_error`, which no input can cause.
public enum Malformation: String, Sendable, Hashable, CaseIterable {
    /// The JSON is cut off mid-value, as a broken client or proxy sends it.
    case truncatedJSON = "truncated_json"
    /// Latin-1 bytes inside a string: not UTF-8.
    case invalidUTF8 = "invalid_utf8"
    /// Valid JSON that is an array, string, number, boolean or null.
    case notAnObject = "not_an_object"
    /// A value over 64 KiB (one in ``TrafficConfiguration/oversizedInterval`` events).
    case oversized = "oversized"
    /// `site_id` absent or empty.
    case missingSiteID = "missing_site_id"
    /// `event_type` empty or blank.
    case emptyEventType = "empty_event_type"
    /// `event_type` that does not match the type pattern (`page view`, `vïewed`).
    case invalidEventType = "invalid_event_type"
    /// A field of the wrong type or format: a numeric site_id, non-object properties, an over-long
    /// message_id, an empty non-share resource_id, an inverted score scale, …
    case wrongFieldType = "wrong_field_type"
    /// `timestamp`, `sent_at` or `received_at` that is not a time.
    case invalidTimestamp = "invalid_timestamp"
    /// An email without exactly one `@` between a name and a host.
    case invalidEmail = "invalid_email"
    /// None of bsin, user_id, email.
    case missingIdentity = "missing_identity"
    /// A property named after a reserved attribute (`url`, `status`, `bsin`, …).
    case reservedAttribute = "reserved_attribute"
    /// Both `properties` and `attributes`.
    case ambiguousProperties = "ambiguous_properties"
    /// A `liked` score that is not an integer or is outside its scale.
    case invalidScore = "invalid_score"
    /// A share whose `target_user_id` is empty, not a string, or holds non-strings.
    case invalidTarget = "invalid_target"
    /// A share to more than 100 targets.
    case fanoutOverLimit = "fanout_over_limit"
    /// Purchase items that are not objects, lack an id, or have a bad price or quantity.
    case invalidItems = "invalid_items"

    /// The contract §2 reason code a conforming processor rejects this value with.
    public var expectedReason: String {
        switch self {
        case .truncatedJSON, .invalidUTF8: "invalid_json"
        case .notAnObject: "not_an_object"
        case .oversized: "too_large"
        case .missingSiteID, .emptyEventType: "missing_field"
        case .invalidEventType, .wrongFieldType, .invalidTimestamp, .invalidEmail: "invalid_field"
        case .missingIdentity: "missing_identity"
        case .reservedAttribute: "reserved_attribute"
        case .ambiguousProperties: "ambiguous_properties"
        case .invalidScore: "invalid_score"
        case .invalidTarget: "invalid_target"
        case .fanoutOverLimit: "fanout_limit"
        case .invalidItems: "invalid_items"
        }
    }
}
