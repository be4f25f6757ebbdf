/// Java's `.properties` format, read the way `java.util.Properties.load` reads it and Kafka's
/// clients then take the values, so that a file written for `kafka-consumer-groups
/// --command-config` means the same here:
///
/// - lines end with `\n`, `\r` or `\r\n`; leading spaces, tabs and form feeds are skipped;
/// - a line whose first other character is `#` or `!` is a comment (a comment cannot be continued);
/// - the key ends at the first unescaped `=`, `:`, space, tab or form feed; spaces around one `=`
///   or `:` belong to neither side, so `key=value`, `key: value` and `key value` are the same;
/// - a line ending in an odd number of backslashes continues on the next line, whose leading
///   whitespace is skipped;
/// - escapes: `\t \n \r \f`, `\uXXXX` (exactly four hex digits; a surrogate pair as two escapes),
///   and `\c` for any other character c (`\\`, `\=`, `\:`, `\#`, `\ `);
/// - a later line with the same key replaces the earlier one.
///
/// Two deliberate differences from `Properties.load(InputStream)`, which Kafka's tools use:
/// values are trimmed of leading and trailing whitespace and control characters (what Kafka's
/// `ConfigDef` does to every string and password it reads, so the broker sees the same), and the
/// file is read as UTF-8 rather than ISO-8859-1 (bytes that are not UTF-8 are an error naming the
/// line, instead of a silently different password).
public enum JavaProperties {
    /// One property as written.
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: String
        /// The 1-based line the property starts on.
        public var line: Int

