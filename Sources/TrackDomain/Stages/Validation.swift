/// The user a raw event is about, normalized (contract §1, `bsin`, `user_id`, `email`).
///
/// `bsin` and `user_id` are passed through as sent, so they stay text of the input; the email is
/// normalized into a string of its own.
public struct Identity: Sendable, Hashable {
    public var bsin: InputText?
    public var userID: InputText?
    public var email: String?

    public init(bsin: InputText? = nil, userID: InputText? = nil, email: String? = nil) {
        self.bsin = bsin
        self.userID = userID
        self.email = email
    }

    /// Whether any of bsin, user_id, email is known: an event needs one.
    public var isKnown: Bool { bsin != nil || userID != nil || email != nil }

    /// `identified` in the enriched event: a user_id or an email is known.
    public var isIdentified: Bool { userID != nil || email != nil }
}

/// A raw event whose top-level fields have the right types and formats (stage 1: validate).
///
/// Property-level rules (resources, scores, targets, items) belong to normalization. Fields that are
/// passed through as sent are ``InputText``: they are read from the raw event's bytes when written.
public struct ValidatedEvent: Sendable {
    public var siteID: String
    /// Trimmed, lowercased and matching `^[a-z0-9][a-z0-9_.:-]{0,127}$`.
    public var eventType: String
    public var identity: Identity
    /// `properties`, or `attributes` when that alias was used; empty when absent.
    public var properties: JSONObject
    /// The name the properties arrived under, for field paths in rejections.
    public var propertiesField: String
    /// Where the properties lie in the input when they are compact JSON that can be copied as is.
    public var compactProperties: Range<Int>?
    public var url: InputText?
    public var href: InputText?
    public var referer: InputText?
    public var userAgent: InputText?
    public var httpMethod: InputText?
    public var ip: InputText?
    public var messageID: InputText?
    public var isTest: Bool
    /// Client event time, epoch milliseconds.
    public var timestamp: Int64?
    /// Client send time, epoch milliseconds.
    public var sentAt: Int64?
    /// Collector receive time, epoch milliseconds, as given in the event.
    public var receivedAt: Int64?
    /// Unknown top-level members, in their original order.
    public var extra: [JSONMember]
}

/// Stage 1: checks the top-level fields of a raw event object in one pass over its members.
///
/// The checks run in a fixed order so that an event breaking several rules always gets the same
/// reason: site_id, event_type, identity fields, properties, collector fields, message_id, is_test,
/// times, then missing identity and reserved property names. `null` counts as absent everywhere.
public enum EventValidator {
    /// Property names the seed reserves; an event using one is rejected.
    public static let reservedAttributes: Set<String> = [
        "enriched", "event_id", "geolocation", "http_method", "identified", "identity", "is_bot", "is_test",
        "properties", "referer", "status", "url", "user_agent", "href", "bsin",
    ]

    /// Membership in ``reservedAttributes`` by length, then by comparing short strings: no hashing.
    /// A test keeps the two in step.
    public static func isReservedAttribute(_ name: String) -> Bool {
        switch name.utf8.count {
        case 3: name == "url"
        case 4: name == "href" || name == "bsin"
        case 6: name == "is_bot" || name == "status"
        case 7: name == "is_test" || name == "referer"
        case 8: name == "enriched" || name == "event_id" || name == "identity"
        case 10: name == "identified" || name == "properties" || name == "user_agent"
        case 11: name == "geolocation" || name == "http_method"
        default: false
        }
    }

