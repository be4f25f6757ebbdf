import Foundation
import Kafka
import Testing

@Suite("Configuration and library checks")
struct ConfigurationTests {
    @Test(
        "an unknown or invalid property fails with librdkafka's text and the property's name",
        arguments: [
            ("no.such.property", "1", "No such configuration property"),
            ("acks", "banana", "Invalid value"),
            ("linger.ms", "-5", "outside allowed range"),
            // librdkafka keeps an integer property in a C int: 2^32 + 1000 would silently become 1000.
            ("message.max.bytes", "4294968296", "out of the property's range"),
            ("batch.num.messages", "-4294967295", "out of the property's range"),
            ("message.max.bytes", "99999999999", "outside allowed range"),
        ]
    )
    func invalidProperty(key: String, value: String, expected: String) throws {
        var configuration = TestBroker.producerConfiguration()
        configuration[key] = value
        let error = #expect(throws: KafkaError.self) { try KafkaProducer(configuration: configuration) }
        #expect(error?.message.contains(expected) == true, "\(String(describing: error?.message))")
        #expect(error?.description.contains("'\(key)'") == true)
        #expect(error?.isRetriable == false)
    }

    @Test(
        "a refused secret is never quoted: not in the context, not in librdkafka's own text",
        arguments: [("sasl.oauthbearer.method", "hunter2-oidc"), ("SASL.PASSWORD.x", "hunter2-pw")]
    )
    func secretsNotQuoted(key: String, value: String) throws {
        var configuration = TestBroker.producerConfiguration()
        configuration[key] = value
        let error = #expect(throws: KafkaError.self) { try KafkaProducer(configuration: configuration) }
        #expect(error?.description.contains("'\(key)'") == true, "the key is named")
        #expect(error?.description.contains("hunter2") == false, "\(String(describing: error))")
        #expect(SecretProperty.isSecret(key))
        for plain in ["acks", "bootstrap.servers", "sasl.mechanisms", "ssl.ca.location"] {
            #expect(!SecretProperty.isSecret(plain))
        }
        for secret in [
            "sasl.password", "ssl.key.password", "ssl.key.pem", "ssl.keystore.key", "sasl.jaas.config", "client.secret",
        ] {
            #expect(SecretProperty.isSecret(secret))
        }
    }

    @Test(
        "delivery failures: the record itself refused, the destination, transient, fatal",
        arguments: [
            (10, "MSG_SIZE_TOO_LARGE", KafkaError.DeliveryClass.record),
            (87, "INVALID_RECORD", .record),
            (2, "CORRUPT_MESSAGE", .record),
            (32, "INVALID_TIMESTAMP", .record),
            (44, "POLICY_VIOLATION", .record),
            (43, "UNSUPPORTED_FOR_MESSAGE_FORMAT", .record),
            (76, "UNSUPPORTED_COMPRESSION_TYPE", .record),
            (29, "TOPIC_AUTHORIZATION_FAILED", .destination),
            (31, "CLUSTER_AUTHORIZATION_FAILED", .destination),
            (3, "UNKNOWN_TOPIC_OR_PART", .destination),
            (-188, "_UNKNOWN_TOPIC", .destination),
            (-192, "_MSG_TIMED_OUT", .transient),
            (7, "REQUEST_TIMED_OUT", .transient),
            (6, "NOT_LEADER_FOR_PARTITION", .transient),
            (-152, "_PURGE_QUEUE", .transient),
            (-150, "_FATAL", .fatal),
        ]
    )
    func deliveryClasses(code: Int32, name: String, expected: KafkaError.DeliveryClass) {
        let error = KafkaError(code: code, name: name, message: name, isRetriable: false, context: "producing")
        #expect(error.deliveryClass == expected)
        #expect(error.isRecordError == (expected == .record))
    }

    @Test("a consumer without group.id, or with an empty one, is refused with a fix")
    func consumerNeedsGroup() {
        let error = #expect(throws: KafkaError.self) {
            try KafkaConsumer(configuration: TestBroker.producerConfiguration())
        }
        #expect(error?.message.contains("group.id") == true)
        var empty = TestBroker.producerConfiguration()
        empty["group.id"] = ""
        let emptyError = #expect(throws: KafkaError.self) { try KafkaConsumer(configuration: empty) }
        #expect(emptyError?.message.contains("group.id") == true)
    }

    @Test("a property librdkafka would store as another number is refused; numbers it keeps are not")
    func numbersKeepTheirValue() async throws {
        var kept = TestBroker.producerConfiguration()
        kept["message.max.bytes"] = "2000000"
        kept["linger.ms"] = "5"
        kept["acks"] = "-1"
        kept["client.id"] = "12345678901234567890"
        let producer = try KafkaProducer(configuration: kept)
        await producer.close()
        var validated: KafkaConfiguration = ["message.max.bytes": "4294968296"]
        #expect(throws: KafkaError.self) { try validated.validate() }
        validated["message.max.bytes"] = "1000000"
        try validated.validate()
    }

    @Test("later settings of a property replace earlier ones, and defaults never override the user")
    func propertyOrder() {
        var configuration = KafkaConfiguration(["a": "1", "b": "2"])
        configuration["a"] = "3"
        configuration.setDefault("b", "9")
        configuration.setDefault("c", "4")
        #expect(configuration.properties.map(\.key) == ["a", "b", "c"])
        #expect(configuration.properties.map(\.value) == ["3", "2", "4"])
    }

    @Test("the process runs on librdkafka 2.2 or newer, loaded from the prefix scripts/deps built")
    func librdkafkaVersion() throws {
        #expect(Librdkafka.isSupported, "loaded librdkafka \(Librdkafka.version)")
        let maps = String(
            decoding: try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/maps")).readToEnd() ?? Data(),
            as: UTF8.self
        )
        let loaded = Set(
            maps.split(separator: "\n").compactMap { line -> String? in
                guard let path = line.split(separator: " ").last, path.contains("librdkafka") else { return nil }
                return String(path)
            }
        )
        #expect(loaded.count == 1, "exactly one librdkafka is mapped: \(loaded)")
        let prefix = ProcessInfo.processInfo.environment["RDKAFKA_PREFIX"] ?? "/opt/rdk28"
        if FileManager.default.fileExists(atPath: "\(prefix)/lib/librdkafka.so.1") {
            #expect(loaded.allSatisfy { $0.hasPrefix(prefix) }, "librdkafka comes from \(prefix): \(loaded)")
        }
    }
}
