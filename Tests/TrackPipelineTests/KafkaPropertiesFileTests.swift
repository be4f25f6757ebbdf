import Foundation
import Testing
import TrackPipeline

/// `--kafka-file`: Java properties as `Properties.load` and Kafka's clients read them, the Java-only
/// settings translated or refused, and where the file's settings sit among the overrides. Pure.
@Suite("--kafka-file: Java client properties")
struct KafkaPropertiesFileTests {
    private func parse(_ text: String) throws(KafkaFileError) -> [JavaProperties.Entry] {
        try JavaProperties.parse(Array(text.utf8), file: "client.properties")
    }

    struct Parsed: Sendable, CustomTestStringConvertible {
        var text: String
        var expected: [String]
        var testDescription: String { text.debugDescription }
    }

    /// Each row: the file, and its entries as `key=value@line`.
    static let parsed: [Parsed] = [
        .init(text: "a=b", expected: ["a=b@1"]),
        .init(text: "a = b\n", expected: ["a=b@1"]),
        .init(text: "a:b", expected: ["a=b@1"]),
        .init(text: "a : b", expected: ["a=b@1"]),
        .init(text: "a b", expected: ["a=b@1"]),
        .init(text: "a\tb", expected: ["a=b@1"]),
        .init(text: "a\u{0C}b", expected: ["a=b@1"]),
        .init(text: "a =b", expected: ["a=b@1"]),
        .init(text: "a=b=c", expected: ["a=b=c@1"]),
        .init(text: "a==b", expected: ["a==b@1"]),
        .init(text: "a: =b", expected: ["a==b@1"]),
        .init(text: "a b c", expected: ["a=b c@1"]),
        .init(text: "a", expected: ["a=@1"]),
        .init(text: "a=", expected: ["a=@1"]),
        .init(text: "  indented.key = value", expected: ["indented.key=value@1"]),
        .init(text: "# comment\n! comment\n   # indented\n\n \t \nk=v", expected: ["k=v@6"]),
        .init(text: "a=b # not a comment", expected: ["a=b # not a comment@1"]),
        // Continuations: the break is escaped by an odd number of backslashes; the next line's
        // leading whitespace is dropped; a comment line never continues.
        .init(text: "a=b\\\n    c\nd=e", expected: ["a=bc@1", "d=e@3"]),
        .init(text: "a=b\\\\\nc=d", expected: ["a=b\\@1", "c=d@2"]),
        .init(text: "a=b\\\\\\\n c", expected: ["a=b\\c@1"]),
        .init(text: "a=b\\", expected: ["a=b@1"]),
        .init(text: "a=b\\\n#c", expected: ["a=b#c@1"]),
        .init(text: "a=b\\\n\nc=d", expected: ["a=b@1", "c=d@3"]),
        .init(text: "#x\\\na=b", expected: ["a=b@2"]),
        .init(text: "key\\\n  .name=v", expected: ["key.name=v@1"]),
        // Line ends.
        .init(text: "a=1\r\nb=2\rc=3\n", expected: ["a=1@1", "b=2@2", "c=3@3"]),
        .init(text: "a=1\\\r\n  2", expected: ["a=12@1"]),
        // Escapes.
        .init(text: "a=x\\ty\\nz\\rw\\fv", expected: ["a=x\ty\nz\rw\u{0C}v@1"]),
        .init(text: "a=caf\\u00e9", expected: ["a=café@1"]),
        .init(text: "a=\\uD83D\\uDE00", expected: ["a=😀@1"]),
        .init(text: "a=\\q\\\\\\#", expected: ["a=q\\#@1"]),
        .init(text: "a\\=b=c", expected: ["a=b=c@1"]),
        .init(text: "a\\ b=c", expected: ["a b=c@1"]),
        .init(text: "a\\:b c", expected: ["a:b=c@1"]),
        .init(text: "\\#not-a-comment=1", expected: ["#not-a-comment=1@1"]),
        // Values are trimmed as Kafka's ConfigDef trims them, escaped whitespace included.
        .init(text: "a=  b  ", expected: ["a=b@1"]),
        .init(text: "a=\\ b\\ \\t", expected: ["a=b@1"]),
        .init(text: "a=b c\t", expected: ["a=b c@1"]),
        // UTF-8, a byte-order mark, a repeated key (both kept: the last wins when applied).
        .init(text: "a=pässwörd ✓", expected: ["a=pässwörd ✓@1"]),
        .init(text: "\u{FEFF}a=b", expected: ["a=b@1"]),
        .init(text: "a=1\na=2", expected: ["a=1@1", "a=2@2"]),
        .init(text: "", expected: []),
        .init(
            text: "a=" + String(repeating: "v", count: 1 << 20),
            expected: ["a=" + String(repeating: "v", count: 1 << 20) + "@1"]
        ),
    ]

