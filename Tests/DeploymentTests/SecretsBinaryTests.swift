import Foundation
import Testing

/// Secrets through the real binary, with no broker: `${VAR}` in a pipeline, a `--kafka-file` with a
/// JAAS configuration, and the ways a secret could reach an error message or a log line.
@Suite("the trackstream binary never prints a secret")
struct SecretsBinaryTests {
    static let secret = "hunter2-binary"

    static func temporary(_ text: String, _ suffix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "secrets-\(UUID().uuidString).\(suffix)"
        )
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test("check-config expands ${VAR}, translates the --kafka-file's JAAS, and redacts both passwords")
    func checkConfig() throws {
        let binary = try #require(TrackstreamBinary.locate(), "build the package first: swift build --build-tests")
        let pipeline = try Self.temporary(
            """
            name: track
            kafka:
              bootstrap.servers: ${KAFKA_BROKERS:-b1:9096,b2:9096}
              ssl.key.password: ${KEY_PASSWORD}
              client.id: $${literal}
            """,
            "yml"
        )
        let properties = try Self.temporary(
            """
            # the Java client's settings, as for kafka-consumer-groups --command-config
            security.protocol = SASL_SSL
            sasl.mechanism: SCRAM-SHA-512
            sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\
                username="trackstream" \\
                password="\(Self.secret)-jaas";
            """,
            "properties"
        )
        defer {
            try? FileManager.default.removeItem(at: pipeline)
            try? FileManager.default.removeItem(at: properties)
        }
        let result = try binary.run(
            ["check-config", pipeline.path, "--kafka-file", properties.path],
            environment: ["KEY_PASSWORD": "\(Self.secret)-env"]
        )
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.output.contains(Self.secret), "\(result.output)")
        for line in [
            "bootstrap.servers: b1:9096,b2:9096", "ssl.key.password: \"<redacted>\"", "client.id: \"$${literal}\"",
            "security.protocol: SASL_SSL", "sasl.mechanism: SCRAM-SHA-512", "sasl.username: trackstream",
            "sasl.password: \"<redacted>\"",
        ] {
            #expect(result.output.contains("  \(line)\n"), "\(line) in:\n\(result.output)")
        }
    }

    struct Refused: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var pipeline: String?
        var kafkaFile: String?
        /// Text the message must contain.
        var message: String
        var testDescription: String { message }
    }

    static let refusals: [Refused] = [
        Refused(
            arguments: ["check-config"],
            pipeline: "name: track\nkafka:\n  sasl.password: \"\(secret)${KAFKA_PASSWORD}\"\n",
            message: ":3: kafka.sasl.password: the environment variable KAFKA_PASSWORD is not set"
        ),
        Refused(
            arguments: ["check-config"],
            pipeline: "name: track\nkafka:\n  sasl.password: \"\(secret)${KAFKA_PASSWORD\"\n",
            message: ":3: kafka.sasl.password: the reference at byte 15 of the value has no closing }"
        ),
        Refused(
            arguments: ["check-config"],
            kafkaFile: "security.protocol=SASL_SSL\nsasl.jaas.config=org.apache.kafka.common.security.plain."
                + "PlainLoginModule required username=\"u\" password=\"\(secret)\"\n",
            message: ".properties:2: sasl.jaas.config: cannot be read as one JAAS login module"
        ),
        Refused(
            arguments: ["check-config"],
            kafkaFile: "ssl.truststore.location=/etc/kafka/truststore.jks\nssl.truststore.password=\(secret)\n",
            message: ".properties:1: ssl.truststore.location: librdkafka does not read Java trust stores"
        ),
        Refused(
            arguments: ["check-config"],
            kafkaFile: "# ok\nsasl.username=u\nno.such.librdkafka.property=\(secret)\n",
            message: ".properties:3: no.such.librdkafka.property: librdkafka refuses it: No such configuration property"
        ),
        Refused(
            arguments: ["check-config"],
            kafkaFile: "sasl.password=\(secret)\\u00",
            message: ".properties:1: sasl.password: a \\u escape without four hex digits"
        ),
        // `--kafka KEY:VALUE` for a secret is a typo that once repeated the password.
        Refused(arguments: ["run", "--kafka", "sasl.password:\(secret)"], message: "(an argument naming a secret)"),
        // The Java client's name for the client key was not taken for a secret, and librdkafka's
        // refusal quoted it.
        Refused(
            arguments: ["run", "--kafka", "ssl.keystore.key=-----BEGIN \(secret)"],
            message: "'ssl.keystore.key' to '<redacted>'"
        ),
        Refused(
            arguments: ["kafka-check", "--kafka", "ssl.keystore.key=\(secret)"],
            message: "'ssl.keystore.key' to '<redacted>'"
        ),
    ]

    @Test("errors name the file, line and key, never the secret", arguments: refusals)
    func refuses(_ row: Refused) throws {
        let binary = try #require(TrackstreamBinary.locate(), "build the package first: swift build --build-tests")
        var arguments = row.arguments
        var files: [URL] = []
        defer { for file in files { try? FileManager.default.removeItem(at: file) } }
        if let pipeline = row.pipeline {
            files.append(try Self.temporary(pipeline, "yml"))
            arguments.append(files.last!.path)
        }
        if let kafkaFile = row.kafkaFile {
            files.append(try Self.temporary(kafkaFile, "properties"))
            arguments += ["--kafka-file", files.last!.path]
        }
        let result = try binary.run(arguments, timeout: .seconds(20))
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains(row.message), "\(result.output)")
        #expect(!result.output.contains(Self.secret), "\(result.output)")
    }
}
