import Foundation
import Kafka
import Testing

/// Round trips through the real broker: what goes in comes out once, intact and in order.
@Suite("Producer and consumer against the real broker")
struct ProduceConsumeTests {
    @Test(
        "10,000 keyed records with headers arrive once each, intact, in per-partition order; a restart redelivers nothing"
    )
    func roundTripAndRestart() async throws {
        let topic = try await TestBroker.createTopic(partitions: 4)
        let producer = try KafkaProducer(configuration: TestBroker.producerConfiguration())
        let total = 10_000
        var sent: [ProducerMessage] = []
        for index in 0..<total {
            sent.append(
                ProducerMessage(
                    topic: topic,
                    key: Array("user-\(index % 97)".utf8),
                    value: Array("{\"n\":\(index)}".utf8),
                    headers: [
                        KafkaHeader(name: "sequence", value: Array("\(index)".utf8)),
                        KafkaHeader(name: "empty", value: nil),
                    ]
                )
            )
        }
        for chunk in stride(from: 0, to: total, by: 1000) {
            let report = try await producer.send(Array(sent[chunk..<(chunk + 1000)]))
            #expect(report.delivered == 1000)
            #expect(report.failures.isEmpty)
        }
        await producer.close()

        let group = TestBroker.uniqueName("group")
        let handler = RecordingRebalanceHandler()
        let consumer = try KafkaConsumer(
            configuration: TestBroker.consumerConfiguration(group: group),
            rebalanceHandler: handler
        )
        handler.attach(consumer)
        try consumer.subscribe(topics: [topic])
        let received = try await consume(consumer) { received, atEnd in received.count >= total && atEnd.count == 4 }
        try await consumer.commit()
        await consumer.close()

        #expect(received.count == total)
        let bySequence = Dictionary(grouping: received) { record in
            record.headers.first { $0.name == "sequence" }.flatMap {
                $0.value.map { String(decoding: $0, as: UTF8.self) }
            }
        }
        #expect(bySequence.count == total, "every record arrives exactly once")
        for record in received {
            let sequence = Int(String(decoding: record.headers[0].value ?? [], as: UTF8.self))!
            #expect(record.key == Array("user-\(sequence % 97)".utf8))
            #expect(record.value == Array("{\"n\":\(sequence)}".utf8))
            #expect(record.headers.count == 2 && record.headers[1] == KafkaHeader(name: "empty", value: nil))
        }
        for (_, records) in Dictionary(grouping: received, by: \.partition) {
            let offsets = records.map(\.offset)
            #expect(offsets == offsets.sorted() && Set(offsets).count == offsets.count)
            let sequences = records.map { Int(String(decoding: $0.headers[0].value ?? [], as: UTF8.self))! }
            #expect(sequences == sequences.sorted(), "production order is kept within a partition")
        }

        let restarted = try KafkaConsumer(configuration: TestBroker.consumerConfiguration(group: group))
        try restarted.subscribe(topics: [topic])
        let again = try await consume(restarted) { _, atEnd in atEnd.count == 4 }
        await restarted.close()
        #expect(again.isEmpty, "committed records are not delivered again after a restart")
    }

    @Test("a tombstone (null value) arrives as nil, never a crash")
    func tombstone() async throws {
        let topic = try await TestBroker.createTopic(partitions: 1)
        let producer = try KafkaProducer(configuration: TestBroker.producerConfiguration())
        let report = try await producer.send([
            ProducerMessage(topic: topic, key: Array("k".utf8), value: nil),
            ProducerMessage(topic: topic, key: nil, value: Array("v".utf8)),
        ])
        #expect(report.allDelivered)
        await producer.close()
        let consumer = try KafkaConsumer(
            configuration: TestBroker.consumerConfiguration(group: TestBroker.uniqueName("g"))
        )
        try consumer.subscribe(topics: [topic])
        let received = try await consume(consumer) { received, atEnd in received.count >= 2 && !atEnd.isEmpty }
        await consumer.close()
        #expect(received.map(\.value) == [nil, Array("v".utf8)])
        #expect(received.map(\.key) == [Array("k".utf8), nil])
    }