    @Test(arguments: parsed)
    func parses(_ row: Parsed) throws {
        #expect(try parse(row.text).map { "\($0.key)=\($0.value)@\($0.line)" } == row.expected)
    }

    struct Malformed: Sendable, CustomTestStringConvertible {
        var text: [UInt8]
        var line: Int
        var problem: String
        var testDescription: String { "line \(line): \(problem)" }

        init(_ text: String, line: Int, problem: String) {
            self.text = Array(text.utf8)
            self.line = line
            self.problem = problem
        }

        init(bytes: [UInt8], line: Int, problem: String) {
            self.text = bytes
            self.line = line
            self.problem = problem
        }
    }

    static let malformed: [Malformed] = [
        .init("ok=1\nsasl.password=hunter2\\u12", line: 2, problem: "four hex digits"),
        .init("sasl.password=hunter2\\u12G4", line: 1, problem: "four hex digits"),
        .init("a=1\n\nsasl.password=hunter2\\uD83D", line: 3, problem: "surrogate"),
        .init("sasl.password=hunter2\\uD83Dx", line: 1, problem: "surrogate"),
        .init("sasl.password=hunter2\\uDE00", line: 1, problem: "surrogate"),
        .init("=hunter2", line: 1, problem: "no property name"),
        .init("a=1\n  : hunter2", line: 2, problem: "no property name"),
        .init(bytes: Array("a=1\nb=2\nsasl.password=hunter2".utf8) + [0xE9], line: 3, problem: "UTF-8"),
        .init(bytes: [0xFF, 0x0A], line: 1, problem: "UTF-8"),
    ]

    @Test("a malformed file names the file and line, never the value", arguments: malformed)
    func refusesMalformed(_ row: Malformed) {
        do {
            _ = try JavaProperties.parse(row.text, file: "client.properties")
            Issue.record("accepted")
        } catch {
            #expect(error.line == row.line)
            #expect(error.description.hasPrefix("client.properties:\(row.line):"))
            #expect(error.description.contains(row.problem), "\(error)")
            #expect(!error.description.contains("hunter2"), "\(error)")
        }
    }

    // MARK: Java-only settings

    private func translate(_ text: String) throws(KafkaFileError) -> [String] {
        try KafkaPropertiesFile.translate(parse(text), file: "client.properties")
            .map { "\($0.property.key)=\($0.property.value)@\($0.line)" }
    }

