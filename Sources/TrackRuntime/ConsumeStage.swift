import Kafka
import Logging

/// The consume stage: takes batches from the consumer in order, numbers them, hands each to a
/// processing worker and its result to the publish stage, keeps lag figures, and (for
/// `--until-caught-up`) decides when every assigned partition has been read to its end.
struct ConsumeStage: Sendable {
    let consumer: KafkaConsumer
    let workers: [ProcessStage]
    let publisher: PublishStage
    let coordinator: RebalanceCoordinator
    let metrics: PipelineMetrics
    let statistics: PipelineStatistics
    let untilCaughtUp: Bool
    let logger: Logger

    /// Runs until the consumer's events end (after ``KafkaConsumer/close()``) or, with
    /// `untilCaughtUp`, until everything assigned is read and acknowledged.
    func run() async {
        await withDiscardingTaskGroup { group in
            var sequence: UInt64 = 0
            var atEnd = Set<TopicPartition>()
            for await event in consumer.events {
                switch event {
                case .records(let batch):
                    sequence += 1
                    let work = ConsumedWork(sequence: sequence, batch: batch)
                    let worker = workers[Int(sequence % UInt64(workers.count))]
                    group.addTask {
                        let processed = await worker.process(work)
                        await publisher.submit(processed)
                    }
                    statistics.recordConsumed(batch.count)
                    metrics.consumed.increment(by: batch.count)
                    recordLag(of: batch, leavingEnd: &atEnd)
                case .endOfPartition(let partition, let offset):
                    atEnd.insert(partition)
                    statistics.setLag(0, for: partition.description)
                    metrics.recordLag(records: 0, seconds: 0, topic: partition.topic, partition: partition.partition)
                    logger.debug("end of partition", metadata: ["partition": "\(partition)", "offset": "\(offset)"])
                case .error(let error):
                    logger.warning("consumer error", metadata: ["error": "\(error)"])
                }
                if untilCaughtUp, await isCaughtUp(atEnd) {
                    logger.info("caught up: every assigned partition is read and every output acknowledged")
                    break
                }
            }
        }
    }

    /// Lag per partition from the fetch high watermark (exact on every broker) and the age of the
    /// newest consumed record; one look per partition per batch.
    private func recordLag(of batch: ConsumerBatch, leavingEnd atEnd: inout Set<TopicPartition>) {
        var newest: [Int32: (offset: Int64, timestamp: Int64?)] = [:]
        for record in batch { newest[record.partition] = (record.offset, record.timestamp) }
        guard let topicName = batch.first?.topic else { return }
        let now = WallClock.milliseconds()
        for (partition, last) in newest {
            let topicPartition = TopicPartition(topic: topicName, partition: partition)
            atEnd.remove(topicPartition)
            guard let high = consumer.cachedWatermarks(topicPartition)?.high else { continue }
            let records = max(0, high - last.offset - 1)
            let seconds = records > 0 ? last.timestamp.map { max(0, Double(now - $0) / 1000) } ?? 0 : 0
            statistics.setLag(records, for: topicPartition.description)
            metrics.recordLag(records: records, seconds: seconds, topic: topicName, partition: partition)
        }
    }

    private func isCaughtUp(_ atEnd: Set<TopicPartition>) async -> Bool {
        let assignment = coordinator.assignment
        guard !assignment.isEmpty, assignment.isSubset(of: atEnd) else { return false }
        await publisher.waitUntilIdle()
        // Work released by the stages a moment after the publisher went idle: give it a moment.
        for _ in 0..<20 where consumer.inFlightBatches > 0 {
            try? await Task.sleep(for: .milliseconds(25))
        }
        return consumer.inFlightBatches == 0
    }
}
