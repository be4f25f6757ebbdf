/// What a user agent says about the browser, operating system and device that sent an event: the
/// enriched event's `user_agent_parsed` object.
///
/// Families follow uap-core's conventions: `"Other"` when no pattern matches, never empty. A version
/// is its parts joined with dots (`"120.0.6099"`), nil when the pattern gives no major version.
public struct UserAgentDetails: Sendable, Hashable {
    public var browserFamily: String
    public var browserVersion: String?
    public var osFamily: String
    public var osVersion: String?
    public var deviceFamily: String
    public var deviceBrand: String?
    public var deviceModel: String?

    public init(
        browserFamily: String = "Other",
        browserVersion: String? = nil,
        osFamily: String = "Other",
        osVersion: String? = nil,
        deviceFamily: String = "Other",
        deviceBrand: String? = nil,
        deviceModel: String? = nil
    ) {
        self.browserFamily = browserFamily
        self.browserVersion = browserVersion
        self.osFamily = osFamily
        self.osVersion = osVersion
        self.deviceFamily = deviceFamily
        self.deviceBrand = deviceBrand
        self.deviceModel = deviceModel
    }

    /// Nothing recognised: every family `"Other"`, no versions, brand or model.
    public static let unknown = UserAgentDetails()
}

/// Parses user agents into ``UserAgentDetails``. Loading patterns is I/O, so implementations live
/// outside the domain (`TrackEnrichment` uses uap-core's regexes); the domain caches the answers per
/// worker, so a parser is asked once per distinct user agent and must be safe to share between
/// workers.
public protocol UserAgentParsing: Sendable {
    /// The details of one user agent, given as its UTF-8 bytes (already unescaped, at most
    /// ``BotDetector/examinedBytes`` long, never empty).
    func parse(_ userAgent: UnsafeBufferPointer<UInt8>) -> UserAgentDetails
}
