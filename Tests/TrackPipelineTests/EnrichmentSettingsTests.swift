import Testing
import TrackDomain
import TrackPipeline

@Suite("Pipeline files: enrichments and privacy")
struct EnrichmentSettingsTests {
    private func parse(_ yaml: String) throws(PipelineConfigurationError) -> PipelineConfiguration {
        try PipelineLoader.parse(yaml: yaml, file: "test.yml")
    }

    @Test("defaults: user agents parsed, no geolocation, nothing hidden")
    func defaults() throws {
        let configuration = try parse("name: t\n")
        #expect(configuration.enrichments == .init(geoIP: nil, userAgent: true))
        #expect(configuration.privacy == .init())
        #expect(configuration.privacy.settings == .none)
    }

    @Test("every key read, rendered and read back")
    func full() throws {
        let configuration = try parse(
            """
            enrichments:
              geoip: {database: /var/lib/GeoIP/GeoLite2-City.mmdb, check_interval: PT5M}
              user_agent: false
            privacy:
              ip_anonymize_octets: 1
              ip_anonymize_segments: 8
              pseudonymize: [user_id, email, user_id]
              key: ${PSEUDO_KEY}
            """
        )
        #expect(
            configuration.enrichments.geoIP
                == .init(database: "/var/lib/GeoIP/GeoLite2-City.mmdb", checkIntervalMilliseconds: 300_000)
        )
        #expect(configuration.enrichments.userAgent == false)
        #expect(configuration.privacy.pseudonymize == [.userID, .email], "in file order, once each")
        #expect(configuration.privacy.keyVariable == "PSEUDO_KEY")
        #expect(
            configuration.privacy.settings
                == PrivacySettings(ipAnonymizeOctets: 1, ipAnonymizeSegments: 8, pseudonymized: [.userID, .email])
        )
        let rendered = configuration.renderedYAML()
        #expect(try parse(rendered) == configuration)
        #expect(rendered.contains("key: \"${PSEUDO_KEY}\""))
        let fractional = try parse("enrichments: {geoip: {database: x.mmdb, check_interval: PT1.5S}}\n")
        #expect(try parse(fractional.renderedYAML()) == fractional)
    }

    struct Refused: Sendable, CustomTestStringConvertible {
        var rule: String
        var yaml: String
        var keyPath: String
        var line: Int
        var testDescription: String { rule }
    }

    static let refused: [Refused] = [
        .init(
            rule: "geoip without a database",
            yaml: "enrichments:\n  geoip: {check_interval: PT1M}\n",
            keyPath: "enrichments.geoip",
            line: 2
        ),
        .init(
            rule: "check interval under a second",
            yaml: "enrichments: {geoip: {database: a, check_interval: PT0.5S}}\n",
            keyPath: "enrichments.geoip.check_interval",
            line: 1
        ),
        .init(
            rule: "check interval not a duration",
            yaml: "enrichments: {geoip: {database: a, check_interval: 60}}\n",
            keyPath: "enrichments.geoip.check_interval",
            line: 1
        ),
        .init(rule: "unknown enrichment", yaml: "enrichments: {geo: {}}\n", keyPath: "enrichments.geo", line: 1),
        .init(
            rule: "user_agent not a boolean",
            yaml: "enrichments: {user_agent: maybe}\n",
            keyPath: "enrichments.user_agent",
            line: 1
        ),
        .init(
            rule: "octets past 4",
            yaml: "privacy: {ip_anonymize_octets: 5}\n",
            keyPath: "privacy.ip_anonymize_octets",
            line: 1
        ),
        .init(
            rule: "negative segments",
            yaml: "privacy: {ip_anonymize_segments: -1}\n",
            keyPath: "privacy.ip_anonymize_segments",
            line: 1
        ),
        .init(
            rule: "segments past 8",
            yaml: "privacy: {ip_anonymize_segments: 9}\n",
            keyPath: "privacy.ip_anonymize_segments",
            line: 1
        ),
        .init(
            rule: "unknown field to pseudonymize",
            yaml: "privacy: {pseudonymize: [bsin], key: \"${K}\"}\n",
            keyPath: "privacy.pseudonymize",
            line: 1
        ),
        .init(
            rule: "pseudonyms without a key",
            yaml: "privacy:\n  pseudonymize: [email]\n",
            keyPath: "privacy.key",
            line: 2
        ),
        .init(
            rule: "a key with nothing to pseudonymize",
            yaml: "privacy: {key: \"${K}\"}\n",
            keyPath: "privacy.key",
            line: 1
        ),
        .init(
            rule: "a literal key",
            yaml: "privacy: {pseudonymize: [ip], key: s3cret-value-of-32-bytes-long!!}\n",
            keyPath: "privacy.key",
            line: 1
        ),
        .init(
            rule: "an unclosed variable",
            yaml: "privacy: {pseudonymize: [ip], key: \"${K\"}\n",
            keyPath: "privacy.key",
            line: 1
        ),
        .init(
            rule: "a variable name with a dash",
            yaml: "privacy: {pseudonymize: [ip], key: \"${A-B}\"}\n",
            keyPath: "privacy.key",
            line: 1
        ),
    ]

    @Test(arguments: refused)
    func refuses(_ file: Refused) {
        do {
            _ = try parse(file.yaml)
            Issue.record("accepted: \(file.yaml)")
        } catch {
            #expect(error.keyPath == file.keyPath)
            #expect(error.line == file.line)
            #expect(!error.description.contains("s3cret"), "a literal key is never repeated")
        }
    }

    @Test("TRACKSTREAM_GEOIP_DATABASE names the database, keeping the file's interval")
    func environment() throws {
        var configuration = try parse("enrichments: {geoip: {database: a.mmdb, check_interval: PT10S}}\n")
        configuration.apply(.environment(["TRACKSTREAM_GEOIP_DATABASE": "/data/b.mmdb"]))
        #expect(configuration.enrichments.geoIP == .init(database: "/data/b.mmdb", checkIntervalMilliseconds: 10_000))
        var defaults = try parse("name: t\n")
        defaults.apply(.environment(["TRACKSTREAM_GEOIP_DATABASE": "/data/c.mmdb"]))
        #expect(defaults.enrichments.geoIP?.database == "/data/c.mmdb")
        defaults.apply(.environment(["TRACKSTREAM_GEOIP_DATABASE": ""]))
        #expect(defaults.enrichments.geoIP?.database == "/data/c.mmdb", "an empty value is ignored")
    }

    @Test("the key comes from its variable: missing and short keys are clear errors that never show it")
    func key() throws {
        let privacy = try parse("privacy: {pseudonymize: [email], key: \"${PSEUDO_KEY}\"}\n").privacy
        #expect(try privacy.key(from: ["PSEUDO_KEY": "0123456789abcdef"]) == Array("0123456789abcdef".utf8))
        #expect(throws: PseudonymKeyError.self) { try privacy.key(from: [:]) }
        do {
            _ = try privacy.key(from: ["PSEUDO_KEY": "short-secret"])
            Issue.record("a 12-byte key was accepted")
        } catch {
            #expect(error.description.contains("PSEUDO_KEY"))
            #expect(error.description.contains("12 bytes"))
            #expect(!error.description.contains("short-secret"))
        }
        #expect(try PipelineConfiguration.Privacy().key(from: [:]) == nil, "no pseudonyms, no key needed")
    }
}
