import Foundation
import Kafka
import Testing
import TrackDomain
import TrackPipeline
import TrackRuntime

/// `trackstream tail` and `trackstream redrive` against the real broker, on one live run.
@Suite("tail and redrive against the real broker", .serialized)
struct RedriveTests {
    /// Raw events: accepted ones, scores outside the default scale of site `shop` (the "bad deploy"),
    /// scores outside it for site `other`, and values that are not JSON.
    static func inputs(topic: String) -> [ProducerMessage] {
        var messages: [ProducerMessage] = []
        let start: Int64 = 1_767_225_600_000
        func add(_ json: String, key: String?) {
            let index = Int64(messages.count)
            messages.append(
                ProducerMessage(
                    topic: topic,
                    partition: Int32(index % 2),
                    key: key.map { Array($0.utf8) },
                    value: Array(json.utf8),
                    headers: [KafkaHeader(name: "origin", value: Array("test-\(index)".utf8))],
                    timestamp: start + index * 1_000
                )
            )
        }
        for index in 0..<12 {
            add(
                #"{"site_id":"shop","event_type":"viewed","bsin":"b-\#(index)","properties":{"resource_id":"r-\#(index)"}}"#,
                key: "b-\(index)"
            )
        }
        // A control character in a value: `tail` must show it escaped, never send it to the terminal.
        add(
            #"{"site_id":"shop","event_type":"viewed","bsin":"evil\u001b[2J","properties":{"resource_id":"r-x"}}"#,
            key: "evil"
        )
        for index in 0..<8 {
            add(
                #"{"site_id":"shop","event_type":"liked","bsin":"b-\#(index)","properties":{"resource_id":"r-\#(index)","score":8}}"#,
                key: "b-\(index)"
            )
        }
        for index in 0..<4 {
            add(
                #"{"site_id":"other","event_type":"liked","user_id":"u-\#(index)","properties":{"resource_id":"r-\#(index)","score":9}}"#,
                key: "u-\(index)"
            )
        }
        for index in 0..<3 { add(#"{"site_id":"shop","event_type":"viewed","bsin":"#, key: "broken-\(index)") }
        return messages
    }

    @Test(
        "a bad deploy rejects events; after the fix, redrive publishes exactly what acceptance would have, once; tail shows every topic"
    )
    func redriveAfterFix() async throws {
        let broker = Broker.shared
        let pipeline = try await TestPipeline.make(broker: broker, partitions: 2)
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": broker.bootstrap])
        let inputs = Self.inputs(topic: pipeline.input)
        #expect(try await producer.send(inputs).allDelivered)
        // The same stages as the service, without a group to join (Tansu's joins take seconds).
        let processed = try CommandResult.run(
            trackstreamBinary,
            ["replay", pipeline.file, "--from-offset", "0", "--no-progress", "--log-level", "warning"]
        )
        #expect(processed.status == 0, "\(processed)")

        // The fix: site `shop` scores on 0–10.
        let fixed = pipeline.file.replacingOccurrences(of: ".yml", with: ".fixed.yml")
        try String(contentsOfFile: pipeline.file, encoding: .utf8)
            .replacingOccurrences(of: "sites:\n", with: "sites:\n  shop: {score_scale: {min: 0, max: 10}}\n")
            .write(toFile: fixed, atomically: true, encoding: .utf8)
        let enrichedBefore = try await readAll(pipeline.enriched, partitions: 2, broker: broker)
        let signalsBefore = try await readAll(pipeline.signals, partitions: 2, broker: broker)
        let rejectedBefore = try await readAll(pipeline.rejected, partitions: 2, broker: broker)
        #expect(rejectedBefore.count == 15)

        // A dry run counts and publishes nothing.
        let dry = try CommandResult.run(
            trackstreamBinary,
            ["redrive", fixed, "--log-level", "warning", "--no-progress"]
        )
        #expect(dry.status == 0, "\(dry)")
        #expect(dry.rows.contains(["invalid_score", "12", "8", "invalid_score", "4"]), "\(dry)")
        #expect(dry.rows.contains(["invalid_json", "3", "0", "invalid_json", "3"]), "\(dry)")
        #expect(
            dry.output.contains("dry run: nothing published; --execute publishes the outputs of 8 inputs (16 records)")
        )
        #expect(try await readAll(pipeline.enriched, partitions: 2, broker: broker).count == enrichedBefore.count)

        // Executed: the outputs of the 8 inputs that pass now, byte for byte what the fixed pipeline
        // makes of them under their original coordinates, keyed and stamped like live outputs.
        let executed = try CommandResult.run(
            trackstreamBinary,
            ["redrive", fixed, "--reason", "invalid_score", "--execute", "--log-level", "warning", "--no-progress"]
        )
        #expect(executed.status == 0, "\(executed)")
        #expect(executed.output.contains("published the outputs of 8 inputs (16 records)"), "\(executed)")
        let raw = try await readAll(pipeline.input, partitions: 2, broker: broker, strict: false)
        var processor = try ProcessorAssembly.assemble(try PipelineLoader.load(path: fixed)).processor
        var expected: [(key: [UInt8]?, value: [UInt8], timestamp: Int64?)] = []
        for record in raw {
            let outcome = processor.process(
                value: record.value,
                source: SourceCoordinates(
                    topic: pipeline.input,
                    partition: record.partition,
                    offset: record.offset,
                    timestamp: record.timestamp
                )
            )
            guard outcome.rejection == nil, String(decoding: record.value ?? [], as: UTF8.self).contains("\"score\":8")
            else { continue }
            for output in outcome.enriched + outcome.signals {
                expected.append((output.key, output.value, record.timestamp))
            }
        }
        #expect(expected.count == 16)
        let enrichedAfter = try await readAll(pipeline.enriched, partitions: 2, broker: broker)
        let signalsAfter = try await readAll(pipeline.signals, partitions: 2, broker: broker)
        let redriven =
            (enrichedAfter.filter { record in
                !enrichedBefore.contains { $0.partition == record.partition && $0.offset == record.offset }
            }
                + signalsAfter.filter { record in
                    !signalsBefore.contains { $0.partition == record.partition && $0.offset == record.offset }
                })
        #expect(
            redriven.map { [$0.key ?? [], $0.value ?? [], Array(String($0.timestamp ?? -1).utf8)] }
                .sorted(by: { lexicographic($0[1], $1[1]) })
                == expected.map { [$0.key ?? [], $0.value, Array(String($0.timestamp ?? -1).utf8)] }
                .sorted(by: { lexicographic($0[1], $1[1]) })
        )
        // The headers a first acceptance would have had (the input's, forwarded; the versions), and
        // where the record came from.
        for record in redriven {
            let names = record.headers.map(\.name)
            #expect(
                names == ["origin", "trackstream-version", "trackstream-schema", "trackstream-redriven-from"],
                "\(names)"
            )
        }

