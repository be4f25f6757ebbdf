import Foundation
import Kafka
import Testing

/// Record timestamps no honest producer writes: the service and `offsets show` must neither trap on
/// them nor lose the records that carry them.
@Suite("hostile record timestamps against the real broker", .serialized)
struct HostileTimestampTests {
    /// CreateTimes at the ends of Int64 and Kafka's "no timestamp" -1; librdkafka stamps 0 with the
    /// time of production.
    static let timestamps: [Int64] = [.min + 5, .max - 5, -1, 0, .min, .max, 1_767_225_600_000]

    @Test("run --until-caught-up exits 0 with every input accounted for; offsets show prints each record's lag")
    func extremeCreateTimes() async throws {
        let broker = Broker.shared
        let pipeline = try await TestPipeline.make(broker: broker, partitions: 1)
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": broker.bootstrap])
        let event = #"{"site_id":"s","event_type":"viewed","bsin":"u1","url":"https://a.example/x"}"#
        // One send per record, so that each is a record batch of its own (a batch stores its records'
        // timestamps as differences from the first).
        for timestamp in Self.timestamps {
            let report = try await producer.send(
                [ProducerMessage(topic: pipeline.input, value: Array(event.utf8), timestamp: timestamp)]
            )
            #expect(report.allDelivered, "CreateTime \(timestamp): \(report.failures)")
        }
        await producer.close()
        let inputs = try await readAll(pipeline.input, partitions: 1, broker: broker, strict: false)
        #expect(inputs.count == Self.timestamps.count)
        print("CreateTimes as read back: \(inputs.map { $0.timestamp.map(String.init) ?? "none" })")

        // One record per batch: every batch but the last leaves lag behind it, so the lag of each
        // hostile timestamp is computed.
        let service = try pipeline.startService(["--until-caught-up", "--batch-size", "1"])
        let status = await service.waitForExit(timeout: .seconds(120))
        #expect(status == 0, "exit status; log:\n\(service.log.suffix(2000))")
        let enriched = try await readAll(pipeline.enriched, partitions: 1, broker: broker)
        let rejected = try await readAll(pipeline.rejected, partitions: 1, broker: broker)
        #expect(Accounting(enriched: enriched, rejected: rejected).missing(from: inputs) == [], "inputs without output")

        // offsets show reads the record at the committed offset for the lag in seconds.
        for input in inputs {
            let reset = try CommandResult.run(
                trackstreamBinary,
                [
                    "offsets", "reset", pipeline.file, "--topic", pipeline.input, "--to-offset", "\(input.offset)",
                    "--execute",
                ]
            )
            #expect(reset.status == 0, "\(reset)")
            let shown = try CommandResult.run(
                trackstreamBinary,
                ["offsets", "show", pipeline.file, "--topic", pipeline.input]
            )
            #expect(shown.status == 0, "offsets show at a record with CreateTime \(input.timestamp ?? -1): \(shown)")
            let row = try #require(shown.rows.first { $0.first == pipeline.input }, "\(shown)")
            let seconds = try #require(Double(row.last ?? ""), "LAG-SECONDS of \(row)")
            #expect(seconds.isFinite && seconds >= 0, "\(row)")
            if let timestamp = input.timestamp, timestamp > 4_000_000_000_000 {
                #expect(seconds == 0, "a record from the future has no lag: \(row)")
            }
        }
    }
}
