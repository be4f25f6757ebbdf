import Foundation
import Kafka
import Logging
import Testing
import TrackDomain
import TrackPipeline
import TrackRuntime

/// Broker errors that a real broker cannot be made to return, from librdkafka's mock cluster: the
/// service runs in this process against it, one error code per row, and must account for every
/// input (an enriched event or a rejection) and commit to the end.
@Suite("Broker errors on demand (librdkafka's mock cluster)", .serialized)
struct MockClusterTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var request: KafkaMockCluster.Request
        var codes: [Int32]
        /// Whether inputs are expected to turn into `processing_error` rejections.
        var rejectsInputs: Bool

        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(
            name: "NOT_LEADER_FOR_PARTITION ×3 (retried by librdkafka)",
            request: .produce,
            codes: [6, 6, 6],
            rejectsInputs: false
        ),
        Row(
            name: "REQUEST_TIMED_OUT ×2 (retried by librdkafka)",
            request: .produce,
            codes: [7, 7],
            rejectsInputs: false
        ),
        Row(
            name: "TOPIC_AUTHORIZATION_FAILED ×3 (a destination error: sent again by the service)",
            request: .produce,
            codes: [29, 29, 29],
            rejectsInputs: false
        ),
        Row(
            name: "MSG_SIZE_TOO_LARGE (refused records: their inputs are rejected)",
            request: .produce,
            codes: [10],
            rejectsInputs: true
        ),
        Row(name: "INVALID_RECORD", request: .produce, codes: [87], rejectsInputs: true),
        Row(name: "POLICY_VIOLATION", request: .produce, codes: [44], rejectsInputs: true),
        Row(name: "INVALID_TIMESTAMP", request: .produce, codes: [32], rejectsInputs: true),
        Row(
            name: "COORDINATOR_NOT_AVAILABLE ×3 on commits",
            request: .offsetCommit,
            codes: [15, 15, 15],
            rejectsInputs: false
        ),
        Row(name: "REQUEST_TIMED_OUT ×2 on commits", request: .offsetCommit, codes: [7, 7], rejectsInputs: false),
    ]

    static let inputCount = 300

    @Test(arguments: rows)
    func brokerError(_ row: Row) async throws {
        let cluster = try KafkaMockCluster()
        cluster.setGroupInitialRebalanceDelay(milliseconds: 0)
        let name = "mock-\(UUID().uuidString.prefix(8).lowercased())"
        for topic in ["raw", "enriched", "signals", "rejected"] {
            try cluster.createTopic("\(name).\(topic)", partitions: 2)
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).yml").path
        try """
        name: \(name)
        kafka: {bootstrap.servers: "\(cluster.bootstrapServers)", session.timeout.ms: 6000, fetch.wait.max.ms: 50}
        group: \(name)-group
        input: \(name).raw
        outputs: {enriched: \(name).enriched, signals: \(name).signals, rejected: \(name).rejected}

        """.write(toFile: file, atomically: true, encoding: .utf8)
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": cluster.bootstrapServers])
        let report = try await producer.send(
            (0..<Self.inputCount).map { index in
                ProducerMessage(
                    topic: "\(name).raw",
                    key: Array("k\(index % 7)".utf8),
                    value: Array(
                        #"{"site_id":"s","event_type":"viewed","bsin":"u\#(index % 7)","url":"https://a.example/\#(index)"}"#
                            .utf8
                    )
                )
            }
        )
        #expect(report.allDelivered)
        await producer.close()
        cluster.failNextRequests(row.request, with: row.codes)

        var options = RuntimeOptions()
        options.untilCaughtUp = true
        let service = PipelineService(
            pipeline: try PipelineLoader.load(path: file),
            options: options,
            processor: EventProcessor(configuration: .default, botDetector: .builtIn()),
            logger: Logger(label: "mock-cluster-test")
        )
        try await runToCompletion(service, deadline: .seconds(90))

        let broker = Broker(bootstrap: cluster.bootstrapServers, pid: 0, directory: nil)
        let inputs = try await readAll("\(name).raw", partitions: 2, broker: broker, strict: false)
        let enriched = try await readAll("\(name).enriched", partitions: 2, broker: broker)
        let rejected = try await readAll("\(name).rejected", partitions: 2, broker: broker)
        #expect(inputs.count == Self.inputCount)
        let missing = Accounting(enriched: enriched, rejected: rejected).missing(from: inputs)
        #expect(missing.prefix(5) == [], "nothing lost")
        let processingErrors = rejected.filter {
            String(decoding: $0.value ?? [], as: UTF8.self).contains(#""reason":"processing_error""#)
        }
        #expect(processingErrors.isEmpty == !row.rejectsInputs, "\(processingErrors.count) inputs rejected")
        let committed = try await KafkaAdmin(configuration: ["bootstrap.servers": cluster.bootstrapServers])
            .listGroupOffsets(
                group: "\(name)-group",
                partitions: [0, 1].map { TopicPartition(topic: "\(name).raw", partition: $0) }
            )
        #expect(committed.map(\.offset).reduce(0, +) == Int64(Self.inputCount), "committed to the end: \(committed)")
        print("mock cluster: \(row.name): \(enriched.count) enriched, \(processingErrors.count) inputs rejected")
    }
}
