import Foundation
import Kafka
import Testing
import TrackRuntime

/// `trackstream replay` against the real broker: exact ranges, byte-identical outputs, the live
/// group untouched.
@Suite("trackstream replay against the real broker", .serialized)
struct ReplayTests {
    @Test("an offset range replays into prefixed topics byte-identical to the live run; the live group is untouched")
    func offsetRange() async throws {
        let broker = Broker.shared
        let pipeline = try await TestPipeline.make(broker: broker)
        try pipeline.generate(count: 8000)
        let live = try pipeline.startService(["--until-caught-up"])
        #expect(await live.waitForExit(timeout: .seconds(180)) == 0, "log:\n\(live.log.suffix(1500))")
        let committedBefore = try await broker.admin().listGroupOffsets(group: pipeline.group)

        let summary = try run(
            trackstreamBinary,
            [
                "replay", pipeline.file, "--from-offset", "100", "--to-offset", "600", "--output-prefix", "rp",
                "--no-progress", "--log-level", "warning",
            ]
        )
        #expect(summary.contains("replayed 2000 records"), "summary: \(summary)")

        let committedAfter = try await broker.admin().listGroupOffsets(group: pipeline.group)
        #expect(committedAfter == committedBefore, "the live group's offsets are unchanged")

        let inRange: (StoredRecord) -> Bool = { record in
            guard let source = sourceOf(record.value) else { return false }
            return (100..<600).contains(source.offset)
        }
        for (liveTopic, replayTopic) in [
            (pipeline.enriched, "rp.\(pipeline.enriched)"), (pipeline.signals, "rp.\(pipeline.signals)"),
            (pipeline.rejected, "rp.\(pipeline.rejected)"),
        ] {
            let original = try await readAll(liveTopic, partitions: 4, broker: broker)
            let replayed = try await readAll(replayTopic, partitions: 4, broker: broker)
            let expected: [[UInt8]]
            if liveTopic == pipeline.signals {
                // Signals carry no lineage: they are matched through their event's enriched parent.
                let parents = Set(
                    try await readAll(pipeline.enriched, partitions: 4, broker: broker).filter(inRange)
                        .flatMap { eventIDs(of: $0.value) }
                )
                expected = original.filter { !parents.isDisjoint(with: eventIDs(of: $0.value)) }.compactMap(\.value)
            } else {
                expected = original.filter(inRange).compactMap(\.value)
            }
            #expect(!expected.isEmpty)
            #expect(
                replayed.compactMap(\.value).sorted(by: lexicographic) == expected.sorted(by: lexicographic),
                "\(replayTopic) holds exactly the live outputs of offsets 100..<600"
            )
        }
    }

    @Test("--partitions: a partition named twice is replayed once; a list that names none is refused")
    func partitionList() async throws {
        let pipeline = try await TestPipeline.make(broker: .shared, partitions: 2)
        try pipeline.generate(count: 100)
        let replay = try CommandResult.run(
            trackstreamBinary,
            ["replay", pipeline.file, "--from-offset", "0", "--partitions", "1, 0,1", "--no-progress"]
        )
        #expect(replay.status == 0, "\(replay)")
        #expect(replay.output.contains("replayed 100 records"), "\(replay)")
        let empty = try CommandResult.run(
            trackstreamBinary,
            ["replay", pipeline.file, "--from-offset", "0", "--partitions", ",", "--no-progress"]
        )
        #expect(empty.status == 1, "\(empty)")
        #expect(empty.errors.contains("names no partition"), "\(empty)")
    }

    @Test("a time range replays exactly the records produced in it, in any time zone")
    func timeRange() async throws {
        let broker = Broker.shared
        let pipeline = try await TestPipeline.make(broker: broker, partitions: 2)
        let event = #"{"site_id":"s","event_type":"viewed","bsin":"u","url":"https://a.example/p"}"#
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": broker.bootstrap])
        func burst(_ count: Int) async throws {
            let report = try await producer.send(
                (0..<count).map { _ in ProducerMessage(topic: pipeline.input, value: Array(event.utf8)) }
            )
            #expect(report.allDelivered)
        }
        try await burst(300)
        try await Task.sleep(for: .milliseconds(1500))
        let from = Date()
        try await Task.sleep(for: .milliseconds(500))
        try await burst(200)
        try await Task.sleep(for: .milliseconds(1500))
        let to = Date()
        try await Task.sleep(for: .milliseconds(500))
        try await burst(100)
        await producer.close()

        // The same instants written in two other zones.
        let summary = try run(
            trackstreamBinary,
            [
                "replay", pipeline.file, "--from-datetime", iso(from, offsetHours: 9), "--to-datetime",
                iso(to, offsetHours: -5), "--output-prefix", "tr", "--no-progress", "--log-level", "warning",
            ]
        )
        #expect(summary.contains("replayed 200 records"), "summary: \(summary)")
        let replayed = try await readAll("tr.\(pipeline.enriched)", partitions: 2, broker: broker)
        #expect(replayed.count == 200)

        // Before the log start: everything; after the end: nothing.
        let all = try run(
            trackstreamBinary,
            [
                "replay", pipeline.file, "--from-datetime", "2001-01-01T00:00:00Z", "--output-prefix", "all",
                "--no-progress", "--log-level", "warning",
            ]
        )
        #expect(all.contains("replayed 600 records"), "summary: \(all)")
        let none = try run(
            trackstreamBinary,
            [
                "replay", pipeline.file, "--from-datetime", "2099-01-01T00:00:00+02:00", "--output-prefix", "none",
                "--no-progress", "--log-level", "warning",
            ]
        )
        #expect(none.contains("replayed 0 records"), "summary: \(none)")
    }
}

/// `event_id` and `parent_event_id` of an output value (a signal names its raw event's id, which a
/// share's enriched children carry as their parent).
private func eventIDs(of value: [UInt8]?) -> [String] {
    guard let value, let object = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any] else {
        return []
    }
    return [object["event_id"] as? String, object["parent_event_id"] as? String].compactMap { $0 }
}

/// `date` as ISO-8601 with milliseconds in a zone `offsetHours` from UTC.
private func iso(_ date: Date, offsetHours: Int) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(secondsFromGMT: offsetHours * 3600)
    formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSxxx"
    return formatter.string(from: date)
}
