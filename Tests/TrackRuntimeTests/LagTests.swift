import Testing

@testable import TrackRuntime

/// Lag arithmetic on the values records and brokers can carry: it saturates, never traps.
@Suite("Lag from extreme timestamps and offsets")
struct LagTests {
    struct SecondsCase: Sendable, CustomTestStringConvertible {
        var now: Int64
        var timestamp: Int64
        var seconds: Double
        var testDescription: String { "now \(now), timestamp \(timestamp)" }
    }

    static let now: Int64 = 1_767_225_600_000

    @Test(
        "seconds: 0 for the future, the true difference for the past, however far",
        arguments: [
            SecondsCase(now: now, timestamp: now, seconds: 0),
            SecondsCase(now: now, timestamp: now - 1500, seconds: 1.5),
            SecondsCase(now: now, timestamp: now + 1, seconds: 0),
            SecondsCase(now: now, timestamp: .max, seconds: 0),
            SecondsCase(now: now, timestamp: .max - 5, seconds: 0),
            SecondsCase(now: now, timestamp: 0, seconds: Double(now) / 1000),
            SecondsCase(now: now, timestamp: -1, seconds: Double(now + 1) / 1000),
            SecondsCase(now: now, timestamp: .min + 5, seconds: (Double(now) - Double(Int64.min + 5)) / 1000),
            SecondsCase(now: now, timestamp: .min, seconds: (Double(now) - Double(Int64.min)) / 1000),
            SecondsCase(now: .max, timestamp: .min, seconds: (Double(Int64.max) - Double(Int64.min)) / 1000),
            SecondsCase(now: .min, timestamp: .max, seconds: 0),
        ]
    )
    func seconds(_ row: SecondsCase) {
        let seconds = Lag.seconds(now: row.now, since: row.timestamp)
        #expect(seconds == row.seconds)
        #expect(seconds.isFinite && seconds >= 0)
    }

    @Test(
        "records after an offset up to the high watermark, clamped to 0...Int64.max",
        arguments: [
            (Int64(10), Int64(9), Int64(0)),
            (10, 4, 5),
            (10, 20, 0),
            (0, 0, 0),
            (-1001, 5, 0),
            (.min, 0, 0),
            (.min, .max, 0),
            (.max, .min, .max),
            (.max, -1, .max),
            (.max, 0, .max - 1),
            (0, .min, .max),
        ]
    )
    func records(high: Int64, offset: Int64, expected: Int64) {
        #expect(Lag.records(highWatermark: high, after: offset) == expected)
    }

    @Test("the total over partitions, shown by the progress line, saturates")
    func totalLag() {
        let statistics = PipelineStatistics()
        statistics.setLag(.max, for: "t/0")
        statistics.setLag(5, for: "t/1")
        #expect(statistics.totalLag == .max)
        statistics.setLag(7, for: "t/0")
        #expect(statistics.totalLag == 12)
    }

    @Test("saturating Int64 sums and differences, and durations in milliseconds")
    func saturating() {
        #expect(Int64.max.addingSaturating(1) == .max)
        #expect(Int64.min.addingSaturating(-1) == .min)
        #expect(Int64(5).addingSaturating(-7) == -2)
        #expect(Int64.min.subtractingSaturating(1) == .min)
        #expect(Int64.max.subtractingSaturating(-1) == .max)
        #expect(Int64(0).subtractingSaturating(.min) == .max)
        #expect(Duration.seconds(Int64.max).saturatedMilliseconds == .max)
        #expect(Duration.seconds(Int64.min).saturatedMilliseconds == .min)
        #expect(Duration.milliseconds(1500).saturatedMilliseconds == 1500)
        #expect(Duration.microseconds(-1500).saturatedMilliseconds == -1)
    }
}
