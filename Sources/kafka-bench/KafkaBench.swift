import ArgumentParser
import Foundation
import Kafka

/// Measures the Swift Kafka layer's produce and consume rates against a broker, for `make bench`.
@main
struct KafkaBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka-bench",
        abstract: "Produce N records to a topic, then consume them in a group; print the rates as JSON."
    )

    @Option(help: "Bootstrap servers.")
    var brokers: String

    @Option(help: "Topic to produce to and consume from (created with --partitions if missing).")
    var topic: String

    @Option(help: "Number of records.")
    var count = 1_000_000

    @Option(help: "Value size in bytes.")
    var valueSize = 500

    @Option(help: "Partitions of the topic.")
    var partitions: Int32 = 4

    @Option(help: "Records handed to the producer per send call.")
    var batch = 10_000

    @Option(help: "Send calls awaiting acknowledgement at once.")
    var inFlightBatches = 4

    func run() async throws {
        try Librdkafka.requireSupportedVersion()
        let admin = try KafkaAdmin(configuration: ["bootstrap.servers": brokers])
        try await admin.createTopics([.init(name: topic, partitions: partitions)])

        let value = [UInt8](repeating: UInt8(ascii: "x"), count: valueSize)
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": brokers])
        let template = (0..<batch).map { index in
            ProducerMessage(topic: topic, key: Array("key-\(index % 1000)".utf8), value: value)
        }
        let produceStart = ContinuousClock.now
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            var failures = 0
            var sent = 0
            var inFlight = 0
            while sent < count {
                if inFlight == inFlightBatches, let done = try await group.next() {
                    failures += done
                    inFlight -= 1
                }
                let messages = Array(template.prefix(min(batch, count - sent)))
                group.addTask { try await producer.send(messages).failures.count }
                inFlight += 1
                sent += messages.count
                if sent % 100_000 < messages.count { progress("produced \(sent)/\(count)") }
            }
            for try await done in group { failures += done }
            return failures
        }
        let produceSeconds = (ContinuousClock.now - produceStart).seconds
        await producer.close()

        let consumer = try KafkaConsumer(
            configuration: [
                "bootstrap.servers": brokers,
                "group.id": "kafka-bench-\(UUID().uuidString.prefix(8))",
                "fetch.wait.max.ms": "100",
                "session.timeout.ms": "6000",
            ]
        )
        try consumer.subscribe(topics: [topic])
        var consumed = 0
        var consumeStart: ContinuousClock.Instant?
        var atEnd = Set<TopicPartition>()
        for await event in consumer.events {
            switch event {
            case .records(let records):
                if consumeStart == nil { consumeStart = .now }
                consumed += records.count
                for record in records { atEnd.remove(record.topicPartition) }
                if consumed % 100_000 < records.count { progress("consumed \(consumed)/\(count)") }
            case .endOfPartition(let partition, _):
                atEnd.insert(partition)
            case .error(let error):
                progress("consumer error: \(error)")
            }
            if consumed >= count && atEnd.count == Int(partitions) { break }
        }
        let consumeSeconds = (ContinuousClock.now - (consumeStart ?? .now)).seconds
        await consumer.close()
        let megabytes = Double(count * valueSize) / 1_000_000
        print(
            """
            {"client":"swift","records":\(count),"value_bytes":\(valueSize),"partitions":\(partitions),\
            "produce_seconds":\(produceSeconds),"produce_per_second":\(Int(Double(count) / produceSeconds)),\
            "produce_mb_per_second":\(megabytes / produceSeconds),"produce_failures":\(failures),\
            "consume_seconds":\(consumeSeconds),"consume_per_second":\(Int(Double(consumed) / consumeSeconds)),\
            "consume_mb_per_second":\(megabytes / consumeSeconds),"consumed":\(consumed)}
            """
        )
    }

    private func progress(_ line: String) {
        FileHandle.standardError.write(Data("kafka-bench: \(line)\n".utf8))
    }
}

extension Duration {
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
