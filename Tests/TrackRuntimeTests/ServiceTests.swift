import Foundation
import Kafka
import StrictOutputs
import Testing
import TrackDomain
import TrackPipeline
import TrackRuntime

/// The service as operators run it: real `trackstream` processes against a real broker.
@Suite("trackstream run against the real broker", .serialized)
struct ServiceTests {
    @Test("15,000 mixed events: every input accounted for, outputs byte-identical to the domain, per-user order kept")
    func endToEnd() async throws {
        let broker = Broker.shared
        let pipeline = try await TestPipeline.make(broker: broker)
        try pipeline.generate(count: 15_000)
        let service = try pipeline.startService(["--until-caught-up"])
        let status = await service.waitForExit(timeout: .seconds(240))
        #expect(status == 0, "exit status; log:\n\(service.log.suffix(2000))")

        let inputs = try await readAll(pipeline.input, partitions: 4, broker: broker, strict: false)
        let enriched = try await readAll(pipeline.enriched, partitions: 4, broker: broker)
        let signals = try await readAll(pipeline.signals, partitions: 4, broker: broker)
        let rejected = try await readAll(pipeline.rejected, partitions: 4, broker: broker)
        #expect(inputs.count == 15_000)
        let accounting = Accounting(enriched: enriched, rejected: rejected)
        #expect(accounting.missing(from: inputs).prefix(10) == [], "inputs without any output")
        #expect(accounting.rejectedInputs.values.allSatisfy { $0 == 1 }, "exactly one rejection per rejected input")
        #expect(Set(accounting.enrichedInputs.keys).isDisjoint(with: accounting.rejectedInputs.keys))

        // The same values the domain gives for the same records and coordinates, byte for byte.
        let loaded = try PipelineLoader.load(path: pipeline.file)
        var processor = try ProcessorAssembly.assemble(loaded).processor
        var expectedEnriched: [[UInt8]] = []
        var expectedSignals: [[UInt8]] = []
        var expectedRejected: [[UInt8]] = []
        for input in inputs {
            let source = SourceCoordinates(
                topic: pipeline.input,
                partition: input.partition,
                offset: input.offset,
                timestamp: input.timestamp
            )
            let outcome = processor.processStrictly(value: input.value, source: source)
            expectedEnriched += outcome.enriched.map(\.value)
            expectedSignals += outcome.signals.map(\.value)
            if let rejection = outcome.rejection { expectedRejected.append(rejection.value) }
        }
        #expect(enriched.compactMap(\.value).sorted(by: lexicographic) == expectedEnriched.sorted(by: lexicographic))
        #expect(signals.compactMap(\.value).sorted(by: lexicographic) == expectedSignals.sorted(by: lexicographic))
        #expect(rejected.compactMap(\.value).sorted(by: lexicographic) == expectedRejected.sorted(by: lexicographic))

        // A rejection carries the original key and headers.
        let inputKeys = Dictionary(inputs.map { ("\($0.partition)/\($0.offset)", $0.key) }) { first, _ in first }
        for record in rejected.prefix(200) {
            let source = try #require(sourceOf(record.value))
            #expect(record.key == inputKeys["\(source.partition)/\(source.offset)"] ?? nil)
        }

        // Per-user order: within an output partition, one user's events keep their input order.
        for (_, records) in Dictionary(grouping: enriched, by: \.partition) {
            var lastOffsetByUser: [[UInt8]: (Int32, Int64)] = [:]
            for record in records.sorted(by: { $0.offset < $1.offset }) {
                guard let key = record.key, let source = sourceOf(record.value) else { continue }
                if let previous = lastOffsetByUser[key], previous.0 == source.partition {
                    #expect(previous.1 <= source.offset, "order of \(String(decoding: key, as: UTF8.self))")
                }
                lastOffsetByUser[key] = (source.partition, source.offset)
            }
        }

        // Keyed outputs land on the partition the Java client (kafka-clients, Kafka Streams) would
        // choose for the key, so that topics written by both are co-partitioned.
        for record in (enriched + signals).prefix(3000) {
            guard let key = record.key else { continue }
            #expect(record.partition == javaDefaultPartition(key, partitions: 4))
        }

        // The group's committed offsets are at the end of every input partition.
        let committed = try await broker.admin().listGroupOffsets(group: pipeline.group)
        let ends = Dictionary(grouping: inputs, by: \.partition).mapValues { ($0.map(\.offset).max() ?? -1) + 1 }
        #expect(committed.count == 4)
        for entry in committed { #expect(entry.offset == ends[entry.partition], "committed \(entry)") }
    }

    @Test("kill -9 mid-stream, then a restart: nothing is lost; redeliveries are counted")
    func killAndRestart() async throws {
        let broker = Broker.shared
        let pipeline = try await TestPipeline.make(broker: broker)
        try pipeline.generate(count: 60_000)
        let first = try pipeline.startService()
        #expect(await first.waitForLog("partitions assigned", timeout: .seconds(30)))
        try await Task.sleep(for: .seconds(2))
        first.signal(SIGKILL)
        _ = await first.waitForExit(timeout: .seconds(10))
        let outputsBefore = try await readAll(pipeline.enriched, partitions: 4, broker: broker).count
        #expect(outputsBefore > 0, "the first run published something before it was killed")

        let second = try pipeline.startService(["--until-caught-up"])
        let status = await second.waitForExit(timeout: .seconds(240))
        #expect(status == 0, "log:\n\(second.log.suffix(2000))")

        let inputs = try await readAll(pipeline.input, partitions: 4, broker: broker, strict: false)
        let enriched = try await readAll(pipeline.enriched, partitions: 4, broker: broker)
        let rejected = try await readAll(pipeline.rejected, partitions: 4, broker: broker)
        let accounting = Accounting(enriched: enriched, rejected: rejected)
        #expect(accounting.missing(from: inputs).prefix(10) == [], "nothing is lost")
        let distinct = Set(enriched.compactMap(\.value)).count + Set(rejected.compactMap(\.value)).count
        let redelivered = enriched.count + rejected.count - distinct
        print("kill -9 after \(outputsBefore) enriched outputs: \(redelivered) outputs were published twice")
        #expect(redelivered < 60_000)
    }

    @Test("SIGTERM drains, commits and exits 0 in time; /metrics adds up to what was produced")
    func sigtermAndMetrics() async throws {
        let broker = Broker.shared
        let pipeline = try await TestPipeline.make(broker: broker)
        try pipeline.generate(count: 20_000)
        let service = try pipeline.startService(["--shutdown-timeout", "10"])
        var metrics: [String: Double] = [:]
        let deadline = ContinuousClock.now + .seconds(180)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(500))
            guard let text = try? scrape(port: pipeline.metricsPort) else { continue }
            let previous = metrics
            metrics = parsePrometheus(text)
            // Everything consumed and committed (an offset is stored only after its outputs are
            // acknowledged and counted, and committed after that), and the output counters as they
            // were half a second ago. The in-flight gauge alone is not enough: a batch still in a
            // processing worker or waiting for its turn is not "in flight" yet.
            guard metrics["trackstream_events_consumed_total"] == 20_000,
                metrics["trackstream_in_flight_batches"] == 0,
                metrics.filter({ $0.key.hasPrefix("trackstream_records_produced_total") })
                    == previous.filter({ $0.key.hasPrefix("trackstream_records_produced_total") })
            else { continue }
            let committed = try await broker.admin().listGroupOffsets(group: pipeline.group)
            if committed.reduce(0, { $0 + max(0, $1.offset) }) == 20_000 {
                metrics = parsePrometheus(try scrape(port: pipeline.metricsPort))
                break
            }
        }
        #expect(metrics["trackstream_events_consumed_total"] == 20_000)
        let live = try scrape(port: pipeline.metricsPort, path: "/health/live")
        #expect(live.contains("ok"))
        let ready = try scrape(port: pipeline.metricsPort, path: "/health/ready")
        #expect(ready.contains("ready"))

