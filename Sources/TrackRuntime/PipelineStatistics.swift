import Synchronization

/// Running totals of the service, read by the live progress line, health checks and tests.
///
/// Lock-free counters updated once per batch, never per record.
public final class PipelineStatistics: Sendable {
    private let consumedCount = Atomic<Int>(0)
    private let publishedInputCount = Atomic<Int>(0)
    private let enrichedCount = Atomic<Int>(0)
    private let signalCount = Atomic<Int>(0)
    private let rejectedCount = Atomic<Int>(0)
    private let assignedCount = Atomic<Int>(0)
    private let stalled = Atomic<Bool>(false)
    private let lag = Mutex<[String: Int64]>([:])
    /// When inputs last finished (epoch milliseconds), or when the service started.
    private let lastProgress = Atomic<Int64>(WallClock.milliseconds())

    public init() {}

    /// Whether the service is alive: it has no lag, or it finished inputs within `timeout`. A service with lag that finishes nothing for that long is wedged
    /// (a stuck consumer, a hung step), and an orchestrator should restart it.
    public func isLive(timeout: Duration) -> Bool {
        isLive(now: WallClock.milliseconds(), timeout: timeout)
    }

    /// ``isLive(timeout:)`` at `now` (epoch milliseconds).
    func isLive(now: Int64, timeout: Duration) -> Bool {
        let timeoutMilliseconds = timeout.components.seconds.multipliedReportingOverflow(by: 1000)
        guard totalLag > 0, !timeoutMilliseconds.overflow else { return true }
        let (idle, overflow) = now.subtractingReportingOverflow(lastProgress.load(ordering: .relaxed))
        return overflow || idle < timeoutMilliseconds.partialValue
    }

    public var consumed: Int { consumedCount.load(ordering: .relaxed) }
    /// Input records whose outputs are all acknowledged.
    public var completedInputs: Int { publishedInputCount.load(ordering: .relaxed) }
    public var enriched: Int { enrichedCount.load(ordering: .relaxed) }
    public var signals: Int { signalCount.load(ordering: .relaxed) }
    public var rejected: Int { rejectedCount.load(ordering: .relaxed) }
    public var assignedPartitions: Int { assignedCount.load(ordering: .relaxed) }
    public var isStalled: Bool { stalled.load(ordering: .relaxed) }
    /// Consumer lag in records over all assigned partitions.
    public var totalLag: Int64 { lag.withLock { $0.values.reduce(0) { $0.addingSaturating($1) } } }

    func recordConsumed(_ count: Int) { consumedCount.add(count, ordering: .relaxed) }

    func recordPublished(inputs: Int, enriched: Int, signals: Int, rejected: Int) {
        publishedInputCount.add(inputs, ordering: .relaxed)
        if inputs > 0 { lastProgress.store(WallClock.milliseconds(), ordering: .relaxed) }
        enrichedCount.add(enriched, ordering: .relaxed)
        signalCount.add(signals, ordering: .relaxed)
        rejectedCount.add(rejected, ordering: .relaxed)
    }

    func setAssignedPartitions(_ count: Int) { assignedCount.store(count, ordering: .relaxed) }
    func setStalled(_ value: Bool) { stalled.store(value, ordering: .relaxed) }
    func setLag(_ records: Int64, for partition: String) { lag.withLock { $0[partition] = records } }
    func removeLag(for partition: String) { lag.withLock { $0[partition] = nil } }
}
