import CRdKafka
import Dispatch
public import Logging
import Synchronization

/// A consumer-group member that delivers records in batches from a thread of its own.
///
/// Defaults (each can be overridden): `partition.assignment.strategy=cooperative-sticky`,
/// `enable.auto.offset.store=false` (the application stores an offset once its work is done, and
/// librdkafka's auto-commit then commits stored offsets in the background), `enable.partition.eof=true`,
/// `auto.offset.reset=earliest`.
///
/// Flow control: at most `maximumInFlightBatches` delivered batches may be alive at once. At the
/// limit the poll thread first holds: it takes no records and wakes as soon as the application
/// releases a batch, while librdkafka keeps its prefetch queue (bounded by
/// `queued.max.messages.kbytes`) full, so a busy pipeline never waits for a fetch. When nothing is
/// released for ``Options/maximumHold`` (a stalled downstream), it pauses fetching for the whole
/// assignment and polls again, so the group membership stays alive while memory stays bounded; it
/// resumes when the application has released half of the batches. (Pausing discards the prefetched
/// records, which is why it is not the first resort.)
public final class KafkaConsumer: Sendable {
    /// Tuning for the poll loop.
    public struct Options: Sendable {
        /// Records per delivered batch, at most.
        public var maximumBatchSize: Int = 1000
        /// How long one poll waits for records.
        public var pollTimeout: Duration = .milliseconds(50)
        /// Delivered batches alive at once before the poll thread holds, then pauses fetching.
        public var maximumInFlightBatches: Int = 64
        /// Bytes of keys and values of delivered batches alive at once before the poll thread holds
        /// (at least one batch is always let through).
        public var maximumInFlightBytes: Int = .max
        /// Bytes of keys and values per delivered batch, at most (a single larger record still
        /// makes a batch of its own).
        public var maximumBatchBytes: Int = .max
        /// How long the poll thread holds at the in-flight limit without a batch being released
        /// before it pauses fetching; rebalance events wait meanwhile, so keep it well under
        /// `max.poll.interval.ms`.
        public var maximumHold: Duration = .seconds(1)

        public init() {}
    }

    /// Consumer events in the order the poll thread saw them. Iterate it from one task.
    public let events: AsyncStream<ConsumerEvent>

    private let handle: ClientHandle
    private let state: ConsumerState
    private let pollThread: PollThread
    private let queue: UncheckedPointer

