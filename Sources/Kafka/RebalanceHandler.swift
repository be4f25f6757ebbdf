/// Told about partition ownership changes while the consumer holds the rebalance open.
///
/// librdkafka waits for these methods to return before it applies the change, so the application
/// can commit the work done for revoked partitions and drop the rest *before* another member owns
/// them. Keep them short: the group waits too (bounded by `max.poll.interval.ms`).
public protocol RebalanceHandler: Sendable {
    /// The partitions were added to this member's assignment (they start at their committed offsets).
    func partitionsAssigned(_ partitions: [TopicPartition]) async
    /// The partitions are being taken away in an orderly rebalance: committing still works.
    func partitionsRevoked(_ partitions: [TopicPartition]) async
    /// The partitions were lost (session timeout, fenced): another member may already own them,
    /// so do not commit for them.
    func partitionsLost(_ partitions: [TopicPartition]) async
}
