/// ISO-8601 durations `PnDTnHnMnS`, the form `offsets reset --by-duration` takes: days, hours,
/// minutes and seconds, each part optional but at most once and in this order (`T` before the time
/// parts), seconds with an optional fraction (`.` or `,`; digits past milliseconds are dropped).
/// Years, months and weeks are refused: their length depends on the calendar.
///
/// Parsed by hand so that every overflow is an error rather than a trap: a duration is at most
/// `Int64.max` milliseconds (some 292 million years).
public enum ISODuration {
    /// Why a text is not a duration.
    public enum Failure: Error, Sendable, Equatable {
        /// Not of the form `PnDTnHnMnS`.
        case malformed
        /// Longer than `Int64.max` milliseconds.
        case tooLong
    }

    /// The duration `text` names, in milliseconds.
    public static func milliseconds(_ text: String) throws(Failure) -> Int64 {
        var scanner = DurationScanner(text)
        guard scanner.skip("P") || scanner.skip("p") else { throw .malformed }
        var milliseconds: Int64 = 0
        var parts = 0
        var timeParts = 0
        var inTime = false
        let units: [(unit: Character, milliseconds: Int64)] = [
            ("D", 86_400_000), ("H", 3_600_000), ("M", 60_000), ("S", 1000),
        ]
        // Units must come in the order of `units`, each at most once: the next one allowed.
        var nextUnit = 0
        while !scanner.isAtEnd {
            if !inTime, scanner.skip("T") || scanner.skip("t") {
                inTime = true
                continue
            }
            // More than 18 digits of any unit is past Int64 milliseconds; up to 18 always parse.
            guard scanner.digitCount <= 18 else { throw scanner.digitCount > 0 ? .tooLong : .malformed }
            guard let value = scanner.number(digits: nil) else { throw .malformed }
            var fraction: Int64 = 0
            if scanner.skip(".") || scanner.skip(",") {
                guard let digits = scanner.fractionInMilliseconds() else { throw .malformed }
                fraction = digits
            }
            guard let unit = scanner.next()?.uppercased().first,
                let index = units.firstIndex(where: { $0.unit == unit }), index >= nextUnit,
                inTime == (unit != "D"), fraction == 0 || unit == "S"
            else { throw .malformed }
            nextUnit = index + 1
            let (product, productOverflow) = value.multipliedReportingOverflow(by: units[index].milliseconds)
            let (part, partOverflow) = product.addingReportingOverflow(fraction)
            let (sum, sumOverflow) = milliseconds.addingReportingOverflow(part)
            guard !productOverflow, !partOverflow, !sumOverflow else { throw .tooLong }
            milliseconds = sum
            parts += 1
            if inTime { timeParts += 1 }
        }
        guard parts > 0, !inTime || timeParts > 0 else { throw .malformed }
        return milliseconds
    }
}

/// Reads the digits and separators of a duration from the front of a string.
private struct DurationScanner {
    private var rest: Substring

    init(_ text: String) { rest = text[...] }

    var isAtEnd: Bool { rest.isEmpty }

    mutating func skip(_ character: Character) -> Bool {
        guard rest.first == character else { return false }
        rest.removeFirst()
        return true
    }

    mutating func next() -> Character? { rest.popFirst() }

    /// How many digits come next.
    var digitCount: Int { rest.prefix { $0.isASCII && $0.isNumber }.count }

    /// Exactly `digits` digits, or all the digits there are when `nil` (at most 18).
    mutating func number(digits: Int?) -> Int64? {
        let run = rest.prefix { $0.isASCII && $0.isNumber }
        let count = digits ?? run.count
        guard count > 0, count <= 18, run.count >= count else { return nil }
        rest.removeFirst(count)
        return Int64(run.prefix(count))
    }

    /// A decimal fraction's digits as milliseconds (digits past the third are dropped).
    mutating func fractionInMilliseconds() -> Int64? {
        let run = rest.prefix { $0.isASCII && $0.isNumber }
        guard !run.isEmpty else { return nil }
        rest.removeFirst(run.count)
        let padded = String(run.prefix(3)) + String(repeating: "0", count: Swift.max(0, 3 - run.count))
        return Int64(padded)
    }
}