        let stopping = ContinuousClock.now
        service.signal(SIGTERM)
        let status = await service.waitForExit(timeout: .seconds(15))
        #expect(status == 0, "log:\n\(service.log.suffix(2000))")
        #expect(ContinuousClock.now - stopping < .seconds(12))
        #expect(service.log.contains("partitions revoked"), "the member left the group in order")

        let enriched = try await readAll(pipeline.enriched, partitions: 4, broker: broker)
        let signals = try await readAll(pipeline.signals, partitions: 4, broker: broker)
        let rejected = try await readAll(pipeline.rejected, partitions: 4, broker: broker)
        #expect(metrics["trackstream_records_produced_total{topic=\"\(pipeline.enriched)\"}"] == Double(enriched.count))
        #expect(metrics["trackstream_records_produced_total{topic=\"\(pipeline.signals)\"}"] == Double(signals.count))
        let rejectedByReason = metrics.filter { $0.key.hasPrefix("trackstream_events_rejected_total{") }
        #expect(rejectedByReason.values.reduce(0, +) == Double(rejected.count))
        #expect(rejectedByReason.count >= 8, "several reasons: \(rejectedByReason.keys.sorted())")
        #expect(metrics.keys.contains { $0.hasPrefix("trackstream_consumer_lag_seconds{") })
        #expect(metrics.keys.contains { $0.hasPrefix("trackstream_consumer_lag_messages{") })
        #expect(metrics.keys.contains { $0.hasPrefix("trackstream_stage_duration_seconds_bucket{") })

