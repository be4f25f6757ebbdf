/// What a ``KafkaConsumer`` delivers, in the order its poll thread saw it.
public enum ConsumerEvent: Sendable {
    /// Records, at most `maximumBatchSize` of them, possibly of several partitions.
    case records(ConsumerBatch)
    /// The consumer reached the end of a partition: `offset` is the next offset to be written
    /// (the high watermark at that moment). Needs `enable.partition.eof=true` (the default here).
    case endOfPartition(TopicPartition, offset: Int64)
    /// A consumer error librdkafka reported (most are transient and retried by librdkafka).
    case error(KafkaError)
}
