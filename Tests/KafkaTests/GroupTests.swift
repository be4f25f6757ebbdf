import Foundation
import Kafka
import Testing

/// Consumer-group behaviour on the real broker (Tansu rebalances slowly: ~3 s a join round).
@Suite("Consumer groups against the real broker")
struct GroupTests {
    @Test("two members split the partitions; when one leaves, the other takes over from its commits")
    func twoMembersThenOne() async throws {
        let topic = try await TestBroker.createTopic(partitions: 4)
        let producer = try KafkaProducer(configuration: TestBroker.producerConfiguration())
        func produce(_ range: Range<Int>) async throws {
            let report = try await producer.send(
                range.map { ProducerMessage(topic: topic, key: Array("k\($0)".utf8), value: Array("\($0)".utf8)) }
            )
            #expect(report.allDelivered)
        }
        try await produce(0..<2000)

        let group = TestBroker.uniqueName("group")
        func member() throws -> (KafkaConsumer, RecordingRebalanceHandler) {
            let handler = RecordingRebalanceHandler()
            let consumer = try KafkaConsumer(
                configuration: TestBroker.consumerConfiguration(group: group),
                rebalanceHandler: handler
            )
            handler.attach(consumer)
            try consumer.subscribe(topics: [topic])
            return (consumer, handler)
        }
        let (first, firstHandler) = try member()
        let (second, secondHandler) = try member()

        // Wait until the group has settled on a split (events meanwhile stay in each consumer's
        // stream), then let each read until it is at the end of what it owns.
        let settled = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < settled {
            let (owned, other) = (firstHandler.assigned, secondHandler.assigned)
            if !owned.isEmpty && !other.isEmpty && owned.count + other.count == 4 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        async let firstPart = consume(first, timeout: .seconds(90)) { _, atEnd in
            firstHandler.assigned.isSubset(of: atEnd)
        }
        async let secondPart = consume(second, timeout: .seconds(90)) { _, atEnd in
            secondHandler.assigned.isSubset(of: atEnd)
        }
        let (phaseOneFirst, phaseOneSecond) = try await (firstPart, secondPart)
        #expect(firstHandler.assigned.isDisjoint(with: secondHandler.assigned))
        #expect(firstHandler.assigned.union(secondHandler.assigned).count == 4)

        await second.close()
        try await produce(2000..<4000)
        let phaseTwo = try await consume(first, timeout: .seconds(90)) { received, atEnd in
            firstHandler.assigned.count == 4 && atEnd.count == 4
                && phaseOneFirst.count + phaseOneSecond.count + received.count >= 4000
        }
        await first.close()
        await producer.close()

        let all = phaseOneFirst + phaseOneSecond + phaseTwo
        let values = all.compactMap { $0.value.map { String(decoding: $0, as: UTF8.self) } }
        #expect(Set(values).count == 4000, "nothing is lost")
        #expect(values.count == 4000, "nothing is delivered twice past the committed offsets")
    }

    /// librdkafka advances a partition's position one past an end-of-partition offset (every message
    /// of a batch moves it to offset + 1, the end-of-partition event's too), and a rebalance pauses
    /// and resumes the assignment from that position: the first record appended after the end was
    /// skipped. Seen as one lost input in three-member runs; librdkafka's mock cluster rebalances
    /// in milliseconds, so here it happens every time.
    @Test("the first record appended after the end of a partition survives a rebalance that keeps the partition")
    func recordsAfterTheEndSurviveARebalance() async throws {
        let cluster = try KafkaMockCluster()
        cluster.setGroupInitialRebalanceDelay(milliseconds: 0)
        try cluster.createTopic("t", partitions: 2)
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": cluster.bootstrapServers])
        @Sendable func produce(_ range: Range<Int>) async throws {
            let report = try await producer.send(
                range.map { ProducerMessage(topic: "t", partition: Int32($0 % 2), value: Array("\($0)".utf8)) }
            )
            #expect(report.allDelivered)
        }
        func member() throws -> (KafkaConsumer, RecordingRebalanceHandler) {
            let handler = RecordingRebalanceHandler()
            let consumer = try KafkaConsumer(
                configuration: [
                    "bootstrap.servers": cluster.bootstrapServers, "group.id": "g", "session.timeout.ms": "6000",
                    "heartbeat.interval.ms": "500", "fetch.wait.max.ms": "50",
                ],
                rebalanceHandler: handler
            )
            handler.attach(consumer)
            try consumer.subscribe(topics: ["t"])
            return (consumer, handler)
        }
        try await produce(0..<4)
        let (first, firstHandler) = try member()
        let beforeJoin = try await consume(first, timeout: .seconds(30)) { received, atEnd in
            received.count >= 4 && atEnd.count == 2
        }
        let (second, secondHandler) = try member()
        let settled = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < settled, firstHandler.assigned.count != 1 || secondHandler.assigned.count != 1 {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(firstHandler.assigned.count == 1, "the first member keeps one partition")
        try await produce(4..<14)
        async let secondPart = consume(second, timeout: .seconds(30)) { received, _ in received.count >= 5 }
        let afterJoin = try await consume(first, timeout: .seconds(30)) { received, _ in received.count >= 5 }
        let joined = try await secondPart
        await first.close()
        await second.close()
        await producer.close()
        let values = Set(
            (beforeJoin + afterJoin + joined).compactMap { $0.value.map { String(decoding: $0, as: UTF8.self) } }
        )
        let expected = Set((0..<14).map { "\($0)" })
        #expect(values == expected, "missing: \(expected.subtracting(values).sorted())")
    }
}
