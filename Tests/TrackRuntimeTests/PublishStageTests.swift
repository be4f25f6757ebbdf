import Kafka
import Testing
import TrackDomain

@testable import TrackRuntime

/// The publish path's decisions, in memory: order, ownership, revocation, loss, retries, what cannot
/// be delivered, and giving up on a shutdown. The sink and the offset store are fakes whose
/// acknowledgements and answers each test scripts, so every interleaving is exact.
@Suite("Publish stage decisions (in memory)")
struct PublishStageTests {
    private typealias Fixture = PublishFixture

    private static func values(_ messages: [ProducerMessage]) -> [String] {
        messages.map { String(decoding: $0.value ?? [], as: UTF8.self).replacing("\"", with: "") }
    }

    /// Gives the stage's tasks a moment to run.
    private static func settle() async {
        try? await Task.sleep(for: .milliseconds(30))
    }

    @Test("chunks go out in consumption order, every part of a batch before the next batch")
    func order() async throws {
        let sink = ScriptedSink()
        let store = RecordingOffsetStore()
        let stage = Fixture.stage(sink: sink, store: store)
        await stage.assign(Fixture.partitions(0), generation: 1)
        await stage.submit(Fixture.chunk(2, [(0, 3)]))
        await stage.submit(Fixture.chunk(1, part: 1, last: true, [(0, 2)]))
        #expect(sink.sends.isEmpty, "nothing before batch 1's first part")
        await stage.submit(Fixture.chunk(1, part: 0, last: false, [(0, 0), (0, 1)]))
        try #require(await sink.waitForSends(3))
        #expect(sink.sends.map(Self.values) == [["0:0:0", "0:1:0"], ["0:2:0"], ["0:3:0"]])
    }

    @Test("an offset is stored only when its chunk and every earlier chunk of its partition are acknowledged")
    func offsetsInOrder() async throws {
        let sink = ScriptedSink()
        let store = RecordingOffsetStore()
        let stage = Fixture.stage(sink: sink, store: store)
        await stage.assign(Fixture.partitions(0, 1), generation: 1)
        await stage.submit(Fixture.chunk(1, [(0, 0), (1, 0)]))
        await stage.submit(Fixture.chunk(2, [(0, 1)]))
        await stage.submit(Fixture.chunk(3, [(1, 1)]))
        try #require(await sink.waitForSends(3))
        await sink.acknowledge(1)
        await sink.acknowledge(2)
        await Self.settle()
        #expect(store.events.isEmpty, "chunk 1 holds both partitions back")
        await sink.acknowledge(0)
        #expect(await stage.waitUntilIdle(timeout: .seconds(5)))
        #expect(store.stored == [0: 2, 1: 2])
    }

    @Test("records polled before their partition's latest assignment, or of partitions not owned, are not published")
    func ownership() async throws {
        let sink = ScriptedSink()
        let store = RecordingOffsetStore()
        let stage = Fixture.stage(sink: sink, store: store)
        await stage.assign(Fixture.partitions(0), generation: 5)
        await stage.submit(Fixture.chunk(1, generation: 4, [(0, 0)]))
        await stage.submit(Fixture.chunk(2, generation: 5, [(0, 1), (1, 0), (0, 2)]))
        try #require(await sink.waitForSends(1))
        await Self.settle()
        #expect(sink.sends.map(Self.values) == [["0:1:0", "0:2:0"]])
        await sink.acknowledge(0)
        #expect(await stage.waitUntilIdle(timeout: .seconds(5)))
        #expect(store.events == [.stored(0, 3)])
    }

