/// Client and collector times written the ways browsers and collectors send them (contract §1).
enum TimeText {
    /// ISO-8601 with milliseconds: `2026-03-01T10:00:00.123Z`, or in local time with an offset
    /// (`2026-03-01T11:00:00.123+01:00`) when `offsetMinutes` is not zero.
    static func iso8601(milliseconds: Int64, offsetMinutes: Int = 0, includesMilliseconds: Bool = true) -> String {
        let local = milliseconds + Int64(offsetMinutes) * 60_000
        let (days, millisecondOfDay) = floorDivision(local, 86_400_000)
        let date = CivilDate(daysSinceEpoch: days)
        let second = millisecondOfDay / 1000
        var text = String(zeroPadded: Int(date.year), width: 4)
        text += "-\(twoDigits(date.month))-\(twoDigits(date.day))"
        text += "T\(twoDigits(second / 3600)):\(twoDigits(second / 60 % 60)):\(twoDigits(second % 60))"
        if includesMilliseconds { text += "." + String(zeroPadded: Int(millisecondOfDay % 1000), width: 3) }
        guard offsetMinutes != 0 else { return text + "Z" }
        let magnitude = abs(offsetMinutes)
        return text + (offsetMinutes < 0 ? "-" : "+") + "\(twoDigits(magnitude / 60)):\(twoDigits(magnitude % 60))"
    }

    /// Epoch seconds with a millisecond fraction, e.g. `1772359200.123`, as some SDKs send `Date.now() / 1000`.
    static func epochSeconds(milliseconds: Int64) -> String {
        let (seconds, fraction) = floorDivision(milliseconds, 1000)
        return "\(seconds).\(String(zeroPadded: Int(fraction), width: 3))"
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }

    private static func twoDigits(_ value: some BinaryInteger) -> String {
        String(zeroPadded: Int(value), width: 2)
    }
}

/// A proleptic Gregorian date from a day count, by Howard Hinnant's `civil_from_days`.
private struct CivilDate {
    var year: Int64
    var month: Int64
    var day: Int64

    init(daysSinceEpoch days: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }
}