    @Test("an empty value and key are not a null value and key: both ways, and in a batch")
    func emptyIsNotNull() async throws {
        let topic = try await TestBroker.createTopic(partitions: 1)
        let producer = try KafkaProducer(configuration: TestBroker.producerConfiguration())
        let report = try await producer.send([
            ProducerMessage(topic: topic, key: [], value: []),
            ProducerMessage(topic: topic, key: nil, value: nil),
            ProducerMessage(topic: topic, key: [], value: nil),
            ProducerMessage(topic: topic, key: nil, value: []),
        ])
        #expect(report.allDelivered)
        let storage = EmptyStorage()
        let batch = ProducerBatch(
            topics: [topic],
            storage: storage,
            records: [
                .init(topic: 0, key: 0..<0, value: 0..<0, timestamp: nil),
                .init(topic: 0, key: nil, value: nil, timestamp: nil),
            ]
        )
        let batchReport = try await producer.enqueue(batch).report()
        #expect(batchReport.allDelivered)
        await producer.close()
        let consumer = try KafkaConsumer(
            configuration: TestBroker.consumerConfiguration(group: TestBroker.uniqueName("g"))
        )
        try consumer.subscribe(topics: [topic])
        let received = try await consume(consumer) { received, atEnd in received.count >= 6 && !atEnd.isEmpty }
        await consumer.close()
        #expect(received.map(\.value) == [[], nil, nil, [], [], nil])
        #expect(received.map(\.key) == [[], nil, [], nil, [], nil])
    }

    @Test("a record above message.max.bytes is reported as failed with its content; the rest are delivered")
    func failedDelivery() async throws {
        let topic = try await TestBroker.createTopic(partitions: 1)
        let producer = try KafkaProducer(configuration: TestBroker.producerConfiguration(["message.max.bytes": "2000"]))
        let large = [UInt8](repeating: UInt8(ascii: "x"), count: 5000)
        let report = try await producer.send([
            ProducerMessage(topic: topic, value: Array("small-1".utf8)),
            ProducerMessage(topic: topic, key: Array("big".utf8), value: large),
            ProducerMessage(topic: topic, value: Array("small-2".utf8)),
        ])
        await producer.close()
        #expect(report.delivered == 2)
        #expect(report.failures.count == 1)
        let failure = try #require(report.failures.first)
        #expect(failure.error.name == "MSG_SIZE_TOO_LARGE")
        #expect(!failure.error.isRetriable)
        #expect(failure.message.value == large)
        #expect(failure.message.key == Array("big".utf8))
        #expect(failure.index == 1, "the failure names the record's position in what was sent")
        #expect(failure.error.isRecordError)
        #expect(failure.error.description.contains(topic))
    }

    @Test(
        "a producer batch goes out from its shared storage: records arrive intact on their topics, a refused one is reported with its content, the storage is freed once acknowledged"
    )
    func producerBatch() async throws {
        let enriched = try await TestBroker.createTopic(partitions: 2)
        let signals = try await TestBroker.createTopic(partitions: 1)
        let producer = try KafkaProducer(configuration: TestBroker.producerConfiguration(["message.max.bytes": "2000"]))
        var bytes: [UInt8] = []
        var records: [ProducerBatch.Record] = []
        func append(_ text: String) -> Range<Int> {
            let start = bytes.count
            bytes.append(contentsOf: text.utf8)
            return start..<bytes.count
        }
        let large = String(repeating: "x", count: 5000)
        var largeIndex = -1
        for index in 0..<1000 {
            let key = append("user-\(index % 7)")
            records.append(
                ProducerBatch.Record(
                    topic: 0,
                    key: key,
                    value: append("{\"e\":\(index)}"),
                    timestamp: 1_700_000_000_000 + Int64(index)
                )
            )
            if index % 2 == 0 {
                records.append(
                    ProducerBatch.Record(topic: 1, key: key, value: append("{\"s\":\(index)}"), timestamp: nil)
                )
            }
            if index == 500 {
                largeIndex = records.count
                records.append(ProducerBatch.Record(topic: 1, key: nil, value: append(large), timestamp: nil))
            }
        }
        records.append(
            ProducerBatch.Record(
                topic: 1,
                key: append("tomb"),
                value: nil,
                timestamp: nil,
                headers: [KafkaHeader(name: "h", value: [1, 2])]
            )
        )
        weak var released: TestStorage?
        let report: DeliveryReport
        do {
            let storage = TestStorage(bytes)
            released = storage
            let pending = try await producer.enqueue(
                ProducerBatch(topics: [enriched, signals], storage: storage, records: records)
            )
            report = await pending.report()
        }
        await producer.close()
        #expect(released == nil, "the producer lets go of the storage once every record is acknowledged")
        #expect(report.delivered == records.count - 1)
        let failure = try #require(report.failures.first)
        #expect(failure.error.name == "MSG_SIZE_TOO_LARGE")
        #expect(
            failure.message.topic == signals && failure.message.key == nil && failure.message.value == Array(large.utf8)
        )
        #expect(failure.index == largeIndex)

