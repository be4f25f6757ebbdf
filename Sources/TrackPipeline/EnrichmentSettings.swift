public import TrackDomain

extension PipelineConfiguration {
    /// The `enrichments:` section: which look-ups fill `geolocation` and `user_agent_parsed`.
    public struct Enrichment: Sendable, Equatable {
        /// `geoip:`; nil leaves `geolocation` null.
        public var geoIP: GeoIP?
        /// `user_agent:` (default true): parse user agents with uap-core's regexes.
        public var userAgent: Bool

        public init(geoIP: GeoIP? = nil, userAgent: Bool = true) {
            self.geoIP = geoIP
            self.userAgent = userAgent
        }
    }

    /// `enrichments.geoip`: a MaxMind DB file (GeoIP2/GeoLite2 City or Country, DB-IP's compatible
    /// files), checked for a newer file every `check_interval` and on SIGHUP.
    public struct GeoIP: Sendable, Equatable {
        public var database: String
        /// Milliseconds between checks of the file.
        public var checkIntervalMilliseconds: Int64

        public init(database: String, checkIntervalMilliseconds: Int64 = GeoIP.defaultCheckIntervalMilliseconds) {
            self.database = database
            self.checkIntervalMilliseconds = checkIntervalMilliseconds
        }

        /// One minute: MaxMind publishes twice a week, so a minute's delay is nothing, and a check is
        /// one `stat`.
        public static let defaultCheckIntervalMilliseconds: Int64 = 60_000
        /// Checks more often than once a second would only spin.
        public static let minimumCheckIntervalMilliseconds: Int64 = 1_000
    }

    /// The `privacy:` section (``PrivacySettings``), and the environment variable holding the key for
    /// pseudonyms. The key itself is never in a pipeline file, nor in anything trackstream prints.
    public struct Privacy: Sendable, Equatable {
        public var ipAnonymizeOctets: Int
        public var ipAnonymizeSegments: Int
        /// In file order.
        public var pseudonymize: [PrivacySettings.Field]
        /// The environment variable the key is read from (`key: ${NAME}`); required with pseudonyms.
        public var keyVariable: String?

        public init(
            ipAnonymizeOctets: Int = 0,
            ipAnonymizeSegments: Int = 0,
            pseudonymize: [PrivacySettings.Field] = [],
            keyVariable: String? = nil
        ) {
            self.ipAnonymizeOctets = ipAnonymizeOctets
            self.ipAnonymizeSegments = ipAnonymizeSegments
            self.pseudonymize = pseudonymize
            self.keyVariable = keyVariable
        }

        /// The settings the domain applies.
        public var settings: PrivacySettings {
            PrivacySettings(
                ipAnonymizeOctets: ipAnonymizeOctets,
                ipAnonymizeSegments: ipAnonymizeSegments,
                pseudonymized: Set(pseudonymize)
            )
        }
    }
}

/// Why the key for pseudonyms cannot be used.
public struct PseudonymKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var variable: String
    public var problem: String

    public var description: String {
        "privacy.key: the environment variable \(variable) \(problem); set it to a secret of at least "
            + "\(PseudonymKeyError.minimumBytes) bytes (for example `openssl rand -hex 32`) and keep it: "
            + "pseudonyms change with the key"
    }

    /// Shorter keys make HMAC-SHA256 guessable.
    public static let minimumBytes = 16
}

extension PipelineConfiguration.Privacy {
    /// The key's bytes from `environment`; nil when no pseudonyms are asked for.
    public func key(from environment: [String: String]) throws(PseudonymKeyError) -> [UInt8]? {
        guard !pseudonymize.isEmpty, let variable = keyVariable else { return nil }
        guard let value = environment[variable], !value.isEmpty else {
            throw PseudonymKeyError(variable: variable, problem: "is not set")
        }
        guard value.utf8.count >= PseudonymKeyError.minimumBytes else {
            throw PseudonymKeyError(
                variable: variable,
                problem: "holds \(value.utf8.count) bytes, fewer than \(PseudonymKeyError.minimumBytes)"
            )
        }
        return Array(value.utf8)
    }
}
