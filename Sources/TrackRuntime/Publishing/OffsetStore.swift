import Kafka

/// Where the publish stage records input offsets whose work is done: the Kafka consumer (which
/// commits stored offsets in the background and on ``commit()``), or an in-memory store in tests.
protocol OffsetStore: Sendable {
    /// Records the next offsets to read (the last finished record's offset + 1).
    func storeOffsets(_ offsets: [TopicPartitionOffset]) throws(KafkaError)
    /// Commits what is stored, now, and waits for the broker's answer.
    func commit() async throws(KafkaError)
}

extension KafkaConsumer: OffsetStore {}
