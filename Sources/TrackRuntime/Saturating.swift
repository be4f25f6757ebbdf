/// Arithmetic on values from records, brokers and the command line, which may be any `Int64`:
/// clamped to the type's range where plain operators would trap.
extension Int64 {
    /// `self + other`, clamped to `Int64.min...Int64.max` instead of trapping.
    func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other < 0 ? .min : .max) : sum
    }

    /// `self - other`, clamped to `Int64.min...Int64.max` instead of trapping.
    func subtractingSaturating(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other < 0 ? .max : .min) : difference
    }
}

extension Duration {
    /// The duration in whole milliseconds (rounded towards zero), `Int64.max` or `Int64.min`
    /// when it is longer than that.
    var saturatedMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        return milliseconds.addingSaturating(attoseconds / 1_000_000_000_000_000)
    }
}
