/// The names of the record headers trackstream reads or writes itself (docs/contract.md, "Headers").
///
/// Header names are compared byte for byte, case-sensitively, as Kafka compares them: `Traceparent`
/// is not `traceparent`.
public enum OutputHeaderName {
    /// The binary's version (``trackstreamVersion``), on every output.
    public static let version = "trackstream-version"
    /// The contract's schema version (``Contract/schemaVersion``), on every output.
    public static let schema = "trackstream-schema"
    /// What an output goes without (``RejectionOmissions/headerName``): `headers` on an enriched
    /// event or signal that does not carry all of its input's forwarded headers.
    public static let omitted = RejectionOmissions.headerName
    /// W3C Trace Context's parent span (``TraceParent``).
    public static let traceParent = "traceparent"
    /// W3C Trace Context's vendor data, forwarded unchanged beside a valid `traceparent`.
    public static let traceState = "tracestate"
    /// The prefix of every header trackstream writes; input headers with it are never forwarded.
    public static let reservedPrefix = "trackstream-"

    /// The value of the ``omitted`` header of an enriched event or signal without its forwarded headers.
    public static let omittedHeadersValue = "headers"

    /// The bytes the version headers add to a record: names and values.
    public static let versionHeaderBytes =
        version.utf8.count + trackstreamVersion.utf8.count + schema.utf8.count + Contract.schemaVersion.utf8.count

    /// The bytes of the ``omitted`` header saying that forwarded headers were left out.
    public static let omittedHeadersBytes = omitted.utf8.count + omittedHeadersValue.utf8.count

    /// Whether the input header `name` is one trackstream writes itself or continues (the trace
    /// context), and so never copies as it is.
    public static func isReserved(_ name: String) -> Bool {
        name == traceParent || name == traceState || name.utf8.starts(with: reservedPrefix.utf8)
    }
}
