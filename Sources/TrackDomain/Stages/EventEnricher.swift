/// Stage 3b: what the pipeline looks up for an event (`is_bot`, `user_agent_parsed`,
/// `geolocation`) and the privacy rules applied after the look-ups (IP anonymization,
/// pseudonymization), before the outputs are encoded.
///
/// A value belongs to one worker: it remembers what it learnt of each user agent and each
/// geolocation record, so look-ups run once per distinct user agent and database record, with no
/// lock. Both memories are bounded.
public struct EventEnricher: Sendable {
    /// What the look-ups found for one event.
    public struct Found: Sendable {
        public var isBot = false
        /// The `user_agent_parsed` object as compact JSON; nil writes `null`.
        public var userAgentParsed: [UInt8]?
        /// The `geolocation` object as compact JSON; nil writes `null`.
        public var geolocation: [UInt8]?
    }

    public let botDetector: BotDetector
    public private(set) var enrichments: Enrichments
    private var userAgents = UserAgentCache()
    private var locations: [GeoRecord: [UInt8]] = [:]
    /// The database the remembered locations came from; a reloaded database starts afresh.
    private var locationsDatabase: UInt64?
    /// The most geolocation records remembered; past it the memory is emptied and refilled.
    public static let rememberedLocations = 20_000

    public init(botDetector: BotDetector, enrichments: Enrichments = .none) {
        self.botDetector = botDetector
        self.enrichments = enrichments
    }

    /// Looks `event` up, then rewrites its identity and IP as the privacy settings say, so that the
    /// encoders and the output key see only what may be published.
    public mutating func enrich(_ event: inout ValidatedEvent, input: UnsafeRawBufferPointer) -> Found {
        var found = Found()
        if let insight = userAgents.insight(
            userAgent: event.userAgent,
            in: input,
            detector: botDetector,
            parser: enrichments.userAgentParser
        ) {
            found.isBot = insight.isBot
            found.userAgentParsed = insight.parsedJSON
        }
        guard enrichments.geoLocator != nil || enrichments.privacy != .none, let ip = event.ip else {
            return applyPseudonyms(&event, input: input, found: found)
        }
        let address = ip.withUTF8(in: input) { IPAddress($0) }
        if let address, address.isPublic {
            found.geolocation = locate(address)
        }
        let privacy = enrichments.privacy
        if privacy.pseudonymized.contains(.ip), let pseudonymizer = enrichments.pseudonymizer {
            let text = address?.canonicalText
            event.ip = .decoded(
                text.map { pseudonymizer.pseudonym(of: $0) }
                    ?? ip.withUTF8(in: input) { pseudonymizer.pseudonym(of: $0) }
            )
        } else if privacy.rewritesIP {
            // Text that is not an address cannot be anonymized: it is left out rather than shown.
            event.ip = address.map {
                .decoded($0.anonymizedText(octets: privacy.ipAnonymizeOctets, segments: privacy.ipAnonymizeSegments))
            }
        }
        return applyPseudonyms(&event, input: input, found: found)
    }

    private mutating func locate(_ address: IPAddress) -> [UInt8]? {
        // Optional chaining mutates the locator in place (no copy of its storage).
        guard let record = enrichments.geoLocator?.record(for: address.unmapped) else { return nil }
        if let known = locations[record] { return known }
        if locations.count >= Self.rememberedLocations || locationsDatabase != record.database {
            locations.removeAll(keepingCapacity: locationsDatabase == record.database)
            locationsDatabase = record.database
        }
        guard let json = enrichments.geoLocator?.location(of: record).json else { return nil }
        locations[record] = json
        return json
    }

    private func applyPseudonyms(_ event: inout ValidatedEvent, input: UnsafeRawBufferPointer, found: Found) -> Found {
        let fields = enrichments.privacy.pseudonymized
        guard !fields.isEmpty, let pseudonymizer = enrichments.pseudonymizer else { return found }
        if fields.contains(.userID), let userID = event.identity.userID {
            event.identity.userID = .decoded(userID.withUTF8(in: input) { pseudonymizer.pseudonym(of: $0) })
        }
        if fields.contains(.email), let email = event.identity.email {
            event.identity.email = pseudonymizer.pseudonym(of: email)
        }
        return found
    }
}
