import Foundation
import Testing
import TrackDomain
import TrackEnrichment

@Suite struct UAPCoreParserTests {
    struct Example: Sendable, CustomTestStringConvertible {
        var name: String
        var userAgent: String
        var expected: UserAgentDetails
        var testDescription: String { name }
    }

    static let examples: [Example] = [
        Example(
            name: "Chrome on Windows",
            userAgent:
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36",
            expected: UserAgentDetails(
                browserFamily: "Chrome",
                browserVersion: "120.0.6099.109",
                osFamily: "Windows",
                osVersion: "10",
                deviceFamily: "Other"
            )
        ),
        Example(
            name: "Safari on iPhone",
            userAgent:
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1",
            expected: UserAgentDetails(
                browserFamily: "Mobile Safari",
                browserVersion: "17.1.2",
                osFamily: "iOS",
                osVersion: "17.1.2",
                deviceFamily: "iPhone",
                deviceBrand: "Apple",
                deviceModel: "iPhone"
            )
        ),
        Example(
            name: "Googlebot",
            userAgent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            expected: UserAgentDetails(
                browserFamily: "Googlebot",
                browserVersion: "2.1",
                osFamily: "Other",
                deviceFamily: "Spider",
                deviceBrand: "Spider",
                deviceModel: "Desktop"
            )
        ),
        Example(name: "garbage", userAgent: "x", expected: .unknown),
        Example(name: "punctuation", userAgent: "-;()/ ", expected: .unknown),
    ]

    @Test(arguments: examples)
    func handPicked(_ example: Example) {
        let parser = UAPCoreFiles.parser
        #expect(parser.parse(example.userAgent) == example.expected)
        let viaBuffer = Array(example.userAgent.utf8).withUnsafeBufferPointer { parser.parse($0) }
        #expect(viaBuffer == example.expected)
    }

    @Test func loadsTheInstalledRegexes() {
        let parser = UAPCoreFiles.parser
        #expect(parser.skippedPatterns.isEmpty, "\(parser.skippedPatterns)")
        #expect(parser.compiledCounts[.userAgent, default: 0] > 100)
        #expect(parser.compiledCounts[.os, default: 0] > 100)
        #expect(parser.compiledCounts[.device, default: 0] > 100)
        print("uap-core: \(parser.compiledCounts) patterns, \(parser.jitCompiledCount) JIT-compiled")
    }

    // MARK: - Replacement semantics, on rules written here

    static func parser(_ yaml: String) throws -> UAPCoreParser {
        UAPCoreParser(rules: try UAPCoreRules(yaml: yaml, file: "test.yaml"))
    }

    @Test func replacementsSubstituteGroupsAndFallBackToThem() throws {
        let parser = try Self.parser(
            """
            user_agent_parsers:
              - regex: '(Foo)Browser/(\\d+)\\.(\\d+)(?:\\.(\\d+)|)(?:\\.(\\d+)|)'
                family_replacement: '$1 Browser'
                v2_replacement: 'minor'
              - regex: '(Bar)/(\\d+)'
            os_parsers:
              - regex: 'Sys(\\d)(\\d)'
                os_replacement: 'System $2-$1'
                os_v1_replacement: '$2'
                os_v2_replacement: '$3'
            device_parsers:
              - regex: '; (\\w+)-(\\w+)(?:-(\\w+)|) Build'
                device_replacement: ' $1 $2 '
                brand_replacement: '$1$3'
                model_replacement: '$3'
              - regex: 'phone (\\w+)'
                regex_flag: 'i'
            """
        )
        let parsed = parser.parseAll("FooBrowser/1.2.3 Sys47; Acme-X1 Build")
        #expect(parsed.userAgent == .init(family: "Foo Browser", major: "1", minor: "minor", patch: "3"))
        #expect(parsed.userAgent.version == "1.minor.3")
        // $3 names no group of this pattern: empty, not what the user agent rule's group 3 left behind.
        #expect(parsed.os == .init(family: "System 7-4", major: "7"))
        // Whitespace around a replacement's result is trimmed; an empty result ($3 unset) is nil.
        #expect(parsed.device == .init(family: "Acme X1", brand: "Acme", model: nil))

        let second = parser.parseAll("Bar/9 PHONE Zed")
        #expect(second.userAgent == .init(family: "Bar", major: "9"))
        #expect(second.os == .other)
        // Without replacements the device family and model are both group 1; no brand.
        #expect(second.device == .init(family: "Zed", brand: nil, model: "Zed"))
    }

