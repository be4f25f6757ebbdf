import Foundation
import StrictOutputs
import Testing
import TrackDomain
import TrackTraffic

/// 2026-03-01T10:00:00Z, the start of every fixture's traffic.
let fixtureStartTime: Int64 = 1_772_359_200_000

/// `count` events of a generator, in order.
func generateEvents(
    count: Int,
    seed: UInt64,
    configuration: TrafficConfiguration = .default
) -> [SyntheticEvent] {
    var generator = TrafficGenerator(seed: seed, startTime: fixtureStartTime, configuration: configuration)
    return (0..<count).map { _ in generator.next() }
}

/// 20 000 default events run through the real event processor once, shared by the tests.
let standardRun = ProcessedTraffic(seed: 1, count: 20_000)

/// Generated events beside what the domain processor made of each.
struct ProcessedTraffic: Sendable {
    let events: [SyntheticEvent]
    let outcomes: [ProcessingOutcome]
    /// Whether bots were detected with uap-core's Spider regexes (else the built-in list).
    let usesUAPCore: Bool

    init(seed: UInt64, count: Int) {
        events = generateEvents(count: count, seed: seed)
        let uapCore = UAPCoreSpiders.detector()
        usesUAPCore = uapCore != nil
        var processor = EventProcessor(
            configuration: trafficProcessingConfiguration(),
            botDetector: uapCore ?? .builtIn()
        )
        outcomes = events.enumerated().map { offset, event in
            let source = SourceCoordinates(
                topic: "track.raw",
                partition: 0,
                offset: Int64(offset),
                timestamp: event.timestamp
            )
            return processor.processStrictly(value: event.value, source: source)
        }
    }

    /// Each event with its outcome.
    var pairs: Zip2Sequence<[SyntheticEvent], [ProcessingOutcome]> { zip(events, outcomes) }
}

/// The contract's defaults plus the per-site rating scales the generated sites use.
func trafficProcessingConfiguration() -> ProcessingConfiguration {
    ProcessingConfiguration(
        siteScoreScales: TrafficGenerator.siteScoreScales.compactMapValues { range in
            ScoreScale(min: Int64(range.lowerBound), max: Int64(range.upperBound))
        }
    )
}

/// The parsed JSON object of a value, or nil when it is not one.
func jsonObject(_ bytes: [UInt8]) -> JSONObject? {
    guard case .object(let object)? = try? JSONParser.parse(bytes) else { return nil }
    return object
}

/// The `device_parsers` Spider regexes of Debian's uap-core, read without a YAML library.
///
/// uap-core writes each parser as `- regex: '…'`, an optional `regex_flag: 'i'` and then
/// `device_replacement: 'Spider'`, every regex single-quoted; that is all this reader understands.
enum UAPCoreSpiders {
    static let path = "/usr/share/uap-core/regexes.yaml"

    static var isInstalled: Bool { FileManager.default.fileExists(atPath: path) }

    /// A detector over uap-core's Spider regexes; nil when the file is absent or has none.
    static func detector() -> BotDetector? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let patterns = spiderPatterns(in: text)
        guard !patterns.isEmpty else { return nil }
        return BotDetector(patterns: patterns, sourceDescription: "uap-core (\(patterns.count) Spider regexes)")
    }

    static func spiderPatterns(in text: String) -> [BotDetector.Pattern] {
        var patterns: [BotDetector.Pattern] = []
        var isInDeviceParsers = false
        var regex: String?
        var caseInsensitive = false
        for line in text.split(separator: "\n") {
            if let first = line.first, first != " ", first != "#" {
                isInDeviceParsers = line.hasPrefix("device_parsers:")
                continue
            }
            guard isInDeviceParsers else { continue }
            let content = line.drop { $0 == " " }
            if content.hasPrefix("- regex: ") {
                regex = singleQuoted(content.dropFirst("- regex: ".count))
                caseInsensitive = false
            } else if content.hasPrefix("regex_flag: 'i'") {
                caseInsensitive = true
            } else if content.hasPrefix("device_replacement: 'Spider'"), let spider = regex {
                patterns.append(BotDetector.Pattern(regex: spider, caseInsensitive: caseInsensitive))
                regex = nil
            }
        }
        return patterns
    }

    /// The text of a YAML single-quoted scalar (`''` is a quote); nil when not single-quoted.
    private static func singleQuoted(_ scalar: Substring) -> String? {
        let trimmed = scalar.trimmingCharacters(in: .whitespaces)
        guard trimmed.count >= 2, trimmed.hasPrefix("'"), trimmed.hasSuffix("'") else { return nil }
        return String(trimmed.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
    }
}
