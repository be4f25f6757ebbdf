/// A valid raw event before it is written, with what the generator needs to report or break it.
struct ComposedEvent: Sendable {
    var object: OrderedObject
    /// The normalized event type (the label reported on ``SyntheticEvent``).
    var eventType: String
    /// The Kafka key: `site_id:` + bsin, else user_id, else email.
    var key: String
    /// `"properties"` or its alias `"attributes"`, whichever this event uses.
    var propertiesKey: String
    var hasBotUserAgent: Bool
}

/// Composes realistic, valid raw events (contract §1) as a browser library and collector send them.
struct EventComposer: Sendable {
    private let users: UserPool
    /// Client addresses, fewer than users, so addresses repeat as they do behind NATs and proxies.
    private let ipAddresses: [String]
    private let botShare: Double
    private let sites = WeightedChoice(Catalog.sites.map { ($0, $0.weight) })

    init(configuration: TrafficConfiguration, random: inout SeededRandom) {
        users = UserPool(count: configuration.userCount, random: &random)
        // Mostly IPv4 in real networks, some IPv6, a few private addresses (Networks).
        ipAddresses = (0..<5000).map { index in
            switch index % 20 {
            case 0:
                let network = random.element(of: Networks.ipv6)
                return
                    "\(network):\(String(random.below(65_536), radix: 16)):\(String(random.below(65_536), radix: 16))::1"
            case 1:
                let network = random.element(of: Networks.privateIPv4)
                return "\(network.0).\(network.1).\(random.below(256)).\(random.int(in: 1...254))"
            default:
                let network = random.element(of: Networks.ipv4)
                return "\(network.0).\(network.1).\(network.2).\(random.int(in: 1...254))"
            }
        }
        botShare = min(max(configuration.botShare, 0), 1)
    }

    /// One valid event received by the collector at `receivedAt` (epoch ms).
    func compose(receivedAt: Int64, using random: inout SeededRandom) -> ComposedEvent {
        let site = sites.pick(using: &random)
        let user = users.pick(using: &random)
        let eventType = Catalog.eventTypes.pick(using: &random)
        let page = Self.page(on: site, using: &random)
        let properties = PropertiesComposer.properties(
            for: eventType.normalized,
            site: site,
            page: page,
            using: &random
        )

        var event = OrderedObject()
        event[random.chance(0.1) ? "type" : "event_type"] = .string(eventType.wire)
        event["site_id"] = .string(site.id)
        event["bsin"] = user.bsin.map(JSONFragment.string)
        event["user_id"] = user.userID.map(JSONFragment.string)
        event["email"] = user.email.map(JSONFragment.string)
        let propertiesKey = random.chance(0.1) ? "attributes" : "properties"
        event[propertiesKey] = .object(properties)
        event["url"] = .string(page.url)
        if random.chance(0.08) { event["href"] = .string(page.url) }
        if random.chance(0.5) {
            event["referer"] = .string(random.element(of: Catalog.referers + ["https://\(site.host)/"]))
        }
        let isBot = random.chance(botShare)
        event["user_agent"] = .string(userAgent(isBot: isBot, using: &random))
        event["http_method"] = .string(random.chance(0.8) ? "GET" : "POST")
        event["ip"] = .string(random.element(of: ipAddresses))
        Self.addTimes(receivedAt: receivedAt, to: &event, using: &random)
        if random.chance(0.95) { event["message_id"] = .string(random.hex(digits: 32)) }
        if random.chance(0.01) { event["is_test"] = .bool(true) }
        Self.addUnknownFields(to: &event, using: &random)
        return ComposedEvent(
            object: event,
            eventType: eventType.normalized,
            key: "\(site.id):\(user.keyIdentity)",
            propertiesKey: propertiesKey,
            hasBotUserAgent: isBot
        )
    }

    /// A crawler, a native app (about a third of human traffic) or a browser.
    private func userAgent(isBot: Bool, using random: inout SeededRandom) -> String {
        if isBot { return UserAgents.crawlers.pick(using: &random) }
        return random.chance(0.33) ? random.element(of: UserAgents.apps) : random.element(of: UserAgents.browsers)
    }

