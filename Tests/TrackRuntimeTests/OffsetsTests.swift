import Foundation
import Kafka
import Testing
import TrackRuntime

/// `trackstream offsets show` and `offsets reset`: the planning rules alone, then the real command
/// against the real broker.
enum OffsetsTests {}

extension OffsetsTests {
    @Suite("offsets: ISO-8601 times and durations, partition lists, reset plans")
    struct Planning {
        @Test("date-times need a zone; the zone shifts the instant")
        func dateTimes() throws {
            #expect(try ISO8601.parseDateTime("2026-11-28T00:00:00Z") == 1_795_824_000_000)
            #expect(try ISO8601.parseDateTime("2026-11-28T00:00:00+01:00") == 1_795_820_400_000)
            #expect(try ISO8601.parseDateTime("2026-11-27T18:30:00-05:30") == 1_795_824_000_000)
            #expect(try ISO8601.parseDateTime("2026-11-28T05:30:00.250+0530") == 1_795_824_000_250)
            #expect(try ISO8601.parseDateTime("2024-02-29T00:00Z") == 1_709_164_800_000)
            #expect(try ISO8601.parseDateTime("1969-12-31T23:59:59Z") == -1000)
            for invalid in [
                "2026-11-28T00:00:00", "2026-11-28", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
                "2026-11-28T24:00:00Z", "2026-11-28T00:00:00+25:00", "yesterday", "2026-11-28T00:00:00Zjunk",
            ] {
                #expect(throws: OffsetToolError.self, "\(invalid)") { try ISO8601.parseDateTime(invalid) }
            }
            #expect(ISO8601.format(1_795_824_000_250) == "2026-11-28T00:00:00.250Z")
            #expect(ISO8601.format(-1000) == "1969-12-31T23:59:59.000Z")
        }

        @Test("durations PnDTnHnMnS")
        func durations() throws {
            #expect(try ISO8601.parseDuration("P1D") == .seconds(86_400))
            #expect(try ISO8601.parseDuration("PT2H30M") == .seconds(9000))
            #expect(try ISO8601.parseDuration("P1DT1H1M1.5S") == .milliseconds(90_061_500))
            #expect(try ISO8601.parseDuration("PT90S") == .seconds(90))
            #expect(try ISO8601.parseDuration("P0D") == .zero)
            #expect(try ISO8601.parseDuration("P106751991167D") == .milliseconds(Int64(106_751_991_167) * 86_400_000))
            // Found by the times fuzz target: 16 digits of seconds were refused as malformed, though in range.
            #expect(try ISO8601.parseDuration("PT5836492036911600.000S") == .milliseconds(5_836_492_036_911_600_000))
            #expect(try ISO8601.parseDuration("PT000000000000000001S") == .seconds(1))
            for invalid in ["P", "PT", "1D", "P1H", "PT1D", "P-1D", "PT1.5M", "P1DT", "P+1D", "P1Y", "P1W", "PT1H2"] {
                #expect(throws: OffsetToolError.self, "\(invalid)") { try ISO8601.parseDuration(invalid) }
            }
            // Too long for milliseconds in an Int64 (about 292 million years), repeated or out-of-order parts.
            for invalid in [
                "P100000000000DT999999999999H", "P106751991168D", "P999999999999999D", "PT999999999999999H",
                "P106751991167DT999999999999999S", "PT9223372036854775807S", "PT1S1S", "PT1M1H", "P1DT1H1D",
                "PT1H1H", "PT1.5S1M",
            ] {
                #expect(throws: OffsetToolError.self, "\(invalid)") { try ISO8601.parseDuration(invalid) }
            }
            #expect(OffsetResetScenario.byDuration(.seconds(60)).timestamp(now: 100_000) == 40_000)
            #expect(OffsetResetScenario.toTimestamp(5).timestamp(now: 100_000) == 5)
            #expect(OffsetResetScenario.toEarliest.timestamp(now: 100_000) == nil)
            // Counting back saturates at Int64.min instead of trapping.
            #expect(OffsetResetScenario.byDuration(.seconds(Int64.max)).timestamp(now: 100_000) == 100_000 - .max)
            #expect(OffsetResetScenario.byDuration(.milliseconds(Int64.max)).timestamp(now: -100_000) == .min)
            #expect(OffsetResetScenario.byDuration(.milliseconds(Int64.max)).timestamp(now: 0) == -Int64.max)
        }