    /// Validates the top-level members of a raw event read from `input`.
    public static func validate(
        _ members: [InputMember],
        input: UnsafeRawBufferPointer
    ) throws(Rejection) -> ValidatedEvent {
        let fields = RawFields(members, input: input)
        let siteID = try validateSiteID(fields[.siteID], input: input)
        let eventType = try validateEventType(fields, input: input)
        let identity = try validateIdentity(fields, input: input)
        let (properties, propertiesField, compactProperties) = try validateProperties(fields)
        let url = try optionalText(fields[.url], "url")
        let href = try optionalText(fields[.href], "href")
        let referer = try optionalText(fields[.referer], "referer")
        let userAgent = try optionalText(fields[.userAgent], "user_agent")
        let httpMethod = try optionalText(fields[.httpMethod], "http_method")
        let ip = try optionalText(fields[.ip], "ip")
        let messageID = try validateMessageID(fields[.messageID], input: input)
        let isTest = try validateIsTest(fields[.isTest])
        let timestamp = try time(fields[.timestamp], "timestamp", input: input)
        let sentAt = try time(fields[.sentAt], "sent_at", input: input)
        let receivedAt = try time(fields[.receivedAt], "received_at", input: input)
        guard identity.isKnown else {
            throw Rejection(.missingIdentity, field: nil, "none of bsin, user_id or email is present")
        }
        if let reserved = properties.members.first(where: { isReservedAttribute($0.key) }) {
            throw Rejection(
                .reservedAttribute,
                field: "\(propertiesField).\(reserved.key)",
                "\"\(reserved.key)\" is a reserved attribute name and cannot be used as a property"
            )
        }
        return ValidatedEvent(
            siteID: siteID,
            eventType: eventType,
            identity: identity,
            properties: properties,
            propertiesField: propertiesField,
            compactProperties: compactProperties,
            url: url,
            href: href,
            referer: referer,
            userAgent: userAgent,
            httpMethod: httpMethod,
            ip: ip,
            messageID: messageID,
            isTest: isTest,
            timestamp: timestamp,
            sentAt: sentAt,
            receivedAt: receivedAt,
            extra: fields.extra
        )
    }

    private static func validateSiteID(_ value: InputValue?, input: UnsafeRawBufferPointer) throws(Rejection) -> String
    {
        guard let value else {
            throw Rejection(.missingField, field: "site_id", "site_id is required")
        }
        guard case .text(let text) = value else {
            throw Rejection(.invalidField, field: "site_id", "site_id must be a string, not \(value.kindDescription)")
        }
        guard !text.isEmpty else {
            throw Rejection(.missingField, field: "site_id", "site_id is required")
        }
        guard text.hasAtMost128Characters(in: input) else {
            throw Rejection(.invalidField, field: "site_id", "site_id is longer than 128 characters")
        }
        return text.string(in: input)
    }

    private static func validateEventType(
        _ fields: RawFields,
        input: UnsafeRawBufferPointer
    ) throws(Rejection) -> String {
        let (value, name) = fields[.eventType].map { ($0, "event_type") } ?? (fields[.type], "type")
        guard let value else {
            throw Rejection(.missingField, field: "event_type", "event_type (or its alias type) is required")
        }
        guard case .text(let text) = value else {
            throw Rejection(.invalidField, field: name, "\(name) must be a string, not \(value.kindDescription)")
        }
        let eventType = TextNormalization.lowercased(TextNormalization.trimmed(text.string(in: input)))
        guard !eventType.isEmpty else {
            throw Rejection(.missingField, field: name, "\(name) is empty")
        }
        guard isValidEventType(eventType) else {
            throw Rejection(
                .invalidField,
                field: name,
                "\(name) \"\(eventType.prefix(64))\" does not match ^[a-z0-9][a-z0-9_.:-]{0,127}$"
            )
        }
        return eventType
    }

    /// `^[a-z0-9][a-z0-9_.:-]{0,127}$`, checked byte by byte.
    static func isValidEventType(_ eventType: String) -> Bool {
        let utf8 = eventType.utf8
        guard (1...128).contains(utf8.count), let first = utf8.first else { return false }
        func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard isLowerAlphanumeric(first) else { return false }
        return utf8.dropFirst().allSatisfy { byte in
            isLowerAlphanumeric(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "-")
        }
    }

    private static func validateIdentity(
        _ fields: RawFields,
        input: UnsafeRawBufferPointer
    ) throws(Rejection) -> Identity {
        let bsin = try optionalText(fields[.bsin], "bsin")
        let userID = try optionalText(fields[.userID], "user_id")
        let email = try optionalText(fields[.email], "email").flatMap { (text) throws(Rejection) in
            try normalizedEmail(text, input: input)
        }
        return Identity(
            bsin: bsin?.isEmpty == false ? bsin : nil,
            userID: userID?.isEmpty == false ? userID : nil,
            email: email
        )
    }

