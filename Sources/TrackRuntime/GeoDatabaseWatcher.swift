public import Logging
public import ServiceLifecycle
public import TrackEnrichment
import UnixSignals

/// Checks the geolocation database file every `interval` and on SIGHUP, and swaps in a replaced
/// file without a restart (``GeoDatabaseSource/reloadIfChanged()``). A file that cannot be opened
/// is logged and counted; the previous database stays in use.
public struct GeoDatabaseWatcher: Service {
    let source: GeoDatabaseSource
    let interval: Duration
    let metrics: PipelineMetrics
    let logger: Logger

    public init(source: GeoDatabaseSource, interval: Duration, metrics: PipelineMetrics, logger: Logger) {
        self.source = source
        self.interval = interval
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        metrics.geoBuildEpoch.record(Int64(clamping: source.current.metadata.buildEpoch))
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
                    check(reason: "SIGHUP")
                }
            }
            group.addTask {
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    try? await Task.sleep(for: interval)
                    guard !Task.isCancelled && !Task.isShuttingDownGracefully else { break }
                    check(reason: "interval")
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }

    private func check(reason: String) {
        switch source.reloadIfChanged() {
        case .unchanged:
            if reason == "SIGHUP" {
                logger.info("geolocation database unchanged", metadata: ["path": "\(source.path)"])
            }
        case .reloaded(let metadata):
            metrics.geoReloads.increment()
            metrics.geoBuildEpoch.record(Int64(clamping: metadata.buildEpoch))
            logger.notice(
                "geolocation database reloaded",
                metadata: [
                    "path": "\(source.path)", "type": "\(metadata.databaseType)",
                    "build_epoch": "\(metadata.buildEpoch)", "trigger": "\(reason)",
                ]
            )
        case .failed(let error):
            metrics.geoReloadFailures.increment()
            logger.warning(
                "geolocation database not reloaded: keeping the one in use",
                metadata: ["error": "\(error)", "trigger": "\(reason)"]
            )
        }
    }
}
