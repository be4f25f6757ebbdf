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
    /// The records, produced in this order; their ranges lie within the storage (checked).
    public private(set) var records: [Record]

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

    /// Checks every record against `topics` and the storage's size: librdkafka reads the ranges
    /// later on a thread of its own, where a bad range could not be caught.
    public init(topics: [String], storage: any ProducerPayloadStorage, records: [Record]) {
        let size = storage.payloadBytes.count
        func fits(_ range: Range<Int>?) -> Bool {
            range.map { $0.lowerBound >= 0 && $0.upperBound <= size } ?? true
        }
        precondition(
            records.allSatisfy { topics.indices.contains($0.topic) && fits($0.key) && fits($0.value) },
            "a record of a producer batch names a topic the batch does not have or bytes outside its storage"
        )
        self.topics = topics
        self.storage = storage
        self.records = records
    }

    /// The same batch with only the records at `indices`, in that order.
    public func keeping(_ indices: some Sequence<Int>) -> ProducerBatch {
        var copy = self
        copy.records = indices.map { records[$0] }
        return copy
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
}
