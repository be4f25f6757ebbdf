public import TrackDomain

/// Everything uap-core's rules say about one user agent, field by field as uap-core's test files give
/// them (``UserAgentDetails`` is the condensed form the enriched events carry).
public struct UAPCoreParsed: Sendable, Hashable {
    /// A browser or operating system: a family and up to four version parts.
    public struct Versioned: Sendable, Hashable {
        /// `"Other"` when no rule matched or the matching rule gave an empty family.
        public var family: String
        public var major: String?
        public var minor: String?
        public var patch: String?
        public var patchMinor: String?

        public init(
            family: String = "Other",
            major: String? = nil,
            minor: String? = nil,
            patch: String? = nil,
            patchMinor: String? = nil
        ) {
            self.family = family
            self.major = major
            self.minor = minor
            self.patch = patch
            self.patchMinor = patchMinor
        }

        /// The version parts joined with dots up to the first missing one; nil without a major.
        public var version: String? {
            guard let major else { return nil }
            var version = major
            for part in [minor, patch, patchMinor] {
                guard let part else { break }
                version += "." + part
            }
            return version
        }

        public static let other = Versioned()
    }

    /// A device: family (`"Other"` when unknown), brand and model.
    public struct Device: Sendable, Hashable {
        public var family: String
        public var brand: String?
        public var model: String?

        public init(family: String = "Other", brand: String? = nil, model: String? = nil) {
            self.family = family
            self.brand = brand
            self.model = model
        }

        public static let other = Device()
    }

    public var userAgent: Versioned
    public var os: Versioned
    public var device: Device

    public init(userAgent: Versioned = .other, os: Versioned = .other, device: Device = .other) {
        self.userAgent = userAgent
        self.os = os
        self.device = device
    }

    /// The form the enriched events carry.
    public var details: UserAgentDetails {
        UserAgentDetails(
            browserFamily: userAgent.family,
            browserVersion: userAgent.version,
            osFamily: os.family,
            osVersion: os.version,
            deviceFamily: device.family,
            deviceBrand: device.brand,
            deviceModel: device.model
        )
    }
}
