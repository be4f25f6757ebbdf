public import TrackDomain

extension PipelineConfiguration.Limits {
    /// The largest value of each `limits` key that sizes memory, by key path: an event is held whole
    /// (and `process` holds a line of up to this plus a margin), and a fan-out multiplies outputs.
    /// Kafka's own default record limit is 1 MB.
    public static let maximums: [String: Int] = [
        "limits.max_event_bytes": 16 << 20,
        "limits.max_fanout": 10_000,
    ]
}

extension ScoreScale {
    /// The bounds a pipeline file's score scale may use: ±2^53, the integers a `Double` holds
    /// exactly, so that `max − min` in the preference arithmetic is never 0 (a NaN signal value).
    public static let boundRange: ClosedRange<Int64> = -(1 << 53)...(1 << 53)
}
