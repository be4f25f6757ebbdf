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
        let consumer = try KafkaConsumer(
            configuration: pipeline.consumerConfiguration(),
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
        let stage = ConsumeStage(
            consumer: consumer,
            workers: workers,
            publisher: publisher,
            coordinator: coordinator,
            metrics: metrics,
            statistics: statistics,
            untilCaughtUp: options.untilCaughtUp,
            logger: logger
        )
        try consumer.subscribe(topics: [pipeline.input])
        logger.info(
            "pipeline started",
            metadata: [
                "pipeline": "\(pipeline.name)", "input": "\(pipeline.input)", "group": "\(pipeline.group)",
                "brokers": "\(pipeline.kafkaProperty("bootstrap.servers") ?? "")",
            ]
        )

        let shutdownRequested = ShutdownFlag()
        let failure = await withTaskGroup(of: KafkaError?.self) { group in
            group.addTask {
                await withGracefulShutdownHandler {
                    await stage.run()
                } onGracefulShutdown: {
                    shutdownRequested.raise()
                    Task { await consumer.close() }
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
            // Caught up: everything is acknowledged; commit, then leave the group.
            await publisher.waitUntilIdle()
            await publisher.commit()
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
            if options.showsProgress {
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

/// Set once a graceful shutdown has begun (the consumer is closing: no more commits through it).
private final class ShutdownFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    func raise() { raised.store(true, ordering: .releasing) }
    var isRaised: Bool { raised.load(ordering: .acquiring) }
}
