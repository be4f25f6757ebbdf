public import Kafka
public import TrackPipeline

/// How the service runs: everything that is not part of the pipeline file.
public struct RuntimeOptions: Sendable {
    /// Exit once every assigned partition is at its end and every output is acknowledged.
    public var untilCaughtUp = false
    /// How long a graceful shutdown (SIGINT/SIGTERM) may take before work is abandoned.
    public var shutdownTimeout: Duration = .seconds(10)
    /// Records per consumed batch, at most.
    public var maximumBatchSize = 2000
    /// Consumed batches alive at once (being processed or awaiting acknowledgement) before the
    /// consumer holds (and, if nothing is released for a while, pauses fetching): the bound on the
    /// service's memory. 8 batches of 2000 keep both cores busy here at ~160 MB peak RSS.
    public var maximumInFlightBatches = 8
    /// Bytes of consumed records and outputs alive at once (see ``OutputBudget``): beyond the batch
    /// limit, what bounds memory when events are large or expand into many outputs.
    public var maximumInFlightBytes = 128 << 20
    /// Processing stage actors running in parallel (per-partition order is restored before publishing).
    public var processingWorkers = 2
    /// How often a record whose processing throws is retried before it is rejected as `processing_error`.
    public var processingAttempts = 3
    /// How long outputs may wait for acknowledgement before the service reports itself stalled.
    public var stallThreshold: Duration = .seconds(10)
    /// How long the service may finish no input while it has lag before `/health/live` fails.
    public var livenessTimeout: Duration = .seconds(300)
    /// Print a live line of figures to standard error every second.
    public var showsProgress = false
    /// Reprocess exactly these offsets instead of consuming as a group member (`trackstream replay`).
    public var replay: ReplayRange?

    public init() {}

    /// The longest graceful shutdown `--shutdown-timeout` may ask for, in seconds: an orchestrator's
    /// grace period is minutes, and a longer one is a typo.
    public static let shutdownTimeoutLimit: Double = 3600
    /// The bounds of `--batch-size`: the consumer allocates a slot per record of a batch up front.
    public static let batchSizeRange = 1...100_000
    /// The bounds of `--workers`: each is an actor with its own processor; more than cores only queue.
    public static let processingWorkersRange = 1...64
    /// The bounds of `--max-in-flight-batches`: at least 2, so that consuming and processing
    /// overlap; at most 64, since the records of every batch in flight are held in memory.
    public static let inFlightBatchesRange = 2...64
    /// The bounds of `--max-in-flight-bytes`: from 16 MiB (room for a few chunks of outputs) to 64 GiB.
    public static let inFlightBytesRange = (16 << 20)...(64 << 30)

    /// `seconds` of `--shutdown-timeout` as a duration: a finite number more than 0 and at most
    /// ``shutdownTimeoutLimit`` (not NaN, not infinite, which no `Duration` holds).
    public static func shutdownTimeout(seconds: Double) throws(RuntimeOptionsError) -> Duration {
        guard seconds.isFinite, seconds > 0, seconds <= shutdownTimeoutLimit else {
            throw RuntimeOptionsError(
                "--shutdown-timeout must be a number of seconds more than 0 and at most "
                    + "\(Int(shutdownTimeoutLimit)), not \(seconds); e.g. --shutdown-timeout 10"
            )
        }
        return .milliseconds(Int64((seconds * 1000).rounded(.up)))
    }

    /// Validates the values a person may set; the message says which one, its bounds and what to do.
    public func validate() throws(RuntimeOptionsError) {
        guard shutdownTimeout > .zero, shutdownTimeout <= .seconds(Self.shutdownTimeoutLimit) else {
            throw RuntimeOptionsError(
                "--shutdown-timeout must be more than 0 and at most \(Int(Self.shutdownTimeoutLimit)) seconds"
            )
        }
        try Self.check(maximumBatchSize, in: Self.batchSizeRange, "--batch-size", "records per consumed batch")
        try Self.check(
            maximumInFlightBatches,
            in: Self.inFlightBatchesRange,
            "--max-in-flight-batches",
            "consumed batches in flight"
        )
        try Self.check(processingWorkers, in: Self.processingWorkersRange, "--workers", "processing workers")
        try Self.check(
            maximumInFlightBytes,
            in: Self.inFlightBytesRange,
            "--max-in-flight-bytes",
            "bytes of consumed records and outputs in flight"
        )
        guard processingAttempts > 0 else { throw RuntimeOptionsError("processing attempts must be at least 1") }
    }