        public init(key: String, value: String, line: Int) {
            self.key = key
            self.value = value
            self.line = line
        }
    }

    /// The properties of `bytes` in file order (a repeated key appears each time; the last wins
    /// when they are applied). `file` names the file in errors, which never quote a value.
    public static func parse(_ bytes: [UInt8], file: String) throws(KafkaFileError) -> [Entry] {
        var entries: [Entry] = []
        let lines = try naturalLines(bytes, file: file)
        var index = 0
        while index < lines.count {
            let start = lines[index]
            index += 1
            var logical = Array(start.text.drop(while: isWhitespace))
            guard let first = logical.first, first != "#", first != "!" else { continue }
            // Continuations: an odd number of trailing backslashes escapes the line break.
            while endsWithOddBackslashes(logical) {
                logical.removeLast()
                guard index < lines.count else { break }
                logical += lines[index].text.drop(while: isWhitespace)
                index += 1
            }
            entries.append(try entry(logical, line: start.number, file: file))
        }
        return entries
    }

    private struct NaturalLine {
        var number: Int
        var text: [Unicode.Scalar]
    }

    /// The file's lines, each decoded as UTF-8.
    private static func naturalLines(_ bytes: [UInt8], file: String) throws(KafkaFileError) -> [NaturalLine] {
        var lines: [NaturalLine] = []
        // A UTF-8 byte-order mark is not part of the first key.
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var index = start
        func close(_ end: Int) throws(KafkaFileError) {
            let number = lines.count + 1
            guard let text = String(validating: bytes[start..<end], as: UTF8.self) else {
                throw KafkaFileError(
                    file: file,
                    line: number,
                    key: nil,
                    problem: "the line is not valid UTF-8",
                    remedy: "save the file as UTF-8, or write the character as a \\uXXXX escape"
                )
            }
            lines.append(NaturalLine(number: number, text: Array(text.unicodeScalars)))
        }
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\n"):
                try close(index)
                index += 1
                start = index
            case UInt8(ascii: "\r"):
                try close(index)
                index += (index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n")) ? 2 : 1
                start = index
            default:
                index += 1
            }
        }
        if start < bytes.count { try close(bytes.count) }
        return lines
    }

    /// Splits a logical line into key and value (`Properties.load`'s rules) and unescapes both.
    private static func entry(_ line: [Unicode.Scalar], line number: Int, file: String) throws(KafkaFileError) -> Entry
    {
        var keyEnd = 0
        var valueStart = line.count
        var hasSeparator = false
        var escaped = false
        while keyEnd < line.count {
            let character = line[keyEnd]
            if !escaped, character == "=" || character == ":" {
                valueStart = keyEnd + 1
                hasSeparator = true
                break
            }
            if !escaped, isWhitespace(character) {
                valueStart = keyEnd + 1
                break
            }
            escaped = character == "\\" ? !escaped : false
            keyEnd += 1
        }
        while valueStart < line.count {
            let character = line[valueStart]
            if !isWhitespace(character) {
                guard !hasSeparator, character == "=" || character == ":" else { break }
                hasSeparator = true
            }
            valueStart += 1
        }
        let key = try unescape(line[..<keyEnd], line: number, key: nil, file: file)
        guard !key.isEmpty else {
            throw KafkaFileError(
                file: file,
                line: number,
                key: nil,
                problem: "the line has a value but no property name",
                remedy: "write it as name=value, e.g. security.protocol=SASL_SSL"
            )
        }
        let value = try unescape(line[valueStart...], line: number, key: key, file: file)
        return Entry(key: key, value: trimmed(value), line: number)
    }

    /// Resolves the escapes of a key or value.
    private static func unescape(
        _ text: ArraySlice<Unicode.Scalar>,
        line: Int,
        key: String?,
        file: String
    ) throws(KafkaFileError) -> String {
        func malformed(_ problem: String) -> KafkaFileError {
            KafkaFileError(
                file: file,
                line: line,
                key: key,
                problem: problem,
                remedy: "write \\u and exactly four hex digits (two escapes for a character beyond U+FFFF), "
                    + "or \\\\ for a backslash"
            )
        }
        var result = String.UnicodeScalarView()
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            index += 1
            guard character == "\\" else {
                result.append(character)
                continue
            }
            guard index < text.endIndex else { break }
            let escape = text[index]
            index += 1
            switch escape {
            case "t": result.append("\t")
            case "n": result.append("\n")
            case "r": result.append("\r")
            case "f": result.append("\u{0C}")
            case "u":
                guard let unit = hexUnit(text, at: index) else {
                    throw malformed("a \\u escape without four hex digits after it")
                }
                index += 4
                if UTF16.isLeadSurrogate(unit) {
                    guard index + 1 < text.endIndex, text[index] == "\\", text[index + 1] == "u",
                        let low = hexUnit(text, at: index + 2), UTF16.isTrailSurrogate(low)
                    else { throw malformed("a \\u escape is the first half of a surrogate pair without its second") }
                    index += 6
                    let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    result.append(Unicode.Scalar(value)!)
                } else if let scalar = Unicode.Scalar(unit) {
                    result.append(scalar)
                } else {
                    throw malformed("a \\u escape is the second half of a surrogate pair without its first")
                }
            default:
                result.append(escape)
            }
        }
        return String(result)
    }

    /// The UTF-16 unit written as four hex digits at `index`, if there are four.
    private static func hexUnit(_ text: ArraySlice<Unicode.Scalar>, at index: Int) -> UInt16? {
        guard index + 4 <= text.endIndex else { return nil }
        var unit: UInt16 = 0
        for scalar in text[index..<index + 4] {
            guard scalar.isASCII, let digit = UInt16(String(scalar), radix: 16) else { return nil }
            unit = unit << 4 | digit
        }
        return unit
    }

    /// Java's `String.trim()`, which Kafka's `ConfigDef` applies: every character up to U+0020 off
    /// both ends.
    private static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { $0.value > 0x20 }),
            let last = scalars.lastIndex(where: { $0.value > 0x20 })
        else { return "" }
        return String(scalars[first...last])
    }

    private static func isWhitespace(_ character: Unicode.Scalar) -> Bool {
        character == " " || character == "\t" || character == "\u{0C}"
    }

    private static func endsWithOddBackslashes(_ line: [Unicode.Scalar]) -> Bool {
        var count = 0
        for character in line.reversed() {
            guard character == "\\" else { break }
            count += 1
        }
        return count % 2 == 1
    }
}