        @Test("TOPIC and TOPIC:P,P select partitions; numbers past the last are refused")
        func selections() throws {
            #expect(try PartitionSelection(parsing: "t") == PartitionSelection(topic: "t"))
            #expect(try PartitionSelection(parsing: "t:2,0,2") == PartitionSelection(topic: "t", partitions: [0, 2]))
            #expect(try PartitionSelection(parsing: "t:1").resolve(partitionCount: 2).map(\.partition) == [1])
            #expect(try PartitionSelection(parsing: "t").resolve(partitionCount: 3).map(\.partition) == [0, 1, 2])
            #expect(throws: OffsetToolError.self) { try PartitionSelection(parsing: "t:1,x") }
            #expect(throws: OffsetToolError.self) { try PartitionSelection(parsing: ":1") }
            #expect(throws: OffsetToolError.self) { try PartitionSelection(parsing: "t:5").resolve(partitionCount: 2) }
        }

        @Test("each scenario's targets, clamped into the log with the reason")
        func plans() throws {
            let partition = TopicPartition(topic: "t", partition: 0)
            let position = PartitionPosition(topicPartition: partition, committed: 50, logStart: 10, logEnd: 100)
            func plan(_ scenario: OffsetResetScenario, time: Int64? = nil) throws -> PlannedOffset {
                try #require(
                    try OffsetResetPlan(
                        scenario: scenario,
                        positions: [position],
                        resolvedTimes: time.map { [partition: $0] } ?? [:]
                    )
                    .offsets.first
                )
            }
            #expect(try plan(.toEarliest).new == 10)
            #expect(try plan(.toLatest).new == 100)
            #expect(try plan(.toOffset(70)).new == 70)
            #expect(try plan(.toOffset(70)).delta == 20)
            #expect(try plan(.toOffset(70)).clamp == nil)
            #expect(try plan(.toOffset(5)).new == 10)
            #expect(try plan(.toOffset(5)).clamp == .toLogStart)
            #expect(try plan(.toOffset(500)).new == 100)
            #expect(try plan(.toOffset(500)).clamp == .toLogEnd)
            #expect(try plan(.shiftBy(-20)).new == 30)
            #expect(try plan(.shiftBy(-45)).clamp == .toLogStart)
            #expect(try plan(.shiftBy(60)).new == 100)
            // Shifts by the extremes of Int64 saturate and are clamped into the log.
            #expect(try plan(.shiftBy(.max)).new == 100)
            #expect(try plan(.shiftBy(.max)).requested == .max)
            #expect(try plan(.shiftBy(.max)).clamp == .toLogEnd)
            #expect(try plan(.shiftBy(.min)).new == 10)
            #expect(try plan(.shiftBy(.min)).requested == .min + 50)
            #expect(try plan(.shiftBy(.min)).clamp == .toLogStart)
            #expect(try plan(.shiftBy(.min)).delta == -40)
            #expect(try plan(.toTimestamp(0), time: 42).new == 42)
            #expect(throws: OffsetToolError.self) { try plan(.toTimestamp(0)) }
            let uncommitted = PartitionPosition(topicPartition: partition, committed: nil, logStart: 0, logEnd: 9)
            #expect(throws: OffsetToolError.self) {
                try OffsetResetPlan(scenario: .shiftBy(1), positions: [uncommitted])
            }
            #expect(uncommitted.lag == nil)
            #expect(position.lag == 50)
        }
    }
}

extension OffsetsTests {
    /// Each test has topics and a group of its own. Serialized: several of them hold a group member
    /// open, and Tansu's group joins take seconds each.
    @Suite("offsets show and reset against the real broker", .serialized)
    struct AgainstBroker {
        /// A reset scenario's flags and the offsets it must give on partitions with 10 records and
        /// committed offset 5.
        struct Case: Sendable, CustomTestStringConvertible {
            var arguments: [String]
            var expected: Int64
            var clamped: Bool
            var testDescription: String { arguments.joined(separator: " ") }
        }

