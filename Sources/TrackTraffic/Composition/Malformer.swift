/// Breaks exactly one rule of a valid event, so the value must be rejected with one known reason.
enum Malformer {
    /// How often each malformation occurs among malformed values (``Malformation/oversized`` is
    /// scheduled separately, see ``TrafficConfiguration/oversizedInterval``).
    static let kinds = WeightedChoice<Malformation>([
        (.truncatedJSON, 14), (.invalidUTF8, 6), (.notAnObject, 6), (.missingSiteID, 8),
        (.emptyEventType, 4), (.invalidEventType, 6), (.wrongFieldType, 8), (.invalidTimestamp, 6),
        (.invalidEmail, 4), (.missingIdentity, 8), (.reservedAttribute, 12), (.ambiguousProperties, 6),
        (.invalidScore, 8), (.invalidTarget, 6), (.fanoutOverLimit, 1), (.invalidItems, 6),
    ])

    /// The bytes of `event` broken as `malformation`.
    static func value(
        breaking event: ComposedEvent,
        as malformation: Malformation,
        using random: inout SeededRandom
    ) -> [UInt8] {
        let valid = JSONBytesWriter.bytes(of: .object(event.object))
        switch malformation {
        case .truncatedJSON:
            return Array(valid.prefix(10 + random.below(max(1, valid.count - 11))))
        case .invalidUTF8:
            return withLatin1Path(valid)
        case .notAnObject:
            let values: [JSONFragment] = [
                .array([.object(event.object)]), .string(event.eventType), .integer(42), .null, .bool(true),
            ]
            return JSONBytesWriter.bytes(of: random.element(of: values))
        default:
            var broken = BrokenEvent(event)
            broken.apply(malformation, using: &random)
            return JSONBytesWriter.bytes(of: .object(broken.object))
        }
    }

