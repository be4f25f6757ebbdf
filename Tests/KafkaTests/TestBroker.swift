import Foundation
import Kafka
import Synchronization
import Testing

/// The real Tansu broker that `make test` (scripts/test) starts for the test run.
enum TestBroker {
    /// The broker's bootstrap address from `TRACKSTREAM_TEST_BROKERS`.
    static var bootstrap: String {
        guard let address = ProcessInfo.processInfo.environment["TRACKSTREAM_TEST_BROKERS"], !address.isEmpty else {
            Issue.record("TRACKSTREAM_TEST_BROKERS is not set: run the tests with 'make test', which starts a broker")
            return "127.0.0.1:1"
        }
        return address
    }

    /// A name no other test (or earlier run on the same broker) uses.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Producer and admin settings for the test broker, plus `extra`.
    static func producerConfiguration(_ extra: KeyValuePairs<String, String> = [:]) -> KafkaConfiguration {
        var configuration = KafkaConfiguration(["bootstrap.servers": bootstrap])
        for (key, value) in extra { configuration[key] = value }
        return configuration
    }

    /// Consumer settings that suit Tansu (see docs/test-broker.md) for `group`, plus `extra`.
    static func consumerConfiguration(
        group: String,
        _ extra: KeyValuePairs<String, String> = [:]
    )
        -> KafkaConfiguration
    {
        var configuration = KafkaConfiguration([
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "session.timeout.ms": "6000",
            "heartbeat.interval.ms": "1000",
            "max.poll.interval.ms": "30000",
            "fetch.wait.max.ms": "100",
        ])
        for (key, value) in extra { configuration[key] = value }
        return configuration
    }

    static func createTopic(partitions: Int32, prefix: String = "test") async throws -> String {
        let name = uniqueName(prefix)
        let admin = try KafkaAdmin(configuration: producerConfiguration())
        let created = try await admin.createTopics([.init(name: name, partitions: partitions)])
        #expect(created == [name])
        return name
    }
}

/// Remembers rebalances and commits stored offsets before revoked partitions are released.
final class RecordingRebalanceHandler: RebalanceHandler {
    private let state = Mutex(State())
    private let consumer = Mutex<KafkaConsumer?>(nil)

    struct State {
        var assigned: Set<TopicPartition> = []
        var revocations = 0
    }

    func attach(_ consumer: KafkaConsumer) { self.consumer.withLock { $0 = consumer } }

    var assigned: Set<TopicPartition> { state.withLock { $0.assigned } }
    var revocations: Int { state.withLock { $0.revocations } }

    func partitionsAssigned(_ partitions: [TopicPartition]) async {
        state.withLock { $0.assigned.formUnion(partitions) }
    }

    func partitionsRevoked(_ partitions: [TopicPartition]) async {
        try? await consumer.withLock { $0 }?.commit()
        state.withLock {
            $0.assigned.subtract(partitions)
            $0.revocations += 1
        }
    }

    func partitionsLost(_ partitions: [TopicPartition]) async {
        state.withLock { $0.assigned.subtract(partitions) }
    }
}

/// A record as the tests compare it: copied out of its batch.
struct ReceivedRecord: Hashable {
    var topic: String
    var partition: Int32
    var offset: Int64
    var key: [UInt8]?
    var value: [UInt8]?
    var headers: [KafkaHeader]
    var timestamp: Int64?
}

/// Reads a consumer's events until `isDone` says so or `timeout` passes, storing offsets after
/// each batch; returns what arrived.
func consume(
    _ consumer: KafkaConsumer,
    timeout: Duration = .seconds(60),
    until isDone: @escaping @Sendable (_ received: [ReceivedRecord], _ endOfPartition: Set<TopicPartition>) -> Bool
) async throws -> [ReceivedRecord] {
    try await withThrowingTaskGroup(of: [ReceivedRecord]?.self) { group in
        group.addTask {
            var received: [ReceivedRecord] = []
            var atEnd: Set<TopicPartition> = []
            if isDone(received, atEnd) { return received }
            for await event in consumer.events {
                switch event {
                case .records(let batch):
                    var next: [TopicPartition: Int64] = [:]
                    for record in batch {
                        received.append(
                            ReceivedRecord(
                                topic: record.topic,
                                partition: record.partition,
                                offset: record.offset,
                                key: record.key.map(Array.init),
                                value: record.value.map(Array.init),
                                headers: record.headers,
                                timestamp: record.timestamp
                            )
                        )
                        next[record.topicPartition] = record.offset + 1
                        atEnd.remove(record.topicPartition)
                    }
                    try consumer.storeOffsets(next.map { TopicPartitionOffset($0.key, offset: $0.value) })
                case .endOfPartition(let partition, _):
                    atEnd.insert(partition)
                case .error:
                    continue
                }
                if isDone(received, atEnd) { return received }
            }
            return received
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        let first = try await group.next()!
        group.cancelAll()
        guard let received = first else {
            Issue.record("timed out after \(timeout) waiting for the consumer")
            return []
        }
        return received
    }
}
