import Kafka

/// The consumed records a chunk of work came from.
///
/// A chunk holds on to them until every output of the chunk is acknowledged: that keeps the
/// consumer's in-flight limits honest, and lets an output that can never be delivered be replaced
/// by its input's rejection, built from the input record read back here.
protocol SourceRecords: AnyObject, Sendable {
    /// The consumer's rebalance generation when the records were polled.
    var rebalanceGeneration: UInt64 { get }
    /// A copy of the record at this partition and offset, if it is one of these.
    func record(partition: Int32, offset: Int64) -> SourceRecord?
}

/// A copy of one consumed record.
struct SourceRecord: Sendable, Hashable {
    var partition: Int32
    var offset: Int64
    var key: [UInt8]?
    var value: [UInt8]?
    var headers: [KafkaHeader]
    var timestamp: Int64?
}

extension ConsumerBatch: SourceRecords {
    func record(partition: Int32, offset: Int64) -> SourceRecord? {
        guard let record = first(where: { $0.partition == partition && $0.offset == offset }) else { return nil }
        return SourceRecord(
            partition: partition,
            offset: offset,
            key: record.key.map(Array.init),
            value: record.value.map(Array.init),
            headers: record.headers,
            timestamp: record.timestamp
        )
    }
}