    static let translated: [Parsed] = [
        .init(
            text: "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
                + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n"
                + "    username=\"trackstream\" \\\n    password=\"hunter2\";",
            expected: [
                "security.protocol=SASL_SSL@1", "sasl.mechanism=SCRAM-SHA-512@2", "sasl.username=trackstream@3",
                "sasl.password=hunter2@3",
            ]
        ),
        .init(
            text: "sasl.jaas.config=kafkashaded.org.apache.kafka.common.security.plain.PlainLoginModule REQUIRED "
                + "/* the key */ username=key_1 // comment\\n password=\"a b=c;d\" ;",
            expected: ["sasl.username=key_1@1", "sasl.password=a b=c;d@1"]
        ),
        // The file's escapes first, then JAAS's: `\\"` in the file is `\"` in JAAS, a quote.
        .init(
            text: #"sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "#
                + #"password="p\\"q\\\\" username="u";"#,
            expected: ["sasl.username=u@1", #"sasl.password=p"q\@1"#]
        ),
        .init(
            text: "ssl.truststore.type=PEM\nssl.truststore.location=/etc/kafka/ca.pem",
            expected: ["ssl.ca.location=/etc/kafka/ca.pem@2"]
        ),
        .init(text: "ssl.truststore.certificates=-----BEGIN", expected: ["ssl.ca.pem=-----BEGIN@1"]),
        .init(
            text: "ssl.keystore.type=PKCS12\nssl.keystore.location=/k.p12\nssl.keystore.password=hunter2",
            expected: ["ssl.keystore.location=/k.p12@2", "ssl.keystore.password=hunter2@3"]
        ),
        .init(
            text: "ssl.keystore.certificate.chain=CERT\nssl.keystore.key=KEY",
            expected: ["ssl.certificate.pem=CERT@1", "ssl.key.pem=KEY@2"]
        ),
        .init(
            text: "ssl.endpoint.identification.algorithm=",
            expected: ["ssl.endpoint.identification.algorithm=none@1"]
        ),
        .init(
            text: "ssl.endpoint.identification.algorithm=https",
            expected: ["ssl.endpoint.identification.algorithm=https@1"]
        ),
    ]

    @Test(arguments: translated)
    func translates(_ row: Parsed) throws {
        #expect(try translate(row.text) == row.expected)
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var text: String
        var key: String
        var line: Int
        /// What the message must name: the librdkafka equivalent, or the problem.
        var names: String
        var testDescription: String { "\(key): \(names)" }
    }

    static let plain = "org.apache.kafka.common.security.plain.PlainLoginModule"

    static let refusals: [Refusal] = [
        .init(
            text: "sasl.jaas.config=\(plain) required username=\"u\";",
            key: "sasl.jaas.config",
            line: 1,
            names: "needs both username and password"
        ),
        .init(
            text: "a=1\nsasl.jaas.config=\(plain) required username=\"u\" password=\"hunter2\"",
            key: "sasl.jaas.config",
            line: 2,
            names: "one JAAS login module"
        ),
        .init(
            text: "sasl.jaas.config=\(plain) required username=\"u\" password=\"hunter2\"; \(plain) required;",
            key: "sasl.jaas.config",
            line: 1,
            names: "one JAAS login module"
        ),
        .init(
            text: "sasl.jaas.config=\(plain) required username='u' password='hunter2';",
            key: "sasl.jaas.config",
            line: 1,
            names: "one JAAS login module"
        ),
        .init(
            text: "sasl.jaas.config=\(plain) required password=\"hunter2",
            key: "sasl.jaas.config",
            line: 1,
            names: "one JAAS login module"
        ),
        .init(
            text: "sasl.jaas.config=\(plain) mandatory password=\"hunter2\";",
            key: "sasl.jaas.config",
            line: 1,
            names: "one JAAS login module"
        ),
        .init(text: "sasl.jaas.config=", key: "sasl.jaas.config", line: 1, names: "one JAAS login module"),
        .init(
            text: "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"u\" password=\"hunter2\" tokenauth=\"true\";",
            key: "sasl.jaas.config",
            line: 1,
            names: "tokenauth"
        ),
        .init(
            text: "sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
                + "clientId=\"c\" clientSecret=\"hunter2\";",
            key: "sasl.jaas.config",
            line: 1,
            names: "sasl.oauthbearer.client.secret"
        ),
        .init(
            text: "sasl.jaas.config=com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true "
                + "keyTab=\"/k\" principal=\"hunter2@EXAMPLE\";",
            key: "sasl.jaas.config",
            line: 1,
            names: "sasl.kerberos.keytab"
        ),
        .init(
            text: "sasl.jaas.config=com.example.Custom required password=\"hunter2\";",
            key: "sasl.jaas.config",
            line: 1,
            names: "com.example.Custom"
        ),
        .init(
            text: "ssl.truststore.location=/t.jks",
            key: "ssl.truststore.location",
            line: 1,
            names: "ssl.ca.location"
        ),
        .init(text: "ssl.truststore.type=JKS", key: "ssl.truststore.type", line: 1, names: "ssl.ca.location"),
        .init(
            text: "ssl.truststore.password=hunter2",
            key: "ssl.truststore.password",
            line: 1,
            names: "ssl.ca.location"
        ),
        .init(
            text: "ssl.truststore.type=PEM\nssl.truststore.password=hunter2",
            key: "ssl.truststore.password",
            line: 2,
            names: "ssl.ca.location"
        ),
        .init(text: "ssl.keystore.type=JKS", key: "ssl.keystore.type", line: 1, names: "PKCS12"),
        .init(text: "ssl.keystore.type=PEM", key: "ssl.keystore.type", line: 1, names: "ssl.key.location"),
        .init(
            text: "ssl.enabled.protocols=TLSv1.2,TLSv1.3",
            key: "ssl.enabled.protocols",
            line: 1,
            names: "ssl.cipher.suites"
        ),
        .init(text: "ssl.protocol=TLSv1.3", key: "ssl.protocol", line: 1, names: "OpenSSL"),
        .init(
            text: "sasl.login.callback.handler.class=x.Y",
            key: "sasl.login.callback.handler.class",
            line: 1,
            names: "Java class"
        ),
    ]

    @Test("Java-only settings without a librdkafka equivalent are refused, naming what to set", arguments: refusals)
    func refuses(_ row: Refusal) {
        do {
            _ = try translate(row.text)
            Issue.record("accepted")
        } catch {
            #expect(error.key == row.key)
            #expect(error.line == row.line)
            #expect(error.description.contains(row.names), "\(error)")
            #expect(!error.description.contains("hunter2"), "a value is never shown: \(error)")
        }
    }

    // MARK: Precedence

    @Test("pipeline kafka map < TRACKSTREAM_BROKERS < --kafka-file < --brokers < --kafka")
    func precedence() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kfile-\(UUID().uuidString).yml")
        try """
        kafka:
          bootstrap.servers: file:9092
          client.id: from-pipeline
          linger.ms: 7
          acks: all
        """.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = try KafkaPropertiesFile.translate(
            parse("client.id=from-kafka-file\nlinger.ms=9\nbootstrap.servers=kafka-file:9092\nacks=all"),
            file: "client.properties"
        ).map(\.property)
        func load(_ flags: PipelineOverrides, environment: [String: String] = [:]) throws -> PipelineConfiguration {
            try PipelineLoader.load(path: file.path, environment: environment, flags: flags)
        }
        let onlyFile = try load(PipelineOverrides(kafkaFile: fromFile), environment: ["TRACKSTREAM_BROKERS": "env:1"])
        #expect(onlyFile.kafkaProperty("client.id") == "from-kafka-file")
        #expect(onlyFile.kafkaProperty("bootstrap.servers") == "kafka-file:9092", "the file beats the environment")
        let all = try load(
            PipelineOverrides(
                kafkaFile: fromFile,
                brokers: "flag:9092",
                kafka: [.init(key: "linger.ms", value: "11"), .init(key: "bootstrap.servers", value: "kafka-flag:1")]
            )
        )
        #expect(all.kafkaProperty("client.id") == "from-kafka-file")
        #expect(all.kafkaProperty("linger.ms") == "11", "--kafka beats the file")
        #expect(all.kafkaProperty("bootstrap.servers") == "kafka-flag:1", "--kafka beats --brokers")
        let brokersFlag = try load(PipelineOverrides(kafkaFile: fromFile, brokers: "flag:9092"))
        #expect(brokersFlag.kafkaProperty("bootstrap.servers") == "flag:9092", "--brokers beats the file")
        // The delivery guarantees are checked after the file, too.
        let weakening = try KafkaPropertiesFile.translate(parse("acks=1"), file: "client.properties").map(\.property)
        #expect(throws: PipelineConfigurationError.self) { try load(PipelineOverrides(kafkaFile: weakening)) }
    }

    @Test("a file that cannot be read names itself")
    func unreadable() {
        #expect(throws: KafkaFileError.self) { try KafkaPropertiesFile.load(path: "/nonexistent/client.properties") }
    }
}