    public init(
        configuration: KafkaConfiguration,
        options: Options = Options(),
        rebalanceHandler: (any RebalanceHandler)? = nil,
        logger: Logger = Logger(label: "trackstream.kafka.consumer")
    ) throws(KafkaError) {
        var configuration = configuration
        configuration.setDefault("partition.assignment.strategy", "cooperative-sticky")
        configuration.setDefault("enable.auto.offset.store", "false")
        configuration.setDefault("enable.partition.eof", "true")
        configuration.setDefault("auto.offset.reset", "earliest")
        guard configuration["group.id"]?.isEmpty == false else {
            throw KafkaError(
                code: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue,
                name: "_INVALID_ARG",
                message: "a consumer needs 'group.id'; set the pipeline's group or pass --group",
                isRetriable: false,
                context: "creating a Kafka consumer"
            )
        }
        let (stream, continuation) = AsyncStream<ConsumerEvent>.makeStream()
        let state = ConsumerState(
            handler: rebalanceHandler,
            events: continuation,
            maximumInFlightBatches: options.maximumInFlightBatches,
            maximumInFlightBytes: options.maximumInFlightBytes,
            maximumBatchBytes: options.maximumBatchBytes,
            maximumHold: options.maximumHold,
            logger: logger
        )
        let handle = try ClientHandle(
            kind: .consumer,
            configuration: configuration,
            logger: logger,
            rebalance: state
        ) { conf in
            rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback)
        }
        rd_kafka_poll_set_consumer(handle.pointer)
        let queue = UncheckedPointer(rd_kafka_queue_get_consumer(handle.pointer)!)
        self.events = stream
        self.handle = handle
        self.state = state
        self.queue = queue
        let timeout =
            Int32(options.pollTimeout.components.seconds * 1000)
            + Int32(options.pollTimeout.components.attoseconds / 1_000_000_000_000_000)
        let buffer = UncheckedBuffer(capacity: options.maximumBatchSize)
        self.pollThread = PollThread(
            name: "trackstream-consumer-poll",
            iteration: {
                state.pollOnce(handle: handle, queue: queue.value, buffer: buffer, timeoutMilliseconds: timeout)
            },
            finally: {
                let error = rd_kafka_consumer_close(handle.pointer)
                if error != RD_KAFKA_RESP_ERR_NO_ERROR {
                    logger.warning("closing the consumer: \(String(cString: rd_kafka_err2str(error)))")
                }
                rd_kafka_queue_destroy(queue.value)
                buffer.pointer.deallocate()
                continuation.finish()
            }
        )
    }

    /// Joins the group for `topics`.
    public func subscribe(topics: [String]) throws(KafkaError) {
        let list = NativePartitionList(topics.map { TopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA) })
        let code = rd_kafka_subscribe(handle.pointer, list.pointer)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code: code, context: "subscribing to \(topics.joined(separator: ", "))")
        }
    }

    /// Reads exactly these partitions from these offsets, outside any group rebalancing.
    public func assign(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        let list = NativePartitionList(offsets)
        let code = rd_kafka_assign(handle.pointer, list.pointer)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code: code, context: "assigning \(offsets.map(\.description).joined(separator: ", "))")
        }
    }

    /// The partitions currently assigned to this member.
    public func assignment() throws(KafkaError) -> [TopicPartition] {
        try state.currentAssignment(handle)
    }

    /// Records the next offset to read for each partition; auto-commit (or ``commit()``) sends them.
    ///
    /// `offsets` are *next* offsets: the last processed record's offset + 1.
    public func storeOffsets(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = NativePartitionList(offsets)
        let code = rd_kafka_offsets_store(handle.pointer, list.pointer)
        if let error = list.firstError(context: "storing offsets") { throw error }
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code: code, context: "storing offsets") }
    }

    /// Commits the stored offsets now and waits for the broker's answer.
    public func commit() async throws(KafkaError) {
        try await commit(nil)
    }

    /// Commits these next offsets now and waits for the broker's answer.
    public func commit(_ offsets: [TopicPartitionOffset]) async throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        try await commit(Optional(offsets))
    }

    private func commit(_ offsets: [TopicPartitionOffset]?) async throws(KafkaError) {
        let handle = self.handle
        try await BlockingCall.run { () throws(KafkaError) in
            let context = "committing offsets"
            let code: rd_kafka_resp_err_t
            if let offsets {
                let list = NativePartitionList(offsets)
                code = rd_kafka_commit(handle.pointer, list.pointer, 0)
                if let error = list.firstError(context: context) { throw error }
            } else {
                code = rd_kafka_commit(handle.pointer, nil, 0)
            }
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR || code == RD_KAFKA_RESP_ERR__NO_OFFSET else {
                throw KafkaError(code: code, context: context)
            }
        }
    }

    /// The group's committed offsets for `partitions` (``KafkaOffset/invalid`` where none).
    public func committed(
        _ partitions: [TopicPartition],
        timeout: Duration = .seconds(10)
    ) async throws(KafkaError)
        -> [TopicPartitionOffset]
    {
        let handle = self.handle
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000)
        return try await BlockingCall.run { () throws(KafkaError) in
            let list = NativePartitionList(partitions)
            let code = rd_kafka_committed(handle.pointer, list.pointer, milliseconds)
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(code: code, context: "reading committed offsets")
            }
            return list.offsets
        }
    }

    /// Stops fetching these partitions (records already delivered stay delivered).
    public func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        state.markPaused(partitions, paused: true)
        try state.setPaused(partitions, paused: true, handle: handle)
    }

    /// Fetches these partitions again, unless flow control is holding the whole assignment.
    ///
    /// Fetching continues right after the last record delivered (or where the last ``seek(_:timeout:)``
    /// put it), never from librdkafka's own resume position, which skips a record after an
    /// end-of-partition event.
    public func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        state.markPaused(partitions, paused: false)
        guard !state.isFlowPaused else { return }
        try state.setPaused(partitions, paused: false, handle: handle)
    }

    /// Moves the read position of assigned partitions.
    public func seek(_ offsets: [TopicPartitionOffset], timeout: Duration = .seconds(10)) async throws(KafkaError) {
        let handle = self.handle
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000)
        try await BlockingCall.run { () throws(KafkaError) in
            let list = NativePartitionList(offsets)
            if let error = rd_kafka_seek_partitions(handle.pointer, list.pointer, milliseconds) {
                throw KafkaError(consuming: error, context: "seeking")
            }
            if let error = list.firstError(context: "seeking") { throw error }
        }
        state.recordPositions(offsets)
    }

    /// The low and high watermarks librdkafka last saw in fetch responses (no request is made).
    ///
    /// The high watermark from fetches is exact on every broker, unlike ListOffsets on some
    /// Kafka-compatible ones; `nil` before the partition has been fetched.
    public func cachedWatermarks(_ partition: TopicPartition) -> (low: Int64, high: Int64)? {
        var low: Int64 = -1
        var high: Int64 = -1
        let code = rd_kafka_get_watermark_offsets(handle.pointer, partition.topic, partition.partition, &low, &high)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return (low, high)
    }

    /// This member's id in the group (empty before it joins).
    public var memberID: String {
        guard let id = rd_kafka_memberid(handle.pointer) else { return "" }
        defer { rd_kafka_mem_free(handle.pointer, id) }
        return String(cString: id)
    }

    /// Counts rebalances; a ``RebalanceHandler`` reads the new value while it runs. Every
    /// ``ConsumerBatch`` carries the value current when it was polled, so the application can tell
    /// records fetched before a partition was revoked and assigned again from current ones.
    public var rebalanceGeneration: UInt64 { state.rebalanceGeneration.load(ordering: .acquiring) }

    /// Batches delivered and not yet released by the application.
    public var inFlightBatches: Int { state.inFlight.load(ordering: .relaxed) }

    /// Bytes of keys and values of the batches delivered and not yet released.
    public var inFlightBytes: Int { state.inFlightBytes.load(ordering: .relaxed) }

    /// Puts the consumer into a fatal state, as a member fenced by a newer one with its
    /// `group.instance.id` would be: for tests (and fault injection) of what happens then.
    public func triggerFatalErrorForTesting(reason: String) {
        handle.triggerFatalError(reason: reason)
    }

    /// Leaves the group: the final revocation goes through the rebalance handler (so the
    /// application can commit), then the client closes and ``events`` finishes.
    public func close() async {
        await pollThread.stop()
    }
}

