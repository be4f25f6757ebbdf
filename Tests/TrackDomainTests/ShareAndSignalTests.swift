import Testing
import TrackDomain

@Suite("Share expansion (contract §3 Shares)")
struct ShareExpansionTests {
    @Test("distinct (resource, target) pairs in order of first appearance, with child ids")
    func expandsDistinctPairs() {
        let json = TestSupport.event(
            #""message_id":"s-1","properties":{"resource_id":["r1","r2","r1"],"target_user_id":["t1","t2","t1"]}"#,
            type: "shared"
        )
        let outcome = TestSupport.run(json)
        let children = outcome.enriched.map(TestSupport.object)
        let base = EventID(messageID: "s-1").base
        #expect(children.map { $0.string("resource_id") } == ["r1", "r1", "r2", "r2"])
        #expect(children.map { $0.string("target_user_id") } == ["t1", "t2", "t1", "t2"])
        #expect(children.map { $0.string("event_id") } == (0..<4).map { "\(base):\($0)" })
        #expect(children.allSatisfy { $0.string("parent_event_id") == base })
        #expect(children.allSatisfy { $0.at("properties.target_user_id") != nil })
        let signals = outcome.signals.map(TestSupport.object)
        #expect(signals.map { $0.string("resource_id") } == ["r1", "r2"])
        #expect(signals.map { $0.string("signal_id") } == ["\(base):s0", "\(base):s1"])
        #expect(signals.allSatisfy { $0.number("value") == "0.5" && $0.string("kind") == "implicit" })
    }

