import Foundation
import Testing
import TrackDomain
import TrackPipeline

@Suite("Pipeline files")
struct PipelineConfigurationTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    private func parse(_ yaml: String) throws(PipelineConfigurationError) -> PipelineConfiguration {
        try PipelineLoader.parse(yaml: yaml, file: "test.yml")
    }

    private func error(_ yaml: String) -> PipelineConfigurationError? {
        do {
            _ = try parse(yaml)
            return nil
        } catch {
            return error
        }
    }

    @Test("Pipelines/track.yml loads with the documented defaults")
    func checkedInPipeline() throws {
        let path = Self.repositoryRoot.appendingPathComponent("Pipelines/track.yml").path
        let configuration = try PipelineLoader.load(path: path, environment: [:], flags: PipelineOverrides())
        #expect(configuration.name == "track")
        #expect(configuration.kafka == [.init(key: "bootstrap.servers", value: "127.0.0.1:9092")])
        #expect(configuration.group == "trackstream-track")
        #expect(configuration.input == "track.raw")
        #expect(
            configuration.outputs
                == .init(enriched: "track.enriched", signals: "track.signals", rejected: "track.rejected")
        )
        #expect(configuration.delivery == .atLeastOnce)
        #expect(
            configuration.limits
                == .init(maxEventBytes: 65_536, maxFanout: 100, maxItems: 1000, maxOutputBytes: 1 << 20)
        )
        #expect(configuration.signals.scoreScale == ScoreScale(min: 1, max: 5))
        #expect(
            configuration.signals.implicitWeights.map(\.eventType) == [
                "viewed", "commented", "shared", "purchased", "updated_cart",
            ]
        )
        #expect(configuration.sites == [.init(siteID: "acme-news", scoreScale: ScoreScale(min: 0, max: 10))])
        #expect(configuration.metrics.listen == ListenAddress(host: "127.0.0.1", port: 9464))
        let processing = configuration.processingConfiguration()
        #expect(processing.scoreScale(forSite: "acme-news") == ScoreScale(min: 0, max: 10))
        #expect(processing.implicitWeights["purchased"] == 1.0)
        #expect(processing.maxRecordBytes == 1_000_000 - 512)
    }

    @Test("the producer's message.max.bytes sets the largest record the domain writes")
    func recordLimitFollowsTheProducer() throws {
        let configuration = try parse("kafka: {message.max.bytes: 20000}\n")
        #expect(configuration.processingConfiguration().maxRecordBytes == 20000 - 512)
    }

    @Test("an empty file is all defaults")
    func defaults() throws {
        #expect(try parse("") == .defaults)
        #expect(try parse("name: track\n") == .defaults)
    }

    @Test("kafka values are passed as strings in file order; booleans are true/false")
    func kafkaProperties() throws {
        let configuration = try parse(
            """
            kafka:
              session.timeout.ms: 6000
              enable.idempotence: True
              bootstrap.servers: "b1:9092,b2:9092"
              client.id: trackstream
            """
        )
        #expect(
            configuration.kafka == [
                .init(key: "session.timeout.ms", value: "6000"), .init(key: "enable.idempotence", value: "true"),
                .init(key: "bootstrap.servers", value: "b1:9092,b2:9092"),
                .init(key: "client.id", value: "trackstream"),
            ]
        )
    }

    @Test("kafka without bootstrap.servers keeps the default broker")
    func kafkaDefaultBroker() throws {
        let configuration = try parse("kafka: {client.id: x}\n")
        #expect(configuration.kafkaProperty("bootstrap.servers") == "127.0.0.1:9092")
        #expect(configuration.kafkaProperty("client.id") == "x")
    }

    struct InvalidFile: Sendable, CustomTestStringConvertible {
        var rule: String
        var yaml: String
        var kind: PipelineConfigurationError.Kind
        var line: Int?
        var keyPath: String?
        var testDescription: String { rule }
    }

    static let invalidFiles: [InvalidFile] = [
        InvalidFile(
            rule: "unknown top-level key",
            yaml: "name: t\ninptu: x\n",
            kind: .unknownKey,
            line: 2,
            keyPath: "inptu"
        ),
        InvalidFile(
            rule: "unknown nested key",
            yaml: "limits:\n  max_event_bytes: 10\n  max_fanot: 3\n",
            kind: .unknownKey,
            line: 3,
            keyPath: "limits.max_fanot"
        ),
        InvalidFile(
            rule: "unknown output",
            yaml: "outputs: {enriched: a, dropped: b}\n",
            kind: .unknownKey,
            line: 1,
            keyPath: "outputs.dropped"
        ),
        InvalidFile(
            rule: "unknown site key",
            yaml: "sites:\n  acme:\n    scale: {min: 0, max: 1}\n",
            kind: .unknownKey,
            line: 3,
            keyPath: "sites.acme.scale"
        ),
        InvalidFile(
            rule: "unknown metrics key",
            yaml: "metrics: {port: 1}\n",
            kind: .unknownKey,
            line: 1,
            keyPath: "metrics.port"
        ),
        InvalidFile(
            rule: "scale min not below max",
            yaml: "signals:\n  score_scale: {min: 5, max: 1}\n",
            kind: .invalidValue,
            line: 2,
            keyPath: "signals.score_scale"
        ),
        InvalidFile(
            rule: "scale min equals max",
            yaml: "sites:\n  a: {score_scale: {min: 2, max: 2}}\n",
            kind: .invalidValue,
            line: 2,
            keyPath: "sites.a.score_scale"
        ),
        InvalidFile(
            rule: "scale bound not an integer",
            yaml: "signals: {score_scale: {min: 0.5, max: 5}}\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "signals.score_scale.min"
        ),
        InvalidFile(
            rule: "scale missing max",
            yaml: "signals: {score_scale: {min: 0}}\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "signals.score_scale"
        ),
        InvalidFile(
            rule: "weight not finite",
            yaml: "signals:\n  implicit_weights: {viewed: .inf}\n",
            kind: .invalidValue,
            line: 2,
            keyPath: "signals.implicit_weights.viewed"
        ),
        InvalidFile(
            rule: "weight not a number",
            yaml: "signals:\n  implicit_weights: {viewed: lots}\n",
            kind: .invalidValue,
            line: 2,
            keyPath: "signals.implicit_weights.viewed"
        ),
        InvalidFile(
            rule: "weight out of range",
            yaml: "signals:\n  implicit_weights: {viewed: 2}\n",
            kind: .invalidValue,
            line: 2,
            keyPath: "signals.implicit_weights.viewed"
        ),
        InvalidFile(
            rule: "limit zero",
            yaml: "limits: {max_fanout: 0}\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "limits.max_fanout"
        ),
        InvalidFile(
            rule: "limit negative",
            yaml: "limits:\n  max_event_bytes: -1\n",
            kind: .invalidValue,
            line: 2,
            keyPath: "limits.max_event_bytes"
        ),
        InvalidFile(
            rule: "max_output_bytes below what any event needs",
            yaml: "limits: {max_output_bytes: 100}\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "limits.max_output_bytes"
        ),
        InvalidFile(
            rule: "max_items zero",
            yaml: "limits: {max_items: 0}\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "limits.max_items"
        ),
        InvalidFile(
            rule: "limit not a number",
            yaml: "limits: {max_event_bytes: big}\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "limits.max_event_bytes"
        ),
        InvalidFile(
            rule: "listen without port",
            yaml: "metrics: {listen: localhost}\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "metrics.listen"
        ),
        InvalidFile(
            rule: "listen port out of range",
            yaml: "metrics: {listen: \"127.0.0.1:70000\"}\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "metrics.listen"
        ),
        InvalidFile(
            rule: "unknown delivery mode",
            yaml: "delivery: at_most_once\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "delivery"
        ),
        InvalidFile(
            rule: "kafka value is a mapping",
            yaml: "kafka:\n  sasl: {a: b}\n",
            kind: .wrongType,
            line: 2,
            keyPath: "kafka.sasl"
        ),
        InvalidFile(rule: "empty group", yaml: "group: \"\"\n", kind: .wrongType, line: 1, keyPath: "group"),
        InvalidFile(
            rule: "input topic longer than Kafka allows",
            yaml: "input: \(String(repeating: "t", count: 250))\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "input"
        ),
        InvalidFile(
            rule: "input topic with a slash",
            yaml: "input: track/raw\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "input"
        ),
        InvalidFile(rule: "input topic '..'", yaml: "input: \"..\"\n", kind: .invalidValue, line: 1, keyPath: "input"),
        InvalidFile(
            rule: "output topic with a space",
            yaml: "outputs:\n  signals: track signals\n",
            kind: .invalidValue,
            line: 2,
            keyPath: "outputs.signals"
        ),
        InvalidFile(
            rule: "output topic longer than Kafka allows",
            yaml: "outputs: {rejected: \(String(repeating: "r", count: 250))}\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "outputs.rejected"
        ),
        InvalidFile(
            rule: "output topic '.'",
            yaml: "outputs: {enriched: \".\"}\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "outputs.enriched"
        ),
        InvalidFile(
            rule: "event size limit above its bound",
            yaml: "limits: {max_event_bytes: 1000000000000}\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "limits.max_event_bytes"
        ),
        InvalidFile(
            rule: "event size limit one above its bound",
            yaml: "limits: {max_event_bytes: 16777217}\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "limits.max_event_bytes"
        ),
        InvalidFile(
            rule: "fan-out limit above its bound",
            yaml: "limits:\n  max_fanout: 10001\n",
            kind: .invalidValue,
            line: 2,
            keyPath: "limits.max_fanout"
        ),
        InvalidFile(
            rule: "limit beyond Int64",
            yaml: "limits: {max_fanout: 99999999999999999999}\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "limits.max_fanout"
        ),
        InvalidFile(
            rule: "scale bounds a double cannot tell apart",
            yaml: "signals: {score_scale: {min: 9007199254740992, max: 9007199254740993}}\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "signals.score_scale.max"
        ),
        InvalidFile(
            rule: "scale bound at Int64.min",
            yaml: "sites:\n  a: {score_scale: {min: -9223372036854775808, max: 0}}\n",
            kind: .invalidValue,
            line: 2,
            keyPath: "sites.a.score_scale.min"
        ),
        InvalidFile(
            rule: "weight NaN",
            yaml: "signals:\n  implicit_weights: {viewed: .nan}\n",
            kind: .invalidValue,
            line: 2,
            keyPath: "signals.implicit_weights.viewed"
        ),
        InvalidFile(
            rule: "weight -inf",
            yaml: "signals:\n  implicit_weights: {viewed: -.inf}\n",
            kind: .invalidValue,
            line: 2,
            keyPath: "signals.implicit_weights.viewed"
        ),
        InvalidFile(
            rule: "weight too large for a double",
            yaml: "signals:\n  implicit_weights: {viewed: 1e400}\n",
            kind: .invalidValue,
            line: 2,
            keyPath: "signals.implicit_weights.viewed"
        ),
        InvalidFile(
            rule: "listen port 0",
            yaml: "metrics: {listen: \"127.0.0.1:0\"}\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "metrics.listen"
        ),
        InvalidFile(
            rule: "listen port beyond Int64",
            yaml: "metrics: {listen: \"127.0.0.1:99999999999999999999\"}\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "metrics.listen"
        ),
        InvalidFile(rule: "section not a mapping", yaml: "limits: 5\n", kind: .wrongType, line: 1, keyPath: "limits"),
        InvalidFile(rule: "file not a mapping", yaml: "- a\n- b\n", kind: .wrongType, line: 1, keyPath: nil),
        InvalidFile(rule: "broken YAML", yaml: "name: [unclosed\n", kind: .invalidYAML, line: 2, keyPath: nil),
    ]

    @Test(arguments: invalidFiles)
    func rejects(_ file: InvalidFile) {
        let failure = error(file.yaml)
        #expect(failure?.kind == file.kind)
        #expect(failure?.line == file.line)
        #expect(failure?.keyPath == file.keyPath)
        #expect(failure?.description.hasPrefix("test.yml") == true)
    }

    @Test(
        "the bounds themselves are accepted: the largest limits, scale bounds of ±2^53, topic names of 249 characters"
    )
    func bounds() throws {
        let longest = String(repeating: "a", count: 249)
        let configuration = try parse(
            """
            input: \(longest)
            outputs: {enriched: a.b_c-D9, signals: \(longest), rejected: r}
            limits: {max_event_bytes: 16777216, max_fanout: 10000}
            signals: {score_scale: {min: -9007199254740992, max: 9007199254740992}}
            """
        )
        #expect(configuration.input == longest)
        #expect(configuration.outputs.enriched == "a.b_c-D9")
        #expect(configuration.limits == .init(maxEventBytes: 16_777_216, maxFanout: 10_000))
        #expect(configuration.signals.scoreScale == ScoreScale(min: -(1 << 53), max: 1 << 53))
    }

    @Test("the error message says what, where and what to do")
    func errorDescription() {
        let failure = error("name: t\nlimits:\n  max_fanot: 3\n")
        #expect(
            failure?.description
                == "test.yml:3: limits.max_fanot: unknown key \"max_fanot\"; allowed keys here are max_event_bytes, max_fanout, max_items, max_output_bytes; check the spelling"
        )
    }

    @Test("environment overrides the file, flags override both")
    func overrides() throws {
        let path = Self.repositoryRoot.appendingPathComponent("Pipelines/track.yml").path
        let environment = ["TRACKSTREAM_BROKERS": "env:9092", "TRACKSTREAM_GROUP": "env-group"]
        let fromEnvironment = try PipelineLoader.load(path: path, environment: environment, flags: PipelineOverrides())
        #expect(fromEnvironment.kafkaProperty("bootstrap.servers") == "env:9092")
        #expect(fromEnvironment.group == "env-group")
        let fromFlags = try PipelineLoader.load(
            path: path,
            environment: environment,
            flags: PipelineOverrides(brokers: "flag:9092", group: "flag-group")
        )
        #expect(fromFlags.kafkaProperty("bootstrap.servers") == "flag:9092")
        #expect(fromFlags.group == "flag-group")
        let partial = try PipelineLoader.load(
            path: path,
            environment: environment,
            flags: PipelineOverrides(group: "g")
        )
        #expect(partial.kafkaProperty("bootstrap.servers") == "env:9092")
        #expect(partial.group == "g")
        let empty = try PipelineLoader.load(
            path: path,
            environment: ["TRACKSTREAM_BROKERS": ""],
            flags: PipelineOverrides()
        )
        #expect(empty.kafkaProperty("bootstrap.servers") == "127.0.0.1:9092")
        let withKafka = try PipelineLoader.load(
            path: path,
            environment: environment,
            flags: PipelineOverrides(
                brokers: "flag:9092",
                kafka: [.init(key: "session.timeout.ms", value: "6000"), .init(key: "bootstrap.servers", value: "k:1")]
            )
        )
        #expect(withKafka.kafkaProperty("session.timeout.ms") == "6000")
        #expect(withKafka.kafkaProperty("bootstrap.servers") == "k:1", "kafka entries apply after --brokers")
    }

    /// Settings that would break at-least-once: refused from the file and from `--kafka` alike.
    @Test(arguments: [
        ("enable.auto.offset.store", "true", true),
        ("enable.auto.offset.store", "false", false),
        ("acks", "1", true),
        ("acks", "0", true),
        ("acks", "all", false),
        ("acks", "-1", false),
        ("request.required.acks", "1", true),
        ("enable.idempotence", "false", true),
        ("enable.idempotence", "true", false),
        ("enable.partition.eof", "false", true),
        ("transactional.id", "t-1", true),
        ("enable.auto.commit", "false", false),
        ("linger.ms", "20", false),
    ])
    func deliveryGuarantees(key: String, value: String, refused: Bool) throws {
        let path = Self.repositoryRoot.appendingPathComponent("Pipelines/track.yml").path
        let flags = PipelineOverrides(kafka: [.init(key: key, value: value)])
        let viaFlag = Result { () throws(PipelineConfigurationError) in
            try PipelineLoader.load(path: path, environment: [:], flags: flags)
        }
        if case .failure(let error) = viaFlag {
            #expect(refused, "\(error)")
            #expect(error.keyPath == "kafka.\(key)")
        } else {
            #expect(!refused, "\(key)=\(value) was accepted")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("guarantees-\(UUID()).yml").path
        try "kafka: {\"\(key)\": \"\(value)\"}\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let inFile = Result { () throws(PipelineConfigurationError) in
            try PipelineLoader.load(path: file, environment: [:], flags: PipelineOverrides())
        }
        #expect((try? inFile.get()) == nil ? refused : !refused)
    }

    @Test("delivery: exactly_once is refused when a pipeline is loaded, with what to do")
    func exactlyOnceRefused() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("eos-\(UUID()).yml").path
        try "delivery: exactly_once\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect {
            try PipelineLoader.load(path: file, environment: [:], flags: PipelineOverrides())
        } throws: { error in
            "\(error)".contains("exactly_once is not yet supported") && "\(error)".contains("at_least_once")
        }
    }

    @Test(arguments: [
        ("session.timeout.ms=6000", "session.timeout.ms", "6000"),
        ("sasl.password=a=b", "sasl.password", "a=b"),
        ("client.id=", "client.id", ""),
    ])
    func kafkaArgument(_ text: String, _ key: String, _ value: String) {
        #expect(PipelineOverrides.kafkaProperty(fromArgument: text) == .init(key: key, value: value))
    }

    @Test(arguments: ["session.timeout.ms", "=6000", " =x", ""])
    func kafkaArgumentRefused(_ text: String) {
        #expect(PipelineOverrides.kafkaProperty(fromArgument: text) == nil)
    }

    @Test("a missing file is an error naming the path")
    func missingFile() {
        #expect(throws: PipelineConfigurationError.self) {
            try PipelineLoader.load(path: "/nonexistent/pipeline.yml", environment: [:], flags: PipelineOverrides())
        }
    }

    /// Found by the pipeline-loader fuzz target: these were written raw inside quotes, and YAML reads
    /// them as line breaks (trimming the spaces around) or refuses them. (A byte-order mark that
    /// starts a scalar is dropped by YAML readers whatever the escape; the loader never yields one.)
    @Test(arguments: [
        "\u{2028}", " \u{2028}", "\u{2029} ", "\u{85}", "a\u{7F}b", "x\u{FEFF}", "\u{9F}", "x\u{1}\u{1F}",
    ])
    func renderedTextReadsBack(_ text: String) throws {
        var original = PipelineConfiguration.defaults
        original.group = "g" + text
        original.name = text
        original.setKafkaProperty("client.id" + text, text)
        #expect(try parse(original.renderedYAML()) == original)
    }

    @Test("the rendered configuration reads back as the same configuration")
    func renderRoundTrip() throws {
        let original = try parse(
            """
            name: "odd name: yes"
            kafka: {bootstrap.servers: "a:1", security.protocol: SASL_SSL, sasl.password: "p#ss word"}
            group: "true"
            sites: {acme-news: {score_scale: {min: 0, max: 10}}, other: {}}
            signals: {implicit_weights: {}}
            metrics: {listen: "[::1]:9000"}
            limits: {max_items: 20, max_output_bytes: 65536}
            """
        )
        #expect(try parse(original.renderedYAML()) == original)
        #expect(original.limits.maxItems == 20 && original.limits.maxOutputBytes == 65536)
    }

    @Test(arguments: [
        ("127.0.0.1:9464", ListenAddress(host: "127.0.0.1", port: 9464)),
        ("[::1]:80", ListenAddress(host: "::1", port: 80)),
        ("0.0.0.0:65535", ListenAddress(host: "0.0.0.0", port: 65_535)),
    ])
    func listenAddresses(_ text: String, _ address: ListenAddress) {
        #expect(ListenAddress(parsing: text) == address)
    }
}

