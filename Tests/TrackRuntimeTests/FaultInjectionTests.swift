import Foundation
import Kafka
import Testing

/// Faults injected into real processes on the real broker, each checked for loss (none allowed)
/// and reported with its duplicates and recovery time (the figures of docs/operations.md).
@Suite("Fault injection (real processes, real broker)", .serialized)
struct FaultInjectionTests {
    /// What a scenario left behind.
    struct Outcome: CustomStringConvertible {
        var inputs: Int
        var lost: [String]
        var duplicates: Int
        var recovery: Duration

        var description: String {
            "\(inputs) inputs, lost \(lost.count), duplicates \(duplicates), recovered in \(recovery)"
        }
    }

    /// Reads the pipeline's topics and accounts for every input.
    static func account(_ pipeline: TestPipeline, recovery: Duration) async throws -> Outcome {
        let inputs = try await readAll(pipeline.input, partitions: 4, broker: pipeline.broker, strict: false)
        let enriched = try await readAll(pipeline.enriched, partitions: 4, broker: pipeline.broker)
        let rejected = try await readAll(pipeline.rejected, partitions: 4, broker: pipeline.broker)
        return Outcome(
            inputs: inputs.count,
            lost: Accounting(enriched: enriched, rejected: rejected).missing(from: inputs),
            duplicates: Accounting.duplicates(in: enriched) + Accounting.duplicates(in: rejected),
            recovery: recovery
        )
    }

    /// Runs a member of the group until it has caught up, as a restart after a fault would.
    static func recover(_ pipeline: TestPipeline, instance: Int = 9) async throws -> Duration {
        let started = ContinuousClock.now
        let member = try pipeline.startService(["--until-caught-up"], instance: instance)
        let status = await member.waitForExit(timeout: .seconds(180))
        #expect(status == 0, "the recovering member: \(member.log.suffix(1500))")
        return ContinuousClock.now - started
    }

    /// ``recover(_:instance:)`` in a copy of the group (same committed offsets): Tansu can leave a
    /// group unassignable for minutes after members come and go mid-join, which Apache Kafka does not.
    static func recoverInCopy(_ pipeline: TestPipeline) async throws -> Duration {
        let admin = try pipeline.broker.admin()
        let committed = try await admin.listGroupOffsets(group: pipeline.group).filter { $0.offset >= 0 }
        let copy = "\(pipeline.group)-copy"
        if !committed.isEmpty { try await admin.alterGroupOffsets(group: copy, offsets: committed) }
        let started = ContinuousClock.now
        let member = try pipeline.startService(["--until-caught-up", "--group", copy], instance: 9)
        let status = await member.waitForExit(timeout: .seconds(180))
        #expect(status == 0, "the recovering member: \(member.log.suffix(1500))")
        return ContinuousClock.now - started
    }

    @Test(
        "a crash after outputs are handed over, after they are acknowledged, after offsets are stored: nothing lost",
        arguments: ["handed-over", "acknowledged", "stored"]
    )
    func crash(at point: String) async throws {
        let pipeline = try await TestPipeline.make(broker: .shared)
        try pipeline.generate(count: 10_000)
        let crashing = try pipeline.startService(environment: ["TRACKSTREAM_FAULT": "\(point):3"])
        let status = await crashing.waitForExit(timeout: .seconds(90))
        #expect(status == SIGKILL, "killed at \(point): \(crashing.log.suffix(800))")
        #expect(crashing.log.contains("fault injection: killing the process at \(point)"))
        let outcome = try await Self.account(pipeline, recovery: try await Self.recover(pipeline))
        #expect(outcome.inputs == 10_000)
        #expect(outcome.lost.prefix(5) == [], "\(outcome)")
        print("fault injection: crash at \(point): \(outcome)")
    }

    @Test(
        "a fatal error in the producer or the consumer stops the service with exit 2; nothing unacknowledged is committed",
        arguments: ["fatal-producer", "fatal-consumer"]
    )
    func fatalClientError(_ point: String) async throws {
        let pipeline = try await TestPipeline.make(broker: .shared)
        try pipeline.generate(count: 20_000)
        let failing = try pipeline.startService(environment: ["TRACKSTREAM_FAULT": "\(point):5"])
        let status = await failing.waitForExit(timeout: .seconds(60))
        #expect(status == 2, "\(failing.log.suffix(1200))")
        #expect(failing.log.contains("fatal") || failing.log.contains("FATAL"), "says why")
        let outcome = try await Self.account(pipeline, recovery: try await Self.recover(pipeline))
        #expect(outcome.lost.prefix(5) == [], "\(outcome)")
        print("fault injection: \(point): exit \(status ?? -1); \(outcome)")
    }