    @Test("a share with one target keeps the base id and no parent")
    func singleTarget() {
        let outcome = TestSupport.run(TestSupport.event(#""properties":{"target_user_id":"t1"}"#, type: "shared"))
        let child = TestSupport.object(outcome.enriched.first)
        #expect(outcome.enriched.count == 1)
        #expect(child.string("event_id") == EventID(source: TestSupport.source).base)
        #expect(child.at("parent_event_id") == .null)
        #expect(child.string("resource_id") == "https://acme.example/a")
        #expect(child.string("target_user_id") == "t1")
    }

    @Test("a share without a target is one event with target_user_id null")
    func noTarget() {
        let outcome = TestSupport.run(TestSupport.event(type: "shared"))
        #expect(outcome.enriched.count == 1)
        #expect(TestSupport.object(outcome.enriched.first).at("target_user_id") == .null)
        #expect(outcome.signals.count == 1)
    }

    @Test("exactly max_fanout events is accepted")
    func fanoutAtLimit() {
        let targets = (0..<100).map { "\"u\($0)\"" }.joined(separator: ",")
        let outcome = TestSupport.run(
            TestSupport.event(#""properties":{"target_user_id":[\#(targets)]}"#, type: "shared")
        )
        #expect(outcome.enriched.count == 100)
        #expect(outcome.signals.count == 1)
    }
}

@Suite("Preference signals (contract §4)")
struct SignalTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var rule: String
        var json: String
        var values: [String]
        var kind: String?
        var configuration: ProcessingConfiguration = .default
        var testDescription: String { rule }
    }

    static let acmeNews = ProcessingConfiguration(siteScoreScales: ["acme-news": ScoreScale(min: 0, max: 10)!])

    static let rows: [Row] = [
        Row(
            rule: "like without score is +1",
            json: TestSupport.event(type: "liked"),
            values: ["1.0"],
            kind: "explicit"
        ),
        Row(
            rule: "dislike is -1",
            json: TestSupport.event(#""properties":{"score":-1}"#, type: "liked"),
            values: ["-1.0"],
            kind: "explicit"
        ),
        Row(
            rule: "1 of 1..5 is -1",
            json: TestSupport.event(#""properties":{"score":1}"#, type: "liked"),
            values: ["-1.0"],
            kind: "explicit"
        ),
        Row(
            rule: "3 of 1..5 is 0",
            json: TestSupport.event(#""properties":{"score":3}"#, type: "liked"),
            values: ["0.0"],
            kind: "explicit"
        ),
        Row(
            rule: "4 of 1..5 is 0.5",
            json: TestSupport.event(#""properties":{"score":4}"#, type: "liked"),
            values: ["0.5"],
            kind: "explicit"
        ),
        Row(
            rule: "5 of 1..5 is +1",
            json: TestSupport.event(#""properties":{"score":5}"#, type: "liked"),
            values: ["1.0"],
            kind: "explicit"
        ),
        Row(
            rule: "per-event scale",
            json: TestSupport.event(#""properties":{"score":2,"score_min":0,"score_max":8}"#, type: "liked"),
            values: ["-0.5"],
            kind: "explicit"
        ),
        Row(
            rule: "extreme per-event bounds do not overflow",
            json: TestSupport.event(
                #""properties":{"score":5,"score_min":-9223372036854775808,"score_max":9223372036854775807}"#,
                type: "liked"
            ),
            values: ["0.0"],
            kind: "explicit"
        ),
        Row(
            rule: "bounds one apart near 2^62 are one double: the lowest score is still -1",
            json: TestSupport.event(
                #""properties":{"score":4611686018427387904,"score_min":4611686018427387904,"#
                    + #""score_max":4611686018427387905}"#,
                type: "liked"
            ),
            values: ["-1.0"],
            kind: "explicit"
        ),
        Row(
            rule: "bounds one apart near 2^62: the highest score is +1",
            json: TestSupport.event(
                #""properties":{"score":4611686018427387905,"score_min":4611686018427387904,"#
                    + #""score_max":4611686018427387905}"#,
                type: "liked"
            ),
            values: ["1.0"],
            kind: "explicit"
        ),
        Row(
            rule: "per-site scale",
            json: #"{"site_id":"acme-news","event_type":"liked","bsin":"b","url":"u","properties":{"score":7}}"#,
            values: ["0.3999999999999999"],
            kind: "explicit",
            configuration: acmeNews
        ),
        Row(rule: "viewed weight", json: TestSupport.event(), values: ["0.1"], kind: "implicit"),
        Row(rule: "commented weight", json: TestSupport.event(type: "commented"), values: ["0.3"], kind: "implicit"),
        Row(
            rule: "updated_cart weight",
            json: TestSupport.event(type: "updated_cart"),
            values: ["0.2"],
            kind: "implicit"
        ),
        Row(
            rule: "purchase: one signal per distinct item",
            json: TestSupport.event(
                #""properties":{"items":[{"sku":"a","price":1},{"sku":"b","price":1},{"sku":"a","price":2}]}"#,
                type: "purchased"
            ),
            values: ["1.0", "1.0"],
            kind: "implicit"
        ),
        Row(
            rule: "purchase: one signal per distinct item, also past 16 items",
            json: TestSupport.event(
                #""properties":{"items":["#
                    + (0..<40).map { #"{"sku":"s\#($0 % 35)","price":1}"# }.joined(separator: ",") + "]}",
                type: "purchased"
            ),
            values: Array(repeating: "1.0", count: 35),
            kind: "implicit"
        ),
        Row(
            rule: "purchase with items [] gives none",
            json: TestSupport.event(#""properties":{"items":[]}"#, type: "purchased"),
            values: [],
            kind: nil
        ),
        Row(
            rule: "started_membership has no weight",
            json: TestSupport.event(type: "started_membership"),
            values: [],
            kind: nil
        ),
        Row(rule: "custom type has no weight", json: TestSupport.event(type: "video:play"), values: [], kind: nil),
        Row(
            rule: "configured weight for a custom type",
            json: TestSupport.event(type: "video:play"),
            values: ["0.7"],
            kind: "implicit",
            configuration: ProcessingConfiguration(implicitWeights: ["video:play": 0.7])
        ),
        Row(
            rule: "no resource, no signal",
            json: #"{"site_id":"s","event_type":"viewed","bsin":"b"}"#,
            values: [],
            kind: nil
        ),
    ]

    @Test(arguments: rows)
    func signal(_ row: Row) {
        let outcome = TestSupport.run(row.json, configuration: row.configuration)
        #expect(outcome.rejection == nil, "\(TestSupport.text(outcome.rejection))")
        let signals = outcome.signals.map(TestSupport.object)
        #expect(signals.map { $0.number("value") } == row.values)
        if let kind = row.kind {
            #expect(signals.allSatisfy { $0.string("kind") == kind })
        }
    }

    @Test("signal fields for a purchase item")
    func itemSignalFields() {
        let json = TestSupport.event(
            #""user_id":"u","properties":{"items":[{"sku":"a","price":1,"resource_type":"product"}]}"#,
            type: "purchased"
        )
        let signal = TestSupport.object(TestSupport.run(json).signals.first)
        #expect(signal.string("resource_id") == "a")
        #expect(signal.string("resource_type") == "product")
        #expect(signal.string("user_id") == "u")
        #expect(signal.string("bsin") == "b-1")
        #expect(signal.at("score") == .null)
        #expect(signal.string("timestamp") == "2026-03-01T10:00:00.000Z")
    }
}
