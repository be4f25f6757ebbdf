import Kafka
import Logging
import TrackDomain

/// The publish stage: puts processed chunks in consumption order (``Sequencer``), hands their
/// outputs to the producer (a ``RecordSink``), awaits the acknowledgements off the actor, deals with
/// what was not delivered (``UndeliveredOutputs``), and stores an input offset (in an
/// ``OffsetStore``) once everything it produced, and everything before it, is acknowledged
/// (``OffsetTracker``): at least once.
///
/// Revocations, losses and a shutdown that gives up are where at-least-once is won or lost:
/// - a revocation stops publishing the partitions, waits (bounded) for their chunks in flight,
///   stores and commits what they finished, and only then lets them go;
/// - a loss lets them go at once, storing nothing more for them;
/// - a chunk given up on (shutdown past its deadline, or stopped by an output that cannot be
///   delivered) never stores an offset, and holds back every later offset of its partitions.
///
/// Retries keep order: while a chunk has records waiting to be sent again, no later chunk is handed
/// to the producer.
actor PublishStage {
    /// Timing of the stage.
    struct Timing: Sendable {
        /// The first wait before sending failed records again; it doubles per attempt.
        var firstBackoff: Duration = .milliseconds(100)
        var maximumBackoff: Duration = .seconds(5)
        /// How long a revocation waits for its partitions' outputs in flight.
        var revocationTimeout: Duration = .seconds(10)
        /// How long a commit may take before a revocation goes on without it.
        var commitTimeout: Duration = .seconds(5)
    }

    private let sink: any RecordSink
    private let offsetStore: any OffsetStore
    private let undelivered: UndeliveredOutputs
    private let budget: OutputBudget
    private let timing: Timing
    private let accounting: PublishAccounting
    private let logger: Logger

    private var sequencer: Sequencer
    private var offsets = OffsetTracker()
    /// Chunks released in order by the sequencer, not yet handed to the producer.
    private var ready: [ProcessedWork] = []
    private var inFlight: [WorkID: Chunk] = [:]
    /// Chunks whose failed records wait out their backoff: nothing later is handed over meanwhile.
    private var backingOff: Set<WorkID> = []
    /// Records whose backoff is over, to be sent again before anything else, oldest chunk first.
    private var dueRetries: [WorkID: (messages: [ProducerMessage], origins: [UndeliveredOutputs.Origin])] = [:]
    private var isHandingOver = false
    private var waiters: [Waiter] = []
    private var nextWaiterID = 0
    private var failure: KafkaError?
    /// Set when a shutdown gives up on what is in flight.
    private var isAbandoned = false

    /// A chunk handed to the producer.
    private struct Chunk {
        var work: ProcessedWork
        var partitions: Set<TopicPartition>
        /// Deliveries whose acknowledgements are still to come, and retries still to be sent.
        var outstanding = 0
        var attempt = 0
        var handedOverAt: ContinuousClock.Instant
        /// Never finishes: given up on, or stopped by an output that cannot be delivered.
        var isDoomed = false
    }

    private struct Waiter {
        var id: Int
        var partitions: Set<TopicPartition>?
        var continuation: CheckedContinuation<Bool, Never>
    }

    init(
        sink: any RecordSink,
        offsetStore: any OffsetStore,
        processor: any RecordProcessing,
        inputTopic: String,
        outputs: OutputTopics,
        budget: OutputBudget,
        timing: Timing = Timing(),
        accounting: PublishAccounting,
        logger: Logger
    ) {
        self.sink = sink
        self.offsetStore = offsetStore
        self.undelivered = UndeliveredOutputs(
            processor: processor,
            inputTopic: inputTopic,
            rejectedTopic: outputs.rejected
        )
        self.budget = budget
        self.timing = timing
        self.accounting = accounting
        self.logger = logger
        self.sequencer = Sequencer(inputTopic: inputTopic)
    }

    // MARK: Chunks

    /// Takes a processed chunk; chunks are handed to the producer strictly in consumption order.
    func submit(_ work: ProcessedWork) async {
        let due = sequencer.accept(work)
        guard !due.isEmpty else { return }
        for chunk in due { budget.sequenced(chunk.outputBytes) }
        budget.setOldestOpen(sequencer.next.sequence)
        ready += due
        await handOver()
    }

    /// The one place records are handed to the sink, so that calls never overlap: first the retries
    /// whose backoff is over, oldest chunk first, then ready chunks in order, unless a retry is
    /// still backing off.
    private func handOver() async {
        guard !isHandingOver else { return }
        isHandingOver = true
        while !isAbandoned, failure == nil {
            if let id = dueRetries.keys.min(), let retry = dueRetries.removeValue(forKey: id) {
                await send(.messages(retry.messages, retry.origins), of: id)
                // The send holds its own count now; the retry's placeholder goes.
                inFlight[id]?.outstanding -= 1
                finishIfDone(id)
                continue
            }
            guard backingOff.isEmpty, !ready.isEmpty else { break }
            let work = ready.removeFirst()
            guard let publishable = sequencer.publishable(work) else {
                budget.finished(work.outputBytes, sequenced: true)
                continue
            }
            var next = PerPartition<Int64>()
            for input in publishable.inputs { next[input.partition] = input.offset + 1 }
            let nextOffsets = Dictionary(
                uniqueKeysWithValues: next.entries.map {
                    (TopicPartition(topic: undelivered.inputTopic, partition: $0.partition), $0.value)
                }
            )
            logger.debug(
                "handing over",
                metadata: ["chunk": "\(work.id)", "partitions": "\(nextOffsets.keys.map(\.description).sorted())"]
            )
            offsets.begin(work.id, nextOffsets: nextOffsets)
            inFlight[work.id] = Chunk(work: publishable, partitions: Set(nextOffsets.keys), handedOverAt: .now)
            accounting.recordInFlight(inFlight.count)
            await send(.outputs(publishable.output), of: work.id)
            FaultInjection.pass(.handedOver)
        }
        isHandingOver = false
        notifyWaiters()
    }

    /// What one delivery sent, to trace a failure back to its input by the failure's index.
    private enum Sent: Sendable {
        /// The chunk's own outputs: a failure's index is a record of ``ProcessedWork/output``.
        case outputs(ProducerBatch)
        /// Copies sent again: a failure's index is a position in the list.
        case messages([ProducerMessage], [UndeliveredOutputs.Origin])
    }

    private func send(_ sent: Sent, of id: WorkID) async {
        let pending: PendingAcknowledgements
        do {
            switch sent {
            case .outputs(let batch):
                guard !batch.records.isEmpty else { return finish(id) }
                pending = try await sink.send(batch)
            case .messages(let messages, _):
                pending = try await sink.send(messages)
            }
        } catch {
            stop(error)
            inFlight[id]?.isDoomed = true
            return
        }
        inFlight[id]?.outstanding += 1
        Task {
            let report = await pending.report()
            await self.acknowledged(id, report: report, sent: sent)
        }
    }

    private func acknowledged(_ id: WorkID, report: DeliveryReport, sent: Sent) async {
        guard var chunk = inFlight[id] else { return }
        chunk.outstanding -= 1
        var resend: [ProducerMessage] = []
        var origins: [UndeliveredOutputs.Origin] = []
        for failure in report.failures {
            switch undelivered.resolve(
                failure,
                origin: origin(of: failure.index, sent: sent, in: chunk.work),
                in: &chunk.work
            ) {
            case .send(let message, let origin):
                resend.append(message)
                origins.append(origin)
            case .covered:
                continue
            case .stop(let error):
                stop(error)
                chunk.isDoomed = true
            }
        }
        inFlight[id] = chunk
        if chunk.isDoomed || isAbandoned {
            // Never finishes: no offset is stored for what it could not deliver.
            notifyWaiters()
            return
        }
        (resend, origins) = owned(resend, origins, of: chunk.work)
        if resend.isEmpty {
            finishIfDone(id)
            return
        }
        chunk.attempt += 1
        inFlight[id]?.attempt = chunk.attempt
        inFlight[id]?.outstanding += 1  // a placeholder for the retry, until it is sent
        backingOff.insert(id)
        accounting.recordRetries(
            resend.count,
            of: report.failures.count,
            attempt: chunk.attempt,
            error: report.failures[0].error
        )
        let backoff = min(timing.firstBackoff * (1 << min(chunk.attempt - 1, 16)), timing.maximumBackoff)
        Task {
            try? await Task.sleep(for: backoff)
            await self.retryDue(resend, origins: origins, of: id)
        }
    }

    /// A retry's backoff is over: it goes before anything else, unless its partitions are no longer
    /// this member's (their next owner reads them again).
    private func retryDue(_ messages: [ProducerMessage], origins: [UndeliveredOutputs.Origin], of id: WorkID) async {
        backingOff.remove(id)
        guard let chunk = inFlight[id], !isAbandoned, failure == nil else { return notifyWaiters() }
        let (messages, origins) = owned(messages, origins, of: chunk.work)
        if messages.isEmpty {
            inFlight[id]?.outstanding -= 1
            finishIfDone(id)
        } else {
            dueRetries[id] = (messages, origins)
        }
        await handOver()
    }

    /// The records among `messages` whose input partition this member still owns.
    private func owned(
        _ messages: [ProducerMessage],
        _ origins: [UndeliveredOutputs.Origin],
        of work: ProcessedWork
    ) -> ([ProducerMessage], [UndeliveredOutputs.Origin]) {
        var kept: ([ProducerMessage], [UndeliveredOutputs.Origin]) = ([], [])
        for (message, origin) in zip(messages, origins) {
            let input = work.inputs[origin.input]
            let partition = TopicPartition(topic: undelivered.inputTopic, partition: input.partition)
            guard sequencer.mayStoreOffsets(for: partition) else { continue }
            kept.0.append(message)
            kept.1.append(origin)
        }
        return kept
    }

    /// Finishes the chunk when nothing of it is outstanding.
    private func finishIfDone(_ id: WorkID) {
        guard let chunk = inFlight[id], chunk.outstanding == 0, !chunk.isDoomed, !isAbandoned else { return }
        finish(id)
    }

    /// The input and kind of the output at `index` of what `sent` sent.
    private func origin(of index: Int, sent: Sent, in work: ProcessedWork) -> UndeliveredOutputs.Origin? {
        switch sent {
        case .messages(_, let origins):
            return origins.indices.contains(index) ? origins[index] : nil
        case .outputs(let batch):
            guard batch.records.indices.contains(index) else { return nil }
            // Inputs hold consecutive, ordered ranges of the outputs: a binary search finds the owner.
            var low = 0
            var high = work.inputs.count
            while low < high {
                let middle = (low + high) / 2
                if work.inputs[middle].outputs.upperBound <= index { low = middle + 1 } else { high = middle }
            }
            guard low < work.inputs.count, work.inputs[low].outputs.contains(index) else { return nil }
            // A batch's topics are listed in `OutputKind` order (`OutputTopics.byKind`).
            let kind = OutputKind(rawValue: UInt8(batch.records[index].topic)) ?? .rejection
            return UndeliveredOutputs.Origin(input: low, kind: kind)
        }
    }

    /// Every output of the chunk is acknowledged: its offsets may be stored.
    private func finish(_ id: WorkID) {
        guard let chunk = inFlight.removeValue(forKey: id) else { return }
        budget.finished(chunk.work.outputBytes, sequenced: true)
        let storable = offsets.complete(id, partitions: chunk.partitions).filter {
            sequencer.mayStoreOffsets(for: $0.topicPartition)
        }
        FaultInjection.pass(.acknowledged)
        do {
            try offsetStore.storeOffsets(storable)
        } catch {
            logger.warning("storing offsets failed", metadata: ["error": "\(error)"])
        }
        if !storable.isEmpty { FaultInjection.pass(.stored) }
        accounting.recordPublished(chunk.work.inputs, since: chunk.handedOverAt, inFlight: inFlight.count)
        notifyWaiters()
    }

    /// Stops the service: the watcher sees ``failure`` and ends the run with exit 2.
    func stop(_ error: KafkaError) {
        guard failure == nil else { return }
        failure = error
        budget.open()
        logger.critical("stopping", metadata: ["error": "\(error)"])
        notifyWaiters()
    }

    /// Why the stage stopped, if it did.
    var stopReason: KafkaError? { failure }

    // MARK: Ownership

    /// Limits publishing to offsets before these ends (a replay's range).
    func limit(to ends: [Int32: Int64]) {
        sequencer.limit(to: ends)
    }

    /// The partitions now belong to this member, from rebalance generation `generation` on.
    func assign(_ partitions: [TopicPartition], generation: UInt64) {
        sequencer.assign(partitions, generation: generation)
    }

    /// An orderly revocation: stops publishing the partitions, waits (at most
    /// ``Timing/revocationTimeout``) for their outputs in flight, stores and commits what finished,
    /// then lets them go. What did not finish in time is given up: it stores nothing, and the next
    /// owner reads it again from the committed offset.
    func revoke(_ partitions: [TopicPartition]) async {
        sequencer.beginRevoking(partitions)
        let revoked = Set(partitions)
        let finished = await waitUntilIdle(partitions: revoked, timeout: timing.revocationTimeout)
        if !finished {
            logger.warning(
                "revoked partitions still had outputs unacknowledged; giving them up, the next owner reads them again",
                metadata: ["partitions": "\(partitions.map(\.description))"]
            )
            offsets.forget(partitions)
        }
        await commit(timeout: timing.commitTimeout)
        sequencer.release(partitions)
        notifyWaiters()
    }

    /// The partitions were lost: another member may own them already, so nothing more is stored.
    func lose(_ partitions: [TopicPartition]) {
        sequencer.release(partitions)
        offsets.forget(partitions)
        notifyWaiters()
    }

    /// Commits the stored offsets now; gives up waiting after `timeout` (the commit may still land:
    /// librdkafka's commit blocks a thread of its own and cannot be cancelled).
    func commit(timeout: Duration? = nil) async {
        let started = ContinuousClock.now
        let store = offsetStore
        let result: Result<Void, KafkaError>? = await FirstResult.race { end in
            Task {
                do throws(KafkaError) {
                    try await store.commit()
                    end(.success(()))
                } catch {
                    end(.failure(error))
                }
            }
            if let timeout {
                Task {
                    try? await Task.sleep(for: timeout)
                    end(nil)
                }
            }
        }
        switch result {
        case .success?: accounting.recordCommit(since: started)
        case .failure(let error)?: logger.warning("commit failed", metadata: ["error": "\(error)"])
        case nil:
            logger.warning("commit did not answer in time; going on", metadata: ["timeout": "\(timeout ?? .zero)"])
        }
    }

    // MARK: Waiting

    /// Returns true once nothing is in flight (for `partitions`, or at all when nil); false when the
    /// wait ended first: `timeout` passed, the stage stopped, or a shutdown gave up.
    @discardableResult
    func waitUntilIdle(partitions: Set<TopicPartition>? = nil, timeout: Duration? = nil) async -> Bool {
        if isIdle(for: partitions) { return true }
        if isAbandoned || failure != nil { return false }
        let id = nextWaiterID
        nextWaiterID += 1
        if let timeout {
            Task {
                try? await Task.sleep(for: timeout)
                await self.endWait(id)
            }
        }
        return await withCheckedContinuation { continuation in
            waiters.append(Waiter(id: id, partitions: partitions, continuation: continuation))
        }
    }

    private func endWait(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: false)
    }

    /// Gives up on everything still in flight, for a shutdown past its drain deadline: every wait
    /// returns now, retries stop, and nothing unfinished stores an offset (it is read again after a
    /// restart).
    func abandonInFlight() {
        isAbandoned = true
        budget.open()
        if !inFlight.isEmpty {
            logger.warning(
                "shutting down with outputs unacknowledged; their inputs are processed again after a restart",
                metadata: ["chunks": "\(inFlight.count)"]
            )
        }
        notifyWaiters()
    }

    /// Whether every chunk of batches up to `sequence` has been released and acknowledged.
    func hasPublished(through sequence: UInt64) -> Bool {
        sequencer.hasReleased(through: sequence) && isIdle(for: nil)
    }

    /// How long the oldest chunk has been waiting for acknowledgement.
    func oldestInFlightAge() -> Duration {
        guard let oldest = inFlight.values.map(\.handedOverAt).min() else { return .zero }
        return .now - oldest
    }

    private func isIdle(for partitions: Set<TopicPartition>?) -> Bool {
        if let partitions { return !offsets.hasPending(in: partitions) }
        return inFlight.isEmpty && ready.isEmpty && dueRetries.isEmpty && !sequencer.isHolding && !isHandingOver
    }

    private func notifyWaiters() {
        let ending = isAbandoned || failure != nil
        var remaining: [Waiter] = []
        for waiter in waiters {
            if isIdle(for: waiter.partitions) {
                waiter.continuation.resume(returning: true)
            } else if ending {
                waiter.continuation.resume(returning: false)
            } else {
                remaining.append(waiter)
            }
        }
        waiters = remaining
    }
}
