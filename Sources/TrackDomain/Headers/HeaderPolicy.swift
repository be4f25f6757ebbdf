/// Which of an input record's headers its enriched events and signals carry, and how many bytes of
/// them (the pipeline's `headers:` section; docs/contract.md, "Headers").
///
/// A header is forwarded when ``forward`` is ``Forward/all`` or its name matches ``allow``, and its
/// name matches neither ``deny`` nor a reserved name (``OutputHeaderName/isReserved(_:)``: the
/// `trackstream-*` headers trackstream writes itself, and the trace context, which it continues
/// rather than copies). Forwarded headers keep their input order; each is kept only while the
/// names and values kept so far, itself included, take at most ``maxBytes``. Rejections do not use
/// the policy: they carry all of their input's headers.
public struct HeaderPolicy: Sendable, Hashable {
    /// The starting point: every header, or none but the allowed ones.
    public enum Forward: String, Sendable, Hashable, CaseIterable {
        case all
        case none
    }

    public var forward: Forward
    /// With ``Forward/none``, the names forwarded anyway.
    public var allow: [HeaderPattern]
    /// Names never forwarded.
    public var deny: [HeaderPattern]
    /// The most bytes (names and values) of one input's headers that its outputs carry.
    public var maxBytes: Int
    /// Whether a valid W3C `traceparent` is continued in a child span on the outputs (``TraceParent``).
    public var traceContext: Bool

    public init(
        forward: Forward = .all,
        allow: [HeaderPattern] = [],
        deny: [HeaderPattern] = HeaderPolicy.defaultDeny,
        maxBytes: Int = HeaderPolicy.defaultMaxBytes,
        traceContext: Bool = true
    ) {
        self.forward = forward
        self.allow = allow
        self.deny = deny
        self.maxBytes = maxBytes
        self.traceContext = traceContext
    }

    /// Headers that describe how the input record travelled rather than the event: Spring's type
    /// hints for the input's value (`__TypeId__`, ...) and Spring Kafka's own (`kafka_dlt-*`, ...).
    public static let defaultDeny: [HeaderPattern] = ["__*", "kafka_*"].compactMap(HeaderPattern.init)

    /// Room for the correlation and tracing headers a collector sets; a share's 100 children carry
    /// them 100 times, within `limits.max_output_bytes`.
    public static let defaultMaxBytes = 8192

    /// The most `headers.max_bytes` may be: Kafka's default record size.
    public static let maximumMaxBytes = 1 << 20

    /// The contract's default: every header but the denied and reserved ones, trace context continued.
    public static let `default` = HeaderPolicy()

    /// Forwards nothing and continues no trace.
    public static let off = HeaderPolicy(forward: .none, deny: [], traceContext: false)

    /// Whether the policy forwards a header named `name` (its size aside).
    public func forwards(_ name: String) -> Bool {
        if OutputHeaderName.isReserved(name) { return false }
        if forward == .none, !allow.contains(where: { $0.matches(name) }) { return false }
        return !deny.contains { $0.matches(name) }
    }

    /// Whether any input header could be forwarded or read at all: when not, the runtime need not
    /// read the headers of accepted records.
    public var readsHeaders: Bool { forward == .all || !allow.isEmpty || traceContext }
}