        @Test(
            "dry run changes nothing; --execute commits the plan; a consumer then starts exactly there",
            arguments: [
                Case(arguments: ["--to-earliest"], expected: 0, clamped: false),
                Case(arguments: ["--to-latest"], expected: 10, clamped: false),
                Case(arguments: ["--to-offset", "3"], expected: 3, clamped: false),
                Case(arguments: ["--to-offset", "1000"], expected: 10, clamped: true),
                Case(arguments: ["--shift-by", "-2"], expected: 3, clamped: false),
                Case(arguments: ["--shift-by", "+3"], expected: 8, clamped: false),
                Case(arguments: ["--shift-by=-100"], expected: 0, clamped: true),
                Case(arguments: ["--by-duration", "P1D"], expected: 0, clamped: false),
                Case(arguments: ["--shift-by", "9223372036854775807"], expected: 10, clamped: true),
                Case(arguments: ["--shift-by", "+9223372036854775807"], expected: 10, clamped: true),
                Case(arguments: ["--shift-by=-9223372036854775808"], expected: 0, clamped: true),
                Case(arguments: ["--by-duration", "P106751991167D"], expected: 0, clamped: false),
            ]
        )
        func scenario(_ scenario: Case) async throws {
            let fixture = try await OffsetFixture.make(partitions: 2)
            try await fixture.produce(10)
            try await fixture.commit([0: 5, 1: 5])

            let dryRun = try fixture.trackstream(["reset", "--topic", fixture.topic] + scenario.arguments)
            #expect(dryRun.status == 0, "\(dryRun)")
            #expect(dryRun.output.contains("dry run: nothing changed"), "\(dryRun)")
            #expect(dryRun.output.contains("clamped") == scenario.clamped, "\(dryRun)")
            #expect(try await fixture.committed() == [0: 5, 1: 5])

            let execute = try fixture.trackstream(
                ["reset", "--topic", fixture.topic, "--execute"] + scenario.arguments
            )
            #expect(execute.status == 0, "\(execute)")
            #expect(execute.output.contains("committed the new offsets of 2 partition(s)"), "\(execute)")
            let expected: [Int32: Int64] = [0: scenario.expected, 1: scenario.expected]
            #expect(try await fixture.committed() == expected)
            #expect(try await fixture.startingOffsets() == expected)
        }

        @Test("plan table: partition, current, new, delta, aligned; TOPIC:P limits the reset to P")
        func planTable() async throws {
            let fixture = try await OffsetFixture.make(partitions: 3)
            try await fixture.produce(10)
            try await fixture.commit([0: 5, 1: 6, 2: 7])
            let result = try fixture.trackstream(["reset", "--topic", "\(fixture.topic):0,2", "--to-offset", "4"])
            #expect(result.status == 0, "\(result)")
            #expect(result.rows.contains { $0 == ["TOPIC", "PARTITION", "CURRENT", "NEW", "DELTA", "NOTE"] })
            #expect(result.rows.contains { $0 == [fixture.topic, "0", "5", "4", "-1"] }, "\(result)")
            #expect(result.rows.contains { $0 == [fixture.topic, "2", "7", "4", "-3"] }, "\(result)")
            #expect(!result.rows.contains { $0.prefix(2) == [fixture.topic, "1"] }, "\(result)")
            // Numbers are right-aligned under their headings: each column's words end at one place.
            let table = result.output.split(separator: "\n").filter {
                $0.hasPrefix("TOPIC") || $0.hasPrefix(fixture.topic)
            }
            #expect(table.count == 3)
            #expect(Set(table.map { Self.wordEnds($0).dropFirst().prefix(4) }).count == 1, "\(result)")

            _ = try fixture.trackstream(["reset", "--topic", "\(fixture.topic):1", "--to-earliest", "--execute"])
            #expect(try await fixture.committed() == [0: 5, 1: 0, 2: 7])
        }

        @Test("--to-datetime across partitions at spaced real times, in zones other than UTC, before and after the log")
        func toDatetime() async throws {
            let fixture = try await OffsetFixture.make(partitions: 3)
            // Three bursts of 3 records per partition, 1.2 s apart: burst k holds offsets 3k...3k+2.
            var between: [Int64] = []
            for burst in 0..<3 {
                if burst > 0 {
                    try await Task.sleep(for: .milliseconds(600))
                    between.append(Self.now())
                    try await Task.sleep(for: .milliseconds(600))
                }
                try await fixture.produce(3)
            }
            try await fixture.commit([0: 9, 1: 9, 2: 9])

            let plans: [(String, Int64)] = [
                (Self.iso8601(between[0], zoneMinutes: 330), 3),
                (Self.iso8601(between[1], zoneMinutes: -480), 6),
                (Self.iso8601(between[1], zoneMinutes: 0), 6),
                ("2001-01-01T00:00:00+09:00", 0),
                (Self.iso8601(Self.now() + 3_600_000, zoneMinutes: 60), 9),
            ]
            for (time, expected) in plans {
                let result = try fixture.trackstream(["reset", "--topic", fixture.topic, "--to-datetime", time])
                #expect(result.status == 0, "\(result)")
                for partition in 0..<3 {
                    let row = [fixture.topic, "\(partition)", "9", "\(expected)"]
                    #expect(
                        result.rows.contains { Array($0.prefix(4)) == row },
                        "\(time): partition \(partition) to \(expected)\n\(result)"
                    )
                }
            }