/// A poll buffer owned by the poll thread.
struct UncheckedBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    let capacity: Int

    init(capacity: Int) {
        self.pointer = .allocate(capacity: capacity)
        self.capacity = capacity
    }
}

/// The consumer's state shared between its poll thread and the application.
final class ConsumerState: Sendable {
    let handler: (any RebalanceHandler)?
    let events: AsyncStream<ConsumerEvent>.Continuation
    let inFlight = Atomic<Int>(0)
    let inFlightBytes = Atomic<Int>(0)
    /// Incremented at the start of every rebalance, before the handler runs.
    let rebalanceGeneration = Atomic<UInt64>(0)
    let maximumInFlightBatches: Int
    let maximumInFlightBytes: Int
    let maximumBatchBytes: Int
    let maximumHold: Duration
    let logger: Logger
    private let pauses = Mutex(Pauses())
    /// Signalled whenever the application releases a batch, to end a hold at once.
    private let released = DispatchSemaphore(value: 0)

    private struct Pauses {
        var byApplication: Set<TopicPartition> = []
        var flowPaused = false
        /// When the current hold at the in-flight limit began.
        var holdingSince: ContinuousClock.Instant?
        /// Per partition of the current assignment, the next offset the application is owed: the
        /// last delivered record's offset + 1, or where an end-of-partition event said the log ends.
        var positions: [TopicPartition: Int64] = [:]
        /// Partitions whose position came from an end-of-partition event (no record since), with how
        /// often a skip after it was repaired (see ``ConsumerState/repairSkipsAfterEnd(in:count:handle:)``).
        var atEnd: [TopicPartition: Int] = [:]
    }

