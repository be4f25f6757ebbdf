import CRdKafka
public import Logging
import Synchronization

/// An idempotent Kafka producer that sends batches and reports each batch's acknowledgements.
///
/// Defaults (each can be overridden through the configuration): `enable.idempotence=true`,
/// `acks=all`, `linger.ms=5`. Records are copied into librdkafka when sent. A full local queue
/// (`_QUEUE_FULL`) is backpressure: `send` waits for acknowledgements to make room instead of failing.
public final class KafkaProducer: Sendable {
    private let handle: ClientHandle
    private let pollThread: PollThread
    private let topics = Mutex<[String: UncheckedPointer]>([:])
    private let logger: Logger

    public init(
        configuration: KafkaConfiguration,
        logger: Logger = Logger(label: "trackstream.kafka.producer")
    )
        throws(KafkaError)
    {
        var configuration = configuration
        configuration.setDefault("enable.idempotence", "true")
        configuration.setDefault("acks", "all")
        configuration.setDefault("linger.ms", "5")
        let handle = try ClientHandle(kind: .producer, configuration: configuration, logger: logger) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportCallback)
        }
        self.handle = handle
        self.logger = logger
        self.pollThread = PollThread(name: "trackstream-producer-poll") {
            rd_kafka_poll(handle.pointer, 100)
        }
    }

    /// Sends `messages` and waits until the broker has acknowledged or refused every one.
    ///
    /// Returns the failures rather than throwing, because a batch can partly succeed; throws only
    /// when the producer itself is unusable (a fatal error).
    public func send(_ messages: [ProducerMessage]) async throws(KafkaError) -> DeliveryReport {
        try await enqueue(messages).report()
    }

    /// Hands `messages` to librdkafka in order and returns without waiting for acknowledgements.
    ///
    /// Records to one partition keep their order, also across calls, as long as the calls are not
    /// made concurrently. Suspends only while librdkafka's queue is full (backpressure).
    public func enqueue(_ messages: [ProducerMessage]) async throws(KafkaError) -> PendingDelivery {
        if let fatal = handle.fatalError(context: "producing") { throw fatal }
        let tracker = DeliveryTracker(expected: messages.count)
        let opaque = Unmanaged.passRetained(tracker)
        var topicCache: (name: String, handle: OpaquePointer)?
        for message in messages {
            let topic: OpaquePointer
            if let cached = topicCache, cached.name == message.topic {
                topic = cached.handle
            } else {
                topic = topicHandle(message.topic)
                topicCache = (message.topic, topic)
            }
            while true {
                let code = enqueue(message, topic: topic, opaque: opaque.toOpaque())
                if code == RD_KAFKA_RESP_ERR_NO_ERROR { break }
                if code == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                    try? await Task.sleep(for: .milliseconds(2))
                    continue
                }
                tracker.recordFailure(
                    DeliveryFailure(
                        message: message,
                        error: KafkaError(code: code, context: "producing to \(message.topic)")
                    )
                )
                if tracker.arrive() { opaque.release() }
                break
            }
        }
        if tracker.arrive() { opaque.release() }
        return PendingDelivery(tracker: tracker, count: messages.count)
    }

    /// Waits until every record sent so far is acknowledged, or `timeout` passes.
    public func flush(timeout: Duration = .seconds(10)) async throws(KafkaError) {
        let handle = self.handle
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000)
        let code = await BlockingCall.run { rd_kafka_flush(handle.pointer, milliseconds) }
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code: code, context: "flushing the producer")
        }
    }

    /// Flushes what is outstanding (up to `timeout`) and stops the poll thread.
    public func close(timeout: Duration = .seconds(10)) async {
        do {
            try await flush(timeout: timeout)
        } catch {
            logger.warning("closing the producer with undelivered records", metadata: ["error": "\(error)"])
        }
        await pollThread.stop()
        let topics = self.topics.withLock { topics in
            defer { topics.removeAll() }
            return Array(topics.values)
        }
        for topic in topics { rd_kafka_topic_destroy(topic.value) }
    }

    /// Records handed to librdkafka and not yet acknowledged.
    public var outstandingCount: Int { Int(rd_kafka_outq_len(handle.pointer)) }

    private func topicHandle(_ name: String) -> OpaquePointer {
        topics.withLock { topics in
            if let existing = topics[name] { return existing.value }
            let created = rd_kafka_topic_new(handle.pointer, name, nil)!
            topics[name] = UncheckedPointer(created)
            return created
        }
    }

    private func enqueue(
        _ message: ProducerMessage,
        topic: OpaquePointer,
        opaque: UnsafeMutableRawPointer
    )
        -> rd_kafka_resp_err_t
    {
        let headers = message.headers.isEmpty ? nil : Self.nativeHeaders(message.headers)
        let code = message.key.withOptionalBytes { key in
            message.value.withOptionalBytes { value in
                withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 8) { fields in
                    var count = 0
                    func add(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                        fields[count] = rd_kafka_vu_t()
                        fields[count].vtype = type
                        fill(&fields[count])
                        count += 1
                    }
                    add(RD_KAFKA_VTYPE_RKT) { $0.u.rkt = topic }
                    add(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = message.partition ?? RD_KAFKA_PARTITION_UA }
                    add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                    add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque }
                    if let value {
                        add(RD_KAFKA_VTYPE_VALUE) {
                            $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                            $0.u.mem.size = value.count
                        }
                    }
                    if let key {
                        add(RD_KAFKA_VTYPE_KEY) {
                            $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                            $0.u.mem.size = key.count
                        }
                    }
                    if let timestamp = message.timestamp { add(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = timestamp } }
                    if let headers { add(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = headers } }
                    guard let error = rd_kafka_produceva(handle.pointer, fields.baseAddress, count) else {
                        return RD_KAFKA_RESP_ERR_NO_ERROR
                    }
                    let code = rd_kafka_error_code(error)
                    rd_kafka_error_destroy(error)
                    return code
                }
            }
        }
        // On success librdkafka owns the headers; on failure they are still ours.
        if code != RD_KAFKA_RESP_ERR_NO_ERROR, let headers { rd_kafka_headers_destroy(headers) }
        return code
    }

    private static func nativeHeaders(_ headers: [KafkaHeader]) -> OpaquePointer {
        let native = rd_kafka_headers_new(headers.count)!
        for header in headers {
            header.value.withOptionalBytes { value in
                _ = rd_kafka_header_add(native, header.name, -1, value?.baseAddress, value?.count ?? 0)
            }
        }
        return native
    }
}

/// Records handed to the producer whose acknowledgements are still to come.
public struct PendingDelivery: Sendable {
    fileprivate let tracker: DeliveryTracker
    /// The number of records.
    public let count: Int

    /// Waits until every record is acknowledged or refused.
    public func report() async -> DeliveryReport {
        let failures = await tracker.waitForCompletion()
        return DeliveryReport(delivered: count - failures.count, failures: failures)
    }
}

extension Optional where Wrapped == [UInt8] {
    /// Calls `body` with the bytes, or with `nil` when there are none (a null key or value).
    func withOptionalBytes<Result>(_ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
        switch self {
        case .some(let bytes): bytes.withUnsafeBytes { body($0) }
        case .none: body(nil)
        }
    }
}