    /// The page URL with a Latin-1 encoded `café` path segment, as a legacy client might send it.
    private static func withLatin1Path(_ bytes: [UInt8]) -> [UInt8] {
        let latin1: [UInt8] = [0x63, 0x61, 0x66, 0xE9, 0x2D, 0xFF, 0xFE, 0x2F]
        var position = bytes.count / 2
        if let url = bytes.firstRange(of: Array(#""url":"https://"#.utf8)),
            let slash = bytes[url.upperBound...].firstIndex(of: UInt8(ascii: "/"))
        {
            position = slash + 1
        }
        var output = bytes
        output.insert(contentsOf: latin1, at: position)
        return output
    }
}

/// A composed event under edit: each malformation changes one thing and keeps every other rule intact.
private struct BrokenEvent {
    var object: OrderedObject
    let propertiesKey: String

    init(_ event: ComposedEvent) {
        object = event.object
        propertiesKey = event.propertiesKey
    }

    /// Applies a malformation that keeps the value a JSON object.
    mutating func apply(_ malformation: Malformation, using random: inout SeededRandom) {
        switch malformation {
        case .truncatedJSON, .invalidUTF8, .notAnObject:
            preconditionFailure("\(malformation) is applied to the bytes, not the object")
        case .oversized:
            let text = Self.longText(bytes: 66_000, using: &random)
            updateProperties { $0["description"] = .string(text) }
        case .missingSiteID:
            object["site_id"] = random.chance(0.5) ? nil : .string("")
        case .emptyEventType:
            setEventType(random.element(of: ["", "   "]))
        case .invalidEventType:
            setEventType(
                random.element(of: ["page view", "viewed!", "-viewed", "vïewed", "video/play", "Add to cart"])
            )
        case .wrongFieldType:
            breakFieldType(using: &random)
        case .invalidTimestamp:
            object[random.element(of: ["timestamp", "sent_at", "received_at"])] = random.element(of: Self.invalidTimes)
        case .invalidEmail:
            let email = random.element(of: ["jo.example.com", "jo@home@example.com", "jo@@example.com", "@example.com"])
            object["email"] = .string(email)
        case .missingIdentity:
            for field in ["bsin", "user_id", "email"] { object[field] = nil }
        case .reservedAttribute:
            let (name, value) = random.element(of: Self.reservedAttributes)
            updateProperties { $0[name] = value }
        case .ambiguousProperties:
            var other = OrderedObject()
            other["resource_id"] = .string("r-1")
            object[propertiesKey == "properties" ? "attributes" : "properties"] = .object(other)
        case .invalidScore:
            setEventType("liked")
            let score = random.element(of: Self.invalidScores)
            updateProperties { $0["score"] = score }
        case .invalidTarget:
            setEventType("shared")
            let target = random.element(of: Self.invalidTargets)
            updateProperties { $0["target_user_id"] = target }
        case .fanoutOverLimit:
            setEventType("shared")
            let targets = (0..<random.int(in: 101...150)).map { "u-\(String(zeroPadded: $0, width: 4))" }
            updateProperties { $0["target_user_id"] = .strings(targets) }
        case .invalidItems:
            breakItems(using: &random)
        }
    }

    /// One field of the wrong JSON type or format, each rejected as `invalid_field`.
    private mutating func breakFieldType(using random: inout SeededRandom) {
        switch random.below(8) {
        case 0:
            object["site_id"] = .integer(random.int(in: 1...999))
        case 1:
            object[propertiesKey] = .string("resource_id=ar-1")
        case 2:
            object["is_test"] = .string("yes")
        case 3:
            object["message_id"] = .string(random.hex(digits: 160))
        case 4:
            object["user_agent"] = .integer(0)
        case 5:
            setEventType("viewed")
            updateProperties { $0["resource_id"] = .string("") }
        case 6:
            setEventType("liked")
            updateProperties {
                $0["score_min"] = .integer(5)
                $0["score_max"] = .integer(1)
                $0["score"] = .integer(3)
            }
        default:
            setEventType("commented")
            updateProperties { $0["comment_text"] = .integer(5) }
        }
    }

    /// A purchase whose items are not a list of objects, or whose second item is broken.
    private mutating func breakItems(using random: inout SeededRandom) {
        setEventType("purchased")
        var items = PropertiesComposer.items(count: 2, using: &random)
        switch random.below(4) {
        case 0:
            items[1]["price"] = random.element(of: [.integer(-1), .string("abc"), .string("12,50"), .bool(true)])
        case 1:
            items[1]["quantity"] = random.element(of: [.integer(0), .integer(-2), .number("1.5"), .string("2")])
        case 2:
            for key in ["resource_id", "item_id", "sku", "id"] { items[1][key] = nil }
        default:
            let notObjects = random.element(of: [.string("sku-1"), .strings(["sku-1", "sku-2"])] as [JSONFragment])
            updateProperties { $0["items"] = notObjects }
            return
        }
        updateProperties { $0["items"] = .array(items.map(JSONFragment.object)) }
    }

    /// Sets the type under whichever name (`event_type` or `type`) the event uses. A share's list of
    /// resources is reduced to its first, since only shares may name several resources.
    private mutating func setEventType(_ eventType: String) {
        object[object.contains("type") ? "type" : "event_type"] = .string(eventType)
        guard eventType != "shared" else { return }
        updateProperties { properties in
            if case .array(let resources)? = properties["resource_id"], let first = resources.first {
                properties["resource_id"] = first
            }
        }
    }

    private mutating func updateProperties(_ update: (inout OrderedObject) -> Void) {
        guard case .object(var properties)? = object[propertiesKey] else { return }
        update(&properties)
        object[propertiesKey] = .object(properties)
    }

    /// Words until at least `bytes` bytes: a pasted article body.
    private static func longText(bytes: Int, using random: inout SeededRandom) -> String {
        var text = ""
        text.reserveCapacity(bytes + 16)
        while text.utf8.count < bytes {
            text += random.element(of: Catalog.words)
            text += " "
        }
        return text
    }

    /// Each of the seed's reserved attribute names, with a value a careless integration might send.
    private static let reservedAttributes: [(String, JSONFragment)] = [
        ("enriched", .bool(true)), ("event_id", .string("evt-1")), ("geolocation", .string("US")),
        ("http_method", .string("GET")), ("identified", .bool(true)), ("identity", .string("u-1")),
        ("is_bot", .bool(false)), ("is_test", .bool(true)), ("properties", .object(OrderedObject())),
        ("referer", .string("https://t.co/")), ("status", .string("published")),
        ("url", .string("https://www.acme.example/")), ("user_agent", .string("Mozilla/5.0")),
        ("href", .string("https://www.acme.example/")), ("bsin", .string("b-1")),
    ]

    private static let invalidTimes: [JSONFragment] = [
        .string("yesterday"), .string("2026-13-01T00:00:00Z"), .string(""), .bool(true), .object(OrderedObject()),
    ]

    private static let invalidScores: [JSONFragment] = [
        .number("4.5"), .string("5"), .bool(true), .integer(100), .integer(-5), .array([.integer(5)]),
    ]

    private static let invalidTargets: [JSONFragment] = [
        .array([]), .array([.integer(1), .integer(2)]), .string(""), .array([.string("u-2"), .null]),
        .object(OrderedObject()), .integer(42),
    ]
}
