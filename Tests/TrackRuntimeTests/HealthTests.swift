import Testing

@testable import TrackRuntime

@Suite("Health")
struct HealthTests {
    @Test("live unless behind with no input finished within the timeout")
    func liveness() {
        let statistics = PipelineStatistics()
        let start = WallClock.milliseconds()
        let timeout = Duration.seconds(60)
        #expect(statistics.isLive(now: start + 3_600_000, timeout: timeout), "no lag: idle is fine")
        statistics.setLag(500, for: "in[0]")
        #expect(statistics.isLive(now: start + 59_000, timeout: timeout))
        #expect(!statistics.isLive(now: start + 61_000, timeout: timeout), "behind and stuck")
        statistics.recordPublished(inputs: 10, enriched: 10, signals: 0, rejected: 0)
        #expect(statistics.isLive(now: WallClock.milliseconds() + 59_000, timeout: timeout), "progress again")
        #expect(statistics.isLive(now: .min, timeout: timeout), "a clock far off never traps")
        #expect(statistics.isLive(now: .max, timeout: .seconds(Int64.max)))
    }
}
