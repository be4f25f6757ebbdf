/// Event times as epoch milliseconds: parsing the accepted input forms and formatting RFC 3339.
///
/// Accepted inputs (contract §1 `timestamp`, `sent_at`, `received_at`):
/// - an ISO-8601 string `YYYY-MM-DD[(T| )HH:MM[:SS[.fraction]]][Z|±HH[[:]MM]]`, letters in either
///   case; without an offset it is UTC; fractions beyond milliseconds are truncated;
/// - an epoch number: below 1e11 in magnitude it is seconds, otherwise milliseconds; fractional
///   milliseconds round half to even.
/// Every time must fall in years 1...9999 so it can be written back as RFC 3339.
public enum EventTime {
    /// 0001-01-01T00:00:00.000Z.
    public static let minimumMilliseconds: Int64 = -62_135_596_800_000
    /// 9999-12-31T23:59:59.999Z.
    public static let maximumMilliseconds: Int64 = 253_402_300_799_999

    /// Why a time value was refused, phrased to follow the field name.
    public enum ParseFailure: Error, Sendable, Equatable {
        case wrongType
        case notFinite
        case malformed
        case outOfRange
    }

    /// Reads a JSON value as a time; `.null` is handled by the caller as "absent".
    public static func milliseconds(from value: JSONValue) throws(ParseFailure) -> Int64 {
        let milliseconds: Int64
        switch value {
        case .number(let number):
            milliseconds = try epochMilliseconds(number)
        case .string(let text):
            milliseconds = try parseISO8601(text)
        default:
            throw .wrongType
        }
        return try withinYears(milliseconds)
    }

    /// Reads a string of the raw event as an ISO-8601 time.
    public static func milliseconds(
        fromText text: InputText,
        in input: UnsafeRawBufferPointer
    ) throws(ParseFailure) -> Int64 {
        let result = text.withUTF8(in: input) { bytes in
            Result { () throws(ParseFailure) in try parseISO8601(bytes: bytes) }
        }
        return try withinYears(result.get())
    }

    /// `milliseconds`, when it falls in years 1...9999.
    private static func withinYears(_ milliseconds: Int64) throws(ParseFailure) -> Int64 {
        guard (minimumMilliseconds...maximumMilliseconds).contains(milliseconds) else { throw .outOfRange }
        return milliseconds
    }

    private static func epochMilliseconds(_ number: JSONNumber) throws(ParseFailure) -> Int64 {
        if number.isIntegerLiteral, let integer = Int64(number.text) {
            if integer > -100_000_000_000 && integer < 100_000_000_000 { return integer * 1000 }
            return integer
        }
        guard let double = Double(number.text) else { throw .malformed }
        guard double.isFinite else { throw .notFinite }
        let scaled = abs(double) < 1e11 ? double * 1000 : double
        let rounded = scaled.rounded(.toNearestOrEven)
        guard rounded >= Double(minimumMilliseconds), rounded <= Double(maximumMilliseconds) else {
            throw .outOfRange
        }
        return Int64(rounded)
    }

    /// Parses the ISO-8601 profile described on ``EventTime``.
    public static func parseISO8601(_ text: String) throws(ParseFailure) -> Int64 {
        var text = text
        let result = text.withUTF8 { bytes in
            Result { () throws(ParseFailure) in try parseISO8601(bytes: bytes) }
        }
        return try result.get()
    }