        let consumer = try KafkaConsumer(
            configuration: TestBroker.consumerConfiguration(group: TestBroker.uniqueName("g"))
        )
        try consumer.subscribe(topics: [enriched, signals])
        let expected = records.count - 1
        let received = try await consume(consumer) { received, atEnd in received.count >= expected && atEnd.count == 3 }
        await consumer.close()
        let enrichedValues = received.filter { $0.topic == enriched }
        #expect(
            Set(enrichedValues.compactMap(\.value).map { String(decoding: $0, as: UTF8.self) })
                == Set((0..<1000).map { "{\"e\":\($0)}" })
        )
        #expect(
            enrichedValues.allSatisfy { record in
                let index = Int(String(decoding: record.value ?? [], as: UTF8.self).dropFirst(5).dropLast())!
                return record.key == Array("user-\(index % 7)".utf8)
                    && record.timestamp == 1_700_000_000_000 + Int64(index)
            }
        )
        let signalValues = received.filter { $0.topic == signals }
        #expect(signalValues.count == 501)
        let tombstone = try #require(signalValues.first { $0.key == Array("tomb".utf8) })
        #expect(tombstone.value == nil && tombstone.headers == [KafkaHeader(name: "h", value: [1, 2])])
    }

    @Test("seek moves the read position back; pause and resume keep the group alive")
    func seekPauseResume() async throws {
        let topic = try await TestBroker.createTopic(partitions: 1)
        let producer = try KafkaProducer(configuration: TestBroker.producerConfiguration())
        _ = try await producer.send((0..<20).map { ProducerMessage(topic: topic, value: Array("\($0)".utf8)) })
        await producer.close()
        let handler = RecordingRebalanceHandler()
        let consumer = try KafkaConsumer(
            configuration: TestBroker.consumerConfiguration(group: TestBroker.uniqueName("g")),
            rebalanceHandler: handler
        )
        try consumer.subscribe(topics: [topic])
        let first = try await consume(consumer) { received, atEnd in received.count >= 20 && !atEnd.isEmpty }
        #expect(first.map(\.offset) == Array(0..<20))
        let partition = TopicPartition(topic: topic, partition: 0)
        #expect(handler.assigned == [partition])
        #expect(consumer.cachedWatermarks(partition)?.high == 20)

        try consumer.pause([partition])
        try await consumer.seek([TopicPartitionOffset(partition, offset: 15)])
        try consumer.resume([partition])
        let replayed = try await consume(consumer) { received, atEnd in received.count >= 5 && !atEnd.isEmpty }
        await consumer.close()
        #expect(replayed.map(\.offset) == Array(15..<20))
    }

    @Test("a partition paused at its end and resumed gets the first record appended meanwhile (librdkafka #4844)")
    func pauseAtEndThenResume() async throws {
        let topic = try await TestBroker.createTopic(partitions: 1)
        let producer = try KafkaProducer(configuration: TestBroker.producerConfiguration())
        #expect(
            try await producer.send((0..<3).map { ProducerMessage(topic: topic, value: Array("\($0)".utf8)) })
                .allDelivered
        )
        let consumer = try KafkaConsumer(
            configuration: TestBroker.consumerConfiguration(group: TestBroker.uniqueName("g"))
        )
        try consumer.subscribe(topics: [topic])
        let first = try await consume(consumer) { received, atEnd in received.count >= 3 && !atEnd.isEmpty }
        #expect(first.map(\.offset) == [0, 1, 2])

        let partition = TopicPartition(topic: topic, partition: 0)
        try consumer.pause([partition])
        #expect(try await producer.send([ProducerMessage(topic: topic, value: Array("3".utf8))]).allDelivered)
        await producer.close()
        try await Task.sleep(for: .milliseconds(500))
        try consumer.resume([partition])
        let after = try await consume(consumer) { received, atEnd in received.count >= 1 && !atEnd.isEmpty }
        await consumer.close()
        #expect(after.map(\.offset) == [3], "the record appended while paused is delivered, not skipped")
    }
}

/// Bytes for a ``ProducerBatch`` in memory that lives exactly as long as the object.
private final class TestStorage: ProducerPayloadStorage, @unchecked Sendable {
    // @unchecked: the memory is written in init, only read afterwards and freed in deinit.
    let payloadBytes: UnsafeRawBufferPointer

    init(_ bytes: [UInt8]) {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        storage.copyMemory(from: UnsafeRawBufferPointer(start: bytes, count: bytes.count))
        payloadBytes = UnsafeRawBufferPointer(storage)
    }

    deinit { payloadBytes.deallocate() }
}

/// Payload storage with no bytes: records point at empty ranges of it.
private final class EmptyStorage: ProducerPayloadStorage {
    var payloadBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: nil, count: 0) }
}
