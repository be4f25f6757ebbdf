import Testing
import TrackPipeline

/// `${VAR}` in pipeline values (``VariableExpansion``): the table of rules, hostile references, and
/// what the loader makes of expanded values. Pure: the environment is a table, never the process's.
@Suite("Pipeline files: ${VAR} expansion")
struct VariableExpansionTests {
    static let environment = [
        "PASSWORD": "hunter2", "EMPTY": "", "FANOUT": "50", "HOLDS_REFERENCE": "a${PASSWORD}b",
        "WITH_DOLLARS": "pa$$word$", "UNICODE": "pässwörd ✓", "_U9": "underscore", "ON_WORD": "on",
        "LONG": String(repeating: "x", count: 1 << 20),
    ]

    struct Expands: Sendable, CustomTestStringConvertible {
        var text: String
        var expected: String
        var testDescription: String { "\(text.prefix(60)) → \(expected.prefix(60))" }
    }

    static let expansions: [Expands] = [
        .init(text: "plain text", expected: "plain text"),
        .init(text: "${PASSWORD}", expected: "hunter2"),
        .init(text: "user:${PASSWORD}@host", expected: "user:hunter2@host"),
        .init(text: "${PASSWORD}${PASSWORD}", expected: "hunter2hunter2"),
        .init(text: "${EMPTY}", expected: ""),
        .init(text: "${_U9}", expected: "underscore"),
        .init(text: "${UNICODE}", expected: "pässwörd ✓"),
        .init(text: "é${PASSWORD}é", expected: "éhunter2é"),
        .init(text: "${UNSET:-fallback}", expected: "fallback"),
        .init(text: "${UNSET:-}", expected: ""),
        .init(text: "${EMPTY:-fallback}", expected: "fallback"),
        .init(text: "${PASSWORD:-fallback}", expected: "hunter2"),
        .init(text: "${UNSET:-a:-b-c$d{e}", expected: "a:-b-c$d{e"),
        // One pass: what a variable brings in is never expanded again.
        .init(text: "${HOLDS_REFERENCE}", expected: "a${PASSWORD}b"),
        .init(text: "${WITH_DOLLARS}", expected: "pa$$word$"),
        // `$${` is a literal `${`; any other `$` is itself.
        .init(text: "$${PASSWORD}", expected: "${PASSWORD}"),
        .init(text: "$$${PASSWORD}", expected: "$${PASSWORD}"),
        .init(text: "pa$$word", expected: "pa$$word"),
        .init(text: "cost $5 $", expected: "cost $5 $"),
        .init(text: "{PASSWORD}", expected: "{PASSWORD}"),
        .init(text: "$ {PASSWORD}", expected: "$ {PASSWORD}"),
        .init(text: "}${PASSWORD}}", expected: "}hunter2}"),
        .init(text: "${LONG}", expected: String(repeating: "x", count: 1 << 20)),
        .init(
            text: String(repeating: "$a", count: 100_000) + "${FANOUT}",
            expected: String(repeating: "$a", count: 100_000) + "50"
        ),
    ]

    @Test(arguments: expansions)
    func expands(_ row: Expands) throws {
        #expect(try VariableExpansion(environment: Self.environment).expand(row.text) == row.expected)
    }

    struct Refused: Sendable, CustomTestStringConvertible {
        var text: String
        var problem: VariableReferenceError.Problem
        var offset: Int
        var testDescription: String { "\(text.prefix(60)): \(problem)" }
    }

    static let longName = "N" + String(repeating: "A", count: 100_000)

