import Kafka
import Logging
import Synchronization

/// Connects the consumer's rebalances to the stages: ownership moves to the publish stage (which
/// drains and commits revoked partitions before they are released) and to the consume stage's view
/// of the assignment.
final class RebalanceCoordinator: RebalanceHandler {
    private let parts = Mutex<(publisher: PublishStage, consumer: KafkaConsumer)?>(nil)
    private let owned = Mutex<Set<TopicPartition>>([])
    private let metrics: PipelineMetrics
    private let statistics: PipelineStatistics

    init(metrics: PipelineMetrics, statistics: PipelineStatistics) {
        self.metrics = metrics
        self.statistics = statistics
    }

    /// Completes the wiring; called before the consumer subscribes.
    func attach(publisher: PublishStage, consumer: KafkaConsumer) {
        parts.withLock { $0 = (publisher, consumer) }
    }

    /// The partitions this member owns now.
    var assignment: Set<TopicPartition> { owned.withLock { $0 } }

    /// Whether this member owns `partition` now.
    func owns(_ partition: TopicPartition) -> Bool { owned.withLock { $0.contains(partition) } }

    func partitionsAssigned(_ partitions: [TopicPartition]) async {
        guard let (publisher, consumer) = parts.withLock({ $0 }) else { return }
        await publisher.assign(partitions, generation: consumer.rebalanceGeneration)
        update(adding: partitions, removing: [])
        metrics.recordRebalance("assigned")
    }

    func partitionsRevoked(_ partitions: [TopicPartition]) async {
        update(adding: [], removing: partitions)
        await parts.withLock({ $0 })?.publisher.revoke(partitions)
        metrics.recordRebalance("revoked")
    }

    func partitionsLost(_ partitions: [TopicPartition]) async {
        update(adding: [], removing: partitions)
        await parts.withLock({ $0 })?.publisher.lose(partitions)
        metrics.recordRebalance("lost")
    }

    private func update(adding: [TopicPartition], removing: [TopicPartition]) {
        let count = owned.withLock { owned in
            owned.formUnion(adding)
            owned.subtract(removing)
            return owned.count
        }
        // A partition handed over is another member's to report: its lag series go with it, so no
        // replica keeps exporting a stale lag for a partition it no longer reads.
        for partition in removing {
            statistics.removeLag(for: partition.description)
            metrics.removeLag(topic: partition.topic, partition: partition.partition)
        }
        statistics.setAssignedPartitions(count)
    }
}
