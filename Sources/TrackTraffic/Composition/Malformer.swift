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
        var broken = BrokenEvent(event)
        switch malformation {
        case .truncatedJSON:
            let bytes = JSONBytesWriter.bytes(of: .object(event.object))
            return Array(bytes.prefix(10 + random.below(max(1, bytes.count - 11))))
        case .invalidUTF8:
            return latin1Page(in: JSONBytesWriter.bytes(of: .object(event.object)))
        case .notAnObject:
            let fragment = random.element(
                of: [
                    .array([.object(event.object)]), .string(event.eventType), .integer(42), .null, .bool(true),
                ] as [JSONFragment]
            )
            return JSONBytesWriter.bytes(of: fragment)
        case .oversized:
            broken.updateProperties { $0["description"] = .string(longText(bytes: 66_000, using: &random)) }
        case .missingSiteID:
            broken.object["site_id"] = random.chance(0.5) ? nil : .string("")
        case .emptyEventType:
            broken.setEventType(random.element(of: ["", "   "]))
        case .invalidEventType:
            broken.setEventType(
                random.element(of: ["page view", "viewed!", "-viewed", "vïewed", "video/play", "Add to cart"])
            )
        case .wrongFieldType:
            breakFieldType(of: &broken, using: &random)
        case .invalidTimestamp:
            let field = random.element(of: ["timestamp", "sent_at", "received_at"])
            broken.object[field] = random.element(
                of: [
                    .string("yesterday"), .string("2026-13-01T00:00:00Z"), .string(""), .bool(true),
                    .object(OrderedObject()),
                ] as [JSONFragment]
            )
        case .invalidEmail:
            broken.object["email"] = .string(
                random.element(of: ["jo.example.com", "jo@home@example.com", "jo@@example.com", "@example.com"])
            )
        case .missingIdentity:
            for field in ["bsin", "user_id", "email"] { broken.object[field] = nil }
        case .reservedAttribute:
            let name = random.element(of: reservedAttributes)
            broken.updateProperties { $0[name] = name == "url" ? event.object["url"] ?? .null : .string("x") }
        case .ambiguousProperties:
            var other = OrderedObject()
            other["resource_id"] = .string("r-1")
            broken.object[event.propertiesKey == "properties" ? "attributes" : "properties"] = .object(other)
        case .invalidScore:
            broken.setEventType("liked")
            broken.updateProperties {
                $0["score"] = random.element(
                    of: [
                        .number("4.5"), .string("5"), .bool(true), .integer(100), .integer(-5), .array([.integer(5)]),
                    ] as [JSONFragment]
                )
            }
        case .invalidTarget:
            broken.setEventType("shared")
            broken.updateProperties {
                $0["target_user_id"] = random.element(
                    of: [
                        .array([]), .array([.integer(1), .integer(2)]), .string(""), .array([.string("u-2"), .null]),
                        .object(OrderedObject()), .integer(42),
                    ] as [JSONFragment]
                )
            }
        case .fanoutOverLimit:
            broken.setEventType("shared")
            let targets = (0..<random.int(in: 101...150)).map { "u-\(PropertiesComposer.zeroPadded($0, 4))" }
            broken.updateProperties { $0["target_user_id"] = .strings(targets) }
        case .invalidItems:
            breakItems(of: &broken, using: &random)
        }
        return JSONBytesWriter.bytes(of: .object(broken.object))
    }

    /// The seed's reserved attribute names.
    private static let reservedAttributes = [
        "enriched", "event_id", "geolocation", "http_method", "identified", "identity", "is_bot", "is_test",
        "properties", "referer", "status", "url", "user_agent", "href", "bsin",
    ]

    /// The page URL with a Latin-1 encoded `café` path segment, as a legacy client might send it.
    private static func latin1Page(in bytes: [UInt8]) -> [UInt8] {
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

    /// One field of the wrong JSON type or format, each mapping to `invalid_field`.
    private static func breakFieldType(of broken: inout BrokenEvent, using random: inout SeededRandom) {
        switch random.below(8) {
        case 0:
            broken.object["site_id"] = .integer(random.int(in: 1...999))
        case 1:
            broken.object[broken.propertiesKey] = .string("resource_id=ar-1")
        case 2:
            broken.object["is_test"] = .string("yes")
        case 3:
            broken.object["message_id"] = .string(random.hex(digits: 160))
        case 4:
            broken.object["user_agent"] = .integer(0)
        case 5:
            broken.setEventType("viewed")
            broken.updateProperties { $0["resource_id"] = .string("") }
        case 6:
            broken.setEventType("liked")
            broken.updateProperties {
                $0["score_min"] = .integer(5)
                $0["score_max"] = .integer(1)
                $0["score"] = .integer(3)
            }
        default:
            broken.setEventType("commented")
            broken.updateProperties { $0["comment_text"] = .integer(5) }
        }
    }

    /// A purchase whose items are not a list of objects, or whose second item is broken.
    private static func breakItems(of broken: inout BrokenEvent, using random: inout SeededRandom) {
        broken.setEventType("purchased")
        var items = PropertiesComposer.items(count: 2, using: &random)
        switch random.below(4) {
        case 0:
            items[1]["price"] = random.element(of: [.integer(-1), .string("abc"), .string("12,50"), .bool(true)])
        case 1:
            items[1]["quantity"] = random.element(of: [.integer(0), .integer(-2), .number("1.5"), .string("2")])
        case 2:
            for key in ["resource_id", "item_id", "sku", "id"] { items[1][key] = nil }
        default:
            broken.updateProperties {
                $0["items"] = random.element(of: [.string("sku-1"), .strings(["sku-1", "sku-2"])] as [JSONFragment])
            }
            return
        }
        broken.updateProperties { $0["items"] = .array(items.map(JSONFragment.object)) }
    }
}

/// A composed event under edit, with the helpers malformations need to keep every other rule intact.
private struct BrokenEvent {
    var object: OrderedObject
    let propertiesKey: String

    init(_ event: ComposedEvent) {
        object = event.object
        propertiesKey = event.propertiesKey
    }

    /// Sets the type under whichever name (`event_type` or `type`) the event uses. A share's list of
    /// resources is reduced to its first, since only shares may name several resources.
    mutating func setEventType(_ eventType: String) {
        let name = object.contains("type") ? "type" : "event_type"
        object[name] = .string(eventType)
        guard eventType != "shared" else { return }
        updateProperties { properties in
            if case .array(let resources)? = properties["resource_id"], let first = resources.first {
                properties["resource_id"] = first
            }
        }
    }

    mutating func updateProperties(_ update: (inout OrderedObject) -> Void) {
        guard case .object(var properties)? = object[propertiesKey] else { return }
        update(&properties)
        object[propertiesKey] = .object(properties)
    }
}
