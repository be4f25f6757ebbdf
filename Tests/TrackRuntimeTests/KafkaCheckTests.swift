import Foundation
import Testing

/// `trackstream kafka-check` as a real process against the real broker (Tansu): a good pipeline
/// passes, and each way a configuration goes wrong fails fast, with one line naming what and where,
/// and never a secret. No test joins a group, so each run takes about a second.
@Suite("trackstream kafka-check")
struct KafkaCheckTests {
    /// The pipeline's secret, set through `${KAFKA_CHECK_PASSWORD}`: it must appear in no output.
    static let secret = "hunter2-kafka-check"

    /// Runs `trackstream kafka-check` with `arguments`, the secret in the environment.
    static func check(_ arguments: [String]) throws -> (result: CommandResult, seconds: Double) {
        let started = ContinuousClock.now
        let result = try CommandResult.run(
            "/usr/bin/env",
            ["KAFKA_CHECK_PASSWORD=\(secret)", trackstreamBinary, "kafka-check"] + arguments
        )
        let elapsed = ContinuousClock.now - started
        return (result, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// A pipeline file for `pipeline`'s topics and group, with `kafka` lines added to its kafka map
    /// and the secret, by reference, in one of them.
    static func file(_ pipeline: TestPipeline, input: String? = nil, kafka: [String] = []) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kc-\(UUID().uuidString).yml").path
        try """
        name: \(pipeline.name)
        kafka:
          bootstrap.servers: \(pipeline.broker.bootstrap)
          sasl.password: ${KAFKA_CHECK_PASSWORD}
        \(kafka.map { "  \($0)\n" }.joined())group: \(pipeline.group)
        input: \(input ?? pipeline.input)
        outputs: {enriched: \(pipeline.enriched), signals: \(pipeline.signals), rejected: \(pipeline.rejected)}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The output's lines that start with a check's mark.
    static func lines(_ result: CommandResult) -> [String] {
        result.output.split(separator: "\n").map(String.init).filter {
            $0.hasPrefix("✓") || $0.hasPrefix("✗") || $0.hasPrefix("- ")
        }
    }

    @Test("a good pipeline passes every check, one plain line each, and exits 0")
    func passes() async throws {
        let pipeline = try await TestPipeline.make(broker: .shared)
        let (result, _) = try Self.check([try Self.file(pipeline), "--timeout", "10"])
        #expect(result.status == 0, "\(result)")
        let lines = Self.lines(result)
        #expect(lines.first?.hasPrefix("✓ librdkafka ") == true, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("✓ client configuration: librdkafka accepts it") }, "\(lines)")
        #expect(
            lines.contains { $0.hasPrefix("✓ brokers: \(pipeline.broker.bootstrap) answered: 1 broker") },
            "\(lines)"
        )
        #expect(lines.contains("✓ input topic \(pipeline.input): 4 partition(s)"), "\(lines)")
        #expect(lines.contains("✓ output topic \(pipeline.enriched) (enriched events): 4 partition(s)"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("✓ consumer group \(pipeline.group): ") }, "\(lines)")
        // Tansu has no ACLs and reports no authorized operations (docs/test-broker.md).
        #expect(lines.contains("- ACL read on input topic \(pipeline.input): not reported by this broker"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("- ACL write on output topic \(pipeline.rejected)") }, "\(lines)")
        #expect(!lines.contains { $0.hasPrefix("✗") }, "\(lines)")
        #expect(result.output.hasSuffix("kafka-check: every check passed\n"))
        #expect(!result.output.contains("\u{1B}["), "no colour when the output is not a terminal")
        #expect(!(result.output + result.errors).contains(Self.secret))
    }

    @Test("a missing input topic fails, naming it; the other checks still run")
    func missingInput() async throws {
        let pipeline = try await TestPipeline.make(broker: .shared)
        let missing = "\(pipeline.name).nonexistent"
        let (result, _) = try Self.check([try Self.file(pipeline, input: missing), "--timeout", "10"])
        #expect(result.status == 1, "\(result)")
        let lines = Self.lines(result)
        #expect(lines.contains { $0.hasPrefix("✗ input topic \(missing): does not exist") }, "\(lines)")
        #expect(lines.contains("✓ output topic \(pipeline.signals) (signals): 4 partition(s)"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("✓ consumer group") }, "\(lines)")
        #expect(result.output.hasSuffix("kafka-check: 1 check(s) failed\n"), "\(result.output)")
    }

    struct Broken: Sendable, CustomTestStringConvertible {
        var name: String
        /// Lines for the pipeline's kafka map (the secret is in it already) or a --kafka-file.
        var kafka: [String]
        var kafkaFile: String?
        /// What the brokers line must say.
        var says: String
        var testDescription: String { name }
    }

    static let broken: [Broken] = [
        Broken(
            name: "TLS against a plaintext listener",
            kafka: ["security.protocol: SSL"],
            says: "✗ brokers: the TLS connection to"
        ),
        Broken(
            name: "SASL/PLAIN from a --kafka-file's JAAS configuration against a broker without it",
            kafka: [],
            kafkaFile: """
                security.protocol=SASL_PLAINTEXT
                sasl.mechanism=PLAIN
                sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\
                    username="trackstream" password="\(secret)";
                """,
            says: "✗ brokers: authentication with"
        ),
    ]

    @Test(
        "TLS or authentication against the plaintext broker fails fast, saying which settings to check",
        arguments: broken
    )
    func refusedConnection(_ row: Broken) async throws {
        let pipeline = try await TestPipeline.make(broker: .shared, partitions: 1)
        var arguments = [try Self.file(pipeline, kafka: row.kafka), "--timeout", "4"]
        if let text = row.kafkaFile {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent(
                "kc-\(UUID().uuidString).properties"
            )
            try text.write(to: path, atomically: true, encoding: .utf8)
            arguments += ["--kafka-file", path.path]
        }
        let (result, seconds) = try Self.check(arguments)
        #expect(result.status == 1, "\(result)")
        let lines = Self.lines(result)
        #expect(lines.contains { $0.hasPrefix(row.says) }, "\(lines)")
        #expect(lines.last == "- topics, consumer group and ACLs: not checked (no broker answered)")
        #expect(seconds < 4, "within the timeout: \(seconds) s")
        #expect(!(result.output + result.errors).contains(Self.secret), "\(result)")
    }

    @Test("brokers that do not answer fail within the timeout: refused, and accepted but silent")
    func unreachable() async throws {
        let pipeline = try await TestPipeline.make(broker: .shared, partitions: 1)
        let file = try Self.file(pipeline)
        // A listener that accepts connections (the kernel does, from its backlog) and never answers.
        let silent = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(silent) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(silent, $0, length) }
        }
        #expect(listen(silent, 8) == 0)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(silent, $0, &length) }
        }
        let silentPort = UInt16(bigEndian: address.sin_port)
        for brokers in ["127.0.0.1:1", "127.0.0.1:\(silentPort)"] {
            let (result, seconds) = try Self.check([file, "--brokers", brokers, "--timeout", "2"])
            #expect(result.status == 1, "\(result)")
            #expect(
                Self.lines(result).contains {
                    $0.hasPrefix("✗ brokers: no broker at \(brokers) answered within 2.0 s")
                },
                "\(Self.lines(result))"
            )
            #expect(seconds < 3.5, "\(brokers): \(seconds) s")
        }
    }
}
