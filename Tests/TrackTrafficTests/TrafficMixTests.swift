import Testing
import TrackDomain
import TrackTraffic

@Suite("Traffic mix over 20 000 events")
struct TrafficMixTests {
    private let events = standardRun.events

    /// The share of `events` satisfying `predicate`.
    private func share(_ predicate: (SyntheticEvent) -> Bool) -> Double {
        Double(events.filter(predicate).count) / Double(events.count)
    }

    /// The valid events' parsed objects.
    private var validObjects: [JSONObject] {
        events.filter { !$0.isMalformed }.compactMap { jsonObject($0.value) }
    }

    @Test(
        "the standard types, malformed values and bots come in the bench proportions",
        arguments: [
            ("viewed", 0.44, 0.015), ("liked", 0.12, 0.01), ("shared", 0.08, 0.01), ("commented", 0.06, 0.008),
            ("purchased", 0.04, 0.006), ("updated_cart", 0.06, 0.008), ("started_membership", 0.02, 0.005),
        ]
    )
    func typeShares(eventType: String, expected: Double, tolerance: Double) {
        #expect(abs(share { $0.eventType == eventType } - expected) <= tolerance)
    }

    @Test("about 5 % of values are malformed and about 3 % of events come from crawlers")
    func malformedAndBotShares() {
        #expect(abs(share(\.isMalformed) - 0.05) <= 0.006)
        #expect(abs(share(\.hasBotUserAgent) - 0.03) <= 0.005)
    }

    @Test("custom types beyond the standard ones are generated")
    func customTypes() {
        let types = Set(events.map(\.eventType))
        #expect(types.isSuperset(of: ["searched", "video:play", "newsletter_signup", "checkout.step-2"]))
    }

    @Test("every malformation occurs, and exactly one value is oversized")
    func everyMalformation() {
        let counts = Dictionary(grouping: events.compactMap(\.malformation), by: { $0 }).mapValues(\.count)
        for malformation in Malformation.allCases {
            #expect(counts[malformation, default: 0] > 0, "\(malformation) never generated")
        }
        #expect(counts[.oversized] == 1)
        #expect(events.filter { $0.value.count > 65_536 }.count == 1)
    }

    @Test("valid values are JSON objects; values are JSON unless the malformation is at the byte level")
    func validJSONOrDeliberatelyMalformed() {
        for event in events {
            let parsed = try? JSONParser.parse(event.value)
            switch event.malformation {
            case nil:
                #expect(jsonObject(event.value) != nil)
            case .truncatedJSON?, .invalidUTF8?:
                #expect(parsed == nil)
            case .notAnObject?:
                #expect(parsed != nil && jsonObject(event.value) == nil)
            case .some:
                #expect(jsonObject(event.value) != nil)
            }
        }
    }

    @Test("no value contains a raw newline, so values can be written one a line")
    func noRawNewlines() {
        #expect(events.allSatisfy { !$0.value.contains(UInt8(ascii: "\n")) })
        #expect(events.contains { String(decoding: $0.value, as: UTF8.self).contains(#"\n"#) })
    }

    @Test("values average 500 to 650 bytes")
    func valueSize() {
        let regular = events.filter { $0.malformation != .oversized }
        let average = Double(regular.map(\.value.count).reduce(0, +)) / Double(regular.count)
        #expect((500...650).contains(average), "average value size \(average)")
    }

    @Test("keys are site_id: plus bsin, else user_id, else the trimmed email")
    func keys() throws {
        for event in events where !event.isMalformed {
            let object = try #require(jsonObject(event.value))
            let identity =
                object.present("bsin")?.stringValue ?? object.present("user_id")?.stringValue
                ?? object.present("email")?.stringValue.map { String($0.drop { $0 == " " }) }
            let site = try #require(object.present("site_id")?.stringValue)
            #expect(event.key == Array("\(site):\(identity ?? "")".utf8))
        }
    }

    @Test("aliases, times, identities and unknown fields vary as real collectors' traffic does")
    func fieldVariety() {
        let objects = validObjects
        func share(_ predicate: (JSONObject) -> Bool) -> Double {
            Double(objects.filter(predicate).count) / Double(objects.count)
        }
        #expect(abs(share { $0.present("type") != nil } - 0.1) <= 0.01)
        #expect(abs(share { $0.present("attributes") != nil } - 0.1) <= 0.01)
        #expect(abs(share { $0.present("received_at") == nil } - 0.1) <= 0.01)
        #expect(share { $0.present("email") != nil } > 0.05)
        #expect(objects.contains { $0.present("email")?.stringValue?.contains(":::at:::") == true })
        #expect(objects.contains { $0.present("bsin") == nil })
        #expect(objects.contains { $0.present("library") != nil })
        #expect(objects.contains { $0.present("context") != nil })
        let timestamps = objects.compactMap { $0.present("timestamp") }
        #expect(timestamps.contains { $0.stringValue?.hasSuffix("Z") == true })
        #expect(
            timestamps.contains { $0.stringValue?.contains("+0") == true || $0.stringValue?.contains("-0") == true }
        )
        #expect(timestamps.contains { $0.numberValue?.text.contains(".") == true })
        #expect(timestamps.contains { ($0.numberValue.flatMap { Int64($0.text) } ?? 0) > 100_000_000_000 })
        #expect(timestamps.contains { ($0.numberValue.flatMap { Int64($0.text) } ?? .max) < 100_000_000_000 })
    }

    @Test("over a hundred distinct human user agents")
    func userAgents() {
        let agents = Set(
            zip(events, events.map { jsonObject($0.value) })
                .filter { !$0.0.isMalformed && !$0.0.hasBotUserAgent }
                .compactMap { $0.1?.present("user_agent")?.stringValue }
        )
        #expect(agents.count >= 100)
    }

    @Test("shares have one to six targets, some duplicated, and some name two resources")
    func shares() {
        let shares = validObjects.filter { $0.present("event_type")?.stringValue == "shared" }
            .compactMap { $0.present("properties")?.objectValue }
        let targetCounts = shares.map { properties -> Int in
            guard case .array(let targets)? = properties.present("target_user_id") else {
                return properties.present("target_user_id") == nil ? 0 : 1
            }
            return targets.count
        }
        #expect(Set(targetCounts).isSuperset(of: [0, 1, 2, 6]))
        #expect(
            shares.contains { properties in
                guard case .array(let targets)? = properties.present("target_user_id") else { return false }
                return Set(targets).count < targets.count
            }
        )
        #expect(shares.contains { if case .array? = $0.present("resource_id") { true } else { false } })
    }

    @Test("settings switch malformed values and crawlers off")
    func configurationSwitches() {
        let configuration = TrafficConfiguration(malformedShare: 0, botShare: 0, oversizedInterval: nil)
        let events = generateEvents(count: 3000, seed: 5, configuration: configuration)
        #expect(!events.contains { $0.isMalformed })
        #expect(!events.contains { $0.hasBotUserAgent })
    }
}