    private static func check(
        _ value: Int,
        in range: ClosedRange<Int>,
        _ option: String,
        _ what: String
    ) throws(RuntimeOptionsError) {
        guard range.contains(value) else {
            throw RuntimeOptionsError(
                "\(option) must be \(range.lowerBound) to \(range.upperBound) (\(what)), not \(value)"
            )
        }
    }
}

/// A bounded reprocessing: exactly these offsets of the input, read outside the live consumer group
/// (whose committed offsets are neither read nor changed), then the service stops.
public struct ReplayRange: Sendable, Hashable {
    /// Per input partition, the offsets `start..<end`.
    public var partitions: [PartitionRange]

    public init(partitions: [PartitionRange]) {
        self.partitions = partitions
    }

    /// The number of records in the range.
    public var recordCount: Int64 {
        partitions.reduce(0) { $0.addingSaturating(max(0, $1.end.subtractingSaturating($1.start))) }
    }
}

/// The offsets `start..<end` of one partition.
public struct PartitionRange: Sendable, Hashable, CustomStringConvertible {
    public var partition: Int32
    public var start: Int64
    public var end: Int64

    public init(partition: Int32, start: Int64, end: Int64) {
        self.partition = partition
        self.start = start
        self.end = end
    }

    public var description: String { "\(partition):\(start)..<\(end)" }
}

/// A runtime option with a value that cannot work.
public struct RuntimeOptionsError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}

extension PipelineConfiguration {
    /// The librdkafka properties of the pipeline file, with the service's consumer defaults
    /// (which the file can override).
    public func consumerConfiguration() -> KafkaConfiguration {
        var configuration = KafkaConfiguration(properties: kafka.map { .init(key: $0.key, value: $0.value) })
        configuration.setDefault("group.id", group)
        configuration["group.id"] = group
        configuration.setDefault("client.id", "trackstream-\(name)")
        // Offsets are stored when outputs are acknowledged; librdkafka commits stored ones every second.
        configuration.setDefault("enable.auto.offset.store", "false")
        configuration.setDefault("auto.commit.interval.ms", "1000")
        // Bounds the pre-fetched bytes per partition, so that memory stays bounded on a backlog.
        configuration.setDefault("queued.max.messages.kbytes", "8192")
        configuration.setDefault("fetch.wait.max.ms", "100")
        // librdkafka waits 1 s before fetching again once a partition's prefetch queue was full;
        // a pipeline drains it in milliseconds.
        configuration.setDefault("fetch.queue.backoff.ms", "10")
        return configuration
    }

    /// The librdkafka properties of the pipeline file, with the service's producer defaults.
    public func producerConfiguration() -> KafkaConfiguration {
        var configuration = KafkaConfiguration(
            properties: kafka.compactMap { property in
                Self.consumerOnlyProperties.contains(property.key)
                    ? nil : .init(key: property.key, value: property.value)
            }
        )
        configuration.setDefault("client.id", "trackstream-\(name)")
        configuration.setDefault("enable.idempotence", "true")
        configuration.setDefault("acks", "all")
        configuration.setDefault("linger.ms", "5")
        configuration.setDefault("compression.type", "lz4")
        configuration.setDefault("batch.size", "1000000")
        // Keys are partitioned as the Java client does (murmur2), so that topics written by
        // trackstream and by kafka-clients or Kafka Streams applications are co-partitioned.
        configuration.setDefault("partitioner", "murmur2_random")
        // librdkafka retries transient failures itself, in order, for as long as it takes: a failure
        // the service saw and sent again could land after later records of the same user.
        configuration.setDefault("message.timeout.ms", "0")
        return configuration
    }

    /// The librdkafka properties for admin requests.
    public func adminConfiguration() -> KafkaConfiguration {
        KafkaConfiguration(
            properties: kafka.compactMap { property in
                Self.consumerOnlyProperties.contains(property.key)
                    ? nil : .init(key: property.key, value: property.value)
            }
        )
    }

    /// Consumer-only settings a pipeline file commonly carries; a producer warns about each one.
    private static let consumerOnlyProperties: Set<String> = [
        "group.id", "session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms", "fetch.wait.max.ms",
        "auto.offset.reset", "enable.auto.commit", "auto.commit.interval.ms", "enable.auto.offset.store",
        "partition.assignment.strategy", "group.instance.id", "enable.partition.eof", "fetch.min.bytes",
        "fetch.max.bytes", "max.partition.fetch.bytes", "queued.max.messages.kbytes", "queued.min.messages",
        "isolation.level", "group.protocol",
    ]
}
