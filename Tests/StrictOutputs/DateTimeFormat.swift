/// The `date-time` format of JSON Schema: RFC 3339's `date-time`, read as the reference validator
/// (Python's `jsonschema` with `rfc3339-validator`) reads it.
///
/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, `T` and `Z` in either case, ASCII digits; the day
/// must exist in its month (leap years counted), year 0000 does not exist, and a leap second (`:60`)
/// is refused as the reference refuses it. Python's `$` also lets a line feed end the string; this
/// check does not.
public enum DateTimeFormat {
    public static func isValid(_ text: String) -> Bool {
        var bytes = Array(text.utf8)
        guard bytes.count >= 20 else { return false }
        for index in bytes.indices where bytes[index] == UInt8(ascii: "t") || bytes[index] == UInt8(ascii: "z") {
            bytes[index] -= 0x20
        }
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<(start + count)] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        func at(_ index: Int, _ character: Character) -> Bool {
            index < bytes.count && bytes[index] == character.asciiValue
        }
        guard let year = number(0, 4), at(4, "-"), let month = number(5, 2), at(7, "-"), let day = number(8, 2),
            at(10, "T"), let hour = number(11, 2), at(13, ":"), let minute = number(14, 2), at(16, ":"),
            let second = number(17, 2)
        else { return false }
        guard year > 0, (1...12).contains(month), (1...daysIn(month, of: year)).contains(day), hour < 24, minute < 60,
            second < 60
        else { return false }
        var index = 19
        if at(index, ".") {
            index += 1
            let digits = bytes[index...].prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }.count
            guard digits > 0 else { return false }
            index += digits
        }
        if at(index, "Z") { return index + 1 == bytes.count }
        guard at(index, "+") || at(index, "-"), let offsetHour = number(index + 1, 2), at(index + 3, ":"),
            let offsetMinute = number(index + 4, 2)
        else { return false }
        return offsetHour < 24 && offsetMinute < 60 && index + 6 == bytes.count
    }

    private static func daysIn(_ month: Int, of year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
