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
        "record errors (the record itself refused) are told from errors about the destination or the client",
        arguments: [
            (10, "MSG_SIZE_TOO_LARGE", true),
            (87, "INVALID_RECORD", true),
            (2, "CORRUPT_MESSAGE", true),
            (29, "TOPIC_AUTHORIZATION_FAILED", false),
            (3, "UNKNOWN_TOPIC_OR_PART", false),
            (-192, "_MSG_TIMED_OUT", false),
            (-152, "_PURGE_QUEUE", false),
            (-150, "_FATAL", false),
        ]
    )
    func recordErrors(code: Int32, name: String, isRecordError: Bool) {
        let error = KafkaError(code: code, name: name, message: name, isRetriable: false, context: "producing")
        #expect(error.isRecordError == isRecordError)
    }

    @Test("a consumer without group.id is refused with a fix")
    func consumerNeedsGroup() {
        let error = #expect(throws: KafkaError.self) {
            try KafkaConsumer(configuration: TestBroker.producerConfiguration())
        }
        #expect(error?.message.contains("group.id") == true)
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
