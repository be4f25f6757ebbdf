import CRdKafka

/// librdkafka's in-process mock cluster: a Kafka protocol implementation inside this process, on
/// loopback ports, whose requests can be made to fail on demand. For tests of how clients handle
/// broker errors that a real broker cannot be made to return (see ``failNextRequests(_:with:)``).
public final class KafkaMockCluster: @unchecked Sendable {
    // @unchecked: the two pointers never change; librdkafka's mock API is thread-safe, and both
    // are destroyed once, in deinit.
    private let client: OpaquePointer
    private let cluster: OpaquePointer
    /// The brokers' addresses, for `bootstrap.servers`.
    public let bootstrapServers: String

    /// The requests whose errors can be set (Kafka protocol API keys).
    public enum Request: Int16, Sendable {
        case produce = 0
        case fetch = 1
        case offsetCommit = 8
        case offsetFetch = 9
        case joinGroup = 11
        case heartbeat = 12
    }

    public init(brokers: Int32 = 1) throws(KafkaError) {
        let conf = rd_kafka_conf_new()
        var errorText = [CChar](repeating: 0, count: 256)
        guard let client = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count) else {
            throw KafkaError(code: RD_KAFKA_RESP_ERR__FAIL, context: "creating the mock cluster's client")
        }
        guard let cluster = rd_kafka_mock_cluster_new(client, brokers) else {
            rd_kafka_destroy(client)
            throw KafkaError(code: RD_KAFKA_RESP_ERR__FAIL, context: "creating a mock cluster")
        }
        self.client = client
        self.cluster = cluster
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(client)
    }

    /// Creates a topic (replication factor 1).
    public func createTopic(_ name: String, partitions: Int32) throws(KafkaError) {
        let code = rd_kafka_mock_topic_create(cluster, name, partitions, 1)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code: code, context: "creating mock topic \(name)")
        }
    }

    /// The next `codes.count` requests of this kind, from any client, fail with these broker
    /// error codes, in order.
    public func failNextRequests(_ request: Request, with codes: [Int32]) {
        let errors = codes.map { rd_kafka_resp_err_t(rawValue: $0) }
        errors.withUnsafeBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(cluster, request.rawValue, buffer.count, buffer.baseAddress)
        }
    }

    /// How long a new consumer group waits for more members before its first assignment.
    public func setGroupInitialRebalanceDelay(milliseconds: Int32) {
        rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, milliseconds)
    }
}
