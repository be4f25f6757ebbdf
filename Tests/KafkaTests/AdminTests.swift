import Foundation
import Kafka
import Testing

/// Admin round trips on the real broker.
@Suite("Admin against the real broker")
struct AdminTests {
    @Test("create topics, list offsets (earliest, latest, by time), alter a group's offsets and start there")
    func adminRoundTrips() async throws {
        let admin = try KafkaAdmin(configuration: TestBroker.producerConfiguration())
        let topic = TestBroker.uniqueName("admin")
        #expect(try await admin.createTopics([.init(name: topic, partitions: 2)]) == [topic])
        #expect(try await admin.createTopics([.init(name: topic, partitions: 2)]) == [], "creating twice is a no-op")
        #expect(try await admin.partitionCounts([topic]) == [topic: 2])

        // One record per batch: Tansu's ListOffsets LATEST is only exact then (docs/test-broker.md).
        let producer = try KafkaProducer(configuration: TestBroker.producerConfiguration(["batch.num.messages": "1"]))
        let partition = TopicPartition(topic: topic, partition: 0)
        func produce(_ values: Range<Int>) async throws {
            let report = try await producer.send(
                values.map { ProducerMessage(topic: topic, partition: 0, value: Array("\($0)".utf8)) }
            )
            #expect(report.allDelivered)
        }
        try await produce(0..<10)
        try await Task.sleep(for: .milliseconds(1500))
        let between = Int64(Date().timeIntervalSince1970 * 1000)
        try await Task.sleep(for: .milliseconds(1500))
        try await produce(10..<25)
        await producer.close()

        #expect(try await admin.listOffsets([partition], .earliest).map(\.offset) == [0])
        #expect(try await admin.listOffsets([partition], .latest).map(\.offset) == [25])
        // Kafka answers by CreateTime, Tansu by append time: both put the second burst after `between`.
        #expect(try await admin.listOffsets([partition], .timestamp(between)).map(\.offset) == [10])

        let group = TestBroker.uniqueName("group")
        try await admin.alterGroupOffsets(group: group, offsets: [TopicPartitionOffset(partition, offset: 7)])
        let committed = try await admin.listGroupOffsets(group: group, partitions: [partition])
        #expect(committed == [TopicPartitionOffset(partition, offset: 7)])

        let consumer = try KafkaConsumer(configuration: TestBroker.consumerConfiguration(group: group))
        try consumer.subscribe(topics: [topic])
        let received = try await consume(consumer) { received, atEnd in
            atEnd.contains(partition) && received.contains { $0.partition == 0 }
        }
        #expect(received.filter { $0.partition == 0 }.map(\.offset) == Array(7..<25))
        try await consumer.commit()
        let groups = try await admin.listGroups()
        #expect(groups.contains { $0.groupID == group })
        let described = try await admin.describeGroups([group])
        #expect(described.map(\.groupID) == [group])
        await consumer.close()
        try await admin.deleteTopics([topic])
    }
}