    /// Trimmed, lowercased, `name:::at:::host` read as `name@host`; nil when empty.
    private static func normalizedEmail(_ text: InputText, input: UnsafeRawBufferPointer) throws(Rejection) -> String? {
        let email =
            text.withUTF8(in: input) { TextNormalization.asciiEmail($0) }
            ?? TextNormalization.unescapingAt(
                TextNormalization.lowercased(TextNormalization.trimmed(text.string(in: input)))
            )
        guard !email.isEmpty else { return nil }
        let utf8 = email.utf8
        let atSigns = utf8.lazy.filter { $0 == UInt8(ascii: "@") }.count
        guard atSigns == 1, utf8.first != UInt8(ascii: "@"), utf8.last != UInt8(ascii: "@") else {
            throw Rejection(.invalidField, field: "email", "email must contain exactly one @ between a name and a host")
        }
        return email
    }

    private static func validateProperties(
        _ fields: RawFields
    ) throws(Rejection) -> (JSONObject, String, Range<Int>?) {
        if fields.has(.properties) && fields.has(.attributes) {
            throw Rejection(
                .ambiguousProperties,
                field: "attributes",
                "both properties and its alias attributes are present; send only one"
            )
        }
        let (member, name) =
            fields.member(.attributes).map { ($0, "attributes") } ?? (fields.member(.properties), "properties")
        guard let member else { return (JSONObject(), "properties", nil) }
        guard case .value(.object(let object)) = member.value else {
            throw Rejection(
                .invalidField,
                field: name,
                "\(name) must be an object, not \(member.value.kindDescription)"
            )
        }
        return (object, name, member.isCompact ? member.extent : nil)
    }

    private static func validateMessageID(
        _ value: InputValue?,
        input: UnsafeRawBufferPointer
    ) throws(Rejection) -> InputText? {
        guard let value else { return nil }
        guard case .text(let messageID) = value, messageID.hasAtMost128Characters(in: input) else {
            throw Rejection(
                .invalidField,
                field: "message_id",
                "message_id must be a string of at most 128 characters"
            )
        }
        return messageID.isEmpty ? nil : messageID
    }

    private static func validateIsTest(_ value: InputValue?) throws(Rejection) -> Bool {
        guard let value else { return false }
        guard case .value(.bool(let isTest)) = value else {
            throw Rejection(
                .invalidField,
                field: "is_test",
                "is_test must be true or false, not \(value.kindDescription)"
            )
        }
        return isTest
    }

    private static func optionalText(_ value: InputValue?, _ name: String) throws(Rejection) -> InputText? {
        guard let value else { return nil }
        guard case .text(let text) = value else {
            throw Rejection(.invalidField, field: name, "\(name) must be a string, not \(value.kindDescription)")
        }
        return text
    }

    private static func time(
        _ value: InputValue?,
        _ name: String,
        input: UnsafeRawBufferPointer
    ) throws(Rejection) -> Int64? {
        guard let value else { return nil }
        do {
            switch value {
            case .text(let text): return try EventTime.milliseconds(fromText: text, in: input)
            case .value(let value): return try EventTime.milliseconds(from: value)
            }
        } catch {
            throw timeRejection(error, value: value.jsonValue(in: input), field: name)
        }
    }

    static func timeRejection(_ failure: EventTime.ParseFailure, value: JSONValue, field: String) -> Rejection {
        let message =
            switch failure {
            case .wrongType: "\(field) must be an ISO-8601 string or an epoch number, not \(value.kindDescription)"
            case .notFinite: "\(field) is not a finite number"
            case .malformed:
                "\(field) \"\(value.stringValue?.prefix(64) ?? "")\" is not an ISO-8601 date-time or epoch number"
            case .outOfRange: "\(field) is outside the years 1 to 9999"
            }
        return Rejection(.invalidField, field: field, message)
    }
}

