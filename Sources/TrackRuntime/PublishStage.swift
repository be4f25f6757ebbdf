import Kafka
import Logging
import TrackDomain

/// The publish stage: produces each batch's outputs in consumption order, waits for the broker's
/// acknowledgements off the actor, and stores input offsets once everything they produced is
/// acknowledged (at-least-once). It also owns partition ownership: records of a partition that was
/// revoked are never published, and a revocation waits for that partition's in-flight outputs
/// and commits before the partition is released.
actor PublishStage {
    private let producer: KafkaProducer
    private let consumer: KafkaConsumer
    private let processor: any RecordProcessing
    private let inputTopic: String
    private let outputs: OutputTopics
    private var rejectedTopic: String { outputs.rejected }
    private let metrics: PipelineMetrics
    private let statistics: PipelineStatistics
    private let logger: Logger

    private var reorderBuffer: [UInt64: ProcessedWork] = [:]
    private var nextSequence: UInt64 = 1
    private var isDraining = false
    /// Owned partitions and the rebalance generation of their latest assignment.
    private var assignedSince: [TopicPartition: UInt64] = [:]
    /// For a replay: per partition, the first offset past the range; later records are not published.
    private var rangeEnds: [Int32: Int64]?
    private var offsets = OffsetTracker()
    private var inFlight: [UInt64: InFlightBatch] = [:]
    private var waiters: [Waiter] = []
    private var fatalError: KafkaError?
    /// Set when a shutdown gives up on what is still in flight: waits return, retries stop, and the
    /// offsets of unfinished batches are never stored (they are processed again after a restart).
    private var isAbandoned = false

    private struct InFlightBatch {
        var work: ProcessedWork
        var partitions: Set<TopicPartition>
        var outstandingDeliveries: Int
        var enqueuedAt: ContinuousClock.Instant
        var attempt = 0
    }

    private struct Waiter {
        var partitions: Set<TopicPartition>?
        var continuation: CheckedContinuation<Void, Never>
    }

    init(
        producer: KafkaProducer,
        consumer: KafkaConsumer,
        processor: any RecordProcessing,
        inputTopic: String,
        outputs: OutputTopics,
        metrics: PipelineMetrics,
        statistics: PipelineStatistics,
        logger: Logger
    ) {
        self.producer = producer
        self.consumer = consumer
        self.processor = processor
        self.inputTopic = inputTopic
        self.outputs = outputs
        self.metrics = metrics
        self.statistics = statistics
        self.logger = logger
    }

    // MARK: Batches

    /// Accepts a processed batch; batches are published strictly in sequence order.
    func submit(_ work: ProcessedWork) async {
        reorderBuffer[work.sequence] = work
        guard !isDraining else { return }
        isDraining = true
        while let next = reorderBuffer.removeValue(forKey: nextSequence) {
            nextSequence += 1
            await publish(next)
        }
        isDraining = false
        notifyWaiters()
    }

    private func publish(_ work: ProcessedWork) async {
        let current = currentInputs(of: work)
        var next = PerPartition<Int64>()
        for input in current { next[input.partition] = input.offset + 1 }
        guard !next.isEmpty else { return }
        let nextOffsets = Dictionary(
            uniqueKeysWithValues: next.entries.map {
                (TopicPartition(topic: inputTopic, partition: $0.partition), $0.value)
            }
        )
        var publishable = work
        if current.count != work.inputs.count {
            publishable.output = work.output.keeping(current.lazy.flatMap { $0.outputs })
            var position = 0
            publishable.inputs = current.map { input in
                var moved = input
                moved.outputs = position..<(position + input.outputs.count)
                position += input.outputs.count
                return moved
            }
        }
        offsets.begin(sequence: work.sequence, nextOffsets: nextOffsets)
        inFlight[work.sequence] = InFlightBatch(
            work: publishable,
            partitions: Set(nextOffsets.keys),
            outstandingDeliveries: 0,
            enqueuedAt: .now
        )
        metrics.inFlightBatches.record(inFlight.count)
        await deliver(publishable.output, for: work.sequence)
    }

    /// What a delivery sent, to trace each failure back to its input by the failure's index.
    private enum Sent: Sendable {
        /// The batch's own outputs: a failure's index is a record of ``ProcessedWork/output``.
        case outputs
        /// Retried copies: a failure's index is a position in this list (nil: origin unknown, the
        /// record is only ever retried).
        case retries([OriginRecord?])
    }

    /// Where an output came from: its input (an index into ``ProcessedWork/inputs``) and its kind.
    private struct OriginRecord: Sendable {
        var input: Int
        var kind: OutputKind
    }

    /// Inputs whose partition this member still owns since before the batch was polled (and, in a
    /// replay, that lie inside the range): usually all of them, returned without a copy.
    private func currentInputs(of work: ProcessedWork) -> [ProcessedInput] {
        let generation = work.batch.rebalanceGeneration
        var verdicts = PerPartition<Bool>()
        var keepsAll = rangeEnds == nil
        for input in work.inputs where verdicts[input.partition] == nil {
            let since = assignedSince[TopicPartition(topic: inputTopic, partition: input.partition)]
            let verdict = since.map { generation >= $0 } ?? false
            verdicts[input.partition] = verdict
            keepsAll = keepsAll && verdict
        }
        if keepsAll { return work.inputs }
        var current: [ProcessedInput] = []
        current.reserveCapacity(work.inputs.count)
        for input in work.inputs where verdicts[input.partition] == true {
            if let end = rangeEnds?[input.partition], input.offset >= end { continue }
            current.append(input)
        }
        return current
    }

    /// Hands a batch's outputs to the producer (without copying them) and awaits their
    /// acknowledgement in a task of its own.
    private func deliver(_ output: ProducerBatch, for sequence: UInt64) async {
        await deliver(count: output.records.count, sent: .outputs, for: sequence) { () async throws(KafkaError) in
            try await producer.enqueue(output)
        }
    }

    /// Hands retried records to the producer, each with the input and kind it came from.
    private func deliver(_ messages: [ProducerMessage], origins: [OriginRecord?], for sequence: UInt64) async {
        await deliver(count: messages.count, sent: .retries(origins), for: sequence) {
            () async throws(KafkaError) in
            try await producer.enqueue(messages)
        }
    }

    private func deliver(
        count: Int,
        sent: Sent,
        for sequence: UInt64,
        _ enqueue: () async throws(KafkaError) -> PendingDelivery
    ) async {
        guard count > 0 else {
            finish(sequence)
            return
        }
        let pending: PendingDelivery
        do {
            pending = try await enqueue()
        } catch {
            fatalError = error
            // The batch never finishes: its offsets must not be stored for outputs never produced.
            inFlight[sequence]?.outstandingDeliveries += 1
            logger.critical("the producer failed fatally; stopping", metadata: ["error": "\(error)"])
            return
        }
        inFlight[sequence]?.outstandingDeliveries += 1
        Task {
            let report = await pending.report()
            await self.acknowledged(sequence, report: report, sent: sent)
        }
    }

    private func acknowledged(_ sequence: UInt64, report: DeliveryReport, sent: Sent) async {
        guard var batch = inFlight[sequence] else { return }
        batch.outstandingDeliveries -= 1
        inFlight[sequence] = batch
        if !report.failures.isEmpty {
            await handle(report.failures, sent: sent, of: sequence)
        }
        if inFlight[sequence]?.outstandingDeliveries == 0 { finish(sequence) }
    }

    /// Retries what may succeed later, with backoff (the service reports itself stalled meanwhile):
    /// transient errors, and errors about the destination rather than the record (authorization, a
    /// missing topic), which an operator can fix. An output the broker refuses as such (too large,
    /// malformed, a timestamp or policy it does not accept) turns its input into a `processing_error`
    /// rejection, one per input, so that nothing is dropped silently and the partition moves on. A
    /// rejection the broker refuses is sent again leaving out more (``RejectionOmissions``); one that
    /// cannot be sent even then stops the service, its input's offset never stored. A fatal error
    /// stops it too.
    private func handle(_ failures: [DeliveryFailure], sent: Sent, of sequence: UInt64) async {
        guard !isAbandoned, var batch = inFlight[sequence] else { return }
        batch.attempt += 1
        var retry: [ProducerMessage] = []
        var origins: [OriginRecord?] = []
        for failure in failures {
            let origin = origin(of: failure, sent: sent, in: batch.work)
            switch failure.error.deliveryClass {
            case .fatal:
                stop(failure.error)
            case .transient, .destination:
                retry.append(failure.message)
                origins.append(origin)
            case .record where origin == nil:
                stop(failure.error, undeliverable: "an output that matches no input record")
            case .record where origin?.kind == .rejection:
                guard let smaller = Self.stripped(failure) else {
                    stop(
                        failure.error,
                        undeliverable: "a rejection, even without its payload, key, headers and timestamp"
                    )
                    continue
                }
                retry.append(smaller)
                origins.append(origin)
            case .record:
                if let origin, let rejection = replaceUndeliverable(failure, origin: origin, in: &batch) {
                    retry.append(rejection)
                    origins.append(OriginRecord(input: origin.input, kind: .rejection))
                }
            }
        }
        inFlight[sequence] = batch
        guard fatalError == nil else {
            // Stopping: the batch never finishes, so no offset is stored for what it could not deliver.
            inFlight[sequence]?.outstandingDeliveries += 1
            return
        }
        guard !retry.isEmpty else { return }
        metrics.deliveryRetries.increment(by: retry.count)
        logger.warning(
            "outputs not delivered; retrying",
            metadata: [
                "records": "\(failures.count)", "attempt": "\(batch.attempt)",
                "error": "\(failures[0].error)",
            ]
        )
        let backoff = Duration.milliseconds(min(100 << min(batch.attempt, 6), 5000))
        inFlight[sequence]?.outstandingDeliveries += 1
        try? await Task.sleep(for: backoff)
        inFlight[sequence]?.outstandingDeliveries -= 1
        await deliver(retry, origins: origins, for: sequence)
    }

    /// Stops the service: the watcher sees ``failure`` and ends the run with exit 2.
    private func stop(_ error: KafkaError, undeliverable what: String? = nil) {
        guard fatalError == nil else { return }
        var failure = error
        if let what {
            failure.context =
                "\(what) could not be delivered to \(error.context.isEmpty ? "its topic" : error.context); "
                + "stopping without committing its input"
        }
        fatalError = failure
        logger.critical("stopping: an output cannot be delivered", metadata: ["error": "\(failure)"])
    }

    /// A refused rejection as the next, stricter step leaves it (``RejectionOmissions``); nil when
    /// nothing is left to leave out.
    private static func stripped(_ failure: DeliveryFailure) -> ProducerMessage? {
        var message = failure.message
        let marker = message.headers.first { $0.name == RejectionOmissions.headerName }
        let current = marker.map { RejectionOmissions(headerValue: String(decoding: $0.value ?? [], as: UTF8.self)) }
        guard let next = (current ?? []).next else { return nil }
        let originalHeaders = message.headers.filter { $0.name != RejectionOmissions.headerName }
        let carried = CarriedFields.of(keyBytes: message.key?.count, headers: originalHeaders)
        guard
            let value = RejectionEncoder.stripped(
                message.value ?? [],
                omitting: next,
                carried: carried,
                reason: "the broker refused the rejection with it: \(failure.error.message) (\(failure.error.name))"
            )
        else { return nil }
        message.value = value
        message.headers = next.contains(.keyAndHeaders) ? [] : originalHeaders
        message.headers.append(KafkaHeader(name: RejectionOmissions.headerName, value: Array(next.headerValue.utf8)))
        if next.contains(.keyAndHeaders) { message.key = nil }
        if next.contains(.timestamp) { message.timestamp = nil }
        return message
    }

    /// The input and kind of the output a failure is about, found by the failure's index.
    private func origin(of failure: DeliveryFailure, sent: Sent, in work: ProcessedWork) -> OriginRecord? {
        switch sent {
        case .retries(let origins):
            return origins.indices.contains(failure.index) ? origins[failure.index] : nil
        case .outputs:
            guard work.output.records.indices.contains(failure.index) else { return nil }
            // Inputs hold consecutive, ordered ranges of the outputs: a binary search finds the owner.
            var low = 0
            var high = work.inputs.count
            while low < high {
                let middle = (low + high) / 2
                if work.inputs[middle].outputs.upperBound <= failure.index { low = middle + 1 } else { high = middle }
            }
            guard low < work.inputs.count, work.inputs[low].outputs.contains(failure.index) else { return nil }
            // A batch's topics are listed in `OutputKind` order (`OutputTopics.byKind`).
            let kind = OutputKind(rawValue: UInt8(work.output.records[failure.index].topic)) ?? .rejection
            return OriginRecord(input: low, kind: kind)
        }
    }

    /// The `processing_error` rejection of the input whose output `failure` can never be delivered,
    /// or nil when that input has one already; the input's counts follow.
    private func replaceUndeliverable(
        _ failure: DeliveryFailure,
        origin: OriginRecord,
        in batch: inout InFlightBatch
    ) -> ProducerMessage? {
        switch origin.kind {
        case .enriched: batch.work.inputs[origin.input].enriched -= 1
        case .signal: batch.work.inputs[origin.input].signals -= 1
        case .rejection: break
        }
        let input = batch.work.inputs[origin.input]
        guard input.rejectionReason == nil else { return nil }
        batch.work.inputs[origin.input].rejectionReason = RejectionReason.processingError.rawValue
        let record = batch.work.batch.first { $0.partition == input.partition && $0.offset == input.offset }
        guard let record else { return nil }
        let source = SourceCoordinates(
            topic: inputTopic,
            partition: record.partition,
            offset: record.offset,
            timestamp: record.timestamp
        )
        var output = OutputBuffer(capacity: 1024 + (record.value?.count ?? 0) * 2, expectedRecords: 1)
        let headers = record.headers
        let omissions = processor.appendProcessingErrorRejection(
            value: record.value,
            source: source,
            error: "an output to \(failure.message.topic) could not be delivered: \(failure.error.message)",
            carrying: .of(record, headers: headers),
            into: &output
        )
        let rejection = output.finish().record(at: 0)
        var message = ProducerMessage(
            topic: rejectedTopic,
            key: record.key.map(Array.init),
            value: rejection.value,
            headers: headers,
            timestamp: record.timestamp
        )
        if omissions.contains(.keyAndHeaders) {
            message.key = nil
            message.headers = []
        }
        if !omissions.isEmpty {
            message.headers.append(
                KafkaHeader(name: RejectionOmissions.headerName, value: Array(omissions.headerValue.utf8))
            )
        }
        return message
    }

    private func finish(_ sequence: UInt64) {
        guard let batch = inFlight.removeValue(forKey: sequence) else { return }
        let committable = offsets.complete(sequence: sequence, partitions: batch.partitions)
        let owned = committable.filter { assignedSince[$0.topicPartition] != nil }
        do {
            try consumer.storeOffsets(owned)
        } catch {
            logger.warning("storing offsets failed", metadata: ["error": "\(error)"])
        }
        account(batch.work)
        metrics.deliveryDuration.recordInterval(since: batch.enqueuedAt)
        metrics.inFlightBatches.record(inFlight.count)
        notifyWaiters()
    }

    private func account(_ work: ProcessedWork) {
        var enriched = 0
        var signals = 0
        var rejectedByReason: [String: Int] = [:]
        for input in work.inputs {
            enriched += input.enriched
            signals += input.signals
            if let reason = input.rejectionReason { rejectedByReason[reason, default: 0] += 1 }
        }
        let rejected = rejectedByReason.values.reduce(0, +)
        statistics.recordPublished(inputs: work.inputs.count, enriched: enriched, signals: signals, rejected: rejected)
        metrics.recordProduced(enriched, topic: outputs.enriched)
        metrics.recordProduced(signals, topic: outputs.signals)
        metrics.recordProduced(rejected, topic: outputs.rejected)
        for (reason, count) in rejectedByReason { metrics.recordRejected(count, reason: reason) }
    }

    // MARK: Ownership

    /// Limits publishing to offsets before these ends (a replay's range).
    func limit(to ends: [Int32: Int64]) {
        rangeEnds = ends
    }

    /// The partitions now belong to this member, from rebalance generation `generation` on.
    func assign(_ partitions: [TopicPartition], generation: UInt64) {
        for partition in partitions { assignedSince[partition] = generation }
    }

    /// An orderly revocation: stop publishing for the partitions, wait for their outputs in
    /// flight, then commit, all before librdkafka releases them.
    func revoke(_ partitions: [TopicPartition]) async {
        for partition in partitions { assignedSince[partition] = nil }
        await waitUntilIdle(partitions: Set(partitions))
        await commit()
    }

    /// The partitions were lost: another member may own them already, so nothing is committed.
    func lose(_ partitions: [TopicPartition]) {
        for partition in partitions { assignedSince[partition] = nil }
        offsets.forget(partitions)
        notifyWaiters()
    }

    /// Commits the stored offsets now.
    func commit() async {
        let started = ContinuousClock.now
        do {
            try await consumer.commit()
            metrics.commitDuration.recordInterval(since: started)
        } catch {
            logger.warning("commit failed", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Waiting

    /// Returns once nothing is in flight (for `partitions`, or at all when nil).
    func waitUntilIdle(partitions: Set<TopicPartition>? = nil) async {
        guard !isAbandoned, !isIdle(for: partitions) else { return }
        await withCheckedContinuation { continuation in
            waiters.append(Waiter(partitions: partitions, continuation: continuation))
        }
    }

    /// Gives up on the batches still in flight, for a shutdown past its drain deadline: every wait
    /// returns now (so that the revocation and the group leave can proceed), retries stop, and
    /// nothing unfinished is committed.
    func abandonInFlight() {
        isAbandoned = true
        let released = waiters
        waiters = []
        for waiter in released { waiter.continuation.resume() }
        if !inFlight.isEmpty {
            logger.warning(
                "shutting down with outputs unacknowledged; their inputs are processed again after a restart",
                metadata: ["batches": "\(inFlight.count)"]
            )
        }
    }

    /// Whether every batch up to sequence number `sequence` has arrived and nothing is in flight.
    func hasPublished(through sequence: UInt64) -> Bool {
        nextSequence > sequence && isIdle(for: nil)
    }

    /// How long the oldest batch has been waiting for acknowledgement.
    func oldestInFlightAge() -> Duration {
        guard let oldest = inFlight.values.map(\.enqueuedAt).min() else { return .zero }
        return .now - oldest
    }

    var failure: KafkaError? { fatalError }

    private func isIdle(for partitions: Set<TopicPartition>?) -> Bool {
        if let partitions { return !offsets.hasPending(in: partitions) }
        return inFlight.isEmpty && reorderBuffer.isEmpty && !isDraining
    }

    private func notifyWaiters() {
        var remaining: [Waiter] = []
        for waiter in waiters {
            if isIdle(for: waiter.partitions) {
                waiter.continuation.resume()
            } else {
                remaining.append(waiter)
            }
        }
        waiters = remaining
    }
}