    @Test("SIGTERM while the broker is stopped: an orderly exit within the bound, then nothing lost")
    func terminateWithBrokerStopped() async throws {
        let broker = try Broker.startPrivate()
        defer {
            kill(broker.pid, SIGCONT)
            broker.stop()
        }
        let pipeline = try await TestPipeline.make(broker: broker)
        try pipeline.generate(count: 20_000)
        let service = try pipeline.startService(["--shutdown-timeout", "6"])
        #expect(await service.waitForLog("partitions assigned", timeout: .seconds(40)))
        try await Task.sleep(for: .seconds(1))
        kill(broker.pid, SIGSTOP)
        try await Task.sleep(for: .seconds(1))
        let stopping = ContinuousClock.now
        service.signal(SIGTERM)
        let status = await service.waitForExit(timeout: .seconds(20))
        let took = ContinuousClock.now - stopping
        #expect(
            status == 0 || status == 3,
            "exit \(String(describing: status)), not a trap: \(service.log.suffix(1500))"
        )
        #expect(took < .milliseconds(6500), "took \(took) against a 6 s bound")
        kill(broker.pid, SIGCONT)
        let outcome = try await Self.account(pipeline, recovery: try await Self.recover(pipeline))
        #expect(outcome.inputs == 20_000)
        #expect(outcome.lost.prefix(5) == [], "\(outcome)")
        print("fault injection: SIGTERM with the broker stopped: exit \(status ?? -1) after \(took); \(outcome)")
    }

    @Test("a second member joining mid-stream: a clean handoff re-delivers nothing that was acknowledged")
    func cleanHandoff() async throws {
        let pipeline = try await TestPipeline.make(broker: .shared)
        try pipeline.generate(count: 30_000)
        let first = try pipeline.startService(["--max-in-flight-batches", "2", "--batch-size", "200"])
        #expect(await first.waitForLog("partitions assigned", timeout: .seconds(40)))
        let second = try pipeline.startService(instance: 1)
        #expect(await second.waitForLog("partitions assigned", timeout: .seconds(60)), "the new member gets work")
        try await Task.sleep(for: .seconds(3))
        // Each partition's lag is exported by its owner only: the first member drops the series of
        // the partitions it handed over.
        let lagged = try [0, 1].map { instance in
            lagPartitions(in: try scrape(port: pipeline.metricsPort + instance))
        }
        #expect(lagged[0].isDisjoint(with: lagged[1]), "lag series by member: \(lagged)")
        #expect(!lagged[1].isEmpty, "the new member reports its partitions' lag")
        for member in [first, second] { member.signal(SIGTERM) }
        for member in [first, second] {
            #expect(await member.waitForExit(timeout: .seconds(20)) == 0, "\(member.log.suffix(1000))")
        }
        // Two members left at once: Tansu may keep the group unassignable (see recoverInCopy).
        let outcome = try await Self.account(pipeline, recovery: try await Self.recoverInCopy(pipeline))
        #expect(outcome.lost.prefix(5) == [], "\(outcome)")
        #expect(outcome.duplicates == 0, "\(outcome)")
        print("fault injection: a member joins mid-stream, all leave cleanly: \(outcome)")
    }

    /// Apache Kafka fences a member whose session expired: its next heartbeat fails and librdkafka
    /// reports the partitions lost, after which the member must publish nothing for them. Tansu
    /// instead lets the paused member carry on as if it had never left (both members own the
    /// partitions until the next rebalance), so on the test broker only "nothing lost" and the
    /// duplicates can be checked; the loss path itself is covered in memory (PublishStageTests).
    @Test(
        "the service paused past the session timeout: nothing lost; after a loss, nothing more published",
        .enabled(if: ProcessInfo.processInfo.environment["TRACKSTREAM_SOAK"] == "1", "a soak scenario (make soak)")
    )
    func pausedPastSessionTimeout() async throws {
        let broker = try Broker.startPrivate()
        defer { broker.stop() }
        let pipeline = try await TestPipeline.make(broker: broker)
        try pipeline.generate(count: 20_000)
        let paused = try pipeline.startService([
            "--log-level", "debug", "--max-in-flight-batches", "2", "--batch-size", "100",
        ])
        #expect(await paused.waitForLog("partitions assigned", timeout: .seconds(40)))
        let other = try pipeline.startService(instance: 1)
        try await Task.sleep(for: .seconds(2))
        paused.signal(SIGSTOP)
        #expect(await other.waitForLog("partitions assigned", timeout: .seconds(60)))
        try await Task.sleep(for: .seconds(12))
        paused.signal(SIGCONT)
        try await Task.sleep(for: .seconds(10))
        for member in [paused, other] { member.signal(SIGTERM) }
        for member in [paused, other] { _ = await member.waitForExit(timeout: .seconds(20)) }
        let afterLoss = paused.log.split(separator: "\n").drop { !$0.contains("partitions lost") }
        let publishedAfter = afterLoss.dropFirst().prefix { !$0.contains("partitions assigned") }.filter {
            $0.contains("handing over")
        }
        #expect(publishedAfter.isEmpty, "\(publishedAfter.prefix(5))")
        let outcome = try await Self.account(pipeline, recovery: try await Self.recoverInCopy(pipeline))
        #expect(outcome.lost.prefix(5) == [], "\(outcome)")
        let fenced = !afterLoss.isEmpty ? "its partitions were lost" : "the broker kept it in the group"
        print("fault injection: a member paused past the session timeout (\(fenced)): \(outcome)")
    }
}

/// The partitions whose `trackstream_consumer_lag_messages` series a scrape holds.
func lagPartitions(in metrics: String) -> Set<String> {
    var partitions = Set<String>()
    for series in parsePrometheus(metrics).keys where series.hasPrefix("trackstream_consumer_lag_messages{") {
        guard let label = series.firstRange(of: "partition=\"") else { continue }
        partitions.insert(String(series[label.upperBound...].prefix { $0 != "\"" }))
    }
    return partitions
}
