public import Kafka

/// A copy of one record read by `tail`: its coordinates, key, headers and value.
public struct TailRecord: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// Milliseconds since the epoch, or nil when the record has none.
    public var timestamp: Int64?
    public var key: [UInt8]?
    public var headers: [KafkaHeader]
    /// Nil for a tombstone.
    public var value: [UInt8]?

    public init(
        topic: String,
        partition: Int32,
        offset: Int64,
        timestamp: Int64?,
        key: [UInt8]?,
        headers: [KafkaHeader],
        value: [UInt8]?
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.headers = headers
        self.value = value
    }

    /// A copy of a consumed record.
    public init(_ record: ConsumedRecord) {
        self.init(
            topic: record.topic,
            partition: record.partition,
            offset: record.offset,
            timestamp: record.timestamp,
            key: record.key.map(Array.init),
            headers: record.headers,
            value: record.value.map(Array.init)
        )
    }
}