    private static func parseISO8601(bytes: UnsafeBufferPointer<UInt8>) throws(ParseFailure) -> Int64 {
        var scanner = DigitScanner(bytes)
        let year = try scanner.digits(4)
        try scanner.expect(UInt8(ascii: "-"))
        let month = try scanner.digits(2)
        try scanner.expect(UInt8(ascii: "-"))
        let day = try scanner.digits(2)
        var hour = 0
        var minute = 0
        var second = 0
        var millisecond = 0
        if let separator = scanner.peek(),
            separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ")
        {
            scanner.advance()
            hour = try scanner.digits(2)
            try scanner.expect(UInt8(ascii: ":"))
            minute = try scanner.digits(2)
            if scanner.peek() == UInt8(ascii: ":") {
                scanner.advance()
                second = try scanner.digits(2)
                if scanner.peek() == UInt8(ascii: ".") {
                    scanner.advance()
                    millisecond = try scanner.fractionMilliseconds()
                }
            }
        }
        let offsetMinutes = try scanner.utcOffsetMinutes()
        guard scanner.isAtEnd else { throw .malformed }
        guard year >= 1, (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
            hour < 24, minute < 60, second < 60
        else { throw .malformed }
        let days = Int64(daysFromCivil(year: year, month: month, day: day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        return seconds * 1000 + Int64(millisecond)
    }

    /// The length of every formatted time: `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    static let rfc3339Length = 24

    /// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public static func rfc3339(_ milliseconds: Int64) -> String {
        String(unsafeUninitializedCapacity: rfc3339Length) { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            writeRFC3339(milliseconds, to: base)
            return rfc3339Length
        }
    }

    /// The `YYYY-MM-DDT` of the last day written: an event's times, and a batch's, mostly share a day.
    struct DayMemo {
        fileprivate var day: Int64 = .min
        /// Bytes 0..<8 and 7..<11 of the date part (the two overlap by one byte).
        fileprivate var head: UInt64 = 0
        fileprivate var tail: UInt32 = 0
    }

    /// Writes the ``rfc3339Length`` bytes of `YYYY-MM-DDTHH:MM:SS.mmmZ` at `output`.
    static func writeRFC3339(_ milliseconds: Int64, to output: UnsafeMutablePointer<UInt8>) {
        var memo = DayMemo()
        writeRFC3339(milliseconds, to: output, memo: &memo)
    }

    /// ``writeRFC3339(_:to:)`` reusing the date part of the previous call when the day is the same.
    static func writeRFC3339(_ milliseconds: Int64, to output: UnsafeMutablePointer<UInt8>, memo: inout DayMemo) {
        let (seconds, millisecond) = floorDivide(milliseconds, 1000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let raw = UnsafeMutableRawPointer(output)
        if days == memo.day {
            raw.storeBytes(of: memo.head, as: UInt64.self)
            raw.storeBytes(of: memo.tail, toByteOffset: 7, as: UInt32.self)
        } else {
            let (year, month, day) = civilFromDays(Int(days))
            put(year, width: 4, then: UInt8(ascii: "-"), at: output)
            put(month, width: 2, then: UInt8(ascii: "-"), at: output + 5)
            put(day, width: 2, then: UInt8(ascii: "T"), at: output + 8)
            memo = DayMemo(
                day: days,
                head: raw.loadUnaligned(as: UInt64.self),
                tail: raw.loadUnaligned(fromByteOffset: 7, as: UInt32.self)
            )
        }
        put(Int(secondOfDay / 3600), width: 2, then: UInt8(ascii: ":"), at: output + 11)
        put(Int(secondOfDay % 3600 / 60), width: 2, then: UInt8(ascii: ":"), at: output + 14)
        put(Int(secondOfDay % 60), width: 2, then: UInt8(ascii: "."), at: output + 17)
        put(Int(millisecond), width: 3, then: UInt8(ascii: "Z"), at: output + 20)
    }

    /// Writes `value` zero-padded to `width` digits, then `separator`.
    private static func put(_ value: Int, width: Int, then separator: UInt8, at output: UnsafeMutablePointer<UInt8>) {
        var remaining = value
        for offset in stride(from: width - 1, through: 0, by: -1) {
            output[offset] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: remaining % 10)
            remaining /= 10
        }
        output[width] = separator
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value / divisor
        let remainder = value % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }

    private static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    private static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// A cursor over ASCII bytes for the fixed-width fields of an ISO-8601 time.
private struct DigitScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { position == bytes.count }

    func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func advance() { position += 1 }

    mutating func expect(_ byte: UInt8) throws(EventTime.ParseFailure) {
        guard peek() == byte else { throw .malformed }
        advance()
    }

    mutating func digits(_ count: Int) throws(EventTime.ParseFailure) -> Int {
        var value = 0
        for _ in 0..<count {
            guard let byte = peek(), byte &- UInt8(ascii: "0") < 10 else { throw .malformed }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            advance()
        }
        return value
    }

    /// One or more fraction digits, truncated to milliseconds.
    mutating func fractionMilliseconds() throws(EventTime.ParseFailure) -> Int {
        var value = 0
        var count = 0
        while let byte = peek(), byte &- UInt8(ascii: "0") < 10 {
            if count < 3 { value = value * 10 + Int(byte - UInt8(ascii: "0")) }
            count += 1
            advance()
        }
        guard count > 0 else { throw .malformed }
        for _ in count..<max(count, 3) { value *= 10 }
        return value
    }

    /// `Z`, `±HH`, `±HHMM` or `±HH:MM` as minutes east of UTC; nothing means UTC.
    mutating func utcOffsetMinutes() throws(EventTime.ParseFailure) -> Int {
        guard let byte = peek() else { return 0 }
        if byte == UInt8(ascii: "Z") || byte == UInt8(ascii: "z") {
            advance()
            return 0
        }
        guard byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") else { throw .malformed }
        advance()
        let hours = try digits(2)
        var minutes = 0
        if peek() == UInt8(ascii: ":") {
            advance()
            minutes = try digits(2)
        } else if peek() != nil {
            minutes = try digits(2)
        }
        guard hours < 24, minutes < 60 else { throw .malformed }
        let total = hours * 60 + minutes
        return byte == UInt8(ascii: "-") ? -total : total
    }
}
