import Kafka
public import Logging
public import ServiceLifecycle
import Synchronization
import TrackDomain
public import TrackPipeline

/// The consumer service: consume → process → publish, with at-least-once offsets, rebalance
/// safety, backpressure, a bounded drain on shutdown and live figures.
///
/// Runs as a swift-service-lifecycle `Service`: on graceful shutdown it stops fetching, drains the
/// work in flight, commits, leaves the group and flushes the producer.
public final class PipelineService: Service {
    public let statistics: PipelineStatistics
    public let metrics: PipelineMetrics
    private let pipeline: PipelineConfiguration
    private let options: RuntimeOptions
    private let processor: any RecordProcessing
    private let logger: Logger

    public init(
        pipeline: PipelineConfiguration,
        options: RuntimeOptions,
        processor: any RecordProcessing,
        metrics: PipelineMetrics = PipelineMetrics(),
        statistics: PipelineStatistics = PipelineStatistics(),
        logger: Logger
    ) {
        self.pipeline = pipeline
        self.options = options
        self.processor = processor
        self.metrics = metrics
        self.statistics = statistics
        self.logger = logger
    }

    public func run() async throws {
        var consumerOptions = KafkaConsumer.Options()
        consumerOptions.maximumBatchSize = options.maximumBatchSize
        consumerOptions.maximumInFlightBatches = options.maximumInFlightBatches
        // A quarter of the byte limit for consumed records, a quarter for outputs (which the budget's
        // rule lets reach about twice that): what is alive stays within the limit.
        consumerOptions.maximumInFlightBytes = options.maximumInFlightBytes / 4
        consumerOptions.maximumBatchBytes = options.maximumInFlightBytes / 16
        let budget = OutputBudget(limit: options.maximumInFlightBytes / 4)
        let coordinator = RebalanceCoordinator(metrics: metrics, statistics: statistics)
        var consumerConfiguration = pipeline.consumerConfiguration()
        if options.replay != nil {
            // A replay reads by assignment under a group of its own and never commits, so the live
            // group's offsets are neither read nor changed.
            consumerConfiguration["group.id"] = "\(pipeline.group)-replay-\(WallClock.milliseconds())"
            consumerConfiguration["enable.auto.commit"] = "false"
        }
        let consumer = try KafkaConsumer(
            configuration: consumerConfiguration,
            options: consumerOptions,
            rebalanceHandler: coordinator,
            logger: logger
        )
        let producer = try KafkaProducer(configuration: pipeline.producerConfiguration(), logger: logger)
        let outputs = OutputTopics(
            enriched: pipeline.outputs.enriched,
            signals: pipeline.outputs.signals,
            rejected: pipeline.outputs.rejected
        )
        var timing = PublishStage.Timing()
        // The last commit of a shutdown must fit in what the drain leaves of the bound.
        timing.commitTimeout = min(timing.commitTimeout, options.shutdownTimeout / 4)
        let publisher = PublishStage(
            sink: producer,
            offsetStore: consumer,
            processor: processor,
            inputTopic: pipeline.input,
            outputs: outputs,
            budget: budget,
            timing: timing,
            accounting: PublishAccounting(outputs: outputs, metrics: metrics, statistics: statistics, logger: logger),
            logger: logger
        )
        coordinator.attach(publisher: publisher, consumer: consumer)
        // A span per traced input, when built with the OTLP trait and asked for by OTEL_* variables.
        let spanExport = try InputSpanExport.start(logger: logger)
        let spans = spanExport?.recorder
        let workers = (0..<options.processingWorkers).map { _ in
            ProcessStage(
                processor: processor,
                inputTopic: pipeline.input,
                outputs: outputs,
                attempts: options.processingAttempts,
                budget: budget,
                metrics: metrics,
                headers: pipeline.headers,
                spans: spans
            )
        }
        let completion: ConsumeStage.Completion
        if let replay = options.replay {
            let partitions = replay.partitions.map { TopicPartition(topic: pipeline.input, partition: $0.partition) }
            await publisher.assign(partitions, generation: consumer.rebalanceGeneration)
            await publisher.limit(
                to: Dictionary(uniqueKeysWithValues: replay.partitions.map { ($0.partition, $0.end) })
            )
            await coordinator.partitionsAssigned(partitions)
            completion = .range(
                ends: Dictionary(
                    uniqueKeysWithValues: replay.partitions.map {
                        (TopicPartition(topic: pipeline.input, partition: $0.partition), $0.end > $0.start ? $0.end : 0)
                    }
                )
            )
            try consumer.assign(
                replay.partitions.map {
                    TopicPartitionOffset(topic: pipeline.input, partition: $0.partition, offset: $0.start)
                }
            )
        } else {
            completion = options.untilCaughtUp ? .caughtUp : .never
            try consumer.subscribe(topics: [pipeline.input])
        }
        let stage = ConsumeStage(
            consumer: consumer,
            workers: workers,
            publisher: publisher,
            coordinator: coordinator,
            metrics: metrics,
            statistics: statistics,
            completion: completion,
            logger: logger
        )
        logger.info(
            "pipeline started",
            metadata: [
                "pipeline": "\(pipeline.name)", "input": "\(pipeline.input)", "group": "\(pipeline.group)",
                "brokers": "\(pipeline.kafkaProperty("bootstrap.servers") ?? "")",
            ]
        )

        let shutdown = ShutdownFlag()
        // Half the shutdown bound for the drain leaves the rest for the commit, the group leave and
        // the producer's flush; whatever still hangs at the bound is abandoned (see ``Ending``).
        let drainTimeout = options.shutdownTimeout / 2
        // Room after the service's own deadline for the rest of the process to stop.
        let ownDeadline = options.shutdownTimeout - min(.milliseconds(1500), options.shutdownTimeout / 4)
        var tasks: [Task<Void, Never>] = []
        let ending: Ending = await FirstResult.race { end in
            tasks.append(
                Task {
                    await withGracefulShutdownHandler {
                        await stage.run()
                    } onGracefulShutdown: {
                        shutdown.raise(
                            closing: Task {
                                await stage.drain(timeout: drainTimeout)
                                await consumer.close()
                            }
                        )
                    }
                    end(.complete)
                }
            )
            tasks.append(
                Task {
                    if let failure = await self.watch(publisher, producer: producer, consumer: consumer) {
                        end(.failed(failure))
                    }
                }
            )
            tasks.append(
                Task {
                    await shutdown.waitUntilRaised()
                    try? await Task.sleep(for: ownDeadline)
                    if !Task.isCancelled { end(.overran) }
                }
            )
        }
        // The watcher and the deadline end here; a stage stuck in librdkafka is left behind.
        for task in tasks.dropFirst() { task.cancel() }
        switch ending {
        case .failed(let failure):
            throw failure
        case .overran:
            logger.error(
                "the shutdown did not finish within --shutdown-timeout; stopping without a clean group leave",
                metadata: ["timeout": "\(options.shutdownTimeout)"]
            )
            throw PipelineStop.shutdownOverran(options.shutdownTimeout)
        case .complete:
            // The consume stage also ends when the stage stopped on an error (a fatal consumer).
            if let failure = await publisher.stopReason { throw failure }
        }
        if let closing = shutdown.closing {
            // A shutdown began, perhaps just as the work completed: its drain and close commit;
            // wait for them, within the bound.
            let left = shutdown.deadline(after: ownDeadline).map { $0 - .now } ?? .zero
            await FirstResult.race { end in
                Task {
                    await closing.value
                    end(())
                }
                Task {
                    try? await Task.sleep(for: left)
                    end(())
                }
            }
        } else {
            // Complete: everything is acknowledged; commit (a replay never does), then leave.
            await publisher.waitUntilIdle()
            if options.replay == nil { await publisher.commit(timeout: timing.commitTimeout) }
            await consumer.close()
        }
        let remaining = shutdown.deadline(after: ownDeadline).map { $0 - .now } ?? options.shutdownTimeout
        await producer.close(timeout: max(.zero, remaining))
        await spanExport?.stop()
        logger.info(
            "pipeline stopped",
            metadata: [
                "consumed": "\(statistics.consumed)", "enriched": "\(statistics.enriched)",
                "signals": "\(statistics.signals)", "rejected": "\(statistics.rejected)",
            ]
        )
    }

