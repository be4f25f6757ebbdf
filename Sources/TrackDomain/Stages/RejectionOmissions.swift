/// What a rejection goes without so that it can be sent at all (docs/domain.md, "Rejections that do
/// not fit").
///
/// A rejection normally carries the whole original value (`payload`) and goes out with the input
/// record's key, headers and timestamp. When that record is larger than the producer may send, or the
/// broker refuses it, parts are left out, always in this order, each step keeping what the one before
/// left out:
///
/// 1. the payload (the envelope says `payload_omitted` with its size);
/// 2. the input's key and headers (`key_omitted`, `headers_omitted`);
/// 3. the input's timestamp: the record is stamped when it is produced (`timestamp_omitted`).
///
/// The original record stays in the input topic at the envelope's `source` coordinates, so nothing is
/// lost; but a rejection is never dropped. The record also gets a `trackstream-omitted` header naming
/// the parts (`payload,key,headers`).
public struct RejectionOmissions: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let payload = RejectionOmissions(rawValue: 1 << 0)
    /// The input record's key and headers, which the runtime otherwise attaches to the rejection.
    public static let keyAndHeaders = RejectionOmissions(rawValue: 1 << 1)
    /// The input record's timestamp, which the runtime otherwise gives the rejection.
    public static let timestamp = RejectionOmissions(rawValue: 1 << 2)

    /// The Kafka header that names what a rejection goes without.
    public static let headerName = "trackstream-omitted"

    /// The next, stricter step, or nil when nothing is left to leave out.
    public var next: RejectionOmissions? {
        if !contains(.payload) { return .payload }
        if !contains(.keyAndHeaders) { return [.payload, .keyAndHeaders] }
        if !contains(.timestamp) { return [.payload, .keyAndHeaders, .timestamp] }
        return nil
    }

    /// Reads the value of a ``headerName`` header (unknown parts are ignored).
    public init(headerValue: String) {
        var omissions: RejectionOmissions = []
        for part in headerValue.split(separator: ",") {
            switch part {
            case "payload": omissions.insert(.payload)
            case "key", "headers": omissions.insert(.keyAndHeaders)
            case "timestamp": omissions.insert(.timestamp)
            default: break
            }
        }
        self = omissions
    }

    /// The value of the ``headerName`` header: `payload`, `payload,key,headers`, ...
    public var headerValue: String {
        var parts: [String] = []
        if contains(.payload) { parts.append("payload") }
        if contains(.keyAndHeaders) { parts += ["key", "headers"] }
        if contains(.timestamp) { parts.append("timestamp") }
        return parts.joined(separator: ",")
    }
}

/// The parts of an input record the runtime attaches to its rejection besides the value: what a
/// rejection's size is measured with, and what the envelope reports when they are left out.
public struct CarriedFields: Sendable, Hashable {
    /// The key's size in bytes, or nil for a null key.
    public var keyBytes: Int?
    public var headerCount: Int
    /// The headers' names and values together, in bytes.
    public var headerBytes: Int

    /// The headers the runtime gives the input's enriched events and signals (and, the version
    /// headers, its rejection), for the output limits to count.
    public var outputHeaders: OutputHeaderSizes

    public init(keyBytes: Int?, headerCount: Int, headerBytes: Int, outputHeaders: OutputHeaderSizes = .none) {
        self.keyBytes = keyBytes
        self.headerCount = headerCount
        self.headerBytes = headerBytes
        self.outputHeaders = outputHeaders
    }

    /// No key and no headers.
    public static let none = CarriedFields(keyBytes: nil, headerCount: 0, headerBytes: 0)

    /// What the key and headers add to a record.
    public var bytes: Int { (keyBytes ?? 0) + headerBytes }
}
