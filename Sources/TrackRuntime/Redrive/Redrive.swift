public import Kafka
public import TrackDomain
public import TrackPipeline

/// `redrive`: processes rejected records again through the current pipeline, under their original
/// source coordinates, and (when executed) publishes the outputs of those that pass now.
///
/// A rejection processed again gets exactly the ids and values it would have had if it had been
/// accepted the first time: same payload, same topic, partition, offset and timestamp. Those
/// rejected again stay where they are (nothing new is written to the rejected topic). Published
/// rejections are recorded in the ``RedriveLedger`` after their outputs are acknowledged, so a
/// second redrive of the same range publishes nothing new.
public struct Redrive: Sendable {
    /// What to redrive and where to.
    public struct Request: Sendable {
        public var rejectedTopic: String
        public var ranges: [PartitionRange]
        /// Original reasons to redrive; empty for all.
        public var reasons: Set<String>
        /// `site_id`s to redrive; empty for all.
        public var sites: Set<String>
        /// The topics for enriched events and signals.
        public var enrichedTopic: String
        public var signalsTopic: String
        public var ledgerTopic: String
        public var pipelineName: String
        /// Publish (true) or only count (false).
        public var execute: Bool
        public var sampleSize: Int
        /// Inputs per published chunk (outputs, then their marker).
        public var chunkInputs: Int

        public init(
            rejectedTopic: String,
            ranges: [PartitionRange],
            reasons: Set<String>,
            sites: Set<String>,
            enrichedTopic: String,
            signalsTopic: String,
            ledgerTopic: String,
            pipelineName: String,
            execute: Bool,
            sampleSize: Int = 5,
            chunkInputs: Int = 2_000
        ) {
            self.rejectedTopic = rejectedTopic
            self.ranges = ranges
            self.reasons = reasons
            self.sites = sites
            self.enrichedTopic = enrichedTopic
            self.signalsTopic = signalsTopic
            self.ledgerTopic = ledgerTopic
            self.pipelineName = pipelineName
            self.execute = execute
            self.sampleSize = sampleSize
            self.chunkInputs = chunkInputs
        }
    }

    private let processor: EventProcessor
    private let pipeline: PipelineConfiguration

    /// - Parameters:
    ///   - processor: the current pipeline's processor.
    ///   - pipeline: the cluster's client settings.
    public init(processor: EventProcessor, pipeline: PipelineConfiguration) {
        self.processor = processor
        self.pipeline = pipeline
    }

    /// Runs the redrive; `progress` is called now and then with the counts so far.
    public func run(
        _ request: Request,
        progress: (RedriveSummary) -> Void = { _ in }
    ) async throws(RedriveError) -> RedriveSummary {
        let reader = TopicReader(configuration: pipeline.consumerConfiguration())
        var ledger = RedriveLedger(
            topic: request.ledgerTopic,
            rejectedTopic: request.rejectedTopic,
            destination: request.enrichedTopic
        )
        try await load(&ledger, reader: reader)
        let producer: KafkaProducer?
        do {
            producer = request.execute ? try KafkaProducer(configuration: pipeline.producerConfiguration()) : nil
        } catch {
            throw .kafka(error, doing: "creating the producer")
        }
        var run = RedriveRun(
            request: request,
            processor: processor,
            headers: pipeline.headers,
            ledger: ledger,
            producer: producer
        )
        do {
            try await reader.read(topic: request.rejectedTopic, ranges: request.ranges) { record in
                try await run.take(record)
                if run.summary.read % 1_000 == 0 { progress(run.summary) }
                return true
            }
            try await run.publishPending()
        } catch let error as RedriveError {
            await producer?.close()
            throw error
        } catch let error as OffsetToolError {
            await producer?.close()
            throw .reading(error)
        } catch {
            await producer?.close()
            throw .reading(.invalidArgument("\(error)"))
        }
        await producer?.close()
        return run.summary
    }

