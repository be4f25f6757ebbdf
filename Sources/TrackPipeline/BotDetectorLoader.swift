import Foundation
public import TrackDomain
import Yams

/// Builds the ``BotDetector`` from Debian's `uap-core` regexes, falling back to the built-in list.
///
/// The regexes are compiled with `NSRegularExpression` (ICU, the engine uap-core's patterns are
/// written for), which matches them about five times faster than Swift `Regex`; each distinct user
/// agent is matched once and then cached by the detector.
public enum BotDetectorLoader {
    /// Where Debian's `uap-core` package installs the regexes.
    public static let defaultPath = "/usr/share/uap-core/regexes.yaml"

    /// The detector, and a warning to log once when the fallback list or a partial list is in use.
    public struct Loaded: Sendable {
        public var detector: BotDetector
        public var warning: String?
    }

    /// Reads the `device_parsers` entries whose `device_replacement` is `Spider`.
    public static func load(path: String = defaultPath) -> Loaded {
        guard FileManager.default.fileExists(atPath: path) else {
            return Loaded(
                detector: .builtIn(),
                warning: "\(path) not found: using the built-in crawler list (install the uap-core package)"
            )
        }
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let patterns = try spiderPatterns(inUAPCoreYAML: text)
            guard !patterns.isEmpty else {
                return Loaded(
                    detector: .builtIn(),
                    warning: "\(path) has no Spider device regexes: using the built-in crawler list"
                )
            }
            let detector = detector(patterns, sourceDescription: "uap-core (\(patterns.count) Spider regexes)")
            let warning =
                detector.skippedPatterns.isEmpty
                ? nil
                : "\(path): \(detector.skippedPatterns.count) regexes did not compile and are ignored: "
                    + detector.skippedPatterns.joined(separator: "; ")
            return Loaded(detector: detector, warning: warning)
        } catch {
            return Loaded(
                detector: .builtIn(),
                warning: "cannot read \(path) (\(error)): using the built-in crawler list"
            )
        }
    }

    /// A detector matching `patterns` with ICU; patterns ICU refuses are listed in `skippedPatterns`.
    public static func detector(_ patterns: [BotDetector.Pattern], sourceDescription: String) -> BotDetector {
        var matchers: [BotDetector.Matcher] = []
        var skipped: [String] = []
        for pattern in patterns {
            do {
                let expression = try NSRegularExpression(
                    pattern: pattern.regex,
                    options: pattern.caseInsensitive ? [.caseInsensitive] : []
                )
                matchers.append { userAgent in
                    expression.firstMatch(in: userAgent, range: NSRange(userAgent.startIndex..., in: userAgent)) != nil
                }
            } catch {
                skipped.append("\(pattern.regex.prefix(80)): \(error.localizedDescription)")
            }
        }
        return BotDetector(matchers: matchers, sourceDescription: sourceDescription, skippedPatterns: skipped)
    }

    /// The Spider patterns of a uap-core `regexes.yaml` text.
    public static func spiderPatterns(inUAPCoreYAML text: String) throws -> [BotDetector.Pattern] {
        guard let root = try Yams.compose(yaml: text), case .sequence(let parsers)? = root["device_parsers"] else {
            return []
        }
        return parsers.compactMap { parser in
            guard parser["device_replacement"]?.string == "Spider", let regex = parser["regex"]?.string else {
                return nil
            }
            return BotDetector.Pattern(regex: regex, caseInsensitive: parser["regex_flag"]?.string == "i")
        }
    }
}
