import Kafka
import Testing
import TrackDomain

@testable import TrackRuntime

/// The headers an input's outputs carry, decided in memory (docs/contract.md, "Headers").
@Suite("Output headers: forwarded, trace context, versions, bounds")
struct OutputHeaderPlannerTests {
    static let source = SourceCoordinates(topic: "track.raw", partition: 3, offset: 42, timestamp: 1)
    static let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    /// The child of ``parent`` at ``source``: the span-id is the first 8 bytes of Python's
    /// `hashlib.blake2b(b"s:track.raw:3:42", digest_size=16)`.
    static let child = "00-4bf92f3577b34da6a3ce929d0e0e4736-004fb5e655d7f844-01"

    static func header(_ name: String, _ value: String?) -> KafkaHeader {
        KafkaHeader(name: name, value: value.map { Array($0.utf8) })
    }

    static func names(_ headers: [KafkaHeader]) -> [String] { headers.map(\.name) }

    static func text(_ headers: [KafkaHeader], _ name: String) -> String? {
        headers.first { $0.name == name }?.value.map { String(decoding: $0, as: UTF8.self) }
    }

    static let planner = OutputHeaderPlanner(policy: .default)

    @Test("no input headers: the version headers alone, shared by every input")
    func none() {
        let plan = Self.planner.plan([], source: Self.source)
        #expect(plan.accepted == OutputHeaderPlanner.versionHeaders)
        #expect(Self.text(plan.accepted, "trackstream-version") == trackstreamVersion)
        #expect(Self.text(plan.accepted, "trackstream-schema") == Contract.schemaVersion)
        #expect(plan.sizes == .versionOnly)
        #expect(!plan.droppedForSize && !plan.invalidTraceParent && plan.child == nil)
    }

