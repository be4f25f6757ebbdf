/// The look-ups and privacy rules a pipeline adds to the contract's enrichment: user agent parsing,
/// geolocation from the IP, IP anonymization and pseudonymization. The implementations that do I/O
/// (databases, regexes, the secret key) come from outside the domain through protocols.
public struct Enrichments: Sendable {
    /// Fills `user_agent_parsed`; nil leaves it `null`.
    public var userAgentParser: (any UserAgentParsing)?
    /// Fills `geolocation`; nil leaves it `null`.
    public var geoLocator: (any GeoLocating)?
    /// What the outputs may show of a person.
    public var privacy: PrivacySettings
    /// Computes the pseudonyms `privacy.pseudonymized` asks for; required when that is not empty.
    public var pseudonymizer: (any Pseudonymizing)?

    public init(
        userAgentParser: (any UserAgentParsing)? = nil,
        geoLocator: (any GeoLocating)? = nil,
        privacy: PrivacySettings = .none,
        pseudonymizer: (any Pseudonymizing)? = nil
    ) {
        precondition(
            privacy.pseudonymized.isEmpty || pseudonymizer != nil,
            "pseudonymizing \(privacy.pseudonymized) needs a pseudonymizer"
        )
        self.userAgentParser = userAgentParser
        self.geoLocator = geoLocator
        self.privacy = privacy
        self.pseudonymizer = pseudonymizer
    }

    /// Nothing beyond the contract's flags: `user_agent_parsed` and `geolocation` are `null`.
    public static let none = Enrichments()
}
