/// What the pipeline concluded from one user agent: `is_bot` and, when user agent parsing is on,
/// the `user_agent_parsed` object as compact JSON.
public struct UserAgentInsight: Sendable {
    public var isBot: Bool
    /// Nil when user agent parsing is off.
    public var parsedJSON: [UInt8]?

    public init(isBot: Bool, parsedJSON: [UInt8]?) {
        self.isBot = isBot
        self.parsedJSON = parsedJSON
    }

    /// Encodes `details` as the `user_agent_parsed` object, members in the contract's order.
    public static func json(_ details: UserAgentDetails) -> [UInt8] {
        var writer = JSONWriter(capacity: 192)
        writer.beginObject()
        writer.key("browser_family")
        writer.string(details.browserFamily)
        writer.key("browser_version")
        writer.string(details.browserVersion)
        writer.key("os_family")
        writer.string(details.osFamily)
        writer.key("os_version")
        writer.string(details.osVersion)
        writer.key("device_family")
        writer.string(details.deviceFamily)
        writer.key("device_brand")
        writer.string(details.deviceBrand)
        writer.key("device_model")
        writer.string(details.deviceModel)
        writer.endObject()
        return writer.bytes
    }
}

/// The user agents one worker has examined, so that each is matched against the crawler list and
/// parsed once.
///
/// A value belongs to one worker (an ``EventProcessor`` value carries one), so it needs no lock. It
/// is bounded: when it reaches ``capacity`` entries, or holds that many of the longest user agents'
/// worth of bytes, it is emptied and refilled, which keeps memory flat under a flood of unique user
/// agents. Only a user agent's first ``BotDetector/examinedBytes`` are examined, so those are what is
/// remembered, however long the user agent. User agents are told apart by their bytes, so the answer
/// for one never depends on which others were seen first.
public struct UserAgentCache: Sendable {
    /// The most user agents remembered at once.
    public let capacity: Int
    /// The most bytes remembered per user agent.
    public static let longestRemembered = BotDetector.examinedBytes
    private var table: UserAgentTable<UserAgentInsight>
    /// Bytes of parsed objects held; counted with the user agents' own against the byte limit.
    private var parsedBytes = 0

    public init(capacity: Int = 10_000) {
        self.capacity = max(1, capacity)
        table = UserAgentTable(capacity: self.capacity)
    }

    /// How many user agents are remembered.
    public var count: Int { table.count }

    /// ``BotDetector/isBot(userAgent:)``, remembered.
    public mutating func isBot(userAgent: String?, detector: BotDetector) -> Bool {
        guard var userAgent, !userAgent.isEmpty else { return false }
        return userAgent.withUTF8 { insight(for: $0, detector: detector, parser: nil).isBot }
    }

    /// What `detector` and `parser` say of a user agent of the raw event `input`, remembered; nil for
    /// an absent or empty user agent (not a bot, nothing parsed).
    public mutating func insight(
        userAgent: InputText?,
        in input: UnsafeRawBufferPointer,
        detector: BotDetector,
        parser: (any UserAgentParsing)?
    ) -> UserAgentInsight? {
        guard let userAgent, !userAgent.isEmpty else { return nil }
        return userAgent.withUTF8(in: input) { insight(for: $0, detector: detector, parser: parser) }
    }

    private mutating func insight(
        for fullUserAgent: UnsafeBufferPointer<UInt8>,
        detector: BotDetector,
        parser: (any UserAgentParsing)?
    ) -> UserAgentInsight {
        let userAgent = BotDetector.examinedPart(of: fullUserAgent)
        let hash = UserAgentTable<UserAgentInsight>.hash(userAgent)
        if let known = table.value(for: userAgent, hash: hash), (known.parsedJSON != nil) == (parser != nil) {
            return known
        }
        let insight = UserAgentInsight(
            isBot: detector.isBot(examined: userAgent),
            parsedJSON: parser.map { UserAgentInsight.json($0.parse(userAgent)) }
        )
        let heldBytes = table.storedBytes + parsedBytes
        if table.count >= capacity || heldBytes >= UserAgentTable<UserAgentInsight>.byteLimit(capacity: capacity) {
            table.removeAll()
            parsedBytes = 0
        }
        table.remember(userAgent, hash: hash, value: insight)
        parsedBytes += insight.parsedJSON?.count ?? 0
        return insight
    }
}

extension UserAgentCache {
    /// ``BotDetector/isBot(userAgent:)`` for a user agent of the raw event `input`, remembered.
    public mutating func isBot(userAgent: InputText?, in input: UnsafeRawBufferPointer, detector: BotDetector) -> Bool {
        insight(userAgent: userAgent, in: input, detector: detector, parser: nil)?.isBot ?? false
    }
}
