public import CoreMetrics
import Metrics
import Prometheus
import Synchronization
import TrackDomain

/// The service's Prometheus series (docs/operations.md "What to alert on"), made through swift-metrics with
/// a registry of the service's own, so that several pipelines (or tests) never share counters.
public final class PipelineMetrics: Sendable {
    /// The registry `/metrics` renders.
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    let consumed: CoreMetrics.Counter
    let inFlightBatches: CoreMetrics.Gauge
    let stalled: CoreMetrics.Gauge
    let queueDuration: CoreMetrics.Timer
    let processingDuration: CoreMetrics.Timer
    let deliveryDuration: CoreMetrics.Timer
    let commitDuration: CoreMetrics.Timer
    let deliveryRetries: CoreMetrics.Counter
    let processingErrors: CoreMetrics.Counter
    let geoReloads: CoreMetrics.Counter
    let geoReloadFailures: CoreMetrics.Counter
    let geoBuildEpoch: CoreMetrics.Gauge
    let headersDroppedTooLarge: CoreMetrics.Counter
    let headersDroppedInvalidTraceParent: CoreMetrics.Counter
    private let produced = Mutex<[String: CoreMetrics.Counter]>([:])
    private let rejected = Mutex<[String: CoreMetrics.Counter]>([:])
    private let rebalances = Mutex<[String: CoreMetrics.Counter]>([:])
    private let lagRecords = Mutex<[String: CoreMetrics.Gauge]>([:])
    private let lagSeconds = Mutex<[String: CoreMetrics.Gauge]>([:])

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        self.registry = registry
        self.factory = factory
        consumed = CoreMetrics.Counter(label: "trackstream_events_consumed_total", factory: factory)
        inFlightBatches = CoreMetrics.Gauge(label: "trackstream_in_flight_batches", factory: factory)
        stalled = CoreMetrics.Gauge(label: "trackstream_stalled", factory: factory)
        queueDuration = CoreMetrics.Timer(
            label: "trackstream_stage_duration_seconds",
            dimensions: [("stage", "queue")],
            factory: factory
        )
        processingDuration = CoreMetrics.Timer(
            label: "trackstream_stage_duration_seconds",
            dimensions: [("stage", "process")],
            factory: factory
        )
        deliveryDuration = CoreMetrics.Timer(
            label: "trackstream_stage_duration_seconds",
            dimensions: [("stage", "publish")],
            factory: factory
        )
        commitDuration = CoreMetrics.Timer(label: "trackstream_commit_duration_seconds", factory: factory)
        deliveryRetries = CoreMetrics.Counter(label: "trackstream_delivery_retries_total", factory: factory)
        processingErrors = CoreMetrics.Counter(label: "trackstream_processing_errors_total", factory: factory)
        geoReloads = CoreMetrics.Counter(
            label: "trackstream_geoip_reloads_total",
            dimensions: [("result", "reloaded")],
            factory: factory
        )
        geoReloadFailures = CoreMetrics.Counter(
            label: "trackstream_geoip_reloads_total",
            dimensions: [("result", "failed")],
            factory: factory
        )
        geoBuildEpoch = CoreMetrics.Gauge(label: "trackstream_geoip_database_build_timestamp_seconds", factory: factory)
        headersDroppedTooLarge = CoreMetrics.Counter(
            label: "trackstream_headers_dropped_total",
            dimensions: [("reason", "too_large")],
            factory: factory
        )
        headersDroppedInvalidTraceParent = CoreMetrics.Counter(
            label: "trackstream_headers_dropped_total",
            dimensions: [("reason", "invalid_traceparent")],
            factory: factory
        )
    }

    /// Prometheus text exposition of every series.
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }

    func recordProduced(_ count: Int, topic: String) {
        guard count > 0 else { return }
        counter(in: produced, label: "trackstream_records_produced_total", dimension: ("topic", topic))
            .increment(by: count)
    }

    func recordRejected(_ count: Int, reason: String) {
        guard count > 0 else { return }
        counter(in: rejected, label: "trackstream_events_rejected_total", dimension: ("reason", reason))
            .increment(by: count)
    }

    /// Inputs whose enriched events and signals went without some of their headers: forwarded ones
    /// past `headers.max_bytes` or the output limits, or a `traceparent` that is not valid.
    func recordHeadersDropped(tooLarge: Int, invalidTraceParent: Int) {
        if tooLarge > 0 { headersDroppedTooLarge.increment(by: tooLarge) }
        if invalidTraceParent > 0 { headersDroppedInvalidTraceParent.increment(by: invalidTraceParent) }
    }

    func recordRebalance(_ kind: String) {
        counter(in: rebalances, label: "trackstream_rebalances_total", dimension: ("kind", kind)).increment()
    }

    func recordLag(records: Int64, seconds: Double, topic: String, partition: Int32) {
        let key = "\(topic)/\(partition)"
        let dimensions = [("topic", topic), ("partition", "\(partition)")]
        gauge(in: lagRecords, key: key, label: "trackstream_consumer_lag_messages", dimensions: dimensions)
            .record(records)
        gauge(in: lagSeconds, key: key, label: "trackstream_consumer_lag_seconds", dimensions: dimensions)
            .record(seconds)
    }

    /// Stops exporting the lag of a partition this member no longer owns.
    func removeLag(topic: String, partition: Int32) {
        let key = "\(topic)/\(partition)"
        lagRecords.withLock { $0.removeValue(forKey: key) }?.destroy()
        lagSeconds.withLock { $0.removeValue(forKey: key) }?.destroy()
    }

    private func counter(
        in store: borrowing Mutex<[String: CoreMetrics.Counter]>,
        label: String,
        dimension: (String, String)
    ) -> CoreMetrics.Counter {
        store.withLock { counters in
            if let existing = counters[dimension.1] { return existing }
            let created = CoreMetrics.Counter(label: label, dimensions: [dimension], factory: factory)
            counters[dimension.1] = created
            return created
        }
    }

    private func gauge(
        in store: borrowing Mutex<[String: CoreMetrics.Gauge]>,
        key: String,
        label: String,
        dimensions: [(String, String)]
    ) -> CoreMetrics.Gauge {
        store.withLock { gauges in
            if let existing = gauges[key] { return existing }
            let created = CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory)
            gauges[key] = created
            return created
        }
    }
}