    @Test func versionsStopAtTheFirstMissingPart() {
        #expect(UAPCoreParsed.Versioned(family: "F", major: "1", minor: nil, patch: "3").version == "1")
        #expect(UAPCoreParsed.Versioned(family: "F", major: nil, minor: "2").version == nil)
        #expect(
            UAPCoreParsed.Versioned(family: "F", major: "1", minor: "2", patch: "3", patchMinor: "4").version
                == "1.2.3.4"
        )
    }

    @Test func emptyFamilyIsOther() throws {
        let parser = try Self.parser(
            """
            user_agent_parsers:
              - regex: 'A(x*)/(\\d)'
            os_parsers:
              - regex: 'A'
                os_replacement: '  '
            device_parsers: []
            """
        )
        let parsed = parser.parseAll("A/5")
        #expect(parsed.userAgent == .init(family: "Other", major: "5"))
        #expect(parsed.os == .other)
    }

    // MARK: - Loading

    @Test func unreadableFileIsAnError() {
        #expect {
            try UAPCoreParser(contentsOf: "/nonexistent/regexes.yaml")
        } throws: { error in
            let error = error as? UAPCoreLoadError
            return error?.file == "/nonexistent/regexes.yaml" && error?.reason.hasPrefix("cannot read") == true
        }
    }

    @Test(
        arguments: [
            ("- a list", nil, "top level"),
            ("user_agent_parsers: []\nos_parsers: []\n", nil, "no device_parsers"),
            ("user_agent_parsers: {}\nos_parsers: []\ndevice_parsers: []", "user_agent_parsers", "not a list"),
            (
                "user_agent_parsers:\n  - regex: 'a'\n  - family_replacement: 'b'\nos_parsers: []\ndevice_parsers: []",
                "user_agent_parsers[1] (line 3)", "no regex"
            ),
            (
                "user_agent_parsers: []\nos_parsers:\n  - regex: 'a'\n    os_replacement: [1]\ndevice_parsers: []",
                "os_parsers[0] (line 3)", "os_replacement is not a string"
            ),
            (
                "user_agent_parsers: []\nos_parsers: []\ndevice_parsers:\n  - regex: 'a'\n    regex_flag: 'x'",
                "device_parsers[0] (line 4)", "regex_flag"
            ),
            ("user_agent_parsers: [", nil, "not YAML"),
        ] as [(String, String?, String)]
    )
    func notUAPCoreShapeIsAnErrorNamingTheRule(yaml: String, rule: String?, reason: String) {
        #expect {
            try UAPCoreRules(yaml: yaml, file: "bad.yaml")
        } throws: { error in
            guard let error = error as? UAPCoreLoadError else { return false }
            return error.file == "bad.yaml" && error.rule == rule && error.reason.contains(reason)
        }
    }

    @Test func patternsPCRE2RefusesAreSkippedAndListed() throws {
        let parser = try Self.parser(
            """
            user_agent_parsers:
              - regex: '(Unclosed'
              - regex: '(Closed)'
            os_parsers: []
            device_parsers:
              - regex: 'a{2,1}'
            """
        )
        #expect(parser.skippedPatterns.map(\.index) == [0, 0])
        #expect(parser.skippedPatterns.map(\.list) == [.userAgent, .device])
        #expect(parser.skippedPatterns[0].description.contains("missing closing parenthesis"))
        #expect(parser.compiledCounts == [.userAgent: 1, .os: 0, .device: 0])
        #expect(parser.parseAll("Unclosed Closed").userAgent.family == "Closed")
    }
}
