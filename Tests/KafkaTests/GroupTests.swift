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
}
