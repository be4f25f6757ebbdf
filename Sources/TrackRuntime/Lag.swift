/// Consumer lag from record timestamps and offsets, for the metrics and `offsets show`.
///
/// Timestamps and offsets come from records and brokers, so any `Int64` is possible (a producer
/// may set CreateTime to `Int64.min`). Lag saturates instead of trapping: a timestamp in the future
/// gives no lag, one absurdly far in the past a large but finite one.
enum Lag {
    /// Seconds from `timestamp` to `now` (both milliseconds since the epoch), 0 when `timestamp`
    /// is later than `now`.
    ///
    /// The difference is taken in `Double`, where no pair of `Int64` values overflows; it is exact
    /// to the millisecond while both are within 2^53 ms (some 285,000 years) of the epoch.
    static func seconds(now: Int64, since timestamp: Int64) -> Double {
        max(0, (Double(now) - Double(timestamp)) / 1000)
    }

    /// Records after `offset` up to the high watermark `high` (the next offset to be written): 0
    /// when `offset` is at or past the last record.
    static func records(highWatermark high: Int64, after offset: Int64) -> Int64 {
        // (high - 1) - offset, clamped to 0...Int64.max.
        let (last, lastOverflow) = high.subtractingReportingOverflow(1)
        guard !lastOverflow else { return 0 }
        let (records, overflow) = last.subtractingReportingOverflow(offset)
        if overflow { return offset < 0 ? .max : 0 }
        return max(0, records)
    }
}