    static let refusals: [Refused] = [
        .init(text: "${UNSET}", problem: .undefined(name: "UNSET"), offset: 0),
        .init(text: "ok ${UNSET} ok", problem: .undefined(name: "UNSET"), offset: 3),
        .init(text: "${\(longName)}", problem: .undefined(name: longName), offset: 0),
        .init(text: "${", problem: .unterminated, offset: 0),
        .init(text: "abc${PASSWORD", problem: .unterminated, offset: 3),
        .init(text: "${PASSWORD:-no end", problem: .unterminated, offset: 0),
        .init(text: "${PASS WORD", problem: .unterminated, offset: 0),
        .init(text: "${" + String(repeating: "A", count: 1 << 20), problem: .unterminated, offset: 0),
        .init(text: "${}", problem: .emptyName, offset: 0),
        .init(text: "${:-default}", problem: .emptyName, offset: 0),
        .init(text: "${1ABC}", problem: .invalidName, offset: 0),
        .init(text: "${A.B}", problem: .invalidName, offset: 0),
        .init(text: "${A B}", problem: .invalidName, offset: 0),
        .init(text: "${ A}", problem: .invalidName, offset: 0),
        .init(text: "${é}", problem: .invalidName, offset: 0),
        .init(text: "${A${B}}", problem: .nested, offset: 0),
        .init(text: "${${B}}", problem: .nested, offset: 0),
        .init(text: "${A:-${B}}", problem: .nested, offset: 0),
        .init(text: "${A:-$${B}}", problem: .nested, offset: 0),
        .init(text: "${A-default}", problem: .unsupportedOperator, offset: 0),
        .init(text: "${A:?required}", problem: .unsupportedOperator, offset: 0),
        .init(text: "${A:+alternative}", problem: .unsupportedOperator, offset: 0),
        .init(text: "${A:=assigned}", problem: .unsupportedOperator, offset: 0),
        .init(text: "${A}${B", problem: .undefined(name: "A"), offset: 0),
    ]