            let execute = try fixture.trackstream([
                "reset", "--topic", fixture.topic, "--to-datetime", Self.iso8601(between[0], zoneMinutes: 330),
                "--execute",
            ])
            #expect(execute.status == 0, "\(execute)")
            #expect(try await fixture.committed() == [0: 3, 1: 3, 2: 3])
            #expect(try await fixture.startingOffsets() == [0: 3, 1: 3, 2: 3])
        }

        @Test("--to-datetime by CreateTime when the producer stamps records (Tansu looks up by append time)")
        func producerTimestamps() async throws {
            let fixture = try await OffsetFixture.make(partitions: 2)
            // 2026-01-01T00:00:00Z + i seconds for record i of each partition: far from the append
            // time, so Tansu's ListOffsets-by-time answer is wrong and the fetched timestamps decide.
            let base: Int64 = 1_767_225_600_000
            try await fixture.produce(10) { index in base + Int64(index) * 1000 }
            try await fixture.commit([0: 10, 1: 10])
            let plans: [(String, Int64)] = [
                ("2026-01-01T09:00:05.500+09:00", 6),
                ("2025-12-31T19:00:05-05:00", 5),
                ("2025-12-31T00:00:00Z", 0),
                ("2026-01-01T00:00:30Z", 10),
            ]
            for (time, expected) in plans {
                let result = try fixture.trackstream(["reset", "--topic", fixture.topic, "--to-datetime", time])
                #expect(result.status == 0, "\(result)")
                for partition in 0..<2 {
                    #expect(
                        result.rows.contains {
                            Array($0.prefix(4)) == [fixture.topic, "\(partition)", "10", "\(expected)"]
                        },
                        "\(time): partition \(partition) to \(expected)\n\(result)"
                    )
                }
            }
            let execute = try fixture.trackstream([
                "reset", "--topic", "\(fixture.topic):1", "--to-datetime", "2026-01-01T01:00:03+01:00", "--execute",
            ])
            #expect(execute.status == 0, "\(execute)")
            #expect(try await fixture.committed() == [0: 10, 1: 3])