    @Test("a revocation stores and commits the work it waited for, and publishes nothing more of the partition")
    func revocationCommitsWhatItWaitedFor() async throws {
        let sink = ScriptedSink()
        let store = RecordingOffsetStore()
        let stage = Fixture.stage(sink: sink, store: store)
        await stage.assign(Fixture.partitions(0, 1), generation: 1)
        await stage.submit(Fixture.chunk(1, [(0, 0), (0, 1), (1, 0)]))
        try #require(await sink.waitForSends(1))
        let revocation = Task { await stage.revoke(Fixture.partitions(0)) }
        await Self.settle()
        #expect(store.events.isEmpty, "the revocation waits for the chunk")
        await stage.submit(Fixture.chunk(2, [(0, 2), (1, 1)]))
        await sink.acknowledge(0)
        await revocation.value
        #expect(store.events == [.stored(0, 2), .stored(1, 1), .committed])
        try #require(await sink.waitForSends(2))
        #expect(Self.values(sink.sends[1]) == ["1:1:0"], "nothing of the revoked partition after the revocation began")
    }

    @Test("a revocation waits a bounded time; what did not finish stores nothing, then or later")
    func revocationIsBounded() async throws {
        let sink = ScriptedSink()
        let store = RecordingOffsetStore()
        var timing = PublishStage.Timing()
        timing.revocationTimeout = .milliseconds(50)
        let stage = Fixture.stage(sink: sink, store: store, timing: timing)
        await stage.assign(Fixture.partitions(0), generation: 1)
        await stage.submit(Fixture.chunk(1, [(0, 0)]))
        try #require(await sink.waitForSends(1))
        let started = ContinuousClock.now
        await stage.revoke(Fixture.partitions(0))
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(store.events == [.committed])
        await sink.acknowledge(0)
        await Self.settle()
        #expect(store.events == [.committed], "a late acknowledgement stores nothing for a released partition")
    }

    @Test("lost partitions store nothing more, even when their outputs are acknowledged after")
    func loss() async throws {
        let sink = ScriptedSink()
        let store = RecordingOffsetStore()
        let stage = Fixture.stage(sink: sink, store: store)
        await stage.assign(Fixture.partitions(0, 1), generation: 1)
        await stage.submit(Fixture.chunk(1, [(0, 0), (1, 0)]))
        try #require(await sink.waitForSends(1))
        await stage.lose(Fixture.partitions(0))
        await sink.acknowledge(0)
        #expect(await stage.waitUntilIdle(timeout: .seconds(5)))
        #expect(store.events == [.stored(1, 1)])
    }

    @Test(
        "after a shutdown gives up, nothing in flight stores an offset: not on failure, not on a late success",
        arguments: [false, true]
    )
    func abandonment(lateSuccess: Bool) async throws {
        let sink = ScriptedSink()
        let store = RecordingOffsetStore()
        let stage = Fixture.stage(sink: sink, store: store)
        await stage.assign(Fixture.partitions(0), generation: 1)
        await stage.submit(Fixture.chunk(1, [(0, 0), (0, 1)]))
        try #require(await sink.waitForSends(1))
        await stage.abandonInFlight()
        #expect(await stage.waitUntilIdle(timeout: .seconds(5)) == false, "waits end at once")
        await sink.acknowledge(0, failing: lateSuccess ? [:] : [1: TestErrors.timedOut])
        await Self.settle()
        #expect(store.events.isEmpty)
        #expect(sink.sends.count == 1, "no retry after giving up")
    }

    @Test("a retry holds later chunks back, so one user's outputs keep their order")
    func retryKeepsOrder() async throws {
        let sink = ScriptedSink()
        let store = RecordingOffsetStore()
        var timing = PublishStage.Timing()
        timing.firstBackoff = .milliseconds(300)
        let stage = Fixture.stage(sink: sink, store: store, timing: timing)
        await stage.assign(Fixture.partitions(0), generation: 1)
        await stage.submit(Fixture.chunk(1, [(0, 0), (0, 1)]))
        try #require(await sink.waitForSends(1))
        await sink.acknowledge(0, failing: [1: TestErrors.topicAuthorizationFailed])
        await Self.settle()
        await stage.submit(Fixture.chunk(2, [(0, 2)]))
        try #require(await sink.waitForSends(3))
        #expect(sink.sends.map(Self.values) == [["0:0:0", "0:1:0"], ["0:1:0"], ["0:2:0"]])
        await sink.acknowledge(1)
        await sink.acknowledge(2)
        #expect(await stage.waitUntilIdle(timeout: .seconds(5)))
        #expect(store.stored == [0: 3])
    }

