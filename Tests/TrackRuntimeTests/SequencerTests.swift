import Kafka
import Synchronization
import Testing

@testable import TrackRuntime

@Suite("Sequencer, offset tracker and output budget (pure)")
struct SequencerTests {
    private typealias Fixture = PublishFixture

    /// Chunks given as (sequence, part, last) in arrival order, and the order they are released in.
    @Test(
        arguments: [
            ([(1, 0, true), (2, 0, true), (3, 0, true)], ["1", "2", "3"]),
            ([(3, 0, true), (2, 0, true), (1, 0, true)], ["1", "2", "3"]),
            ([(2, 0, true), (1, 1, true), (1, 0, false)], ["1", "1.1", "2"]),
            ([(1, 0, false), (2, 0, true), (1, 2, true), (1, 1, false)], ["1", "1.1", "1.2", "2"]),
            ([(2, 0, true)], []),
        ] as [([(UInt64, UInt32, Bool)], [String])]
    )
    func releaseOrder(_ arrivals: [(UInt64, UInt32, Bool)], _ released: [String]) {
        var sequencer = Sequencer(inputTopic: Fixture.input)
        var order: [String] = []
        for (sequence, part, last) in arrivals {
            order += sequencer.accept(Fixture.chunk(sequence, part: part, last: last, [(0, Int64(sequence))]))
                .map(\.id.description)
        }
        #expect(order == released)
        #expect(sequencer.isHolding == (released.count < arrivals.count))
    }

    @Test("ownership and ranges decide what is publishable, and where offsets may be stored")
    func publishable() throws {
        var sequencer = Sequencer(inputTopic: Fixture.input)
        sequencer.assign(Fixture.partitions(0, 1), generation: 3)
        let chunk = Fixture.chunk(1, generation: 3, [(0, 5), (1, 7), (2, 1), (0, 6)])
        let kept = try #require(sequencer.publishable(chunk))
        #expect(kept.inputs.map(\.offset) == [5, 7, 6])
        #expect(kept.inputs.map(\.outputs) == [0..<1, 1..<2, 2..<3])
        #expect(sequencer.publishable(Fixture.chunk(2, generation: 2, [(0, 7)])) == nil, "polled before the assignment")
        sequencer.limit(to: [0: 6, 1: 100])
        #expect(try #require(sequencer.publishable(chunk)).inputs.map(\.offset) == [5, 7])
        sequencer.beginRevoking(Fixture.partitions(0))
        #expect(sequencer.mayStoreOffsets(for: Fixture.partitions(0)[0]), "a revocation still stores")
        #expect(try #require(sequencer.publishable(chunk)).inputs.map(\.offset) == [7])
        sequencer.release(Fixture.partitions(0))
        #expect(!sequencer.mayStoreOffsets(for: Fixture.partitions(0)[0]))
        #expect(!sequencer.mayStoreOffsets(for: TopicPartition(topic: "other", partition: 1)))
    }