    /// Reads every marker of the ledger topic (none when it does not exist yet).
    private func load(_ ledger: inout RedriveLedger, reader: TopicReader) async throws(RedriveError) {
        do {
            let ranges = try TopicRanges(pipeline: pipeline)
            guard try await ranges.partitionCounts([ledger.topic])[ledger.topic] != nil else { return }
            let partitions = try await ranges.partitions(of: ledger.topic, selecting: nil)
            let all = try await ranges.resolve(
                topic: ledger.topic,
                partitions: partitions,
                from: .beginning,
                to: .logEnd
            )
            var loaded = ledger
            try await reader.read(topic: ledger.topic, ranges: all) { record in
                if let value = record.value { loaded.apply(markerValue: Array(value)) }
                return true
            }
            ledger = loaded
        } catch let error as OffsetToolError {
            throw .reading(error)
        } catch {
            throw .reading(.invalidArgument("\(error)"))
        }
    }
}

/// The state of one redrive while it reads: counts, the chunk waiting to be published, the ledger.
private struct RedriveRun {
    let request: Redrive.Request
    var processor: EventProcessor
    let planner: OutputHeaderPlanner
    var ledger: RedriveLedger
    let producer: KafkaProducer?
    var summary = RedriveSummary()
    /// Outputs of the current chunk, in input order.
    var pending: [ProducerMessage] = []
    /// The rejections whose outputs are in `pending`.
    var pendingOffsets: [Int32: OffsetIntervals] = [:]
    var pendingInputs = 0

    init(
        request: Redrive.Request,
        processor: EventProcessor,
        headers: HeaderPolicy,
        ledger: RedriveLedger,
        producer: KafkaProducer?
    ) {
        self.request = request
        self.processor = processor
        self.planner = OutputHeaderPlanner(policy: headers)
        self.ledger = ledger
        self.producer = producer
    }

    mutating func take(_ record: ConsumedRecord) async throws(RedriveError) {
        summary.read += 1
        guard let value = record.value, let envelope = try? RejectionEnvelope.parse(Array(value)) else {
            summary.unreadable += 1
            return
        }
        guard request.reasons.isEmpty || request.reasons.contains(envelope.reason) else {
            summary.notSelected += 1
            return
        }
        if !request.sites.isEmpty {
            guard case .value(let payload) = envelope.payload,
                let site = (try? JSONParser.parse(payload))?.objectValue?["site_id"]?.stringValue,
                request.sites.contains(site)
            else {
                summary.notSelected += 1
                return
            }
        }
        if ledger.contains(partition: record.partition, offset: record.offset) {
            summary.alreadyRedriven += 1
            return
        }
        let payload: [UInt8]?
        switch envelope.payload {
        case .value(let bytes): payload = bytes
        case .tombstone: payload = nil
        case .omitted:
            summary.withoutPayload += 1
            return
        }
        // As the service does: the input's headers (the rejection keeps them) decide the outputs'
        // headers and count in their sizes, so the outputs are those a first acceptance would have had.
        let inputHeaders = record.headers
        let planned = planner.plan(inputHeaders, source: envelope.source)
        var carried = CarriedFields.of(keyBytes: record.key?.count, headers: inputHeaders)
        carried.outputHeaders = planned.sizes
        var buffer = OutputBuffer(capacity: 2_048 + (payload?.count ?? 0) * 3, expectedRecords: 4)
        let outcome: RecordOutcome
        do {
            if let payload {
                outcome = try payload.withUnsafeBytes { value in
                    try processor.process(value: value, source: envelope.source, carrying: carried, into: &buffer)
                }
            } else {
                outcome = try processor.process(value: nil, source: envelope.source, carrying: carried, into: &buffer)
            }
        } catch {
            summary.byReason[envelope.reason, default: .init()].selected += 1
            summary.byReason[envelope.reason, default: .init()].stillRejected[
                RejectionReason.processingError.rawValue,
                default: 0
            ] += 1
            return
        }
        let outputs = buffer.finish()
        summary.byReason[envelope.reason, default: .init()].selected += 1
        let sourceText = "\(envelope.source.topic):\(envelope.source.partition):\(envelope.source.offset)"
        if let reason = outcome.rejectionReason {
            let again = outputs.records.firstIndex { $0.kind == .rejection }
                .flatMap { try? RejectionEnvelope.parse(outputs.record(at: $0).value) }
            summary.byReason[envelope.reason, default: .init()].stillRejected[reason.rawValue, default: 0] += 1
            sample(record, sourceText, envelope.reason, newReason: reason.rawValue, detail: again?.message ?? "")
            return
        }
        summary.byReason[envelope.reason, default: .init()].passing += 1
        summary.outputRecords += outputs.records.count
        sample(
            record,
            sourceText,
            envelope.reason,
            newReason: nil,
            detail: "\(outcome.enriched) enriched, \(outcome.signals) signals"
        )
        guard request.execute else { return }
        var headers = outcome.forwardedHeadersOmitted ? OutputHeaderPlanner.withoutForwarded(planned) : planned.accepted
        headers.append(
            KafkaHeader(
                name: "trackstream-redriven-from",
                value: Array("\(request.rejectedTopic):\(record.partition):\(record.offset)".utf8)
            )
        )
        let key = record.key.map(Array.init)
        for index in outputs.records.indices {
            let output = outputs.record(at: index)
            pending.append(
                ProducerMessage(
                    topic: outputs.records[index].kind == .enriched ? request.enrichedTopic : request.signalsTopic,
                    key: output.key ?? key,
                    value: output.value,
                    headers: headers,
                    timestamp: envelope.source.timestamp
                )
            )
        }
        pendingOffsets[record.partition, default: OffsetIntervals()].insert(record.offset)
        pendingInputs += 1
        if pendingInputs >= request.chunkInputs { try await publishPending() }
    }

