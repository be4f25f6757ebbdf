import CRdKafka
public import Logging
import Synchronization

/// An idempotent Kafka producer that sends batches and reports each batch's acknowledgements.
///
/// Defaults (each can be overridden through the configuration): `enable.idempotence=true`,
/// `acks=all`, `linger.ms=5`. An array of messages is copied into librdkafka when sent; a
/// ``ProducerBatch`` is not, and its storage is kept alive until acknowledged. A full local queue
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
        var topicCache: (name: String, handle: OpaquePointer)?
        return try await enqueue(count: messages.count, retaining: nil) { index, opaque in
            let message = messages[index]
            let topic: OpaquePointer
            if let cached = topicCache, cached.name == message.topic {
                topic = cached.handle
            } else {
                topic = topicHandle(message.topic)
                topicCache = (message.topic, topic)
            }
            return message.key.withOptionalBytes { key in
                message.value.withOptionalBytes { value in
                    OutgoingRecord(
                        topic: topic,
                        partition: message.partition,
                        key: key,
                        value: value,
                        timestamp: message.timestamp,
                        headers: message.headers,
                        copy: true
                    )
                    .produce(on: handle.pointer, opaque: opaque)
                }
            }
        } message: {
            messages[$0]
        }
    }

    /// Hands a batch to librdkafka without copying its records; otherwise like the array version.
    ///
    /// librdkafka reads the keys and values from the batch's storage until each record is
    /// acknowledged; the returned delivery keeps the storage alive until then.
    public func enqueue(_ batch: ProducerBatch) async throws(KafkaError) -> PendingDelivery {
        let bytes = batch.storage.payloadBytes
        let topics = batch.topics.map(topicHandle)
        func slice(_ range: Range<Int>?) -> UnsafeRawBufferPointer? {
            range.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }
        }
        return try await enqueue(count: batch.records.count, retaining: batch.storage) { index, opaque in
            let record = batch.records[index]
            return OutgoingRecord(
                topic: topics[record.topic],
                partition: nil,
                key: slice(record.key),
                value: slice(record.value),
                timestamp: record.timestamp,
                headers: record.headers,
                copy: false
            )
            .produce(on: handle.pointer, opaque: opaque)
        } message: {
            batch.message(at: $0)
        }
    }

    /// Produces records `0..<count` in order, waiting while librdkafka's queue is full. `produce`
    /// hands one record over with its opaque; `message` copies out a record refused outright.
    private func enqueue(
        count: Int,
        retaining storage: (any AnyObject & Sendable)?,
        produce: (Int, UnsafeMutableRawPointer) -> rd_kafka_resp_err_t,
        message: (Int) -> ProducerMessage
    ) async throws(KafkaError) -> PendingDelivery {
        if let fatal = handle.fatalError(context: "producing") { throw fatal }
        let tracker = DeliveryTracker(expected: count, retaining: storage)
        let opaque = Unmanaged.passRetained(tracker)
        for index in 0..<count {
            while true {
                let code = produce(index, tracker.opaque(forRecord: index))
                if code == RD_KAFKA_RESP_ERR_NO_ERROR { break }
                if code == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                    // Not Task.sleep: a cancelled task returns from it at once and this would spin.
                    await BlockingCall.pause(milliseconds: 2)
                    continue
                }
                let refused = message(index)
                tracker.recordFailure(
                    DeliveryFailure(
                        message: refused,
                        error: KafkaError(code: code, context: "producing to \(refused.topic)"),
                        index: index
                    )
                )
                if tracker.arrive() { opaque.release() }
                break
            }
        }
        if tracker.arrive() { opaque.release() }
        return PendingDelivery(tracker: tracker, count: count)
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

    /// The producer's fatal error, once it is in librdkafka's fatal state (it can send nothing more).
    public var fatalError: KafkaError? { handle.fatalError(context: "the producer") }

    /// Puts the producer into a fatal state, as a fenced or broken idempotent producer would be: for
    /// tests (and fault injection) of what happens then.
    public func triggerFatalErrorForTesting(reason: String) {
        handle.triggerFatalError(reason: reason)
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

}

/// Where an empty (not null) key or value points: librdkafka reads no byte of it.
///
/// `nonisolated(unsafe)`: allocated once, never written, never freed.
private nonisolated(unsafe) let emptyBytes = UnsafeRawPointer(
    UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
)

/// One record on its way into librdkafka, pointing at bytes that stay valid for the call (with
/// `copy`) or until the record is acknowledged (without).
private struct OutgoingRecord {
    var topic: OpaquePointer
    var partition: Int32?
    var key: UnsafeRawBufferPointer?
    var value: UnsafeRawBufferPointer?
    var timestamp: Int64?
    var headers: [KafkaHeader]
    var copy: Bool

    func produce(on client: OpaquePointer, opaque: UnsafeMutableRawPointer) -> rd_kafka_resp_err_t {
        let nativeHeaders = headers.isEmpty ? nil : Self.nativeHeaders(headers)
        let code = withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 8) { fields in
            var count = 0
            func add(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                fields[count] = rd_kafka_vu_t()
                fields[count].vtype = type
                fill(&fields[count])
                count += 1
            }
            add(RD_KAFKA_VTYPE_RKT) { $0.u.rkt = topic }
            add(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition ?? RD_KAFKA_PARTITION_UA }
            add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = copy ? RD_KAFKA_MSG_F_COPY : 0 }
            add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque }
            // librdkafka sends a null pointer as a null value or key; an empty one must point somewhere.
            if let value {
                add(RD_KAFKA_VTYPE_VALUE) {
                    $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress ?? emptyBytes)
                    $0.u.mem.size = value.count
                }
            }
            if let key {
                add(RD_KAFKA_VTYPE_KEY) {
                    $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress ?? emptyBytes)
                    $0.u.mem.size = key.count
                }
            }
            if let timestamp { add(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = timestamp } }
            if let nativeHeaders { add(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = nativeHeaders } }
            guard let error = rd_kafka_produceva(client, fields.baseAddress, count) else {
                return RD_KAFKA_RESP_ERR_NO_ERROR
            }
            let code = rd_kafka_error_code(error)
            rd_kafka_error_destroy(error)
            return code
        }
        // On success librdkafka owns the headers; on failure they are still ours.
        if code != RD_KAFKA_RESP_ERR_NO_ERROR, let nativeHeaders { rd_kafka_headers_destroy(nativeHeaders) }
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