    /// Once a second: stall detection, fatal producer errors and the live line.
    private func watch(
        _ publisher: PublishStage,
        producer: KafkaProducer,
        consumer: KafkaConsumer
    ) async -> KafkaError? {
        var previous = (consumed: 0, produced: 0, rejected: 0)
        var reportedStall = false
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            if FaultInjection.fires(.fatalProducer) { producer.triggerFatalErrorForTesting(reason: "fault injection") }
            if FaultInjection.fires(.fatalConsumer) { consumer.triggerFatalErrorForTesting(reason: "fault injection") }
            if let failure = await publisher.stopReason { return failure }
            if let fatal = producer.fatalError { return fatal }
            let age = await publisher.oldestInFlightAge()
            let stalled = age > options.stallThreshold
            statistics.setStalled(stalled)
            metrics.stalled.record(stalled ? 1 : 0)
            if stalled != reportedStall {
                reportedStall = stalled
                if stalled {
                    logger.warning("outputs are not being acknowledged; retrying", metadata: ["waiting": "\(age)"])
                } else {
                    logger.info("outputs are acknowledged again; resumed")
                }
            }
            if options.showsProgress, let replay = options.replay {
                ProgressLine.show(replayProgress(replay, previous: &previous.consumed))
            } else if options.showsProgress {
                let produced = statistics.enriched + statistics.signals
                let line =
                    "in \(statistics.consumed - previous.consumed)/s  out \(produced - previous.produced)/s  "
                    + "rejected \(statistics.rejected - previous.rejected)/s  lag \(statistics.totalLag)  "
                    + "total in \(statistics.consumed)\(stalled ? "  STALLED" : "")"
                ProgressLine.show(line)
                previous = (statistics.consumed, produced, statistics.rejected)
            }
        }
        return nil
    }
}

