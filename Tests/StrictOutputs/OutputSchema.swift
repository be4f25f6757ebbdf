public import Foundation

/// The JSON Schemas of trackstream's three outputs (docs/schemas/), each loaded and compiled once
/// per test process.
public enum OutputSchema: String, Sendable, CaseIterable, CustomStringConvertible {
    case enrichedEvent = "enriched-event"
    case signal = "signal"
    case rejection = "rejection"

    /// The schema of the values on `topic`, read from its last dot-separated part as the tests
    /// name their topics (`track.enriched`, `p.signals`, `tr.p.rejected`); nil for any other topic.
    public init?(topic: String) {
        switch topic.split(separator: ".").last {
        case "enriched": self = .enrichedEvent
        case "signals": self = .signal
        case "rejected": self = .rejection
        default: return nil
        }
    }

    /// The schema an output value claims by its members: `signal_id` makes a signal, `reason` a
    /// rejection, anything else an enriched event (which then has to prove it).
    public init(inferredFrom value: JSONTree) {
        guard case .object(let members) = value else {
            self = .enrichedEvent
            return
        }
        if members.contains(where: { $0.key == "signal_id" }) {
            self = .signal
        } else if members.contains(where: { $0.key == "reason" }) {
            self = .rejection
        } else {
            self = .enrichedEvent
        }
    }

    /// `docs/schemas/<name>.schema.json`.
    public var description: String { "docs/schemas/\(rawValue).schema.json" }

    /// The schema file in this checkout.
    public var url: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(description)
    }

    /// The compiled schema, or why it could not be loaded.
    public var schema: Result<JSONSchema, JSONSchema.LoadError> { Self.loaded[self]! }

    /// Why `value` does not conform to this schema, or nil when it does.
    public func violation(in value: JSONTree) -> String? {
        switch schema {
        case .success(let schema): schema.violation(in: value).map { "\($0)" }
        case .failure(let error): "\(self) cannot be loaded: \(error)"
        }
    }

    private static let loaded: [OutputSchema: Result<JSONSchema, JSONSchema.LoadError>] = Dictionary(
        uniqueKeysWithValues: allCases.map { ($0, $0.load()) }
    )

    private func load() -> Result<JSONSchema, JSONSchema.LoadError> {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            return .failure(JSONSchema.LoadError(pointer: "", reason: "cannot read \(url.path)"))
        }
        return Result { () throws(JSONSchema.LoadError) in try JSONSchema(bytes: Array(data)) }
    }
}
