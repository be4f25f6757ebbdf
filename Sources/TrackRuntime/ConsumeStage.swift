import Kafka
import Logging
import Synchronization

/// The consume stage: takes batches from the consumer in order, numbers them, hands each to a
/// processing worker and its result to the publish stage, keeps lag figures, and decides when the
/// work is complete (see ``Completion``).
struct ConsumeStage: Sendable {
    /// When the stage stops on its own.
    enum Completion: Sendable {
        /// Never: a service runs until it is shut down.
        case never
        /// When every assigned partition is at its end and every output acknowledged.
        case caughtUp
        /// When each partition has reached its end offset (or the end of its log), for a replay.
        case range(ends: [TopicPartition: Int64])
    }

    let consumer: KafkaConsumer
    let workers: [ProcessStage]
    let publisher: PublishStage
    let coordinator: RebalanceCoordinator
    let metrics: PipelineMetrics
    let statistics: PipelineStatistics
    let completion: Completion
    let logger: Logger
    /// The sequence number of the last batch handed to a worker.
    private let dispatched = LastDispatched()

    /// Runs until the consumer's events end (after ``KafkaConsumer/close()``) or the work is complete.
    func run() async {
        await withDiscardingTaskGroup { group in
            var sequence: UInt64 = 0
            var atEnd = Set<TopicPartition>()
            if case .range(let ends) = completion {
                for (partition, end) in ends where end <= 0 { atEnd.insert(partition) }
                if await isComplete(atEnd, holdingBatches: 0) { return }
            }
            for await event in consumer.events {
                switch event {
                case .records(let batch):
                    sequence += 1
                    dispatched.sequence.store(sequence, ordering: .releasing)
                    let work = ConsumedWork(sequence: sequence, batch: batch)
                    let worker = workers[Int(sequence % UInt64(workers.count))]
                    group.addTask {
                        await worker.process(work) { chunk in await publisher.submit(chunk) }
                    }
                    statistics.recordConsumed(batch.count)
                    metrics.consumed.increment(by: batch.count)
                    recordLag(of: batch, leavingEnd: &atEnd)
                    if case .range(let ends) = completion { markRangeEnds(of: batch, ends: ends, done: &atEnd) }
                case .endOfPartition(let partition, let offset):
                    atEnd.insert(partition)
                    if coordinator.owns(partition) {
                        statistics.setLag(0, for: partition.description)
                        metrics.recordLag(
                            records: 0,
                            seconds: 0,
                            topic: partition.topic,
                            partition: partition.partition
                        )
                    }
                    logger.debug("end of partition", metadata: ["partition": "\(partition)", "offset": "\(offset)"])
                case .error(let error) where error.deliveryClass == .fatal:
                    // The consumer is unusable (e.g. fenced by a newer member with the same
                    // group.instance.id): stop, committing nothing more.
                    await publisher.stop(error)
                    return
                case .error(let error):
                    logger.warning("consumer error", metadata: ["error": "\(error)"])
                }
                let holding: Int
                if case .records = event { holding = 1 } else { holding = 0 }
                if await isComplete(atEnd, holdingBatches: holding) {
                    logger.info("complete: every partition is read to its end and every output acknowledged")
                    break
                }
            }
        }
    }

    /// The drain of a graceful shutdown: stops fetching, then waits (at most `timeout`) until every
    /// batch taken so far is published and acknowledged, so that the final commit covers it. Past
    /// the deadline the publisher abandons what is left, so that leaving the group cannot hang on
    /// outputs that are never acknowledged.
    func drain(timeout: Duration) async {
        try? consumer.pause(Array(coordinator.assignment))
        let last = dispatched.sequence.load(ordering: .acquiring)
        let deadline = ContinuousClock.now + timeout
        while await !publisher.hasPublished(through: last), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        await publisher.abandonInFlight()
    }

    /// Lag per partition from the fetch high watermark (exact on every broker) and the age of the
    /// newest consumed record; one look per partition per batch.
    private func recordLag(of batch: ConsumerBatch, leavingEnd atEnd: inout Set<TopicPartition>) {
        var newest = PerPartition<(offset: Int64, timestamp: Int64?)>()
        for record in batch { newest[record.partition] = (record.offset, record.timestamp) }
        guard let topicName = batch.first?.topic else { return }
        let now = WallClock.milliseconds()
        for (partition, last) in newest.entries {
            let topicPartition = TopicPartition(topic: topicName, partition: partition)
            atEnd.remove(topicPartition)
            // A batch polled before a revoke must not bring back the lag series of a partition handed over.
            guard coordinator.owns(topicPartition), let high = consumer.cachedWatermarks(topicPartition)?.high else {
                continue
            }
            let records = Lag.records(highWatermark: high, after: last.offset)
            let seconds = records > 0 ? last.timestamp.map { Lag.seconds(now: now, since: $0) } ?? 0 : 0
            statistics.setLag(records, for: topicPartition.description)
            metrics.recordLag(records: records, seconds: seconds, topic: topicName, partition: partition)
        }
    }

    /// A replay's partition is done once a record at or past its end offset arrives; fetching it
    /// then stops.
    private func markRangeEnds(of batch: ConsumerBatch, ends: [TopicPartition: Int64], done: inout Set<TopicPartition>)
    {
        var reached: [TopicPartition] = []
        for (partition, end) in ends where !done.contains(partition) {
            if batch.contains(where: { $0.partition == partition.partition && $0.offset >= end - 1 }) {
                reached.append(partition)
            }
        }
        guard !reached.isEmpty else { return }
        done.formUnion(reached)
        try? consumer.pause(reached)
    }

    /// Whether the work is complete; `holdingBatches` are batches this loop itself still holds.
    private func isComplete(_ atEnd: Set<TopicPartition>, holdingBatches: Int) async -> Bool {
        let expected: Set<TopicPartition>
        switch completion {
        case .never: return false
        case .caughtUp: expected = coordinator.assignment
        case .range(let ends): expected = Set(ends.keys)
        }
        guard !expected.isEmpty, expected.isSubset(of: atEnd) else { return false }
        await publisher.waitUntilIdle()
        // Work released by the stages a moment after the publisher went idle: give it a moment.
        for _ in 0..<20 where consumer.inFlightBatches > holdingBatches {
            try? await Task.sleep(for: .milliseconds(25))
        }
        return consumer.inFlightBatches <= holdingBatches
    }
}

/// The sequence number of the last batch the consume stage handed on, read by a drain.
private final class LastDispatched: Sendable {
    let sequence = Atomic<UInt64>(0)
}
