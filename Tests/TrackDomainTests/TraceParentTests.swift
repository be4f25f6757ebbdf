import Testing
import TrackDomain

/// W3C Trace Context `traceparent` values: which are valid (the specification's examples and the
/// ways around them), and the child span the outputs carry.
@Suite("traceparent: strict parsing and the child span")
struct TraceParentTests {
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let parentID = "00f067aa0ba902b7"

    /// (what, value, valid): valid values are read as version 00 with the specification's ids.
    static let rows: [(String, String, Bool)] = [
        ("the specification's sampled example", "00-\(traceID)-\(parentID)-01", true),
        ("the specification's example, not sampled", "00-\(traceID)-\(parentID)-00", true),
        ("unknown flags are kept", "00-\(traceID)-\(parentID)-ff", true),
        ("a later version of 55 characters", "01-\(traceID)-\(parentID)-01", true),
        ("a later version with more fields after a dash", "cc-\(traceID)-\(parentID)-01-what-the-future-holds", true),
        ("version ff", "ff-\(traceID)-\(parentID)-01", false),
        ("version 00 longer than 55 characters", "00-\(traceID)-\(parentID)-01-", false),
        ("a later version whose 56th character is not a dash", "cc-\(traceID)-\(parentID)-01.x", false),
        ("54 characters", "00-\(traceID)-\(parentID)-0", false),
        ("empty", "", false),
        ("an upper-case trace-id", "00-\(traceID.uppercased())-\(parentID)-01", false),
        ("an upper-case parent-id", "00-\(traceID)-\(parentID.uppercased())-01", false),
        ("upper-case flags", "00-\(traceID)-\(parentID)-0A", false),
        ("an upper-case version", "0A-\(traceID)-\(parentID)-01", false),
        ("an all-zero trace-id", "00-00000000000000000000000000000000-\(parentID)-01", false),
        ("an all-zero parent-id", "00-\(traceID)-0000000000000000-01", false),
        ("a non-hex digit", "00-4bf92f3577b34da6a3ce929d0e0e473g-\(parentID)-01", false),
        ("an underscore for a dash", "00_\(traceID)-\(parentID)-01", false),
        ("a trace-id one digit short", "00-\(traceID.dropLast())-\(parentID)-01x", false),
        ("a leading space", " 00-\(traceID)-\(parentID)-0", false),
        ("a trailing space", "00-\(traceID)-\(parentID)-01 ", false),
        ("a sign in the flags", "00-\(traceID)-\(parentID)-+1", false),
    ]

    @Test("valid and invalid values", arguments: rows)
    func parse(_ row: (String, String, Bool)) {
        let (what, text, valid) = row
        let parsed = TraceParent(Array(text.utf8))
        #expect((parsed != nil) == valid, "\(what): \(text)")
        if let parsed {
            #expect(parsed.traceIDHex == Self.traceID, "\(what)")
            #expect(parsed.spanIDHex == Self.parentID, "\(what)")
        }
    }

    @Test("a null header value is no traceparent")
    func null() {
        #expect(TraceParent(nil as [UInt8]?) == nil)
    }

    @Test("the child: same trace and flags, the span-id from the input's coordinates, written as version 00")
    func child() throws {
        let parent = try #require(TraceParent(Array("cc-\(Self.traceID)-\(Self.parentID)-09-extra".utf8)))
        let source = SourceCoordinates(topic: "track.raw", partition: 3, offset: 42, timestamp: 7)
        let child = parent.child(of: source)
        // The first 8 bytes of Python's hashlib.blake2b(b"s:track.raw:3:42", digest_size=16).
        #expect(child.description == "00-\(Self.traceID)-004fb5e655d7f844-09")
        #expect(child.headerValue.count == TraceParent.length)
        #expect(TraceParent(child.headerValue) == child)
        // Replays give the same child; the timestamp plays no part, other coordinates do.
        var later = source
        later.timestamp = 99
        #expect(parent.child(of: later) == child)
        #expect(
            parent.child(of: SourceCoordinates(topic: "track.raw", partition: 0, offset: 0)).spanIDHex
                == "0cebee442b9c9102"
        )
        #expect(parent.child(of: SourceCoordinates(topic: "track.raw", partition: 3, offset: 43)) != child)
        #expect(child.isSampled)
        #expect(!TraceParent(Array("00-\(Self.traceID)-\(Self.parentID)-00".utf8))!.isSampled)
    }
}
