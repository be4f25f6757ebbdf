import CRdKafka
import Logging

/// Owns one `rd_kafka_t` and the callbacks librdkafka invokes on it.
///
/// `@unchecked Sendable`: librdkafka documents `rd_kafka_t` as thread-safe for every call this layer
/// makes; the pointer never changes and is destroyed exactly once, when the last owner (the client
/// or an outstanding consumed message batch) lets go.
final class ClientHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    let callbacks: ClientCallbacks

    enum Kind {
        case producer
        case consumer

        var native: rd_kafka_type_t { self == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER }
    }

    /// Creates the client; `configure` may register more callbacks on the native configuration,
    /// and `onError` hears every client-level error librdkafka reports (a failed connection, TLS
    /// handshake or authentication, all brokers down), besides the log.
    init(
        kind: Kind,
        configuration: KafkaConfiguration,
        logger: Logger,
        rebalance consumerState: ConsumerState? = nil,
        configure: (OpaquePointer) -> Void = { _ in },
        onError: (@Sendable (KafkaError) -> Void)? = nil
    ) throws(KafkaError) {
        let conf = try configuration.makeNativeConfiguration()
        let callbacks = ClientCallbacks(
            logger: logger,
            consumerState: consumerState,
            onError: onError,
            secrets: configuration.properties.filter { SecretProperty.isSecret($0.key) }.map(\.value)
        )
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(callbacks).toOpaque())
        rd_kafka_conf_set_log_cb(conf, clientLogCallback)
        rd_kafka_conf_set_error_cb(conf, clientErrorCallback)
        configure(conf)
        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(kind.native, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            let reason = errorText.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw KafkaError(
                code: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue,
                name: "_INVALID_ARG",
                message: callbacks.scrubbed(reason),
                isRetriable: false,
                context: "creating a Kafka \(kind == .producer ? "producer" : "consumer")"
            )
        }
        self.pointer = handle
        self.callbacks = callbacks
    }

    deinit {
        // librdkafka calls the log, error and rebalance callbacks while it tears the client down,
        // so the callbacks (librdkafka holds them unretained) must outlive `rd_kafka_destroy`.
        let pointer = UncheckedPointer(pointer)
        let callbacks = self.callbacks
        BlockingCall.detach {
            rd_kafka_destroy(pointer.value)
            withExtendedLifetime(callbacks) {}
        }
    }

    /// Puts the client into a fatal state, for tests of how the application handles one.
    func triggerFatalError(reason: String) {
        _ = rd_kafka_test_fatal_error(pointer, RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID, reason)
    }

    /// The client's fatal error, if it has one (idempotent producers can enter a fatal state).
    func fatalError(context: String) -> KafkaError? {
        var text = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(pointer, &text, text.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        let message = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var error = KafkaError(code: code, context: context, message: message)
        error.isFatal = true
        return error
    }
}

/// A raw pointer carried across a thread hop whose ownership the sender gives up.
struct UncheckedPointer: @unchecked Sendable {
    let value: OpaquePointer
    init(_ value: OpaquePointer) { self.value = value }
}

/// The callbacks shared by every client: librdkafka's logs and client-level errors go to swift-log.
final class ClientCallbacks: Sendable {
    let logger: Logger
    /// The consumer's state, for the rebalance callback; `nil` for producers.
    let consumerState: ConsumerState?
    /// Who else hears of client-level errors.
    let onError: (@Sendable (KafkaError) -> Void)?
    /// The values of the client's secret properties (``SecretProperty``), which no log line or
    /// error from librdkafka may carry on.
    private let secrets: [String]

    init(
        logger: Logger,
        consumerState: ConsumerState?,
        onError: (@Sendable (KafkaError) -> Void)? = nil,
        secrets: [String] = []
    ) {
        self.logger = logger
        self.consumerState = consumerState
        self.onError = onError
        self.secrets = secrets.filter { !$0.isEmpty }
    }

    /// `text` with every secret value replaced (librdkafka redacts its own configuration dumps;
    /// this covers the texts it builds from values, such as parse errors that quote them).
    func scrubbed(_ text: String) -> String {
        secrets.reduce(text) { $0.replacing($1, with: SecretProperty.redacted) }
    }

    static func from(_ handle: OpaquePointer?) -> ClientCallbacks? {
        guard let handle, let opaque = rd_kafka_opaque(handle) else { return nil }
        return Unmanaged<ClientCallbacks>.fromOpaque(opaque).takeUnretainedValue()
    }
}

private let clientLogCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
        handle,
        level,
        facility,
        message in
        guard let callbacks = ClientCallbacks.from(handle) else { return }
        let text = callbacks.scrubbed(message.map { String(cString: $0) } ?? "")
        let facilityText = facility.map { String(cString: $0) } ?? ""
        let swiftLevel: Logger.Level =
            switch level {
            case ...3: .error
            case 4: .warning
            case 5, 6: .info
            default: .debug
            }
        callbacks.logger.log(level: swiftLevel, "\(text)", metadata: ["librdkafka": "\(facilityText)"])
    }

private let clientErrorCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
        handle,
        code,
        reason,
        _ in
        guard let callbacks = ClientCallbacks.from(handle) else { return }
        let error = KafkaError(
            code: rd_kafka_resp_err_t(rawValue: code),
            context: "Kafka client",
            message: reason.map { callbacks.scrubbed(String(cString: $0)) }
        )
        callbacks.logger.warning(
            "\(error.message)",
            metadata: ["error": "\(error.name)", "retriable": "\(error.isRetriable)"]
        )
        callbacks.onError?(error)
        // A consumer in a fatal state (say, fenced by a newer member with its group.instance.id)
        // consumes nothing more: the application hears of it as an event, to stop.
        if error.code == RD_KAFKA_RESP_ERR__FATAL.rawValue, let handle, let state = callbacks.consumerState {
            var text = [CChar](repeating: 0, count: 512)
            let underlying = rd_kafka_fatal_error(handle, &text, text.count)
            var fatal = KafkaError(
                code: underlying == RD_KAFKA_RESP_ERR_NO_ERROR ? RD_KAFKA_RESP_ERR__FATAL : underlying,
                context: "the consumer",
                message: text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            )
            fatal.isFatal = true
            state.events.yield(.error(fatal))
        }
    }
