import Synchronization
import Testing
import TrackDomain

/// A geolocation database in memory: one record per listed address, counting the decodes.
private struct FakeLocator: GeoLocating {
    var records: [IPAddress: Geolocation]
    let decodes = Decodes()
    var database: UInt64 = 1

    final class Decodes: Sendable {
        let count = Atomic(0)
    }

    mutating func record(for address: IPAddress) -> GeoRecord? {
        guard let index = records.keys.sorted(by: { "\($0)" < "\($1)" }).firstIndex(of: address) else { return nil }
        return GeoRecord(database: database, offset: UInt64(index))
    }

    func location(of record: GeoRecord) -> Geolocation {
        decodes.count.add(1, ordering: .relaxed)
        return records.keys.sorted(by: { "\($0)" < "\($1)" }).map { records[$0]! }[Int(record.offset)]
    }
}

private struct FakeParser: UserAgentParsing {
    let calls = FakeLocator.Decodes()
    func parse(_ userAgent: UnsafeBufferPointer<UInt8>) -> UserAgentDetails {
        calls.count.add(1, ordering: .relaxed)
        let text = String(decoding: userAgent, as: UTF8.self)
        return UserAgentDetails(browserFamily: text.hasPrefix("Chrome") ? "Chrome" : "Other", browserVersion: "1.2")
    }
}

/// A stand-in keyed hash: the value reversed and prefixed (tests read it back).
private struct FakePseudonymizer: Pseudonymizing {
    func pseudonym(of value: UnsafeBufferPointer<UInt8>) -> String {
        "h:" + String(decoding: value.reversed(), as: UTF8.self)
    }
}

@Suite("Enrichment stage: geolocation, user agents, privacy")
struct EnrichmentStageTests {
    static let paris = Geolocation(
        countryCode: "FR",
        country: "France",
        regionCode: "IDF",
        region: "Île-de-France",
        city: "Paris",
        postalCode: "75001",
        latitude: 48.8566,
        longitude: 2.3522,
        timeZone: "Europe/Paris",
        accuracyRadiusKm: 5
    )

    static func processor(_ enrichments: Enrichments) -> EventProcessor {
        EventProcessor(configuration: .default, botDetector: .builtIn(), enrichments: enrichments)
    }

    static func enriched(_ processor: inout EventProcessor, _ fields: String) -> JSONObject {
        let outcome = processor.processStrictly(
            value: Array(TestSupport.event(fields).utf8),
            source: TestSupport.source
        )
        return TestSupport.object(outcome.enriched.first)
    }

