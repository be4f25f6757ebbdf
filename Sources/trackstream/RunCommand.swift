import ArgumentParser
import Foundation
import Kafka
import Logging
import ServiceLifecycle
import TrackDomain
import TrackPipeline
import TrackRuntime

/// `trackstream run`: the consumer service.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the pipeline: consume raw events, publish enriched events, signals and rejections.",
        discussion: """
            At-least-once: an input offset is committed only after every output it produced is \
            acknowledged. SIGINT/SIGTERM stop fetching, drain, commit, leave the group and exit 0 within \
            --shutdown-timeout. Metrics: /metrics, /health/live, /health/ready on metrics.listen.
            """
    )

    @OptionGroup var pipelineArguments: PipelineArguments

    @Flag(help: "Exit 0 once every assigned partition is at its end and every output is acknowledged.")
    var untilCaughtUp = false

    @Option(help: "Where to serve metrics and health (host:port), overriding metrics.listen.")
    var metricsListen: String?

    @OptionGroup var logging: LoggingArguments

    @Option(
        help: "Seconds a graceful shutdown may take (more than 0, at most \(Int(RuntimeOptions.shutdownTimeoutLimit)))."
    )
    var shutdownTimeout: Double = 10

    @Option(help: "Records per consumed batch, at most (\(RuntimeOptions.batchSizeRange.described)).")
    var batchSize = 2000

    @Option(
        help: "Processing workers (actors) running in parallel (\(RuntimeOptions.processingWorkersRange.described))."
    )
    var workers = 2

    @Option(
        help: """
            Consumed batches in flight (processing or awaiting acknowledgement) before consumption holds \
            (\(RuntimeOptions.inFlightBatchesRange.described)).
            """
    )
    var maxInFlightBatches = 8

    @Option(help: "Bytes of consumed records and outputs in flight before consumption and processing hold.")
    var maxInFlightBytes = RuntimeOptions().maximumInFlightBytes

    @Option(help: "Seconds without a finished input, while behind, before /health/live fails.")
    var livenessTimeout: Double = 300

    @Flag(inversion: .prefixedNo, help: "Print a live line of figures every second (default: on a terminal).")
    var progress: Bool?

    /// Refuses option values the service cannot run with before anything starts.
    func validate() throws {
        do {
            _ = try runtimeOptions()
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The service's options from the flags, checked.
    private func runtimeOptions() throws(RuntimeOptionsError) -> RuntimeOptions {
        var options = RuntimeOptions()
        options.untilCaughtUp = untilCaughtUp
        options.shutdownTimeout = try RuntimeOptions.shutdownTimeout(seconds: shutdownTimeout)
        options.maximumBatchSize = batchSize
        options.processingWorkers = workers
        options.maximumInFlightBatches = maxInFlightBatches
        options.maximumInFlightBytes = maxInFlightBytes
        guard livenessTimeout.isFinite, (1...86_400).contains(livenessTimeout) else {
            throw RuntimeOptionsError("--liveness-timeout must be 1 to 86400 seconds, not \(livenessTimeout)")
        }
        options.livenessTimeout = .milliseconds(Int64(livenessTimeout * 1000))
        options.showsProgress = progress ?? (isatty(STDERR_FILENO) != 0)
        try options.validate()
        return options
    }

    func run() async throws {
        try requireSupportedLibrdkafka()
        let logger = logging.bootstrap()
        let pipeline = try pipelineArguments.load()
        do {
            try pipeline.consumerConfiguration().validate()
            try pipeline.producerConfiguration().validate()
        } catch {
            throw CommandFailure(
                message: "\(error); fix the pipeline's kafka map or the --kafka option",
                exitCode: 1
            )
        }
        var listen = pipeline.metrics.listen
        if let metricsListen {
            guard let parsed = ListenAddress(parsing: metricsListen) else {
                throw CommandFailure(
                    message: "--metrics-listen '\(metricsListen)' is not host:port (e.g. 0.0.0.0:9464)",
                    exitCode: 1
                )
            }
            listen = parsed
        }
        if let problem = ListenAddressProbe.problem(with: listen) {
            throw CommandFailure(
                message: """
                    metrics.listen \(listen) \(problem). Set a free host:port of this machine with \
                    --metrics-listen or in the pipeline's metrics.listen.
                    """,
                exitCode: 1
            )
        }
        let options: RuntimeOptions
        do {
            options = try runtimeOptions()
        } catch {
            throw CommandFailure(message: error.description, exitCode: 1)
        }

        let assembly = try assembleProcessor(pipeline, logger: logger)
        // SIGHUP asks for a geolocation reload (GeoDatabaseWatcher). Without a database it must not
        // end the process, as its default action would: a fleet-wide `pkill -HUP` is common.
        if assembly.geoDatabase == nil { signal(SIGHUP, SIG_IGN) }
        let service = PipelineService(
            pipeline: pipeline,
            options: options,
            processor: assembly.processor,
            logger: logger
        )
        let metricsServer = MetricsServer(
            host: listen.host,
            port: listen.port,
            metrics: service.metrics,
            statistics: service.statistics,
            livenessTimeout: options.livenessTimeout,
            logger: logger
        )
        var configuration = ServiceGroupConfiguration(
            services: [
                .init(
                    service: service,
                    successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup
                ),
                .init(service: metricsServer, failureTerminationBehavior: .gracefullyShutdownGroup),
            ]
                + (assembly.geoDatabase.map { source in
                    [
                        .init(
                            service: GeoDatabaseWatcher(
                                source: source,
                                interval: .milliseconds(
                                    pipeline.enrichments.geoIP?.checkIntervalMilliseconds ?? 60_000
                                ),
                                metrics: service.metrics,
                                logger: logger
                            ),
                            failureTerminationBehavior: .gracefullyShutdownGroup
                        )
                    ]
                } ?? []),
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        // The service ends itself within --shutdown-timeout (exit 3 when a step hangs past it); the
        // group's own bounds lie beyond, so they never cut a shutdown short.
        configuration.maximumGracefulShutdownDuration = options.shutdownTimeout + .seconds(2)
        configuration.maximumCancellationDuration = .seconds(5)
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch let stop as PipelineStop {
            logger.error("the service stopped", metadata: ["reason": "\(stop)"])
            throw CommandFailure(message: "trackstream run: \(stop)", exitCode: 3)
        } catch {
            logger.error("the service failed", metadata: ["error": "\(error)"])
            throw CommandFailure(message: "trackstream run failed: \(error)", exitCode: 2)
        }
    }
}

/// The pipeline's processor with its enrichments, logging what is in use; a database or key that
/// cannot be used is a configuration error (exit 1).
func assembleProcessor(_ pipeline: PipelineConfiguration, logger: Logger) throws -> ProcessorAssembly {
    let assembly: ProcessorAssembly
    do {
        assembly = try ProcessorAssembly.assemble(pipeline)
    } catch {
        throw CommandFailure(message: error.description, exitCode: 1)
    }
    for warning in assembly.warnings { logger.warning("\(warning)") }
    for line in assembly.summary { logger.info("enrichment", metadata: ["in_use": "\(line)"]) }
    return assembly
}

/// `--log-level` and `--log-format`, shared by the commands that run long.
struct LoggingArguments: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(help: "Log format: json or logfmt.")
    var logFormat: String = "logfmt"

    /// Installs the structured log handler and returns the command's logger.
    func bootstrap() -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let format = StructuredLogHandler.Format(rawValue: logFormat) ?? .logfmt
        LoggingSystem.bootstrap { label in StructuredLogHandler(label: label, level: level, format: format) }
        return Logger(label: "trackstream")
    }

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError(
                "--log-level must be one of: \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        guard StructuredLogHandler.Format(rawValue: logFormat) != nil else {
            throw ValidationError("--log-format must be json or logfmt")
        }
    }
}

/// Checks, before joining the group, that the metrics address can be bound, so that a port
/// conflict or a host that is not this machine's is reported at once and clearly (exit 1) instead
/// of as a runtime failure after a rebalance.
enum ListenAddressProbe {
    /// Why the metrics server could not listen on `address`, as a clause; nil when it can, or when
    /// the probe cannot tell (then the server reports it).
    static func problem(with address: ListenAddress) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var results: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(address.host, "\(address.port)", &hints, &results)
        guard status == 0, let first = results else {
            return "cannot be used: host '\(address.host)' does not resolve (\(String(cString: gai_strerror(status))))"
        }
        defer { freeaddrinfo(results) }
        let descriptor = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        guard bind(descriptor, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 else { return nil }
        switch errno {
        case EADDRINUSE: return "is already in use (another trackstream instance?)"
        case EADDRNOTAVAIL: return "cannot be used: it is not an address of this machine"
        case EACCES: return "cannot be used: binding it needs privileges (a port below 1024?)"
        default: return "cannot be used: \(String(cString: strerror(errno)))"
        }
    }
}

extension ClosedRange<Int> {
    /// `1 to 64`, as help texts give bounds.
    fileprivate var described: String { "\(lowerBound) to \(upperBound)" }
}
