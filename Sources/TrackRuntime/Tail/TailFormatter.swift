public import TrackDomain

/// Writes the records `tail` shows: one line each, as JSON or for a person.
///
/// - `json`: one compact JSON object per record, `{"topic", "partition", "offset", "timestamp",
///   "key", "headers", "value"}`. `value` is the record's value itself when it is strict JSON, else
///   a string (`value_base64` when it is not UTF-8); keys and header values likewise (`key_base64`,
///   `value_base64` in a header). Pipe it to `jq`.
/// - `pretty`: time, partition:offset and key in aligned columns, then the main fields of the
///   outputs trackstream writes (an enriched event, a signal, a rejection) or of a raw event.
///   Colour only when asked (a terminal, without `NO_COLOR`). Control characters in the data are
///   shown escaped, so a record can never drive the terminal.
public struct TailFormatter: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case json
        case pretty
    }

    public var format: Format
    public var colour: Bool

    public init(format: Format, colour: Bool) {
        self.format = format
        self.colour = colour
    }

    /// The line for `record` (without a newline); `value` is its value parsed, nil when not JSON.
    public func line(for record: TailRecord, value: JSONValue?) -> String {
        switch format {
        case .json: json(record, value: value)
        case .pretty: pretty(record, value: value)
        }
    }

    // MARK: JSON

    private func json(_ record: TailRecord, value: JSONValue?) -> String {
        var writer = JSONWriter(capacity: 256 + (record.value?.count ?? 0))
        writer.beginObject()
        writer.key("topic")
        writer.string(record.topic)
        writer.key("partition")
        writer.integer(Int64(record.partition))
        writer.key("offset")
        writer.integer(record.offset)
        writer.key("timestamp")
        if let timestamp = record.timestamp { writer.integer(timestamp) } else { writer.null() }
        Self.bytes(record.key, named: "key", into: &writer)
        writer.key("headers")
        writer.beginArray()
        for header in record.headers {
            writer.beginObject()
            writer.key("name")
            writer.string(header.name)
            Self.bytes(header.value, named: "value", into: &writer)
            writer.endObject()
        }
        writer.endArray()
        if let value {
            writer.key("value")
            writer.value(value)
        } else {
            Self.bytes(record.value, named: "value", into: &writer)
        }
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// `"name": "text"` for UTF-8 bytes, `"name_base64": "…"` otherwise, `"name": null` for none.
    private static func bytes(_ bytes: [UInt8]?, named name: StaticString, into writer: inout JSONWriter) {
        guard let bytes else {
            writer.key(name)
            return writer.null()
        }
        if let text = String(validating: bytes, as: UTF8.self) {
            writer.key(name)
            writer.string(text)
        } else {
            writer.key(escaping: "\(name)_base64")
            writer.plainString(Base64.encode(bytes))
        }
    }

    // MARK: Pretty

    private func pretty(_ record: TailRecord, value: JSONValue?) -> String {
        let time = record.timestamp.map { EventTime.rfc3339($0) } ?? "-"
        let position = "\(record.partition):\(record.offset)"
        let key = record.key.map { Self.printable(String(decoding: $0, as: UTF8.self), limit: 31) } ?? "(no key)"
        var line = paint(Self.padded(time, 24), .dim) + " " + Self.padded(position, 10) + " "
        line += paint(Self.padded(key, 32), .dim) + " "
        line += summary(of: record, value: value)
        return line
    }

    /// The main fields of the value.
    private func summary(of record: TailRecord, value: JSONValue?) -> String {
        guard let bytes = record.value else { return paint("(tombstone)", .dim) }
        guard let value else {
            return paint("(not JSON, \(bytes.count) bytes)", .red) + " "
                + Self.printable(String(decoding: bytes.prefix(120), as: UTF8.self), limit: 120)
        }
        guard let object = value.objectValue else { return Self.printable(Self.compact(value), limit: 160) }
        func text(_ path: String) -> String? {
            RecordFilter.member(path, of: value).map { Self.printable($0, limit: 80) }
        }
        if object["reason"] != nil, object["source"] != nil {
            var parts = [paint("rejected", .red), paint(text("reason") ?? "?", .bold)]
            if let field = text("field"), field != "null" { parts.append("field=\(field)") }
            if let message = text("message") { parts.append(paint("— \(message)", .dim)) }
            return parts.joined(separator: " ")
        }
        if object["signal_id"] != nil {
            var parts = [paint("signal", .green), text("event_type") ?? "?", text("kind") ?? "?"]
            parts.append("value=\(text("value") ?? "?")")
            if let site = text("site_id") { parts.append("site=\(site)") }
            parts.append(Self.user(of: value))
            if let resource = text("resource_id") { parts.append("resource=\(resource)") }
            return parts.joined(separator: " ")
        }
        if object["event_id"] != nil, object["enriched"] != nil {
            var parts = [paint(text("event_type") ?? "?", .cyan)]
            if let site = text("site_id") { parts.append("site=\(site)") }
            parts.append(Self.user(of: value))
            if let resource = text("resource_id"), resource != "null" { parts.append("resource=\(resource)") }
            if let city = text("geolocation.city"), city != "null" { parts.append("city=\(city)") }
            if let browser = text("user_agent_parsed.browser.family"), browser != "null" {
                parts.append("browser=\(browser)")
            }
            if text("is_bot") == "true" { parts.append(paint("bot", .yellow)) }
            return parts.joined(separator: " ")
        }
        if let type = text("event_type") {
            var parts = [paint(type, .cyan)]
            if let site = text("site_id") { parts.append("site=\(site)") }
            for name in ["bsin", "user_id", "email"] {
                if let identity = text(name), identity != "null" { parts.append("\(name)=\(identity)") }
            }
            return parts.joined(separator: " ")
        }
        return Self.printable(Self.compact(value), limit: 160)
    }

    /// `user=…` from an output's identity (`identity.*` of an enriched event, or a signal's own members).
    private static func user(of value: JSONValue) -> String {
        for path in ["user_id", "identity.user_id", "bsin", "identity.bsin", "identity.email"] {
            if let user = RecordFilter.member(path, of: value), user != "null" {
                return "user=\(printable(user, limit: 48))"
            }
        }
        return "user=?"
    }

    private static func compact(_ value: JSONValue) -> String {
        var writer = JSONWriter(capacity: 256)
        writer.value(value)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// `text` with control characters escaped (`\u{1B}`), cut to `limit` characters with `…`.
    static func printable(_ text: String, limit: Int) -> String {
        var result = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count >= limit {
                result += "…"
                break
            }
            let value = scalar.value
            if value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
                || (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
            {
                result += "\\u{\(String(value, radix: 16, uppercase: true))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return result
    }

    private static func padded(_ text: String, _ width: Int) -> String {
        let count = text.count
        return count >= width ? text : text + String(repeating: " ", count: width - count)
    }

    private enum Style: String {
        case dim = "2"
        case bold = "1"
        case red = "31"
        case green = "32"
        case yellow = "33"
        case cyan = "36"
    }

    private func paint(_ text: String, _ style: Style) -> String {
        colour ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }
}