    @Test(arguments: refusals)
    func refuses(_ row: Refused) {
        #expect(throws: VariableReferenceError(row.problem, offset: row.offset)) {
            try VariableExpansion(environment: [:]).expand(row.text)
        }
    }

    @Test("an error names the variable (shortened when very long) and never the text around it")
    func errorText() {
        let secretAround = VariableReferenceError(.undefined(name: "KAFKA_PASSWORD"), offset: 9)
        #expect(secretAround.summary == "the environment variable KAFKA_PASSWORD is not set")
        #expect(secretAround.remedy.contains("${KAFKA_PASSWORD:-value}"))
        let long = VariableReferenceError(.undefined(name: Self.longName), offset: 0)
        #expect(long.summary.count < 200)
        let broken = VariableReferenceError(.unterminated, offset: 3)
        #expect(broken.summary == "the reference at byte 4 of the value has no closing }")
    }

    // MARK: In pipeline files

    private func parse(_ yaml: String) throws(PipelineConfigurationError) -> PipelineConfiguration {
        try PipelineLoader.parse(yaml: yaml, file: "vars.yml", environment: Self.environment)
    }

    @Test("values are expanded before they are typed; keys are not expanded")
    func typedAfterExpansion() throws {
        let configuration = try parse(
            """
            name: track-${FANOUT}
            kafka:
              bootstrap.servers: ${BROKERS:-k1:9092,k2:9092}
              sasl.password: ${PASSWORD}
              sasl.username: "${_U9}"
              ${PASSWORD}: literal-key
            limits:
              max_fanout: ${FANOUT}
            enrichments:
              user_agent: ${ON_WORD}
            privacy:
              pseudonymize: [email]
              key: ${PSEUDONYM_KEY}
            """
        )
        #expect(configuration.name == "track-50")
        #expect(configuration.kafkaProperty("bootstrap.servers") == "k1:9092,k2:9092")
        #expect(configuration.kafkaProperty("sasl.password") == "hunter2")
        #expect(configuration.kafkaProperty("sasl.username") == "underscore")
        #expect(configuration.kafkaProperty("${PASSWORD}") == "literal-key")
        #expect(configuration.limits.maxFanout == 50, "a plain reference holding a number is a number")
        #expect(configuration.enrichments.userAgent == true, "and one holding `on` a boolean")
        // privacy.key names the variable the service reads itself: it is never expanded.
        #expect(configuration.privacy.keyVariable == "PSEUDONYM_KEY")
    }

    @Test("a kafka value from a variable reaches librdkafka as it is: `on` stays `on`, empty stays empty")
    func kafkaValuesVerbatim() throws {
        let configuration = try parse(
            "kafka:\n  sasl.password: ${ON_WORD}\n  ssl.key.password: ${EMPTY}\n  acks: all\n"
        )
        #expect(configuration.kafkaProperty("sasl.password") == "on")
        #expect(configuration.kafkaProperty("ssl.key.password") == "")
        #expect(try parse("kafka: {enable.idempotence: yes}\n").kafkaProperty("enable.idempotence") == "true")
    }

    @Test("the pseudonym key must still be a reference, not a literal or a default")
    func pseudonymKeyStaysAReference() {
        for key in ["hunter2-secret-key", "${PSEUDONYM_KEY:-literal}", "$${PSEUDONYM_KEY}", "x${PSEUDONYM_KEY}"] {
            #expect(throws: PipelineConfigurationError.self, "\(key)") {
                try parse("privacy: {pseudonymize: [email], key: \"\(key)\"}\n")
            }
        }
    }

    struct FileError: Sendable, CustomTestStringConvertible {
        var yaml: String
        var kind: PipelineConfigurationError.Kind
        var line: Int
        var keyPath: String?
        var testDescription: String { yaml.prefix(60) + "" }
    }

    static let fileErrors: [FileError] = [
        .init(
            yaml: "name: t\nkafka:\n  sasl.password: ${KAFKA_PASSWORD}\n",
            kind: .undefinedVariable,
            line: 3,
            keyPath: "kafka.sasl.password"
        ),
        .init(
            yaml: "outputs:\n  enriched: ${PREFIX}.enriched\n",
            kind: .undefinedVariable,
            line: 2,
            keyPath: "outputs.enriched"
        ),
        .init(
            yaml: "privacy:\n  pseudonymize:\n    - ${FIELD}\n",
            kind: .undefinedVariable,
            line: 3,
            keyPath: "privacy.pseudonymize"
        ),
        .init(yaml: "name: ${\n", kind: .invalidValue, line: 1, keyPath: "name"),
        .init(
            yaml: "kafka:\n  sasl.password: \"zq${cd\"\n",
            kind: .invalidValue,
            line: 2,
            keyPath: "kafka.sasl.password"
        ),
        .init(
            yaml: "limits: {max_fanout: \"${FANOUT}\"}\n",
            kind: .invalidValue,
            line: 1,
            keyPath: "limits.max_fanout"
        ),
        .init(yaml: "${PASSWORD}\n", kind: .undefinedVariable, line: 1, keyPath: nil),
    ]

    @Test("a reference that cannot be expanded names the file, line and key", arguments: fileErrors)
    func fileError(_ row: FileError) {
        do {
            _ = try PipelineLoader.parse(yaml: row.yaml, file: "vars.yml", environment: ["FANOUT": "50"])
            Issue.record("accepted")
        } catch {
            #expect(error.kind == row.kind)
            #expect(error.line == row.line)
            #expect(error.keyPath == row.keyPath)
            #expect(error.description.hasPrefix("vars.yml:\(row.line):"), "\(error)")
            #expect(!error.description.contains("zq"), "the text around a reference is never shown")
        }
    }

    @Test("the rendered configuration reads back the same, also with a literal ${ a variable brought in")
    func renderedRoundTrip() throws {
        let configuration = try parse(
            """
            name: ${HOLDS_REFERENCE}
            kafka: {sasl.username: "${HOLDS_REFERENCE}", client.id: "$$${X}", bootstrap.servers: "k:9092"}
            """
        )
        #expect(configuration.name == "a${PASSWORD}b")
        #expect(configuration.kafkaProperty("client.id") == "$${X}")
        let rendered = configuration.renderedYAML()
        #expect(try PipelineLoader.parse(yaml: rendered, file: "rendered.yml") == configuration)
    }
}
