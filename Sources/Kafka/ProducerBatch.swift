/// Memory that the records of a ``ProducerBatch`` point into.
///
/// A conforming object promises that ``payloadBytes`` neither moves nor changes while the object
/// lives: the producer hands librdkafka pointers into it instead of copies and keeps the object
/// alive until every record of the batch is acknowledged.
public protocol ProducerPayloadStorage: AnyObject, Sendable {
    /// Every byte the records may point into.
    var payloadBytes: UnsafeRawBufferPointer { get }
}

/// Records whose keys and values lie in one shared block of memory, produced without copying.
///
/// `KafkaProducer.enqueue(_:)` with an array of ``ProducerMessage`` copies every key and value into
/// librdkafka; a batch does not. For a pipeline that writes thousands of records per batch this
/// saves an allocation and a copy of every record.
public struct ProducerBatch: Sendable {
    /// The topics the records go to; a record names one by its index.
    public let topics: [String]
    /// The memory that keys and values lie in.
    public let storage: any ProducerPayloadStorage
    /// The records, produced in this order.
    public var records: [Record]

    /// One record: byte ranges into the storage instead of bytes of its own.
    public struct Record: Sendable, Hashable {
        /// The index of its topic in ``ProducerBatch/topics``.
        public var topic: Int
        public var key: Range<Int>?
        /// The value, or nil for a tombstone.
        public var value: Range<Int>?
        /// Milliseconds since the epoch (CreateTime), or nil for the time of production.
        public var timestamp: Int64?
        public var headers: [KafkaHeader]

        public init(topic: Int, key: Range<Int>?, value: Range<Int>?, timestamp: Int64?, headers: [KafkaHeader] = []) {
            self.topic = topic
            self.key = key
            self.value = value
            self.timestamp = timestamp
            self.headers = headers
        }
    }

    public init(topics: [String], storage: any ProducerPayloadStorage, records: [Record]) {
        precondition(
            records.allSatisfy { topics.indices.contains($0.topic) },
            "a record of a producer batch names a topic the batch does not have"
        )
        self.topics = topics
        self.storage = storage
        self.records = records
    }

    /// The record at `index` as a self-contained message (for a retry, which copies).
    public func message(at index: Int) -> ProducerMessage {
        let record = records[index]
        let bytes = storage.payloadBytes
        return ProducerMessage(
            topic: topics[record.topic],
            key: record.key.map { Array(UnsafeRawBufferPointer(rebasing: bytes[$0])) },
            value: record.value.map { Array(UnsafeRawBufferPointer(rebasing: bytes[$0])) },
            headers: record.headers,
            timestamp: record.timestamp
        )
    }

    /// The index of the first record with the topic, key and value of `message`, for matching a
    /// delivery failure to the record it came from.
    public func firstIndex(matching message: ProducerMessage) -> Int? {
        let bytes = storage.payloadBytes
        func same(_ range: Range<Int>?, _ expected: [UInt8]?) -> Bool {
            switch (range, expected) {
            case (nil, nil): true
            case (let range?, let expected?): UnsafeRawBufferPointer(rebasing: bytes[range]).elementsEqual(expected)
            default: false
            }
        }
        return records.firstIndex { record in
            topics[record.topic] == message.topic && same(record.key, message.key) && same(record.value, message.value)
        }
    }
}
