import Kafka
import TrackDomain

/// Decides the headers of an input's outputs from the input's headers (docs/contract.md, "Headers").
///
/// Enriched events and signals carry, in this order: the child `traceparent` and the input's
/// `tracestate` headers when the input has a valid `traceparent` (``TraceParent``); the input's
/// headers the ``HeaderPolicy`` forwards, in input order; `trackstream-version` and
/// `trackstream-schema`; and `trackstream-omitted: headers` when some forwarded header was left out.
/// `tracestate` and then the forwarded headers are kept while their names and values together fit
/// in `headers.max_bytes`; one that does not fit is left out, the ones after it still may be.
/// Rejections carry all of their input's headers, unchanged, then the version headers.
///
/// Everything depends on the input record alone, so processing it again gives the same headers in
/// the same order. An input without headers costs no allocation: its outputs share one array.
struct OutputHeaderPlanner: Sendable {
    let policy: HeaderPolicy

    /// The headers of an input's enriched events and signals, and their sizes.
    struct Plan: Sendable {
        /// What enriched events and signals carry.
        var accepted: [KafkaHeader]
        /// The sizes the domain's output limits count (``CarriedFields/outputHeaders``).
        var sizes: OutputHeaderSizes
        /// Forwarded headers (or `tracestate`) left out past `headers.max_bytes`.
        var droppedForSize: Bool
        /// The input had a `traceparent` (or several) that is not valid: no trace is continued.
        var invalidTraceParent: Bool
        /// The input's valid `traceparent`, and the child its outputs carry.
        var parent: TraceParent?
        var child: TraceParent?
    }

    /// `trackstream-version` and `trackstream-schema`: every output carries them.
    static let versionHeaders = [
        KafkaHeader(name: OutputHeaderName.version, value: Array(trackstreamVersion.utf8)),
        KafkaHeader(name: OutputHeaderName.schema, value: Array(Contract.schemaVersion.utf8)),
    ]

    /// `trackstream-omitted: headers`.
    static let omittedHeadersMarker = KafkaHeader(
        name: OutputHeaderName.omitted,
        value: Array(OutputHeaderName.omittedHeadersValue.utf8)
    )

    /// The plan of every input without headers: shared, so it costs nothing per input.
    private static let noHeaders = Plan(
        accepted: versionHeaders,
        sizes: .versionOnly,
        droppedForSize: false,
        invalidTraceParent: false,
        parent: nil,
        child: nil
    )

    /// The headers for the outputs of the input at `source` whose headers are `input`.
    func plan(_ input: [KafkaHeader], source: SourceCoordinates) -> Plan {
        guard !input.isEmpty else { return Self.noHeaders }
        var plan = Self.noHeaders
        var headers: [KafkaHeader] = []
        var room = policy.maxBytes
        var forwardedBytes = 0
        func keep(_ header: KafkaHeader) {
            let bytes = header.byteCount
            guard bytes <= room else {
                plan.droppedForSize = true
                return
            }
            room -= bytes
            forwardedBytes += bytes
            headers.append(header)
        }
        if policy.traceContext {
            var parents = input.lazy.filter { $0.name == OutputHeaderName.traceParent }.makeIterator()
            if let first = parents.next() {
                if parents.next() == nil, let parent = TraceParent(first.value) {
                    let child = parent.child(of: source)
                    plan.parent = parent
                    plan.child = child
                    let header = KafkaHeader(name: OutputHeaderName.traceParent, value: child.headerValue)
                    headers.append(header)
                    plan.sizes.traceBytes = header.byteCount
                    for state in input where state.name == OutputHeaderName.traceState { keep(state) }
                } else {
                    plan.invalidTraceParent = true
                }
            }
        }
        for header in input where policy.forwards(header.name) { keep(header) }
        guard !headers.isEmpty || plan.droppedForSize else {
            return Self.noHeaders.with(invalid: plan.invalidTraceParent)
        }
        headers += Self.versionHeaders
        if plan.droppedForSize {
            headers.append(Self.omittedHeadersMarker)
            forwardedBytes += OutputHeaderName.omittedHeadersBytes
        }
        plan.accepted = headers
        plan.sizes.forwardedBytes = forwardedBytes
        return plan
    }

    /// What enriched events and signals carry when the domain left the forwarded headers out
    /// (``RecordOutcome/forwardedHeadersOmitted``): the child `traceparent`, the version headers and
    /// `trackstream-omitted: headers`.
    static func withoutForwarded(_ plan: Plan) -> [KafkaHeader] {
        var headers: [KafkaHeader] = []
        if let child = plan.child {
            headers.append(KafkaHeader(name: OutputHeaderName.traceParent, value: child.headerValue))
        }
        return headers + versionHeaders + [omittedHeadersMarker]
    }

    /// What a rejection carries: its input's headers unless `omissions` leaves them out, the version
    /// headers, and the `trackstream-omitted` header naming what it goes without.
    static func rejectionHeaders(input: [KafkaHeader], omissions: RejectionOmissions) -> [KafkaHeader] {
        if omissions.isEmpty { return input.isEmpty ? versionHeaders : input + versionHeaders }
        let kept = omissions.contains(.keyAndHeaders) ? [] : input
        return kept + versionHeaders + [
            KafkaHeader(name: RejectionOmissions.headerName, value: Array(omissions.headerValue.utf8))
        ]
    }

    /// The input's headers on a rejection written by ``rejectionHeaders(input:omissions:)``: the
    /// headers without the ones trackstream added after them.
    static func inputHeaders(ofRejection headers: [KafkaHeader]) -> [KafkaHeader] {
        var headers = headers
        if headers.last?.name == RejectionOmissions.headerName { headers.removeLast() }
        if headers.suffix(versionHeaders.count).elementsEqual(versionHeaders) {
            headers.removeLast(versionHeaders.count)
        }
        return headers
    }
}

extension OutputHeaderPlanner.Plan {
    /// This plan, saying whether the input's `traceparent` was invalid.
    fileprivate func with(invalid: Bool) -> Self {
        var plan = self
        plan.invalidTraceParent = invalid
        return plan
    }
}

extension KafkaHeader {
    /// The name's and the value's bytes: what a header adds to a record, as the output limits count it.
    var byteCount: Int { name.utf8.count + (value?.count ?? 0) }
}