            // The oldest unconsumed record of partition 1 is record 3, stamped base + 3 s.
            let show = try fixture.trackstream(["show"])
            let row = try #require(show.rows.first { $0.prefix(2) == [fixture.topic, "1"] }, "\(show)")
            let seconds = try #require(Double(row[6]), "\(show)")
            let expectedSeconds = Double(OffsetsTests.AgainstBroker.now() - base - 3000) / 1000
            #expect(abs(seconds - expectedSeconds) < 5, "\(show)")
        }

        @Test("show: committed, log start and end, lag in records and seconds, group state and members")
        func show() async throws {
            let fixture = try await OffsetFixture.make(partitions: 2)
            try await fixture.produce(10)
            try await fixture.commit([0: 4, 1: 10])
            try await Task.sleep(for: .milliseconds(1200))
            let result = try fixture.trackstream(["show"])
            #expect(result.status == 0, "\(result)")
            #expect(result.output.contains("group \(fixture.group): state"), "\(result)")
            #expect(result.output.contains("0 member(s)"), "\(result)")
            let header = ["TOPIC", "PARTITION", "COMMITTED", "LOG-START", "LOG-END", "LAG", "LAG-SECONDS"]
            #expect(result.rows.contains { $0 == header }, "\(result)")
            let first = try #require(result.rows.first { $0.prefix(2) == [fixture.topic, "0"] }, "\(result)")
            #expect(Array(first.prefix(6)) == [fixture.topic, "0", "4", "0", "10", "6"])
            #expect((Double(first[6]) ?? 0) >= 1.0, "the oldest unconsumed record is over a second old")
            let second = try #require(result.rows.first { $0.prefix(2) == [fixture.topic, "1"] })
            #expect(second == [fixture.topic, "1", "10", "0", "10", "0", "0.0"])

            let one = try fixture.trackstream(["show", "--topic", "\(fixture.topic):1"])
            #expect(!one.rows.contains { $0.prefix(2) == [fixture.topic, "0"] }, "\(one)")
        }

        @Test("an active group is refused, naming its members; once they stop, the reset goes through")
        func activeGroup() async throws {
            let fixture = try await OffsetFixture.make(partitions: 2)
            try await fixture.produce(10)
            try await fixture.commit([0: 5, 1: 5])
            let member = try fixture.consumer()
            try member.subscribe(topics: [fixture.topic])
            let deadline = ContinuousClock.now + .seconds(60)
            while try member.assignment().isEmpty, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try !member.assignment().isEmpty, "the member was assigned partitions")

            // Tansu lists the member (its id, with empty client id and host) while the state is Unknown.
            let refused = try fixture.trackstream(["reset", "--topic", fixture.topic, "--to-earliest", "--execute"])
            #expect(refused.status == 1, "\(refused)")
            #expect(refused.errors.contains("is active with 1 member(s)"), "\(refused)")
            #expect(refused.errors.contains(member.memberID), "\(refused)")
            #expect(refused.errors.contains("stop those consumers"), "\(refused)")
            #expect(try await fixture.committed() == [0: 5, 1: 5])
            let dryRun = try fixture.trackstream(["reset", "--topic", fixture.topic, "--to-earliest"])
            #expect(dryRun.status == 0 && dryRun.output.contains("--execute will refuse"), "\(dryRun)")
            let show = try fixture.trackstream(["show"])
            #expect(show.output.contains("1 member(s)") && show.output.contains(member.memberID), "\(show)")

            await member.close()
            // Tansu keeps listing a member that left until its session times out (6 s here).
            var executed = try fixture.trackstream(["reset", "--topic", fixture.topic, "--to-earliest", "--execute"])
            let stopped = ContinuousClock.now + .seconds(60)
            while executed.status != 0, ContinuousClock.now < stopped {
                try await Task.sleep(for: .seconds(1))
                executed = try fixture.trackstream(["reset", "--topic", fixture.topic, "--to-earliest", "--execute"])
            }
            #expect(executed.status == 0, "\(executed)")
            #expect(try await fixture.committed() == [0: 0, 1: 0])
        }

        @Test("unknown group, topic or partition: one clear message, exit 1")
        func unknowns() async throws {
            let fixture = try await OffsetFixture.make(partitions: 2)
            try await fixture.produce(2)
            try await fixture.commit([0: 1, 1: 1])
            let cases: [([String], String)] = [
                (
                    ["reset", "--group", "no-such-group", "--topic", fixture.topic, "--to-earliest"],
                    "'no-such-group' is unknown"
                ),
                (["show", "--group", "no-such-group"], "'no-such-group' is unknown"),
                (["reset", "--topic", "no-such-topic", "--to-earliest"], "topic 'no-such-topic' does not exist"),
                (["show", "--topic", "no-such-topic"], "topic 'no-such-topic' does not exist"),
                (["reset", "--topic", "\(fixture.topic):1,7", "--to-earliest"], "7 do not exist"),
                (["reset", "--topic", fixture.topic, "--to-datetime", "2026-11-28T00:00:00"], "with a zone"),
                (["reset", "--topic", fixture.topic, "--by-duration", "1 day"], "ISO-8601 duration"),
                (["reset", "--topic", fixture.topic, "--to-earliest", "--to-latest"], "choose one scenario"),
                (["reset", "--topic", fixture.topic, "--by-duration", "P100000000000DT999999999999H"], "too long"),
                (["reset", "--topic", fixture.topic, "--by-duration", "PT1M1H"], "ISO-8601 duration"),
                (["reset", "--topic", fixture.topic, "--shift-by", "+-5"], "not a whole number"),
                (["reset", "--topic", fixture.topic, "--shift-by", "9223372036854775808"], "not a whole number"),
                (["show", "--topic", "bad/topic"], "not a valid Kafka topic name"),
                (["reset", "--topic", String(repeating: "t", count: 250), "--to-earliest"], "more than 249"),
                (["reset", "--topic", "..:0", "--to-earliest"], "not a valid Kafka topic name"),
            ]
            for (arguments, message) in cases {
                let result = try fixture.trackstream(arguments)
                #expect(result.status == 1, "\(arguments): \(result)")
                #expect(result.errors.contains(message), "\(arguments): \(result)")
            }
            #expect(try await fixture.committed() == [0: 1, 1: 1])
        }

        /// Where each word of a line ends.
        static func wordEnds(_ line: Substring) -> [Int] {
            var ends: [Int] = []
            for (index, character) in line.enumerated() where character != " " {
                if index + 1 == line.count || line[line.index(line.startIndex, offsetBy: index + 1)] == " " {
                    ends.append(index + 1)
                }
            }
            return ends
        }

        static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

        /// `milliseconds` as an ISO-8601 local time in a zone `zoneMinutes` east of UTC.
        static func iso8601(_ milliseconds: Int64, zoneMinutes: Int) -> String {
            let local = ISO8601.format(milliseconds + Int64(zoneMinutes) * 60_000).dropLast()
            let sign = zoneMinutes < 0 ? "-" : "+"
            let minutes = abs(zoneMinutes)
            return String(local) + sign + String(format: "%02d:%02d", minutes / 60, minutes % 60)
        }
    }
}