    @Test("offsets are released per partition in order; a chunk that never finishes holds its partitions back")
    func offsetTracker() {
        var tracker = OffsetTracker()
        let p0 = TopicPartition(topic: "in", partition: 0)
        let p1 = TopicPartition(topic: "in", partition: 1)
        let first = WorkID(sequence: 1, part: 0)
        let second = WorkID(sequence: 1, part: 1)
        let third = WorkID(sequence: 2, part: 0)
        tracker.begin(first, nextOffsets: [p0: 10, p1: 3])
        tracker.begin(second, nextOffsets: [p0: 20])
        tracker.begin(third, nextOffsets: [p1: 8])
        #expect(tracker.complete(second, partitions: [p0]).isEmpty)
        #expect(tracker.complete(third, partitions: [p1]).isEmpty)
        #expect(
            Set(tracker.complete(first, partitions: [p0, p1])) == [
                TopicPartitionOffset(p0, offset: 20), TopicPartitionOffset(p1, offset: 8),
            ]
        )
        #expect(tracker.isEmpty)
        tracker.begin(WorkID(sequence: 3, part: 0), nextOffsets: [p0: 30])
        tracker.begin(WorkID(sequence: 4, part: 0), nextOffsets: [p0: 40])
        #expect(tracker.complete(WorkID(sequence: 4, part: 0), partitions: [p0]).isEmpty, "3 never finishes")
        tracker.forget([p0])
        #expect(!tracker.hasPending(in: [p0]))
    }

    @Test("the output budget: later batches wait at the limit, the oldest goes on while little is sequenced")
    func budget() async {
        let budget = OutputBudget(limit: 1000)
        let chunk = budget.chunkBytes
        await budget.waitForRoom(sequence: 1)
        #expect(budget.alive == chunk, "room is reserved")
        budget.produced(1200)
        #expect(budget.alive == 1200)
        let later = Task {
            await budget.waitForRoom(sequence: 2)
            return ContinuousClock.now
        }
        await budget.waitForRoom(sequence: 1)  // the oldest: nothing sequenced, so it goes on
        budget.produced(0)
        try? await Task.sleep(for: .milliseconds(30))
        let released = ContinuousClock.now
        budget.sequenced(1200)
        budget.finished(1200, sequenced: true)
        #expect(await later.value >= released, "batch 2 waited until the bytes were released")
        budget.produced(0)
        // With the limit sequenced and unacknowledged, even the oldest batch waits for the broker.
        budget.setOldestOpen(3)
        await budget.waitForRoom(sequence: 3)
        budget.produced(1200)
        budget.sequenced(1200)
        let oldest = Task {
            await budget.waitForRoom(sequence: 3)
            return ContinuousClock.now
        }
        try? await Task.sleep(for: .milliseconds(30))
        let acknowledged = ContinuousClock.now
        budget.finished(1200, sequenced: true)
        #expect(await oldest.value >= acknowledged)
        budget.open()
        await budget.waitForRoom(sequence: 9)
    }

    @Test("waiters are let in one at a time, each reserving a chunk: one freed byte starts one chunk, not ten")
    func budgetAdmitsOneAtATime() async {
        let budget = OutputBudget(limit: 1000)
        await budget.waitForRoom(sequence: 1)
        budget.produced(1000)
        budget.sequenced(1000)
        budget.setOldestOpen(2)
        let started = Counter()
        for sequence in 3...12 {
            Task {
                await budget.waitForRoom(sequence: UInt64(sequence))
                started.increment()
            }
        }
        try? await Task.sleep(for: .milliseconds(50))
        #expect(started.value == 0)
        budget.finished(1, sequenced: true)
        try? await Task.sleep(for: .milliseconds(50))
        #expect(started.value == 1)
        budget.open()
    }

    @Test("while a retry holds hand-over, later batches stop writing at about twice the limit")
    func budgetWhileRetrying() async throws {
        let sink = ScriptedSink()
        var timing = PublishStage.Timing()
        timing.firstBackoff = .seconds(30)
        let budget = OutputBudget(limit: 100 * 1024)
        let stage = PublishFixture.stage(sink: sink, store: RecordingOffsetStore(), timing: timing, budget: budget)
        await stage.assign(PublishFixture.partitions(0), generation: 1)
        await budget.waitForRoom(sequence: 1)
        let first = PublishFixture.chunk(1, [(0, 0)])
        budget.produced(first.outputBytes)
        await stage.submit(first)
        try #require(await sink.waitForSends(1))
        await sink.acknowledge(0, failing: [0: TestErrors.topicAuthorizationFailed])
        try? await Task.sleep(for: .milliseconds(30))
        var written = 0
        for sequence in UInt64(2)...200 {
            let admitted = Counter()
            Task {
                await budget.waitForRoom(sequence: sequence)
                admitted.increment()
            }
            try? await Task.sleep(for: .milliseconds(10))
            guard admitted.value == 1 else { break }
            let chunk = PublishFixture.chunk(sequence, (0..<600).map { (0, Int64(sequence * 1000) + $0) })
            budget.produced(chunk.outputBytes)
            await stage.submit(chunk)
            written += 1
        }
        #expect(written < 199, "hand-over is held, so writing stops")
        #expect(
            budget.alive <= 2 * budget.limit + 2 * budget.chunkBytes,
            "alive \(budget.alive) after \(written) batches"
        )
        budget.open()
    }
}

/// A thread-safe count for tests.
final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}
