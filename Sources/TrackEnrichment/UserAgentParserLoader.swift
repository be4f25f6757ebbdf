public import TrackDomain

/// Loads the user agent parser from uap-core's regexes, or explains why there is none.
public enum UserAgentParserLoader {
    public struct Loaded: Sendable {
        public var parser: (any UserAgentParsing)?
        public var warnings: [String]
        /// What is in use, for `check-config` and the start-up log.
        public var description: String
    }

    public static func load(path: String) -> Loaded {
        Loaded(parser: nil, warnings: ["user agent parsing is not built yet"], description: "unavailable")
    }
}
