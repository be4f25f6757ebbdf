import Kafka
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

    @Test("the output budget: later batches wait at the limit, the oldest goes on while little is published")
    func budget() async {
        let budget = OutputBudget(limit: 1000)
        await budget.waitForRoom(sequence: 1)
        budget.produced(1200)
        let later = Task {
            await budget.waitForRoom(sequence: 2)
            return ContinuousClock.now
        }
        await budget.waitForRoom(sequence: 1)  // the oldest: nothing published, so it goes on
        try? await Task.sleep(for: .milliseconds(30))
        let released = ContinuousClock.now
        budget.published(1200)
        budget.released(1200, published: true)
        #expect(await later.value >= released, "batch 2 waited until the bytes were released")
        // With the limit published and unacknowledged, even the oldest batch waits for the broker.
        budget.produced(1200)
        budget.published(1200)
        budget.setOldestOpen(3)
        let oldest = Task {
            await budget.waitForRoom(sequence: 3)
            return ContinuousClock.now
        }
        try? await Task.sleep(for: .milliseconds(30))
        let acknowledged = ContinuousClock.now
        budget.released(1200, published: true)
        #expect(await oldest.value >= acknowledged)
        budget.produced(5000)
        budget.published(5000)
        budget.open()
        await budget.waitForRoom(sequence: 9)
    }
}
