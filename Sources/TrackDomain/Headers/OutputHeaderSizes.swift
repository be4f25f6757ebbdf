/// How many bytes of headers the runtime attaches to an input's outputs, so that the output limits
/// count them (`limits.max_output_bytes`, and the record size the producer may send).
///
/// A header's size is its name's and its value's bytes, as ``CarriedFields`` counts the input's
/// headers on a rejection.
public struct OutputHeaderSizes: Sendable, Hashable {
    /// The version headers, which every output carries, rejections included.
    public var versionBytes: Int
    /// The child `traceparent` (``TraceParent``) of enriched events and signals; 0 without one.
    public var traceBytes: Int
    /// The input's headers forwarded to enriched events and signals by the ``HeaderPolicy`` (a
    /// `tracestate` included): left out together, and the outputs marked `trackstream-omitted:
    /// headers`, when the outputs would break a limit with them but not without.
    public var forwardedBytes: Int

    public init(versionBytes: Int, traceBytes: Int, forwardedBytes: Int) {
        self.versionBytes = versionBytes
        self.traceBytes = traceBytes
        self.forwardedBytes = forwardedBytes
    }

    /// No headers at all: what tests and the offline runner, which write no records, use.
    public static let none = OutputHeaderSizes(versionBytes: 0, traceBytes: 0, forwardedBytes: 0)

    /// The version headers alone: the outputs of an input with no headers to forward or continue.
    public static let versionOnly = OutputHeaderSizes(
        versionBytes: OutputHeaderName.versionHeaderBytes,
        traceBytes: 0,
        forwardedBytes: 0
    )

    /// The headers of one enriched event or signal, with the forwarded headers or, `omittingForwarded`,
    /// with the `trackstream-omitted` header in their place.
    public func perRecordBytes(omittingForwarded: Bool) -> Int {
        versionBytes + traceBytes + (omittingForwarded ? OutputHeaderName.omittedHeadersBytes : forwardedBytes)
    }
}