    init(
        handler: (any RebalanceHandler)?,
        events: AsyncStream<ConsumerEvent>.Continuation,
        maximumInFlightBatches: Int,
        maximumInFlightBytes: Int,
        maximumBatchBytes: Int,
        maximumHold: Duration,
        logger: Logger
    ) {
        self.handler = handler
        self.events = events
        self.maximumInFlightBatches = maximumInFlightBatches
        self.maximumInFlightBytes = maximumInFlightBytes
        self.maximumBatchBytes = maximumBatchBytes
        self.maximumHold = maximumHold
        self.logger = logger
    }

    var isFlowPaused: Bool { pauses.withLock { $0.flowPaused } }

    func markPaused(_ partitions: [TopicPartition], paused: Bool) {
        pauses.withLock { state in
            if paused {
                state.byApplication.formUnion(partitions)
            } else {
                state.byApplication.subtract(partitions)
            }
        }
    }

    func setPaused(_ partitions: [TopicPartition], paused: Bool, handle: ClientHandle) throws(KafkaError) {
        guard !partitions.isEmpty else { return }
        if !paused { seekToPositions(partitions, handle: handle) }
        let list = NativePartitionList(partitions)
        let code =
            paused
            ? rd_kafka_pause_partitions(handle.pointer, list.pointer)
            : rd_kafka_resume_partitions(handle.pointer, list.pointer)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code: code, context: paused ? "pausing partitions" : "resuming partitions")
        }
    }

    func recordPositions(_ offsets: [TopicPartitionOffset]) {
        pauses.withLock { state in
            for offset in offsets { state.positions[offset.topicPartition] = offset.offset }
        }
    }

    /// Puts each partition's fetch position back where the application's records end, before a
    /// resume. librdkafka resumes from its own "application position", which an end-of-partition
    /// event advances one past the end (librdkafka issue #4844, since 2.2): a partition paused
    /// after an end-of-partition event would skip the first record appended later. The seek is
    /// asynchronous and ordered before the resume on the partition's queue.
    private func seekToPositions(_ partitions: [TopicPartition], handle: ClientHandle) {
        let positions = pauses.withLock { state in
            partitions.compactMap { partition in
                state.positions[partition].map { TopicPartitionOffset(partition, offset: $0) }
            }
        }
        seek(positions, handle: handle, purpose: "before a resume")
    }

    /// Moves fetch positions without waiting (librdkafka orders the seek before later fetches of
    /// each partition); a failure is logged with `purpose`.
    private func seek(_ positions: [TopicPartitionOffset], handle: ClientHandle, purpose: String) {
        guard !positions.isEmpty else { return }
        let list = NativePartitionList(positions)
        if let error = rd_kafka_seek_partitions(handle.pointer, list.pointer, 0) {
            logger.warning(
                "seeking \(purpose) failed",
                metadata: ["error": "\(KafkaError(consuming: error, context: "seeking"))"]
            )
        }
    }

    /// One poll: apply flow control, then deliver what arrived, in order. Runs on the poll thread.
    func pollOnce(
        handle: ClientHandle,
        queue: OpaquePointer,
        buffer: UncheckedBuffer,
        timeoutMilliseconds: Int32
    ) {
        if applyFlowControl(handle: handle) == .hold {
            _ = released.wait(timeout: .now() + .milliseconds(Int(timeoutMilliseconds)))
            return
        }
        let count = rd_kafka_consume_batch_queue(queue, timeoutMilliseconds, buffer.pointer, buffer.capacity)
        if count > 0 { deliver(buffer.pointer, count: count, handle: handle) }
    }

    /// A batch of `bytes` was released: a hold ends at once.
    private func batchReleased(bytes: Int) {
        inFlightBytes.subtract(bytes, ordering: .relaxed)
        inFlight.subtract(1, ordering: .relaxed)
        released.signal()
    }

    /// Splits a poll's messages into record batches and end-of-partition or error events, in order.
    private func deliver(
        _ buffer: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>,
        count: Int,
        handle: ClientHandle
    ) {
        repairSkipsAfterEnd(in: buffer, count: count, handle: handle)
        var records: [UnsafeMutablePointer<rd_kafka_message_t>] = []
        records.reserveCapacity(count)
        var bytes = 0
        for index in 0..<count {
            guard let message = buffer[index] else { continue }
            let code = message.pointee.err
            if code == RD_KAFKA_RESP_ERR_NO_ERROR {
                let size = message.pointee.len + message.pointee.key_len
                if !records.isEmpty, bytes + size > maximumBatchBytes {
                    flush(&records, bytes: bytes, handle: handle)
                    bytes = 0
                }
                records.append(message)
                bytes += size
                continue
            }
            flush(&records, bytes: bytes, handle: handle)
            bytes = 0
            if code == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                let partition = TopicPartition(
                    topic: message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "",
                    partition: message.pointee.partition
                )
                pauses.withLock { state in
                    state.positions[partition] = message.pointee.offset
                    state.atEnd[partition] = 0
                }
                events.yield(.endOfPartition(partition, offset: message.pointee.offset))
            } else {
                let text = message.pointee.payload.map {
                    String(decoding: UnsafeRawBufferPointer(start: $0, count: message.pointee.len), as: UTF8.self)
                }
                events.yield(.error(KafkaError(code: code, context: "consuming", message: text)))
            }
            rd_kafka_message_destroy(message)
        }
        flush(&records, bytes: bytes, handle: handle)
    }

    /// Puts back a record librdkafka skips after an end of partition.
    ///
    /// librdkafka (at least 2.2 to 2.8) moves a partition's application position to offset + 1 for
    /// every message of a polled batch, the end-of-partition event's too: one past the end. When the
    /// partition is then paused and resumed before a later record is delivered (librdkafka pauses the
    /// whole assignment around every rebalance, also a cooperative one that keeps the partition), the
    /// fetch restarts there and the first record appended after the end is never delivered. So when a
    /// partition's first record in a poll lies past the end its last event reported, its records of
    /// this poll are dropped (nulled in `buffer`) and it is sought back to that end, at most three
    /// times per end (a log may legitimately have a gap there: a transaction marker, compaction).
    private func repairSkipsAfterEnd(
        in buffer: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>,
        count: Int,
        handle: ClientHandle
    ) {
        guard pauses.withLock({ !$0.atEnd.isEmpty }) else { return }
        var checked: [(topic: OpaquePointer?, partition: Int32)] = []
        var repairing: [(topic: OpaquePointer?, partition: Int32)] = []
        var repairs: [TopicPartitionOffset] = []
        for index in 0..<count {
            guard let message = buffer[index], message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            let topic = message.pointee.rkt
            let number = message.pointee.partition
            if repairing.contains(where: { $0.topic == topic && $0.partition == number }) {
                rd_kafka_message_destroy(message)
                buffer[index] = nil
                continue
            }
            guard !checked.contains(where: { $0.topic == topic && $0.partition == number }) else { continue }
            checked.append((topic, number))
            let partition = TopicPartition(
                topic: topic.map { String(cString: rd_kafka_topic_name($0)) } ?? "",
                partition: number
            )
            let end = pauses.withLock { state -> Int64? in
                guard let repaired = state.atEnd[partition], let end = state.positions[partition] else { return nil }
                guard message.pointee.offset > end, repaired < 3 else {
                    state.atEnd[partition] = nil
                    return nil
                }
                state.atEnd[partition] = repaired + 1
                return end
            }
            guard let end else { continue }
            logger.info(
                "the consumer skipped records after the end of a partition; reading them again",
                metadata: ["partition": "\(partition)", "end": "\(end)", "got": "\(message.pointee.offset)"]
            )
            repairing.append((topic, number))
            repairs.append(TopicPartitionOffset(partition, offset: end))
            rd_kafka_message_destroy(message)
            buffer[index] = nil
        }
        seek(repairs, handle: handle, purpose: "back to the end of a partition")
    }

    /// Delivers `records`, `bytes` of keys and values, as one batch.
    private func flush(_ records: inout [UnsafeMutablePointer<rd_kafka_message_t>], bytes: Int, handle: ClientHandle) {
        guard !records.isEmpty else { return }
        let storage = UnsafeMutableBufferPointer<UnsafeMutablePointer<rd_kafka_message_t>>.allocate(
            capacity: records.count
        )
        _ = storage.initialize(from: records)
        recordPositions(of: storage)
        records.removeAll(keepingCapacity: true)
        inFlight.add(1, ordering: .relaxed)
        inFlightBytes.add(bytes, ordering: .relaxed)
        let generation = rebalanceGeneration.load(ordering: .acquiring)
        let batch = ConsumerBatch(messages: storage, handle: handle, rebalanceGeneration: generation) { [self] in
            batchReleased(bytes: bytes)
        }
        events.yield(.records(batch))
    }

    private enum FlowAction {
        case proceed
        case hold
        case pause
        case resume
    }

    /// Notes the next offset of every partition in a delivered batch (records of a partition are
    /// in offset order; a batch usually holds runs of a few partitions).
    private func recordPositions(of messages: UnsafeMutableBufferPointer<UnsafeMutablePointer<rd_kafka_message_t>>) {
        var next: [(topic: OpaquePointer?, partition: Int32, first: Int64, offset: Int64)] = []
        for message in messages {
            let record = message.pointee
            if let index = next.lastIndex(where: { $0.partition == record.partition && $0.topic == record.rkt }) {
                next[index].offset = record.offset + 1
            } else {
                next.append((record.rkt, record.partition, record.offset, record.offset + 1))
            }
        }
        let gaps = pauses.withLock { state in
            var gaps: [(TopicPartition, expected: Int64, got: Int64)] = []
            for entry in next {
                let topic = entry.topic.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
                let partition = TopicPartition(topic: topic, partition: entry.partition)
                if let expected = state.positions[partition], expected != entry.first {
                    gaps.append((partition, expected, entry.first))
                }
                state.positions[partition] = entry.offset
                state.atEnd[partition] = nil
            }
            return gaps
        }
        for gap in gaps {
            // Offsets of a partition are contiguous unless the log has gaps (compaction,
            // transaction markers): a jump here otherwise means a record was skipped or repeated.
            logger.warning(
                "a partition's records did not continue where the last batch ended",
                metadata: ["partition": "\(gap.0)", "expected": "\(gap.expected)", "got": "\(gap.got)"]
            )
        }
    }

    /// At an in-flight limit (batches, or bytes with at least one batch out): hold, and pause the
    /// whole assignment once a hold has lasted ``maximumHold``; after a pause, resume when half of
    /// the batches and bytes are released.
    private func applyFlowControl(handle: ClientHandle) -> FlowAction {
        let inFlight = self.inFlight.load(ordering: .relaxed)
        let inFlightBytes = self.inFlightBytes.load(ordering: .relaxed)
        let atLimit = inFlight >= maximumInFlightBatches || (inFlight > 0 && inFlightBytes >= maximumInFlightBytes)
        let action = pauses.withLock { state -> FlowAction in
            if state.flowPaused {
                guard inFlight <= maximumInFlightBatches / 2, inFlightBytes <= maximumInFlightBytes / 2 else {
                    return .proceed
                }
                state.flowPaused = false
                return .resume
            }
            guard atLimit else {
                state.holdingSince = nil
                return .proceed
            }
            let since = state.holdingSince ?? .now
            state.holdingSince = since
            guard ContinuousClock.now - since >= maximumHold else { return .hold }
            state.holdingSince = nil
            state.flowPaused = true
            return .pause
        }
        guard action == .pause || action == .resume else { return action }
        let pause = action == .pause
        do throws(KafkaError) {
            var partitions = try currentAssignment(handle)
            if !pause {
                let held = pauses.withLock { $0.byApplication }
                partitions.removeAll { held.contains($0) }
            }
            try setPaused(partitions, paused: pause, handle: handle)
            logger.debug(
                pause ? "nothing released while holding at the in-flight limit: fetching paused" : "fetching resumed",
                metadata: ["inFlightBatches": "\(inFlight)"]
            )
        } catch {
            logger.warning("flow control failed", metadata: ["error": "\(error)"])
        }
        return action
    }

    func currentAssignment(_ handle: ClientHandle) throws(KafkaError) -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let code = rd_kafka_assignment(handle.pointer, &list)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let list else {
            throw KafkaError(code: code, context: "reading the assignment")
        }
        return NativePartitionList(owning: list).offsets.map(\.topicPartition)
    }

    /// Applies a rebalance after the application's handler has run. Runs on the poll thread.
    func rebalance(
        handle: OpaquePointer,
        code: rd_kafka_resp_err_t,
        partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
    ) {
        rebalanceGeneration.add(1, ordering: .acquiringAndReleasing)
        let changed = NativePartitionList.offsets(of: partitions).map(\.topicPartition)
        // An assignment starts from the group's committed offsets, not from earlier positions.
        pauses.withLock { state in
            for partition in changed {
                state.positions[partition] = nil
                state.atEnd[partition] = nil
            }
        }
        let cooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
        if code == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            if cooperative {
                if let error = rd_kafka_incremental_assign(handle, partitions) {
                    logger.error("incremental assign failed: \(KafkaError(consuming: error, context: "assigning"))")
                }
            } else {
                rd_kafka_assign(handle, partitions)
            }
            // librdkafka keeps a partition's pause across unassign and assign: one paused before it
            // was revoked or lost would otherwise stay paused in its new assignment.
            if isFlowPaused {
                rd_kafka_pause_partitions(handle, partitions)
            } else {
                rd_kafka_resume_partitions(handle, partitions)
            }
            logger.info("partitions assigned", metadata: ["partitions": "\(changed.map(\.description))"])
            waitFor { await $0.partitionsAssigned(changed) }
        } else {
            let lost = rd_kafka_assignment_lost(handle) != 0
            logger.info(
                lost ? "partitions lost" : "partitions revoked",
                metadata: ["partitions": "\(changed.map(\.description))"]
            )
            waitFor { handler in
                if lost { await handler.partitionsLost(changed) } else { await handler.partitionsRevoked(changed) }
            }
            markPaused(changed, paused: false)
            if cooperative {
                if let error = rd_kafka_incremental_unassign(handle, partitions) {
                    logger.error("incremental unassign failed: \(KafkaError(consuming: error, context: "revoking"))")
                }
            } else {
                rd_kafka_assign(handle, nil)
            }
        }
    }

    /// Runs the handler on the concurrency pool and blocks the poll thread until it returns.
    private func waitFor(_ body: @escaping @Sendable (any RebalanceHandler) async -> Void) {
        guard let handler else { return }
        let done = DispatchSemaphore(value: 0)
        Task {
            await body(handler)
            done.signal()
        }
        done.wait()
    }
}

/// librdkafka's rebalance callback: runs on the consumer's poll thread, inside a poll.
private let rebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { handle, code, partitions, _ in
        guard let handle, let partitions, let state = ClientCallbacks.from(handle)?.consumerState else { return }
        state.rebalance(handle: handle, code: code, partitions: partitions)
    }
