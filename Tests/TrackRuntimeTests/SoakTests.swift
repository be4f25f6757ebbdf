import Foundation
import Kafka
import Testing

/// Long fault scenarios, run by `make soak` (TRACKSTREAM_SOAK=1), not by `make test`.
@Suite(
    "Soak: long fault scenarios",
    .serialized,
    .enabled(if: ProcessInfo.processInfo.environment["TRACKSTREAM_SOAK"] == "1", "set TRACKSTREAM_SOAK=1 (make soak)")
)
struct SoakTests {
    /// How long the storm lasts; SOAK_SECONDS overrides it.
    static let stormSeconds = Int(ProcessInfo.processInfo.environment["SOAK_SECONDS"] ?? "") ?? 120

    @Test("a rebalance storm: members join and leave every few seconds while 200,000 events flow; nothing lost")
    func rebalanceStorm() async throws {
        let broker = try Broker.startPrivate()
        defer { broker.stop() }
        let pipeline = try await TestPipeline.make(broker: broker)
        let events = 200_000
        let producing = Task.detached {
            try pipeline.generateAtRate(count: events, rate: max(1, events / Self.stormSeconds))
        }
        var members = try (0..<3).map { try pipeline.startService(instance: $0) }
        var next = 3
        var changes = 0
        let end = ContinuousClock.now + .seconds(Self.stormSeconds)
        while ContinuousClock.now < end {
            try await Task.sleep(for: .seconds(Int.random(in: 4...9)))
            // Half the time one member leaves cleanly; otherwise one joins (up to five at once).
            if members.count > 1 && (members.count >= 5 || Bool.random()) {
                let leaving = members.remove(at: Int.random(in: 0..<members.count))
                leaving.signal(SIGTERM)
            } else {
                members.append(try pipeline.startService(instance: next % 50))
                next += 1
            }
            changes += 1
        }
        try await producing.value
        for member in members { member.signal(SIGTERM) }
        for member in members { _ = await member.waitForExit(timeout: .seconds(30)) }
        let outcome = try await FaultInjectionTests.account(
            pipeline,
            recovery: try await FaultInjectionTests.recoverInCopy(pipeline)
        )
        #expect(outcome.inputs == events)
        #expect(outcome.lost.prefix(5) == [], "\(outcome)")
        print("soak: \(changes) membership changes in \(Self.stormSeconds) s: \(outcome)")
    }
}