    @Test(
        "an output the broker refuses as such turns its input into one processing_error rejection",
        arguments: [TestErrors.messageTooLarge, TestErrors.invalidTimestamp]
    )
    func refusedOutput(_ error: KafkaError) async throws {
        let sink = ScriptedSink()
        let store = RecordingOffsetStore()
        let stage = Fixture.stage(sink: sink, store: store)
        await stage.assign(Fixture.partitions(0), generation: 1)
        await stage.submit(Fixture.chunk(1, [(0, 0), (0, 1)], outputsPerInput: 2))
        try #require(await sink.waitForSends(1))
        await sink.acknowledge(0, failing: [2: error, 3: error])
        try #require(await sink.waitForSends(2))
        let replacement = try #require(sink.sends[1].first)
        #expect(sink.sends[1].count == 1, "one rejection for the input, however many of its outputs failed")
        #expect(replacement.topic == Fixture.outputs.rejected)
        #expect(replacement.key == Array("k0".utf8))
        #expect(replacement.headers == [KafkaHeader(name: "h", value: [1])] + OutputHeaderPlanner.versionHeaders)
        let text = String(decoding: replacement.value ?? [], as: UTF8.self)
        #expect(text.contains(#""reason":"processing_error""#) && text.contains(#""offset":1"#))
        await sink.acknowledge(1)
        #expect(await stage.waitUntilIdle(timeout: .seconds(5)))
        #expect(store.stored == [0: 2])
    }

    @Test(
        "a refused rejection goes again without its payload, then its key and headers, then its timestamp, then stops"
    )
    func refusedRejectionLadder() async throws {
        let sink = ScriptedSink()
        let store = RecordingOffsetStore()
        let stage = Fixture.stage(sink: sink, store: store)
        await stage.assign(Fixture.partitions(0), generation: 1)
        await stage.submit(Fixture.chunk(1, [(0, 0)]))
        try #require(await sink.waitForSends(1))
        await sink.acknowledge(0, failing: [0: TestErrors.messageTooLarge])
        let expectedOmissions = ["payload", "payload,key,headers", "payload,key,headers,timestamp"]
        for (step, omitted) in expectedOmissions.enumerated() {
            try #require(await sink.waitForSends(step + 2))
            await sink.acknowledge(step + 1, failing: [0: TestErrors.messageTooLarge])
            try #require(await sink.waitForSends(step + 3))
            let stripped = try #require(sink.sends[step + 2].first)
            let marker = stripped.headers.first { $0.name == RejectionOmissions.headerName }?.value ?? []
            #expect(String(decoding: marker, as: UTF8.self) == omitted)
            // The version headers stay whatever is left out; the input's headers go with its key.
            #expect(stripped.headers.suffix(3).prefix(2).elementsEqual(OutputHeaderPlanner.versionHeaders))
            #expect(stripped.headers.contains(KafkaHeader(name: "h", value: [1])) == !omitted.contains("headers"))
            #expect((stripped.key == nil) == omitted.contains("key"))
            #expect((stripped.timestamp == nil) == omitted.contains("timestamp"))
        }
        await sink.acknowledge(4, failing: [0: TestErrors.messageTooLarge])
        await Self.settle()
        #expect(await stage.stopReason?.name == "MSG_SIZE_TOO_LARGE")
        #expect(store.events.isEmpty, "the input is never committed")
    }

    @Test("a fatal error, in an acknowledgement or from the producer itself, stops the stage and stores nothing")
    func fatal() async throws {
        let sink = ScriptedSink()
        let store = RecordingOffsetStore()
        let stage = Fixture.stage(sink: sink, store: store)
        await stage.assign(Fixture.partitions(0), generation: 1)
        await stage.submit(Fixture.chunk(1, [(0, 0)]))
        try #require(await sink.waitForSends(1))
        await sink.acknowledge(0, failing: [0: TestErrors.fatal])
        await Self.settle()
        #expect(await stage.stopReason != nil)
        #expect(store.events.isEmpty)

        let refusing = ScriptedSink()
        refusing.refuseSends(with: TestErrors.fatal)
        let second = Fixture.stage(sink: refusing, store: store)
        await second.assign(Fixture.partitions(0), generation: 1)
        await second.submit(Fixture.chunk(1, [(0, 0)]))
        #expect(await second.stopReason?.isFatal == true)
        #expect(store.events.isEmpty)
    }