extension PipelineService {
    /// "done/total (pct), rate, ETA" for a replay, from the inputs whose outputs are acknowledged.
    fileprivate func replayProgress(_ replay: ReplayRange, previous: inout Int) -> String {
        let done = statistics.completedInputs
        let total = max(1, Int(replay.recordCount))
        let rate = done - previous
        previous = done
        let remaining = max(0, total - done)
        let eta = rate > 0 ? "\(remaining / rate) s" : "-"
        return "replay \(done)/\(total) (\(done * 100 / total) %)  \(rate)/s  ETA \(eta)"
    }
}

/// Set once a graceful shutdown has begun (the consumer is closing: no more commits through it).
private final class ShutdownFlag: Sendable {
    private let state = Mutex<
        (
            raisedAt: ContinuousClock.Instant?, closing: Task<Void, Never>?,
            waiters: [CheckedContinuation<Void, Never>]
        )
    >((nil, nil, []))

    /// Raises the flag; `closing` is the drain and close the shutdown runs.
    func raise(closing: Task<Void, Never>) {
        let waiters = state.withLock { state in
            guard state.raisedAt == nil else { return [CheckedContinuation<Void, Never>]() }
            state.raisedAt = .now
            state.closing = closing
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The shutdown's drain and close, once raised.
    var closing: Task<Void, Never>? { state.withLock { $0.closing } }

    var isRaised: Bool { state.withLock { $0.raisedAt != nil } }

    /// When a shutdown raised now must be done by, or nil when none was requested.
    func deadline(after timeout: Duration) -> ContinuousClock.Instant? {
        state.withLock { $0.raisedAt.map { $0 + timeout } }
    }

    func waitUntilRaised() async {
        await withCheckedContinuation { continuation in
            let raised = state.withLock { state -> Bool in
                if state.raisedAt != nil { return true }
                state.waiters.append(continuation)
                return false
            }
            if raised { continuation.resume() }
        }
    }
}

/// How a run ended.
private enum Ending: Sendable {
    /// The work is complete, or a graceful shutdown finished.
    case complete
    /// The service stopped on an error (exit 2).
    case failed(KafkaError)
    /// A graceful shutdown did not finish within its bound.
    case overran
}

/// Why the service stopped other than on a Kafka error.
public enum PipelineStop: Error, CustomStringConvertible {
    /// A graceful shutdown ran past `--shutdown-timeout` (a broker that does not answer, say): the
    /// service stopped without a clean group leave; uncommitted work is read again after a restart.
    case shutdownOverran(Duration)

    public var description: String {
        switch self {
        case .shutdownOverran(let timeout):
            "the shutdown did not finish within \(timeout); stopped without a clean group leave (exit 3)"
        }
    }
}
