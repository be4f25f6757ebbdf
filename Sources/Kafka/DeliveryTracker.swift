import CRdKafka
import Synchronization

/// Counts the acknowledgements of one produced batch and wakes its sender when the last arrives.
///
/// librdkafka reports each record on the producer's poll thread. A record's opaque is its slot in
/// the tracker (the tracker and the record's index), so an acknowledgement costs one atomic
/// decrement: no lock, no actor hop, no allocation. Failures (rare) are collected under a lock,
/// each with the index of its record.
final class DeliveryTracker: Sendable {
    private let pending: Atomic<Int>
    private let state = Mutex(State())
    /// Memory librdkafka reads the records from until they are acknowledged.
    private let storage: (any AnyObject & Sendable)?
    // nonisolated(unsafe): written once in init, then only read (by the delivery callback, through
    // the opaque pointers it hands out) until deinit frees it; the tracker outlives every report.
    private nonisolated(unsafe) let slots: UnsafeMutablePointer<DeliverySlot>

    private struct State {
        var continuation: CheckedContinuation<Void, Never>?
        var completed = false
        var failures: [DeliveryFailure] = []
    }

    /// `expected` acknowledgements, plus one that the sender gives when it has handed over all
    /// records: the batch cannot complete while it is still being submitted.
    init(expected: Int, retaining storage: (any AnyObject & Sendable)?) {
        pending = Atomic(expected + 1)
        self.storage = storage
        slots = .allocate(capacity: max(expected, 1))
        for index in 0..<expected {
            (slots + index).initialize(to: DeliverySlot(tracker: Unmanaged.passUnretained(self), index: index))
        }
    }

    deinit { slots.deallocate() }

    /// The opaque of record `index`, for librdkafka to hand back in its delivery report.
    func opaque(forRecord index: Int) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(slots + index)
    }

    func recordFailure(_ failure: DeliveryFailure) {
        state.withLock { $0.failures.append(failure) }
    }

    /// One acknowledgement; returns true for the last one, whose caller releases the tracker.
    @discardableResult
    func arrive() -> Bool {
        guard pending.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return false }
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.completed = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume()
        return true
    }

    /// Suspends until every record is acknowledged; returns the failures.
    func waitForCompletion() async -> [DeliveryFailure] {
        await withCheckedContinuation { continuation in
            let alreadyDone = state.withLock { state -> Bool in
                if state.completed { return true }
                state.continuation = continuation
                return false
            }
            if alreadyDone { continuation.resume() }
        }
        return state.withLock { $0.failures }
    }
}

/// What a record's opaque points at: its tracker (unretained; the producer holds one reference for
/// the whole batch until the last report) and its index in the batch.
struct DeliverySlot {
    var tracker: Unmanaged<DeliveryTracker>
    var index: Int
}

/// librdkafka's delivery report callback: one per produced record, on the producer's poll thread.
let deliveryReportCallback:
    @convention(c) (
        OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?
    ) -> Void = { _, message, _ in
        guard let message, let opaque = message.pointee._private else { return }
        let slot = opaque.assumingMemoryBound(to: DeliverySlot.self).pointee
        // The producer's reference keeps the tracker alive until the last report releases it, so
        // this report borrows it without a retain and release of its own.
        let isLast = slot.tracker._withUnsafeGuaranteedRef { tracker in
            if message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                tracker.recordFailure(DeliveryFailure(undelivered: message, index: slot.index))
            }
            return tracker.arrive()
        }
        if isLast { slot.tracker.release() }
    }

extension DeliveryFailure {
    /// Rebuilds the record from librdkafka's report, so the caller can retry it as it was.
    init(undelivered message: UnsafePointer<rd_kafka_message_t>, index: Int) {
        let raw = message.pointee
        let topic = raw.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        var headers: [KafkaHeader] = []
        var nativeHeaders: OpaquePointer?
        if rd_kafka_message_headers(message, &nativeHeaders) == RD_KAFKA_RESP_ERR_NO_ERROR, let nativeHeaders {
            headers = KafkaHeader.read(nativeHeaders)
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        let record = ProducerMessage(
            topic: topic,
            partition: raw.partition == RD_KAFKA_PARTITION_UA ? nil : raw.partition,
            key: raw.key.map { Array(UnsafeRawBufferPointer(start: $0, count: raw.key_len)) },
            value: raw.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: raw.len)) },
            headers: headers,
            timestamp: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp
        )
        self.init(
            message: record,
            error: KafkaError(code: raw.err, context: "delivering a record to \(topic)"),
            index: index
        )
    }
}

extension KafkaHeader {
    /// Copies every header out of a native header list.
    static func read(_ headers: OpaquePointer) -> [KafkaHeader] {
        var result: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(headers, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            result.append(
                KafkaHeader(
                    name: name.map { String(cString: $0) } ?? "",
                    value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
                )
            )
            index += 1
        }
        return result
    }
}
