import Hummingbird
public import Logging
import NIOCore
public import ServiceLifecycle

/// Serves `/metrics` (Prometheus text), `/health/live` and `/health/ready` on `metrics.listen`.
///
/// Ready means: partitions are assigned and outputs are not stalled.
public struct MetricsServer: Service {
    private let application: Application<RouterResponder<BasicRequestContext>>

    public init(host: String, port: Int, metrics: PipelineMetrics, statistics: PipelineStatistics, logger: Logger) {
        let router = Router()
        router.get("metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.render()))
            )
        }
        router.get("health/live") { _, _ in "ok\n" }
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