    @Test("forwarded in input order, denied and reserved ones left out, versions last; null values kept")
    func forwarded() {
        let input = [
            Self.header("x-b", "2"), Self.header("__TypeId__", "com.example.Event"),
            Self.header("trackstream-version", "9.9.9"), Self.header("x-a", "1"), Self.header("x-null", nil),
            Self.header("x-b", "3"),
        ]
        let plan = Self.planner.plan(input, source: Self.source)
        #expect(
            Self.names(plan.accepted) == ["x-b", "x-a", "x-null", "x-b", "trackstream-version", "trackstream-schema"]
        )
        #expect(plan.accepted[1].value == Array("1".utf8) && plan.accepted[2].value == nil)
        #expect(plan.accepted[3].value == Array("3".utf8))
        #expect(plan.sizes.forwardedBytes == 4 + 4 + 6 + 4)
        #expect(plan.sizes.traceBytes == 0)
    }

    @Test("a valid traceparent: the child first, tracestate unchanged, the input's traceparent not copied")
    func traceContext() throws {
        let input = [
            Self.header("x-a", "1"), Self.header("tracestate", "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7"),
            Self.header("traceparent", Self.parent),
        ]
        let plan = Self.planner.plan(input, source: Self.source)
        #expect(
            Self.names(plan.accepted) == [
                "traceparent", "tracestate", "x-a", "trackstream-version", "trackstream-schema",
            ]
        )
        #expect(Self.text(plan.accepted, "traceparent") == Self.child)
        #expect(Self.text(plan.accepted, "tracestate") == "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7")
        #expect(plan.sizes.traceBytes == "traceparent".utf8.count + 55)
        #expect(plan.parent?.description == Self.parent)
        #expect(plan.child?.description == Self.child)
        // The same input again: the same headers, byte for byte.
        #expect(Self.planner.plan(input, source: Self.source).accepted == plan.accepted)
    }

    /// (what, traceparent headers): none of them continues a trace.
    static let invalidTraces: [(String, [String?])] = [
        ("upper case", [Self.parent.uppercased()]),
        ("version ff", ["ff" + Self.parent.dropFirst(2)]),
        ("a null value", [nil]),
        ("two of them, even both valid", [Self.parent, Self.parent]),
        ("too short", [String(Self.parent.dropLast())]),
    ]

    @Test(
        "an invalid traceparent: no traceparent and no tracestate on the outputs, and it is counted",
        arguments: invalidTraces
    )
    func invalidTrace(_ row: (String, [String?])) {
        let input = row.1.map { Self.header("traceparent", $0) } + [Self.header("tracestate", "a=b")]
        let plan = Self.planner.plan(input, source: Self.source)
        #expect(plan.invalidTraceParent, "\(row.0)")
        #expect(plan.accepted == OutputHeaderPlanner.versionHeaders, "\(row.0)")
    }

    @Test("trace_context: false continues no trace and copies neither header")
    func traceContextOff() {
        var policy = HeaderPolicy.default
        policy.traceContext = false
        let plan = OutputHeaderPlanner(policy: policy).plan(
            [Self.header("traceparent", Self.parent), Self.header("x-a", "1")],
            source: Self.source
        )
        #expect(Self.names(plan.accepted) == ["x-a", "trackstream-version", "trackstream-schema"])
        #expect(!plan.invalidTraceParent && plan.child == nil)
    }

    @Test("headers.max_bytes: a header that does not fit is left out, later ones still may be, and the outputs say so")
    func bound() {
        var policy = HeaderPolicy.default
        policy.maxBytes = 100
        let input = [
            Self.header("x-a", String(repeating: "a", count: 60)),
            Self.header("x-huge", String(repeating: "h", count: 1_000_000)),
            Self.header("x-b", String(repeating: "b", count: 30)),
            Self.header("x-c", String(repeating: "c", count: 30)),
        ]
        let plan = OutputHeaderPlanner(policy: policy).plan(input, source: Self.source)
        #expect(
            Self.names(plan.accepted) == [
                "x-a", "x-b", "trackstream-version", "trackstream-schema", "trackstream-omitted",
            ]
        )
        #expect(Self.text(plan.accepted, "trackstream-omitted") == "headers")
        #expect(plan.droppedForSize)
        #expect(plan.sizes.forwardedBytes == 63 + 33 + OutputHeaderName.omittedHeadersBytes)
        #expect(plan.accepted.reduce(0) { $0 + $1.byteCount } == plan.sizes.perRecordBytes(omittingForwarded: false))
    }

    @Test("a huge tracestate is bounded like any forwarded header; the child traceparent stays")
    func hugeTraceState() {
        let plan = Self.planner.plan(
            [
                Self.header("traceparent", Self.parent),
                Self.header("tracestate", String(repeating: "s", count: 20_000)),
            ],
            source: Self.source
        )
        #expect(
            Self.names(plan.accepted) == [
                "traceparent", "trackstream-version", "trackstream-schema", "trackstream-omitted",
            ]
        )
        #expect(plan.droppedForSize)
    }

    @Test("without the forwarded headers (the domain's limits): the child, the versions and the marker")
    func withoutForwarded() {
        let plan = Self.planner.plan(
            [Self.header("traceparent", Self.parent), Self.header("x-a", "1")],
            source: Self.source
        )
        let headers = OutputHeaderPlanner.withoutForwarded(plan)
        #expect(
            Self.names(headers) == ["traceparent", "trackstream-version", "trackstream-schema", "trackstream-omitted"]
        )
        #expect(headers.reduce(0) { $0 + $1.byteCount } == plan.sizes.perRecordBytes(omittingForwarded: true))
    }

    @Test("rejections: every input header unchanged, then the versions, then what they go without")
    func rejections() {
        let input = [Self.header("traceparent", Self.parent), Self.header("trackstream-omitted", "payload")]
        let whole = OutputHeaderPlanner.rejectionHeaders(input: input, omissions: [])
        #expect(whole == input + OutputHeaderPlanner.versionHeaders)
        let stripped = OutputHeaderPlanner.rejectionHeaders(input: input, omissions: .payload)
        #expect(Self.names(stripped).suffix(3) == ["trackstream-version", "trackstream-schema", "trackstream-omitted"])
        #expect(OutputHeaderPlanner.inputHeaders(ofRejection: stripped) == input)
        #expect(OutputHeaderPlanner.inputHeaders(ofRejection: whole) == input)
        let bare = OutputHeaderPlanner.rejectionHeaders(input: input, omissions: [.payload, .keyAndHeaders])
        #expect(Self.names(bare) == ["trackstream-version", "trackstream-schema", "trackstream-omitted"])
        #expect(OutputHeaderPlanner.rejectionHeaders(input: [], omissions: []) == OutputHeaderPlanner.versionHeaders)
    }
}