    @Test("a later chunk is not handed over while a retry is being handed over (calls to the sink never overlap)")
    func retryHandOverKeepsOrder() async throws {
        let sink = SlowRetrySink()
        let store = RecordingOffsetStore()
        var timing = PublishStage.Timing()
        timing.firstBackoff = .milliseconds(5)
        let stage = Fixture.stage(sink: sink, store: store, timing: timing)
        await stage.assign(Fixture.partitions(0), generation: 1)
        await stage.submit(Fixture.chunk(1, [(0, 0), (0, 1)]))
        try #require(await sink.inner.waitForSends(1))
        await sink.inner.acknowledge(0, failing: [1: TestErrors.topicAuthorizationFailed])
        try? await Task.sleep(for: .milliseconds(100))  // the backoff is over: the retry is being handed over
        await stage.submit(Fixture.chunk(2, [(0, 2)]))
        try #require(await sink.inner.waitForSends(3))
        #expect(sink.inner.sends.map(Self.values) == [["0:0:0", "0:1:0"], ["0:1:0"], ["0:2:0"]])
    }

    @Test("a revocation's commit gives up after its timeout, even when the commit cannot be cancelled")
    func commitTimeout() async throws {
        var timing = PublishStage.Timing()
        timing.revocationTimeout = .milliseconds(50)
        timing.commitTimeout = .milliseconds(100)
        let stage = Fixture.stage(
            sink: ScriptedSink(),
            store: RecordingOffsetStore(commitDelay: .seconds(3)),
            timing: timing
        )
        await stage.assign(Fixture.partitions(0), generation: 1)
        let started = ContinuousClock.now
        await stage.revoke(Fixture.partitions(0))
        #expect(ContinuousClock.now - started < .seconds(1))
    }

    @Test("after a revocation gives up, its partition's outputs are not sent again, and others are not held back")
    func noRetryAfterRevocation() async throws {
        let sink = ScriptedSink()
        var timing = PublishStage.Timing()
        timing.firstBackoff = .milliseconds(5)
        timing.maximumBackoff = .milliseconds(5)
        timing.revocationTimeout = .milliseconds(50)
        let stage = Fixture.stage(sink: sink, store: RecordingOffsetStore(), timing: timing)
        await stage.assign(Fixture.partitions(0, 1), generation: 1)
        await stage.submit(Fixture.chunk(1, [(0, 0)]))
        try #require(await sink.waitForSends(1))
        await sink.acknowledge(0, failing: [0: TestErrors.topicAuthorizationFailed])
        try #require(await sink.waitForSends(2))
        await stage.revoke(Fixture.partitions(0))
        let afterRevocation = sink.sends.count
        await sink.acknowledge(afterRevocation - 1, failing: [0: TestErrors.topicAuthorizationFailed])
        #expect(await !sink.waitForSends(afterRevocation + 1, timeout: .milliseconds(300)), "sent again")
        await stage.submit(Fixture.chunk(2, [(1, 0)]))
        #expect(await sink.waitForSends(afterRevocation + 1, timeout: .seconds(2)), "partition 1 held back")
    }
}

/// A sink whose retries (copied records) take a while to hand over, as a producer with a full queue.
final class SlowRetrySink: RecordSink {
    let inner = ScriptedSink()

    func send(_ batch: ProducerBatch) async throws(KafkaError) -> PendingAcknowledgements {
        try await inner.send(batch)
    }

    func send(_ messages: [ProducerMessage]) async throws(KafkaError) -> PendingAcknowledgements {
        try? await Task.sleep(for: .milliseconds(300))
        return try await inner.send(messages)
    }
}
