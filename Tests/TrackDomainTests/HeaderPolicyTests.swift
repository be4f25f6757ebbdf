import Testing
import TrackDomain

/// Which input headers the policy forwards: one row per rule (docs/contract.md, "Headers").
@Suite("Header policy: forwarded names")
struct HeaderPolicyTests {
    static func patterns(_ texts: [String]) -> [HeaderPattern] { texts.compactMap(HeaderPattern.init) }

    static let byDefault = HeaderPolicy.default
    static let noneButAllowed = HeaderPolicy(
        forward: .none,
        allow: patterns(["x-request-id", "x-b3-*", "x-b3-sampled-secret"]),
        deny: patterns(["x-b3-sampled-secret"])
    )
    static let allButDenied = HeaderPolicy(forward: .all, deny: patterns(["x-secret", "internal-*"]))
    static let everything = HeaderPolicy(forward: .all, deny: [])
    static let nothing = HeaderPolicy(forward: .none, allow: [], deny: [])

    /// (what, policy, header name, forwarded)
    static let rows: [(String, HeaderPolicy, String, Bool)] = [
        ("default: an ordinary header", byDefault, "x-request-id", true),
        ("default: case kept, any name", byDefault, "X-Request-ID", true),
        ("default: Spring's type hint is denied", byDefault, "__TypeId__", false),
        ("default: Spring Kafka's own headers are denied", byDefault, "kafka_dlt-original-topic", false),
        ("default: trackstream's own are never copied", byDefault, "trackstream-version", false),
        ("default: trackstream-omitted is never copied", byDefault, "trackstream-omitted", false),
        ("default: traceparent is continued, not copied", byDefault, "traceparent", false),
        ("default: tracestate is forwarded with a valid traceparent only", byDefault, "tracestate", false),
        ("reserved names are case-sensitive like Kafka", byDefault, "Traceparent", true),
        ("reserved prefix is case-sensitive", byDefault, "Trackstream-version", true),
        ("all: a name not denied", allButDenied, "x-request-id", true),
        ("all: an exact deny", allButDenied, "x-secret", false),
        ("all: an exact deny is not a prefix", allButDenied, "x-secret-2", true),
        ("all: a prefix deny", allButDenied, "internal-hop", false),
        ("all: the prefix itself", allButDenied, "internal-", false),
        ("all: deny is case-sensitive", allButDenied, "X-Secret", true),
        ("all: with no deny list, Spring's hints pass", everything, "__TypeId__", true),
        ("all: with no deny list, reserved names still do not", everything, "trackstream-schema", false),
        ("none: an allowed name", noneButAllowed, "x-request-id", true),
        ("none: an allowed prefix", noneButAllowed, "x-b3-traceid", true),
        ("none: deny wins over allow", noneButAllowed, "x-b3-sampled-secret", false),
        ("none: a name not allowed", noneButAllowed, "x-other", false),
        ("none: allow is case-sensitive", noneButAllowed, "X-Request-Id", false),
        ("none: nothing allowed", nothing, "x-request-id", false),
        ("an empty name is forwarded when all are", byDefault, "", true),
    ]

    @Test("forwarded or not", arguments: rows)
    func forwards(_ row: (String, HeaderPolicy, String, Bool)) {
        let (what, policy, name, forwarded) = row
        #expect(policy.forwards(name) == forwarded, "\(what): \(name)")
    }

    @Test("patterns: a name, a prefix ending in *, or * for everything; nothing else")
    func patternSyntax() {
        #expect(HeaderPattern("x-a")?.matches("x-a") == true)
        #expect(HeaderPattern("x-a")?.matches("x-ab") == false)
        #expect(HeaderPattern("x-*")?.matches("x-ab") == true)
        #expect(HeaderPattern("*")?.matches("anything") == true)
        #expect(HeaderPattern("*")?.description == "*")
        #expect(HeaderPattern("x-*")?.description == "x-*")
        for invalid in ["", "**", "x*y", "*x", "x**"] {
            #expect(HeaderPattern(invalid) == nil, "\(invalid)")
        }
    }
}
