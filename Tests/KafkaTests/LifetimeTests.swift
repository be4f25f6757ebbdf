import Kafka
import Logging
import Synchronization
import Testing

/// Clients dropped without an explicit close are torn down in the background; librdkafka keeps
/// logging through our callbacks while it does, so they must stay alive until it has finished.
@Suite("Client lifetime")
struct LifetimeTests {
    @Test("clients dropped while librdkafka logs their teardown hand every line to the logger")
    func teardownLogsReachTheLogger() async throws {
        let lines = LineCounter()
        let logger = Logger(label: "lifetime") { _ in CountingLogHandler(counter: lines) }
        for _ in 0..<20 {
            let admin = try KafkaAdmin(
                configuration: TestBroker.producerConfiguration(["debug": "all"]),
                logger: logger
            )
            _ = try await admin.partitionCounts(["no-such-topic-\(TestBroker.uniqueName("t"))"])
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while lines.teardowns < 20, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(lines.teardowns == 20, "every dropped client logs its own teardown to the end")
    }
}

/// Counts log lines, and separately librdkafka's last line of a client's teardown.
final class LineCounter: Sendable {
    private let counts = Mutex((lines: 0, teardowns: 0))
    var teardowns: Int { counts.withLock { $0.teardowns } }

    func record(_ message: String) {
        counts.withLock { counts in
            counts.lines += 1
            if message.contains("Termination done") { counts.teardowns += 1 }
        }
    }
}

struct CountingLogHandler: LogHandler {
    let counter: LineCounter
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) { counter.record(event.message.description) }
}
