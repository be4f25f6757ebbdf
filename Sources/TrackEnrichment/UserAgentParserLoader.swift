import Foundation
public import TrackDomain

/// Loads the user agent parser from uap-core's regexes, or explains why there is none: a missing or
/// unreadable file is a warning, not a failure (the service runs with `user_agent_parsed` null).
public enum UserAgentParserLoader {
    public struct Loaded: Sendable {
        /// Nil when the regexes could not be loaded.
        public var parser: (any UserAgentParsing)?
        /// To log once at start-up.
        public var warnings: [String]
        /// What is in use, for `check-config` and the start-up log.
        public var description: String
    }

    public static func load(path: String = UAPCoreParser.defaultPath) -> Loaded {
        guard FileManager.default.fileExists(atPath: path) else {
            return Loaded(
                parser: nil,
                warnings: ["\(path) not found: user_agent_parsed stays null (install the uap-core package)"],
                description: "off (\(path) not found)"
            )
        }
        let parser: UAPCoreParser
        do {
            parser = try UAPCoreParser(contentsOf: path)
        } catch {
            return Loaded(
                parser: nil,
                warnings: ["\(error): user_agent_parsed stays null"],
                description: "off (\(path) unusable)"
            )
        }
        let counts = parser.compiledCounts.values.reduce(0, +)
        var warnings: [String] = []
        if !parser.skippedPatterns.isEmpty {
            warnings.append(
                "\(path): \(parser.skippedPatterns.count) regexes did not compile and never match: "
                    + parser.skippedPatterns.prefix(5).map(\.description).joined(separator: "; ")
            )
        }
        return Loaded(
            parser: parser,
            warnings: warnings,
            description: "uap-core \(path) (\(counts) regexes, \(parser.jitCompiledCount) JIT-compiled)"
        )
    }
}