    /// `https://host/section/slug-123`, with campaign parameters, click ids, paging, fragments and case noise.
    private static func page(on site: Site, using random: inout SeededRandom) -> Page {
        let section = random.element(of: Catalog.sections)
        let slugWords = (0..<random.int(in: 1...3)).map { _ in random.element(of: Catalog.words) }
        var url = "https://\(site.host)/\(section)/\(slugWords.joined(separator: "-"))-\(random.below(100_000))"
        var query: [String] = []
        let campaign = random.unit()
        if campaign < 0.2 {
            query.append("utm_source=\(random.element(of: ["newsletter", "facebook", "twitter", "google"]))")
            query.append("utm_medium=\(random.element(of: ["email", "social", "cpc"]))")
            query.append("utm_campaign=\(random.element(of: Catalog.words))")
        } else if campaign > 0.9 {
            query.append("fbclid=IwAR" + random.hex(digits: 16))
        }
        if random.chance(0.15) {
            let paging = "page=\(random.int(in: 2...9))"
            if random.chance(0.5) { query.insert(paging, at: 0) } else { query.append(paging) }
        }
        if !query.isEmpty { url += "?" + query.joined(separator: "&") }
        if random.chance(0.1) { url += "#" + random.element(of: ["comments", "top", "reviews"]) }
        if random.chance(0.05) {
            url = "HTTPS://\(site.host.uppercased())" + url.dropFirst("https://".count + site.host.count)
        }
        return Page(url: url, section: section)
    }

    /// Client time with realistic delay and (for 20 % of clients) clock skew of up to ±5 minutes, written
    /// as ISO-8601 (UTC or local with an offset), epoch milliseconds or epoch seconds; 10 % of events
    /// lack `received_at`, so the Kafka timestamp stands in for it.
    private static func addTimes(receivedAt: Int64, to event: inout OrderedObject, using random: inout SeededRandom) {
        let skew: Int64 = random.chance(0.2) ? Int64(random.int(in: -300_000...299_999)) : 0
        let clientTime = receivedAt - Int64(random.int(in: 20...1999)) + skew
        let sentAt = clientTime + Int64(random.int(in: 0...499))
        let format = random.unit()
        let offsetMinutes = random.chance(0.3) ? random.element(of: Catalog.utcOffsets) : 0
        let includesMilliseconds = random.chance(0.9)
        func written(_ milliseconds: Int64) -> JSONFragment {
            if format < 0.4 {
                return .string(
                    TimeText.iso8601(
                        milliseconds: milliseconds,
                        offsetMinutes: offsetMinutes,
                        includesMilliseconds: includesMilliseconds
                    )
                )
            }
            if format < 0.9 { return .integer(milliseconds) }
            return includesMilliseconds
                ? .number(TimeText.epochSeconds(milliseconds: milliseconds)) : .integer(milliseconds / 1000)
        }
        event["timestamp"] = written(clientTime)
        if random.chance(0.4) { event["sent_at"] = written(sentAt) }
        if random.chance(0.9) { event["received_at"] = .string(TimeText.iso8601(milliseconds: receivedAt)) }
    }

    /// Fields the contract does not know, which must survive under `extra`.
    private static func addUnknownFields(to event: inout OrderedObject, using random: inout SeededRandom) {
        if random.chance(0.1) {
            var library = OrderedObject()
            library["name"] = .string("bt.js")
            library["version"] = .string(random.element(of: ["4.2.1", "4.3.0", "4.3.2"]))
            event["library"] = .object(library)
        }
        if random.chance(0.05) {
            var screen = OrderedObject()
            screen["w"] = .integer(random.element(of: [1920, 1440, 390, 412]))
            screen["h"] = .integer(random.element(of: [1080, 900, 844, 915]))
            var context = OrderedObject()
            context["locale"] = .string(random.element(of: Catalog.locales))
            context["screen"] = .object(screen)
            event["context"] = .object(context)
        }
    }
}
