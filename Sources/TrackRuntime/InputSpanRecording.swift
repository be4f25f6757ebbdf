import TrackDomain

/// Where the processing stage reports one span per traced input: the OTLP exporter when the binary
/// is built with the `OTLP` package trait and the OTEL_* environment asks for it (docs/operations.md,
/// "Headers and tracing"). Called on the processing workers, once per input whose `traceparent` is valid and
/// sampled: it must not block.
protocol InputSpanRecording: Sendable {
    func record(_ span: InputSpan)
}

/// The processing of one input, as a span: the child of the input's `traceparent`, whose id its
/// outputs' `traceparent` names.
struct InputSpan: Sendable, Hashable {
    /// The input's trace context: the span's parent.
    var parent: TraceParent
    /// The span itself: the same trace, the span-id derived from the input's coordinates.
    var child: TraceParent
    var source: SourceCoordinates
    var startNanoseconds: UInt64
    var endNanoseconds: UInt64
    var enriched: Int
    var signals: Int
    /// Why the input was rejected, or nil when it was accepted.
    var rejectionReason: RejectionReason?

    /// `accepted` or `rejected`: the span's `trackstream.outcome` attribute.
    var outcome: String { rejectionReason == nil ? "accepted" : "rejected" }
}
