import Hummingbird
public import Logging
import NIOCore
public import ServiceLifecycle

/// Serves `/metrics` (Prometheus text), `/health/live` and `/health/ready` on `metrics.listen`.
///
/// Ready means: partitions are assigned and outputs are not stalled. Live means: no lag, or inputs
/// finished within `livenessTimeout` (see ``PipelineStatistics/isLive(now:timeout:)``).
public struct MetricsServer: Service {
    private let application: Application<RouterResponder<BasicRequestContext>>

    public init(
        host: String,
        port: Int,
        metrics: PipelineMetrics,
        statistics: PipelineStatistics,
        livenessTimeout: Duration = .seconds(300),
        logger: Logger
    ) {
        let router = Router()
        router.get("metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.render()))
            )
        }
        router.get("health/live") { _, _ -> Response in
            let live = statistics.isLive(timeout: livenessTimeout)
            return Response(
                status: live ? .ok : .serviceUnavailable,
                body: .init(byteBuffer: ByteBuffer(string: live ? "ok\n" : "no progress while behind\n"))
            )
        }
        router.get("health/ready") { _, _ -> Response in
            let ready = statistics.assignedPartitions > 0 && !statistics.isStalled
            let text = ready ? "ready\n" : (statistics.isStalled ? "stalled\n" : "no partitions assigned\n")
            return Response(
                status: ready ? .ok : .serviceUnavailable,
                body: .init(byteBuffer: ByteBuffer(string: text))
            )
        }
        application = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "trackstream"),
            logger: logger
        )
    }

    public func run() async throws {
        try await application.run()
    }
}
