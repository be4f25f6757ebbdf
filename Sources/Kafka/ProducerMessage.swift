/// A record to produce.
public struct ProducerMessage: Sendable, Hashable {
    public var topic: String
    /// The partition, or `nil` for the configured partitioner (by key hash).
    public var partition: Int32?
    public var key: [UInt8]?
    /// The value, or `nil` for a tombstone.
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// Milliseconds since the epoch (CreateTime), or `nil` for the time of production.
    public var timestamp: Int64?

    public init(
        topic: String,
        partition: Int32? = nil,
        key: [UInt8]? = nil,
        value: [UInt8]?,
        headers: [KafkaHeader] = [],
        timestamp: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }
}

/// A Kafka record header; names may repeat, values may be null.
public struct KafkaHeader: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }
}

/// The outcome of producing a batch: how many records the broker acknowledged, and the ones it
/// did not, each with its error, so the caller can retry or give up on exactly those.
public struct DeliveryReport: Sendable {
    public var delivered: Int
    public var failures: [DeliveryFailure]

    public init(delivered: Int, failures: [DeliveryFailure]) {
        self.delivered = delivered
        self.failures = failures
    }

    public var allDelivered: Bool { failures.isEmpty }
}

/// A record that was not delivered.
public struct DeliveryFailure: Sendable, Error {
    /// The record as it was sent (a copy).
    public var message: ProducerMessage
    public var error: KafkaError
    /// The record's position in the array or ``ProducerBatch`` it was enqueued with: identical
    /// records are told apart by it.
    public var index: Int

    public init(message: ProducerMessage, error: KafkaError, index: Int) {
        self.message = message
        self.error = error
        self.index = index
    }
}