@Suite("uap-core bot list")
struct BotDetectorLoaderTests {
    @Test("Spider device parsers are extracted with their flags")
    func extractsSpiderPatterns() throws {
        let yaml = """
            user_agent_parsers:
              - regex: 'Firefox'
            device_parsers:
              - regex: 'Googlebot'
                regex_flag: 'i'
                device_replacement: 'Spider'
              - regex: 'iPhone'
                device_replacement: 'iPhone'
              - regex: 'X11; Datanyze'
                device_replacement: 'Spider'
            """
        let patterns = try BotDetectorLoader.spiderPatterns(inUAPCoreYAML: yaml)
        #expect(
            patterns == [
                .init(regex: "Googlebot", caseInsensitive: true), .init(regex: "X11; Datanyze", caseInsensitive: false),
            ]
        )
    }

    @Test("ICU matchers honour the case flag and report patterns that do not compile")
    func icuMatchers() {
        let detector = BotDetectorLoader.detector(
            [.init(regex: "(unclosed", caseInsensitive: false), .init(regex: "Crawler", caseInsensitive: false)],
            sourceDescription: "test"
        )
        #expect(detector.skippedPatterns.count == 1)
        #expect(detector.isBot(userAgent: "MyCrawler/1.0"))
        #expect(!detector.isBot(userAgent: "mycrawler/1.0"))
    }

    @Test("a missing file falls back to the built-in list with a warning")
    func missingFile() {
        let loaded = BotDetectorLoader.load(path: "/nonexistent/regexes.yaml")
        #expect(loaded.warning != nil)
        #expect(loaded.detector.isBot(userAgent: "Googlebot/2.1"))
    }

    @Test(
        "the installed uap-core list detects crawlers",
        .enabled(if: FileManager.default.fileExists(atPath: BotDetectorLoader.defaultPath))
    )
    func installedList() {
        let loaded = BotDetectorLoader.load()
        #expect(loaded.warning == nil)
        #expect(
            loaded.detector.isBot(userAgent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
        )
        #expect(
            !loaded.detector.isBot(
                userAgent:
                    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
            )
        )
    }
}