        let committed = try await broker.admin().listGroupOffsets(group: pipeline.group)
        let inputs = try await readAll(pipeline.input, partitions: 4, broker: broker, strict: false)
        let ends = Dictionary(grouping: inputs, by: \.partition).mapValues { ($0.map(\.offset).max() ?? -1) + 1 }
        for entry in committed { #expect(entry.offset == ends[entry.partition], "committed \(entry)") }
    }
}

func lexicographic(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool { lhs.lexicographicallyPrecedes(rhs) }

/// GETs `path` from the service's metrics listener.
func scrape(port: Int, path: String = "/metrics") throws -> String {
    try run("/usr/bin/curl", ["-sf", "--max-time", "5", "http://127.0.0.1:\(port)\(path)"])
}

/// Prometheus text → series (with labels) → value; comment lines skipped.
func parsePrometheus(_ text: String) -> [String: Double] {
    var series: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
            continue
        }
        series[String(line[..<space])] = value
    }
    return series
}

/// The partition kafka-clients' default partitioner picks for a key: murmur2, made positive, modulo
/// the partition count (`org.apache.kafka.common.utils.Utils.murmur2`).
func javaDefaultPartition(_ key: [UInt8], partitions: Int32) -> Int32 {
    let m: UInt32 = 0x5bd1_e995
    var h: UInt32 = 0x9747_b28c ^ UInt32(key.count)
    let blocks = key.count / 4
    for block in 0..<blocks {
        let i = block * 4
        var k = UInt32(key[i]) | UInt32(key[i + 1]) << 8 | UInt32(key[i + 2]) << 16 | UInt32(key[i + 3]) << 24
        k = k &* m
        k ^= k >> 24
        k = k &* m
        h = h &* m
        h ^= k
    }
    let tail = blocks * 4
    let remaining = key.count % 4
    if remaining >= 3 { h ^= UInt32(key[tail + 2]) << 16 }
    if remaining >= 2 { h ^= UInt32(key[tail + 1]) << 8 }
    if remaining >= 1 {
        h ^= UInt32(key[tail])
        h = h &* m
    }
    h ^= h >> 13
    h = h &* m
    h ^= h >> 15
    return Int32(bitPattern: h & 0x7fff_ffff) % partitions
}
