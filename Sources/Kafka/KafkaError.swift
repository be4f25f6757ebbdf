import CRdKafka

/// A failure reported by librdkafka or by this layer, with librdkafka's own code and text.
///
/// `context` says what the application was doing ("producing to track.enriched", "setting property
/// 'linger.ms'"), so that a log line or an error shown to a person is actionable on its own.
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// librdkafka's `rd_kafka_resp_err_t` (negative: client-side, positive: broker error codes).
    public var code: Int32
    /// librdkafka's symbolic name of `code`, e.g. `_QUEUE_FULL` or `MSG_SIZE_TOO_LARGE`.
    public var name: String
    /// librdkafka's human-readable text.
    public var message: String
    /// Whether trying the same operation again may succeed.
    public var isRetriable: Bool
    /// Whether the client instance is unusable (e.g. a fatal idempotent-producer error).
    public var isFatal: Bool
    /// What was being done when the error happened.
    public var context: String

    public init(
        code: Int32,
        name: String,
        message: String,
        isRetriable: Bool,
        isFatal: Bool = false,
        context: String
    ) {
        self.code = code
        self.name = name
        self.message = message
        self.isRetriable = isRetriable
        self.isFatal = isFatal
        self.context = context
    }

    /// An error from a bare response code, classified by librdkafka's own rules where it has them.
    init(code: rd_kafka_resp_err_t, context: String, message: String? = nil) {
        self.init(
            code: code.rawValue,
            name: String(cString: rd_kafka_err2name(code)),
            message: message ?? String(cString: rd_kafka_err2str(code)),
            isRetriable: Self.retriableCodes.contains(code.rawValue),
            context: context
        )
    }

    /// An error from an `rd_kafka_error_t`, which carries its own retriable and fatal flags.
    /// Destroys `error`.
    init(consuming error: OpaquePointer, context: String) {
        defer { rd_kafka_error_destroy(error) }
        self.init(
            code: rd_kafka_error_code(error).rawValue,
            name: String(cString: rd_kafka_error_name(error)),
            message: String(cString: rd_kafka_error_string(error)),
            isRetriable: rd_kafka_error_is_retriable(error) != 0,
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            context: context
        )
    }

    /// A configuration property librdkafka refused, with its explanation; a secret value
    /// (``SecretProperty``) is never quoted.
    static func invalidProperty(_ key: String, value: String, reason: String) -> KafkaError {
        KafkaError(
            code: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue,
            name: "_INVALID_ARG",
            message: SecretProperty.scrubbed(reason, value: value, for: key),
            isRetriable: false,
            context: "setting librdkafka property '\(key)' to '\(SecretProperty.shown(value, for: key))'"
        )
    }

    public var description: String {
        "\(context): \(message) (\(name))"
    }

    /// What a failed delivery means for the record, and so what its sender does about it.
    public enum DeliveryClass: Sendable, Hashable {
        /// Transient (a timeout, a leader change, a full queue): send it again, unchanged.
        case transient
        /// About the destination, not the record (authorization, a missing topic): an operator can
        /// fix it, so it is sent again, unchanged, while the service reports itself stalled.
        case destination
        /// The broker refused the record itself (too large, malformed, a timestamp or a policy it
        /// does not accept, ...): sent again unchanged it can never be delivered.
        case record
        /// The producer is unusable: stop.
        case fatal
    }

    /// How a delivery failure with this error is handled: fatal errors stop, retriable ones and
    /// those about the destination are retried, and any other error is taken to be about the record.
    public var deliveryClass: DeliveryClass {
        if isFatal || code == RD_KAFKA_RESP_ERR__FATAL.rawValue { return .fatal }
        if Self.destinationCodes.contains(code) { return .destination }
        if isRetriable || Self.retriableCodes.contains(code) || Self.transientDeliveryCodes.contains(code) {
            return .transient
        }
        return .record
    }

    /// Whether the record itself was refused (see ``DeliveryClass/record``).
    public var isRecordError: Bool { deliveryClass == .record }

    /// Errors about where records go rather than what they are.
    private static let destinationCodes: Set<Int32> = [
        RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED.rawValue,
        RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED.rawValue,
        RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED.rawValue,
        RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED.rawValue,
        RD_KAFKA_RESP_ERR__AUTHENTICATION.rawValue,
        RD_KAFKA_RESP_ERR__SSL.rawValue,
        RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC.rawValue,
        RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION.rawValue,
        RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue,
        RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION.rawValue,
    ]

    /// Client-side outcomes of a delivery that say nothing about the record: a purge on shutdown.
    private static let transientDeliveryCodes: Set<Int32> = [
        RD_KAFKA_RESP_ERR__PURGE_QUEUE.rawValue,
        RD_KAFKA_RESP_ERR__PURGE_INFLIGHT.rawValue,
    ]

    /// Codes worth retrying when librdkafka gives no `rd_kafka_error_t` to ask: transient broker or
    /// network conditions and local queue exhaustion.
    private static let retriableCodes: Set<Int32> = [
        RD_KAFKA_RESP_ERR__TRANSPORT.rawValue,
        RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue,
        RD_KAFKA_RESP_ERR__MSG_TIMED_OUT.rawValue,
        RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue,
        RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue,
        RD_KAFKA_RESP_ERR__WAIT_COORD.rawValue,
        RD_KAFKA_RESP_ERR__RETRY.rawValue,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT.rawValue,
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION.rawValue,
        RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE.rawValue,
        RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION.rawValue,
        RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS.rawValue,
        RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE.rawValue,
        RD_KAFKA_RESP_ERR_NOT_COORDINATOR.rawValue,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS.rawValue,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND.rawValue,
        RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue,
        RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS.rawValue,
        RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR.rawValue,
    ]
}