/// The top-level members of a raw event sorted into the known fields, in one pass; `null` is absent.
///
/// Keeps each known field's index in the members rather than a copy of its value, so that sorting
/// copies, retains and destroys nothing; a field's value is read where it is checked.
private struct RawFields {
    private let members: [InputMember]
    private var positions = FieldPositions()
    var extra: [JSONMember] = []

    /// The value of `field`; nil when it is absent or null.
    subscript(field: Field) -> InputValue? {
        positions[field].map { members[$0].value }
    }

    /// The whole member of `field` (its extent and form too, for copying); nil when absent or null.
    func member(_ field: Field) -> InputMember? {
        positions[field].map { members[$0] }
    }

    /// Whether `field` is present and not null.
    func has(_ field: Field) -> Bool { positions[field] != nil }

    /// The known top-level names.
    enum Field: Int {
        case siteID, eventType, type, bsin, userID, email, properties, attributes, url, href, referer
        case userAgent, httpMethod, ip, timestamp, sentAt, receivedAt, messageID, isTest
    }

    /// Classifies a key by its first byte, then one or two comparisons: cheaper than hashing every key.
    private static func field(_ key: String) -> Field? {
        switch key.utf8.first {
        case UInt8(ascii: "a"): key == "attributes" ? .attributes : nil
        case UInt8(ascii: "b"): key == "bsin" ? .bsin : nil
        case UInt8(ascii: "e"): key == "event_type" ? .eventType : key == "email" ? .email : nil
        case UInt8(ascii: "h"): key == "href" ? .href : key == "http_method" ? .httpMethod : nil
        case UInt8(ascii: "i"): key == "ip" ? .ip : key == "is_test" ? .isTest : nil
        case UInt8(ascii: "m"): key == "message_id" ? .messageID : nil
        case UInt8(ascii: "p"): key == "properties" ? .properties : nil
        case UInt8(ascii: "r"): key == "received_at" ? .receivedAt : key == "referer" ? .referer : nil
        case UInt8(ascii: "s"): key == "site_id" ? .siteID : key == "sent_at" ? .sentAt : nil
        case UInt8(ascii: "t"): key == "timestamp" ? .timestamp : key == "type" ? .type : nil
        case UInt8(ascii: "u"):
            key == "user_id" ? .userID : key == "user_agent" ? .userAgent : key == "url" ? .url : nil
        default: nil
        }
    }

    init(_ members: [InputMember], input: UnsafeRawBufferPointer) {
        self.members = members
        var typePosition = 0
        for (index, member) in members.enumerated() {
            guard let field = Self.field(member.key) else {
                extra.append(JSONMember(key: member.key, value: member.value.jsonValue(in: input)))
                continue
            }
            if field == .type { typePosition = extra.count }
            // The parser rejects duplicate keys, so each field is seen at most once.
            positions[field] = member.value.isNull ? nil : index
        }
        if has(.eventType), let type = positions[.type] {
            // `event_type` wins; a `type` next to it is an ordinary unknown field, kept under extra.
            extra.insert(JSONMember(key: "type", value: members[type].value.jsonValue(in: input)), at: typePosition)
            positions[.type] = nil
        }
    }
}

/// One member index per known field, nil for an absent or null one, held inline: no allocation per
/// event. The tuple's elements are all `Int32`, so they lie back to back and are read by offset.
private struct FieldPositions {
    private var storage:
        (
            Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32,
            Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32
        ) = (-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1)

    subscript(field: RawFields.Field) -> Int? {
        get {
            assert((field.rawValue + 1) * MemoryLayout<Int32>.stride <= MemoryLayout.size(ofValue: storage))
            let index = withUnsafeBytes(of: storage) {
                $0.load(fromByteOffset: field.rawValue * MemoryLayout<Int32>.stride, as: Int32.self)
            }
            return index < 0 ? nil : Int(index)
        }
        set {
            withUnsafeMutableBytes(of: &storage) {
                $0.storeBytes(
                    of: Int32(newValue ?? -1),
                    toByteOffset: field.rawValue * MemoryLayout<Int32>.stride,
                    as: Int32.self
                )
            }
        }
    }
}
