/// What the enriched outputs may show of a person: the pipeline's `privacy:` section.
///
/// Applied after every look-up, so geolocation still sees the full address (Snowplow's order). The
/// rejected topic is not covered: a rejection carries its input unchanged, so that it can be sent
/// through again once fixed; protect it like the input topic.
public struct PrivacySettings: Sendable, Hashable {
    /// An identity value that can be replaced by a keyed hash.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case email
        case userID = "user_id"
        case ip
    }

    /// How many trailing IPv4 octets the output `ip` hides (0–4).
    public var ipAnonymizeOctets: Int
    /// How many trailing IPv6 groups the output `ip` hides (0–8).
    public var ipAnonymizeSegments: Int
    /// The values replaced by their keyed hash, everywhere they appear in enriched events, signals
    /// and output keys.
    public var pseudonymized: Set<Field>

    public init(ipAnonymizeOctets: Int = 0, ipAnonymizeSegments: Int = 0, pseudonymized: Set<Field> = []) {
        self.ipAnonymizeOctets = ipAnonymizeOctets
        self.ipAnonymizeSegments = ipAnonymizeSegments
        self.pseudonymized = pseudonymized
    }

    /// Everything shown as it came.
    public static let none = PrivacySettings()

    /// Whether the output `ip` is anything but the input's text.
    public var rewritesIP: Bool {
        pseudonymized.contains(.ip) || ipAnonymizeOctets > 0 || ipAnonymizeSegments > 0
    }
}

/// Replaces a value with a keyed hash that is stable for one key, so downstream joins still work
/// without the clear value. The key is a secret, so implementations live outside the domain
/// (`TrackEnrichment` computes HMAC-SHA256).
public protocol Pseudonymizing: Sendable {
    /// The pseudonym of `value`'s UTF-8 bytes: lowercase hex, the same for the same bytes and key.
    func pseudonym(of value: UnsafeBufferPointer<UInt8>) -> String
}

extension Pseudonymizing {
    /// ``pseudonym(of:)`` for a `String`.
    public func pseudonym(of value: String) -> String {
        var value = value
        return value.withUTF8 { pseudonym(of: $0) }
    }
}