/// A test pipeline whose input topic gets records one per batch and whose group gets committed offsets.
struct OffsetFixture {
    let pipeline: TestPipeline
    var broker: Broker { pipeline.broker }
    var topic: String { pipeline.input }
    var group: String { pipeline.group }

    static func make(partitions: Int32) async throws -> OffsetFixture {
        OffsetFixture(pipeline: try await TestPipeline.make(broker: .shared, partitions: partitions))
    }

    /// Produces `count` records to each partition, one record per batch (Tansu answers ListOffsets
    /// LATEST right only then); record `i` gets `timestamp(i)`, or the time of production for `nil`.
    func produce(_ count: Int, timestamp: (Int) -> Int64? = { _ in nil }) async throws {
        let producer = try KafkaProducer(
            configuration: ["bootstrap.servers": broker.bootstrap, "batch.num.messages": "1", "linger.ms": "0"]
        )
        let messages = (0..<pipeline.partitions).flatMap { partition in
            (0..<count).map { index in
                ProducerMessage(
                    topic: topic,
                    partition: partition,
                    value: Array("\(partition)-\(index)".utf8),
                    timestamp: timestamp(index)
                )
            }
        }
        let report = try await producer.send(messages)
        await producer.close()
        #expect(report.allDelivered, "\(report.failures.prefix(3))")
    }

    func commit(_ offsets: [Int32: Int64]) async throws {
        try await broker.admin().alterGroupOffsets(
            group: group,
            offsets: offsets.map { TopicPartitionOffset(topic: topic, partition: $0.key, offset: $0.value) }
        )
    }

    func committed() async throws -> [Int32: Int64] {
        let offsets = try await broker.admin().listGroupOffsets(
            group: group,
            partitions: (0..<pipeline.partitions).map { TopicPartition(topic: topic, partition: $0) }
        )
        return Dictionary(uniqueKeysWithValues: offsets.map { ($0.partition, $0.offset) })
    }

    /// A member of the group that commits nothing.
    func consumer() throws -> KafkaConsumer {
        try KafkaConsumer(
            configuration: [
                "bootstrap.servers": broker.bootstrap, "group.id": group, "enable.auto.commit": "false",
                "session.timeout.ms": "6000", "heartbeat.interval.ms": "1000", "fetch.wait.max.ms": "100",
            ]
        )
    }

    /// Where a consumer of the group starts reading each partition: its first record's offset, or
    /// the end when it starts there.
    func startingOffsets() async throws -> [Int32: Int64] {
        let consumer = try consumer()
        try consumer.subscribe(topics: [topic])
        var starts: [Int32: Int64] = [:]
        let deadline = ContinuousClock.now + .seconds(60)
        for await event in consumer.events {
            switch event {
            case .records(let batch):
                for record in batch where starts[record.partition] == nil { starts[record.partition] = record.offset }
            case .endOfPartition(let partition, let offset):
                if starts[partition.partition] == nil { starts[partition.partition] = offset }
            case .error:
                break
            }
            if starts.count == Int(pipeline.partitions) || ContinuousClock.now > deadline { break }
        }
        await consumer.close()
        return starts
    }

    /// Runs `trackstream offsets ARGUMENTS PIPELINE-FILE`.
    func trackstream(_ arguments: [String]) throws -> CommandResult {
        try CommandResult.run(trackstreamBinary, ["offsets"] + arguments + [pipeline.file])
    }
}
