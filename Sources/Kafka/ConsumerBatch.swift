import CRdKafka

/// Records consumed in one poll, handed over without copying their keys or values.
///
/// The batch owns librdkafka's messages and frees them when the last reference goes; the
/// ``ConsumedRecord`` views it hands out are valid while the batch is alive. Releasing a batch
/// also frees its slot in the consumer's in-flight budget (see ``KafkaConsumer``).
///
/// `@unchecked Sendable`: the messages are never mutated after the poll thread builds the batch,
/// librdkafka allows reading them from any thread, and they are destroyed once, in `deinit`.
public final class ConsumerBatch: @unchecked Sendable, RandomAccessCollection {
    private let messages: UnsafeMutableBufferPointer<UnsafeMutablePointer<rd_kafka_message_t>>
    /// Keeps the client alive while its messages are: librdkafka requires that.
    private let handle: ClientHandle
    private let onRelease: @Sendable () -> Void
    /// The consumer's rebalance generation when the batch was polled (see
    /// ``KafkaConsumer/rebalanceGeneration``): records of a partition are current only when the
    /// batch is not older than the partition's latest assignment.
    public let rebalanceGeneration: UInt64
    /// When the poll thread received the batch: the start of its time in the application.
    public let polledAt = ContinuousClock.now

    init(
        messages: UnsafeMutableBufferPointer<UnsafeMutablePointer<rd_kafka_message_t>>,
        handle: ClientHandle,
        rebalanceGeneration: UInt64,
        onRelease: @escaping @Sendable () -> Void
    ) {
        self.messages = messages
        self.handle = handle
        self.rebalanceGeneration = rebalanceGeneration
        self.onRelease = onRelease
    }

    deinit {
        for message in messages { rd_kafka_message_destroy(message) }
        messages.deallocate()
        onRelease()
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { messages.count }

    public subscript(position: Int) -> ConsumedRecord {
        ConsumedRecord(message: messages[position])
    }
}

/// A view of one consumed record, valid while its ``ConsumerBatch`` is alive.
public struct ConsumedRecord {
    let message: UnsafeMutablePointer<rd_kafka_message_t>

    public var topic: String { String(cString: rd_kafka_topic_name(message.pointee.rkt)) }
    public var partition: Int32 { message.pointee.partition }
    public var offset: Int64 { message.pointee.offset }
    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }

    /// The record's timestamp in milliseconds since the epoch, or `nil` when it has none.
    public var timestamp: Int64? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let value = rd_kafka_message_timestamp(message, &type)
        return type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : value
    }

    /// The key's bytes, or `nil` for a null key.
    public var key: UnsafeRawBufferPointer? {
        message.pointee.key.map { UnsafeRawBufferPointer(start: $0, count: message.pointee.key_len) }
    }

    /// The value's bytes, or `nil` for a tombstone (null value).
    public var value: UnsafeRawBufferPointer? {
        message.pointee.payload.map { UnsafeRawBufferPointer(start: $0, count: message.pointee.len) }
    }

    /// The record's headers, copied.
    public var headers: [KafkaHeader] {
        var headers: OpaquePointer?
        guard rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else {
            return []
        }
        return KafkaHeader.read(headers)
    }
}