    private mutating func sample(
        _ record: ConsumedRecord,
        _ source: String,
        _ reason: String,
        newReason: String?,
        detail: String
    ) {
        guard summary.samples.count < request.sampleSize else { return }
        summary.samples.append(
            .init(
                rejectedPartition: record.partition,
                rejectedOffset: record.offset,
                source: source,
                originalReason: reason,
                newReason: newReason,
                detail: detail
            )
        )
    }

    /// Publishes the chunk's outputs, then, once every one is acknowledged, its markers.
    mutating func publishPending() async throws(RedriveError) {
        guard let producer, pendingInputs > 0 else { return }
        try await send(pending, with: producer, what: "the outputs")
        let markers = ledger.markers(
            for: pendingOffsets,
            pipeline: request.pipelineName,
            at: WallClock.milliseconds()
        )
        try await send(markers, with: producer, what: "the redrive markers to \(request.ledgerTopic)")
        ledger.record(pendingOffsets)
        summary.publishedInputs += pendingInputs
        summary.publishedRecords += pending.count
        pending.removeAll(keepingCapacity: true)
        pendingOffsets.removeAll()
        pendingInputs = 0
    }

    private func send(
        _ messages: [ProducerMessage],
        with producer: KafkaProducer,
        what: String
    ) async throws(RedriveError) {
        let report: DeliveryReport
        do {
            report = try await producer.send(messages)
        } catch {
            throw .kafka(error, doing: "publishing \(what)")
        }
        if let failure = report.failures.first {
            throw .undelivered(failure.error, topic: failure.message.topic, count: report.failures.count)
        }
    }
}

/// Why a redrive stopped.
public enum RedriveError: Error, Sendable, CustomStringConvertible {
    /// Reading the rejected topic or the ledger failed.
    case reading(OffsetToolError)
    case kafka(KafkaError, doing: String)
    /// Outputs the broker did not take; their rejections are not marked, so the next redrive sends them again.
    case undelivered(KafkaError, topic: String, count: Int)

    public var isUsageError: Bool {
        if case .reading(let error) = self { return error.isUsageError }
        return false
    }

    public var description: String {
        switch self {
        case .reading(let error): "\(error)"
        case .kafka(let error, let doing): "\(doing) failed: \(error)"
        case .undelivered(let error, let topic, let count):
            "\(count) output(s) to \(topic) were not delivered: \(error); nothing of that chunk is marked as "
                + "redriven, so running the same redrive again sends it again"
        }
    }
}