    @Test(
        "geolocation for public addresses only; private, reserved and unreadable ones give null",
        arguments: [
            (#""ip":"81.2.69.160""#, true),
            (#""ip":"::ffff:81.2.69.160""#, true),
            (#""ip":"2a02:cf40::1""#, true),
            (#""ip":"10.0.0.1""#, false),
            (#""ip":"127.0.0.1""#, false),
            (#""ip":"::1""#, false),
            (#""ip":"fd00::1""#, false),
            (#""ip":"81.2.69.161""#, false),
            (#""ip":"not an ip""#, false),
            (#""ip":"""#, false),
            (#""ip":null"#, false),
            ("", false),
        ]
    )
    func geolocation(_ fields: String, _ located: Bool) {
        let locator = FakeLocator(records: [.v4(0x5102_45A0): Self.paris, IPAddress("2a02:cf40::1")!: Self.paris])
        var processor = Self.processor(Enrichments(geoLocator: locator))
        let event = Self.enriched(&processor, fields)
        if located {
            #expect(event.string("geolocation.city") == "Paris")
            #expect(event.string("geolocation.region") == "Île-de-France")
            #expect(event.number("geolocation.latitude") == "48.8566")
            #expect(event.number("geolocation.accuracy_radius_km") == "5")
            #expect(
                event.at("geolocation")?.objectValue?.members.map(\.key) == [
                    "country_code", "country", "region_code", "region", "city", "postal_code", "latitude",
                    "longitude", "time_zone", "accuracy_radius_km",
                ]
            )
        } else {
            #expect(event.at("geolocation")?.isNull == true)
        }
        #expect(event.at("is_bot") != nil, "the event was accepted")
    }

    @Test("a record is decoded once per worker, however many events carry it")
    func locationsRemembered() {
        let locator = FakeLocator(records: [.v4(0x5102_45A0): Self.paris])
        var processor = Self.processor(Enrichments(geoLocator: locator))
        for _ in 0..<50 { _ = Self.enriched(&processor, #""ip":"81.2.69.160""#) }
        #expect(locator.decodes.count.load(ordering: .relaxed) == 1)
    }

    @Test("missing parts are null; the object is strict JSON")
    func partialLocation() {
        let locator = FakeLocator(records: [.v4(0x5102_45A0): Geolocation(countryCode: "GB")])
        var processor = Self.processor(Enrichments(geoLocator: locator))
        let event = Self.enriched(&processor, #""ip":"81.2.69.160""#)
        #expect(event.string("geolocation.country_code") == "GB")
        #expect(event.at("geolocation.city")?.isNull == true)
        #expect(event.at("geolocation.latitude")?.isNull == true)
    }

    @Test("user agents: parsed once per distinct user agent, null without one or when off")
    func userAgents() {
        let parser = FakeParser()
        var processor = Self.processor(Enrichments(userAgentParser: parser))
        for _ in 0..<10 {
            let chrome = Self.enriched(&processor, #""user_agent":"Chrome/120""#)
            #expect(chrome.string("user_agent_parsed.browser_family") == "Chrome")
            #expect(chrome.string("user_agent_parsed.browser_version") == "1.2")
            #expect(chrome.at("user_agent_parsed.device_model")?.isNull == true)
        }
        #expect(parser.calls.count.load(ordering: .relaxed) == 1)
        #expect(Self.enriched(&processor, "").at("user_agent_parsed")?.isNull == true)
        #expect(Self.enriched(&processor, #""user_agent":"""#).at("user_agent_parsed")?.isNull == true)
        var off = Self.processor(.none)
        let event = Self.enriched(&off, #""user_agent":"Chrome/120""#)
        #expect(event.at("user_agent_parsed")?.isNull == true)
        #expect(event.at("is_bot") == .bool(false))
    }

    @Test("the look-up sees the full address; the output shows only the anonymized one")
    func anonymizeAfterLookup() {
        let locator = FakeLocator(records: [.v4(0x5102_45A0): Self.paris])
        var processor = Self.processor(
            Enrichments(geoLocator: locator, privacy: PrivacySettings(ipAnonymizeOctets: 2, ipAnonymizeSegments: 4))
        )
        let v4 = Self.enriched(&processor, #""ip":"81.2.69.160""#)
        #expect(v4.string("ip") == "81.2.x.x")
        #expect(v4.string("geolocation.city") == "Paris")
        let v6 = Self.enriched(&processor, #""ip":"2a02:cf40::1""#)
        #expect(v6.string("ip") == "2a02:cf40:0:0:x:x:x:x")
        let notAnAddress = Self.enriched(&processor, #""ip":"1.2.3.4, 5.6.7.8""#)
        #expect(notAnAddress.at("ip")?.isNull == true, "what cannot be anonymized is left out")
    }

    @Test("pseudonyms replace email, user_id and ip in enriched events, signals and output keys")
    func pseudonyms() throws {
        let enrichments = Enrichments(
            privacy: PrivacySettings(pseudonymized: [.email, .userID, .ip]),
            pseudonymizer: FakePseudonymizer()
        )
        var processor = Self.processor(enrichments)
        let json =
            #"{"site_id":"acme","event_type":"liked","properties":{"resource_id":"r1","score":5},"#
            + #""user_id":"u-42","email":" Ann@Example.COM ","ip":"2A02:CF40::1"}"#
        let outcome = processor.processStrictly(value: Array(json.utf8), source: TestSupport.source)
        let event = TestSupport.object(outcome.enriched.first)
        #expect(event.string("identity.user_id") == "h:24-u")
        #expect(event.string("identity.email") == "h:moc.elpmaxe@nna", "the normalized email is hashed")
        #expect(event.string("ip") == "h:1::04fc:20a2", "the canonical address is hashed")
        let signal = TestSupport.object(outcome.signals.first)
        #expect(!outcome.signals.isEmpty, "\(outcome)")
        #expect(signal.string("user_id") == "h:24-u")
        let key = String(decoding: try #require(outcome.enriched.first?.key), as: UTF8.self)
        #expect(key == "acme:h:24-u")
        let emailOnly = #"{"site_id":"acme","event_type":"viewed","email":"ann@example.com"}"#
        let second = processor.processStrictly(value: Array(emailOnly.utf8), source: TestSupport.source)
        let emailKey = String(decoding: try #require(second.enriched.first?.key), as: UTF8.self)
        #expect(emailKey == "acme:h:moc.elpmaxe@nna", "no clear email in a key")
        for record in outcome.enriched + outcome.signals + second.enriched + second.signals {
            let text = String(decoding: record.value + (record.key ?? []), as: UTF8.self)
            #expect(!text.lowercased().contains("ann@example.com"))
            #expect(!text.contains("u-42"))
        }
    }
}
