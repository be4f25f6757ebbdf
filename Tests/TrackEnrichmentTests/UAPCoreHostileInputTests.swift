import Foundation
import Testing
import TrackDomain

@testable import TrackEnrichment

/// Inputs the pipeline cannot trust: invalid UTF-8, random bytes, user agents made to backtrack, and many
/// workers sharing one parser.
@Suite struct UAPCoreHostileInputTests {
    /// A deterministic generator (SplitMix64), so a failure can be replayed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let chromeOnWindows = Array(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36"
            .utf8
    )

    @Test func randomBytesNeverCrash() {
        var generator = SplitMix64(state: 42)
        for _ in 0..<200 {
            let bytes = (0..<BotDetector.examinedBytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(String(validating: bytes, as: UTF8.self) == nil, "meant to be invalid UTF-8")
            let details = bytes.withUnsafeBufferPointer { UAPCoreFiles.parser.parse($0) }
            // Whatever matched, the answer is valid text (Swift strings always are) and families are set.
            #expect(!details.browserFamily.isEmpty && !details.osFamily.isEmpty && !details.deviceFamily.isEmpty)
        }
    }

    @Test func invalidUTF8IsOtherAndDoesNotHideTheRest() {
        let invalid: [UInt8] = [0xFF, 0xFE, 0xC0, 0xAF, 0xED, 0xA0, 0x80, 0xF8, 0x88, 0x80, 0x80, 0x80]
        let alone = invalid.withUnsafeBufferPointer { UAPCoreFiles.parser.parse($0) }
        #expect(alone == .unknown)
        // Invalid sequences cannot be part of a match, but the valid text around them still matches.
        let mixed = (invalid + [0x20] + Self.chromeOnWindows + invalid).withUnsafeBufferPointer {
            UAPCoreFiles.parser.parse($0)
        }
        #expect(mixed.browserFamily == "Chrome" && mixed.browserVersion == "120.0.6099.109")
        #expect(mixed.osFamily == "Windows")
        // A truncated multi-byte character at the end (the pipeline cuts at 1 KiB, though before a character).
        let truncated = (Self.chromeOnWindows + [0xE2, 0x82]).withUnsafeBufferPointer { UAPCoreFiles.parser.parse($0) }
        #expect(truncated.browserFamily == "Chrome")
    }

    @Test func emptyUserAgentIsOther() {
        let details = [UInt8]().withUnsafeBufferPointer { UAPCoreFiles.parser.parse($0) }
        #expect(details == .unknown)
    }

    /// A nested quantifier against a subject that almost matches takes exponential time without a limit:
    /// here about 1.5 million steps before the `!` alternative matches, so PCRE2's default limit (10
    /// million) lets it through and the parser's stops it.
    @Test func catastrophicBacktrackingStopsAtTheMatchLimit() throws {
        let regex = #"^(\w+\s?)*$|!"#
        let pattern = try PCRE2Pattern(regex)
        let subject = Array((String(repeating: "a", count: 18) + "!").utf8)
        let matchData = PCRE2MatchData(groupCapacity: pattern.captureCount)
        func outcome(limit: UInt32) -> PCRE2Pattern.Outcome {
            let context = PCRE2MatchContext(matchLimit: limit, depthLimit: 10_000)
            return subject.withUnsafeBufferPointer { pattern.match($0, into: matchData, context: context) }
        }
        #expect(outcome(limit: UAPCoreParser.defaultMatchLimit) == .gaveUp(code: PCRE2Pattern.errorMatchLimit))
        #expect(outcome(limit: 10_000_000) == .match)

        // In a parser, giving up is no match: the next rule is tried.
        let rules = try UAPCoreRules(
            yaml: """
                user_agent_parsers:
                  - regex: '\(regex)'
                    family_replacement: 'Backtracked'
                  - regex: '(a)a'
                    family_replacement: 'Next rule'
                os_parsers: []
                device_parsers: []
                """,
            file: "test.yaml"
        )
        let userAgent = String(decoding: subject, as: UTF8.self)
        #expect(UAPCoreParser(rules: rules).parseAll(userAgent).userAgent.family == "Next rule")
        #expect(
            UAPCoreParser(rules: rules, matchLimit: 10_000_000).parseAll(userAgent).userAgent.family == "Backtracked"
        )

        // At the longest user agent the pipeline passes, the work stays bounded (printed, not asserted).
        let start = ContinuousClock.now
        let long = UAPCoreParser(rules: rules).parseAll(
            String(repeating: "a", count: BotDetector.examinedBytes - 1) + "!"
        )
        print("catastrophic 1 KiB user agent: \(start.duration(to: .now)), \(long.userAgent.family)")
        #expect(long.userAgent.family == "Next rule")
    }

    /// Long repetitive user agents against the real regexes: each must finish (bounded by the match limit).
    @Test func longRepetitiveUserAgentsFinish() {
        let hostile = [
            "Mozilla/5.0 (" + String(repeating: "Linux; Android ", count: 60) + ")",
            String(repeating: "a", count: 1024),
            String(repeating: "; ", count: 512),
            "Mozilla/5.0 (" + String(repeating: "1.", count: 500) + "Build/",
            String(repeating: "Mozilla/5.0 ", count: 85),
            String(repeating: "(iPhone; CPU iPhone OS ", count: 44),
        ]
        for userAgent in hostile {
            let start = ContinuousClock.now
            let details = UAPCoreFiles.parser.parse(userAgent)
            print(
                "hostile \(userAgent.prefix(30))… (\(userAgent.utf8.count) B): \(start.duration(to: .now)), \(details.browserFamily)"
            )
        }
    }

    @Test func concurrentParsesMatchSerialOnes() async throws {
        let cases = try UAPCoreTestCase.load(
            "\(UAPCoreFiles.root)/tests/test_ua.yaml",
            fields: []
        )
        let userAgents = Array(cases.map(\.userAgent).prefix(400))
        let parser = UAPCoreFiles.parser
        let serial = userAgents.map { parser.parseAll($0) }
        let answers = await withTaskGroup(of: [UAPCoreParsed].self) { group in
            for task in 0..<8 {
                group.addTask {
                    // Each task walks the list from a different place, so different patterns run at once.
                    let rotated = Array(userAgents[(task * 50)...] + userAgents[..<(task * 50)])
                    let parsed = rotated.map { parser.parseAll($0) }
                    return Array(parsed[(userAgents.count - task * 50)...] + parsed[..<(userAgents.count - task * 50)])
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.count == 8)
        for answer in answers {
            let differing = zip(userAgents, zip(answer, serial)).filter { $0.1.0 != $0.1.1 }.map(\.0)
            #expect(
                differing.isEmpty,
                "\(differing.count) answers differ from the serial ones, e.g. \(differing.prefix(3))"
            )
        }
    }
}
