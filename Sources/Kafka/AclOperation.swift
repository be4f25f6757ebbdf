import CRdKafka

/// An operation Kafka's ACLs allow on a resource (a topic, a group, the cluster), as brokers report
/// them for KIP-430's "authorized operations".
public enum AclOperation: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case unknown = 0
    case any = 1
    /// Every operation.
    case all = 2
    case read = 3
    case write = 4
    case create = 5
    case delete = 6
    case alter = 7
    case describe = 8
    case clusterAction = 9
    case describeConfigs = 10
    case alterConfigs = 11
    case idempotentWrite = 12

    /// Kafka's name for it (`READ`, `IDEMPOTENT_WRITE`).
    public var description: String {
        String(cString: rd_kafka_AclOperation_name(rd_kafka_AclOperation_t(rawValue: UInt32(rawValue))))
    }

    /// The operations a list of librdkafka's answers names; nil when the broker reported none
    /// (it was not asked, or does not support KIP-430).
    static func set(_ operations: UnsafePointer<rd_kafka_AclOperation_t>?, count: Int) -> Set<AclOperation>? {
        guard let operations, count > 0 else { return nil }
        return Set(
            UnsafeBufferPointer(start: operations, count: count).map {
                AclOperation(rawValue: Int32($0.rawValue)) ?? .unknown
            }
        )
    }
}

extension Set<AclOperation> {
    /// Whether these authorized operations include `operation` (`ALL` includes every one).
    public func allows(_ operation: AclOperation) -> Bool {
        contains(operation) || contains(.all)
    }
}