        // A second redrive of the same range publishes nothing new; the rejected topic is untouched.
        let again = try CommandResult.run(
            trackstreamBinary,
            ["redrive", fixed, "--execute", "--log-level", "warning", "--no-progress"]
        )
        #expect(again.status == 0, "\(again)")
        #expect(again.output.contains("8 already redriven earlier (skipped)"), "\(again)")
        #expect(again.output.contains("published the outputs of 0 inputs (0 records)"), "\(again)")
        #expect(try await readAll(pipeline.enriched, partitions: 2, broker: broker).count == enrichedAfter.count)
        #expect(try await readAll(pipeline.rejected, partitions: 2, broker: broker).count == rejectedBefore.count)

        try tailShowsTheTopics(pipeline, producer: producer)
        try await tailFollows(pipeline, producer: producer)
        await producer.close()
    }

    /// `tail --follow` shows records produced after it started, then stops at `--count`.
    private func tailFollows(_ pipeline: TestPipeline, producer: KafkaProducer) async throws {
        // Partition 0 of the input holds 14 records: following from offset 14 waits for new ones.
        let arguments = [
            "tail", pipeline.file, "raw", "--follow", "--partitions", "0", "--from", "14", "--count", "2", "--format",
            "json",
        ]
        let following = Task.detached {
            let deadline = ContinuousClock.now + .seconds(60)
            return try CommandResult.run(trackstreamBinary, arguments) { pid in
                if ContinuousClock.now > deadline { kill(pid, SIGKILL) }
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        let late = ["late-1", "late-2"].map {
            ProducerMessage(topic: pipeline.input, partition: 0, key: Array($0.utf8), value: Array(#"{"n":1}"#.utf8))
        }
        #expect(try await producer.send(late).allDelivered)
        let result = try await following.value
        #expect(result.status == 0, "\(result)")
        let keys = result.output.split(separator: "\n").map {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["key"] as? String
        }
        #expect(keys == ["late-1", "late-2"])
    }

    /// `tail` on the topics of the run above.
    private func tailShowsTheTopics(_ pipeline: TestPipeline, producer: KafkaProducer) throws {
        func tail(_ arguments: [String]) throws -> [String] {
            let result = try CommandResult.run(trackstreamBinary, ["tail", pipeline.file] + arguments)
            #expect(result.status == 0, "\(result)")
            return result.output.split(separator: "\n").map(String.init)
        }
        // JSON lines a strict parser reads, filtered by reason.
        let rejected = try tail([
            "rejected", "--from", "beginning", "--where", "reason=invalid_json", "--format", "json",
        ])
        #expect(rejected.count == 3)
        for line in rejected {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect((object?["value"] as? [String: Any])?["reason"] as? String == "invalid_json")
            #expect((object?["headers"] as? [[String: Any]])?.first?["name"] as? String == "origin")
        }
        // Without --from: the newest records, oldest first.
        let newest = try tail(["raw", "--count", "2", "--format", "json"])
        let times = try newest.map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["timestamp"] as? Int64
        }
        #expect(times == [1_767_225_600_000 + 26_000, 1_767_225_600_000 + 27_000])
        // Pretty lines, control characters escaped; a site filter on the input.
        let pretty = try tail([
            "raw", "--from", "0", "--where", "site=shop", "--where", "bsin=evil\u{1B}[2J", "--color", "never",
        ])
        #expect(pretty.count == 1)
        #expect(pretty.first?.contains("bsin=evil\\u{1B}[2J") == true, "\(pretty)")
        #expect(!pretty.joined().unicodeScalars.contains { $0.value == 0x1B })
        let enriched = try tail(["enriched", "--from", "beginning", "--count", "4", "--color", "never"])
        #expect(enriched.count == 4)
        #expect(enriched.allSatisfy { $0.contains("site=shop") })
    }
}
