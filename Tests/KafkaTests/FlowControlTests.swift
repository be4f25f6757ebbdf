import Kafka
import Synchronization
import Testing

/// The consumer's in-flight bound on the real broker: an application that keeps its batches gets
/// no more than the limit, keeps its partitions (the poll loop still serves the group), and receives
/// everything exactly once when it lets go.
@Suite("Consumer flow control against the real broker")
struct FlowControlTests {
    @Test("batches held past the limit stop delivery, the member keeps its partitions, and releasing resumes it")
    func holdThenPause() async throws {
        let topic = try await TestBroker.createTopic(partitions: 2)
        let producer = try KafkaProducer(configuration: TestBroker.producerConfiguration())
        let total = 5000
        let report = try await producer.send(
            (0..<total).map {
                ProducerMessage(topic: topic, key: Array("k\($0 % 10)".utf8), value: Array("\($0)".utf8))
            }
        )
        #expect(report.allDelivered)
        await producer.close()

        var options = KafkaConsumer.Options()
        options.maximumBatchSize = 100
        options.maximumInFlightBatches = 4
        options.maximumHold = .milliseconds(300)
        let handler = RecordingRebalanceHandler()
        let consumer = try KafkaConsumer(
            configuration: TestBroker.consumerConfiguration(
                group: TestBroker.uniqueName("flow"),
                ["max.poll.interval.ms": "6000"]
            ),
            options: options,
            rebalanceHandler: handler
        )
        try consumer.subscribe(topics: [topic])

        var held: [ConsumerBatch] = []
        var values: [String] = []
        var events = consumer.events.makeAsyncIterator()
        while held.count < 4, let event = await events.next() {
            if case .records(let batch) = event { held.append(batch) }
        }
        // Longer than max.poll.interval.ms (6 s): a consumer that only held, without polling,
        // would be thrown out of the group; one that pauses and polls stays in it.
        try await Task.sleep(for: .seconds(8))
        #expect(consumer.inFlightBatches == 4, "nothing is delivered past the limit while the batches are held")
        #expect(handler.assigned.count == 2, "the member keeps its partitions while it holds and pauses")
        #expect(handler.revocations == 0)

        values += held.flatMap { batch in batch.map { String(decoding: $0.value!, as: UTF8.self) } }
        held.removeAll()
        var maximumInFlight = 0
        var atEnd = Set<TopicPartition>()
        while values.count < total || atEnd.count < 2, let event = await events.next() {
            switch event {
            case .records(let batch):
                maximumInFlight = max(maximumInFlight, consumer.inFlightBatches)
                values += batch.map { String(decoding: $0.value!, as: UTF8.self) }
                for record in batch { atEnd.remove(record.topicPartition) }
            case .endOfPartition(let partition, _):
                atEnd.insert(partition)
            case .error:
                continue
            }
        }
        await consumer.close()
        #expect(maximumInFlight <= 4)
        #expect(values.count == total, "each record once")
        #expect(Set(values).count == total, "nothing lost")
    }
}
