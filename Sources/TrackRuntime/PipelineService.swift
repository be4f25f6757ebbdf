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
        let publisher = PublishStage(
            producer: producer,
            consumer: consumer,
            processor: processor,
            inputTopic: pipeline.input,
            outputs: outputs,
            metrics: metrics,
            statistics: statistics,
            logger: logger
        )
        coordinator.attach(publisher: publisher, consumer: consumer)
        let workers = (0..<options.processingWorkers).map { _ in
            ProcessStage(
                processor: processor,
                inputTopic: pipeline.input,
                outputs: outputs,
                attempts: options.processingAttempts,
                metrics: metrics
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

        let shutdownRequested = ShutdownFlag()
        // Half the shutdown bound for the drain leaves the rest for the commit, the group leave and
        // the producer's flush.
        let drainTimeout = options.shutdownTimeout / 2
        let failure = await withTaskGroup(of: KafkaError?.self) { group in
            group.addTask {
                await withGracefulShutdownHandler {
                    await stage.run()
                } onGracefulShutdown: {
                    shutdownRequested.raise()
                    Task {
                        await stage.drain(timeout: drainTimeout)
                        await consumer.close()
                    }
                }
                return nil
            }
            group.addTask { await self.watch(publisher) }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if let failure { throw failure }
        if !shutdownRequested.isRaised {
            // Complete: everything is acknowledged; commit (a replay never does), then leave.
            await publisher.waitUntilIdle()
            if options.replay == nil { await publisher.commit() }
            await consumer.close()
        }
        await producer.close(timeout: options.shutdownTimeout)
        logger.info(
            "pipeline stopped",
            metadata: [
                "consumed": "\(statistics.consumed)", "enriched": "\(statistics.enriched)",
                "signals": "\(statistics.signals)", "rejected": "\(statistics.rejected)",
            ]
        )
    }

    /// Once a second: stall detection, fatal producer errors and the live line.
    private func watch(_ publisher: PublishStage) async -> KafkaError? {
        var previous = (consumed: 0, produced: 0, rejected: 0)
        var reportedStall = false
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            if let failure = await publisher.failure { return failure }
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
    private let raised = Atomic<Bool>(false)

    func raise() { raised.store(true, ordering: .releasing) }
    var isRaised: Bool { raised.load(ordering: .acquiring) }
}
