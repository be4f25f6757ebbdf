import Testing
import TrackDomain

/// One acceptance rule: a raw event and the exact values expected at paths of its first enriched event.
struct AcceptanceRule: Sendable, CustomTestStringConvertible {
    var rule: String
    var json: String
    var expected: [(path: String, value: JSONValue)]

    init(_ rule: String, _ json: String, _ expected: [(String, JSONValue)]) {
        self.rule = rule
        self.json = json
        self.expected = expected.map { (path: $0.0, value: $0.1) }
    }

    var testDescription: String { rule }
}

private func number(_ text: String) -> JSONValue {
    .number(JSONNumber(text: text, isIntegerLiteral: !text.contains(".") && !text.contains("e")))
}

private func event(_ fields: String = "", type: String = "viewed") -> String {
    TestSupport.event(fields, type: type)
}

private let acceptanceRules: [AcceptanceRule] = [
    AcceptanceRule(
        "type alias and trimmed, lowercased event_type",
        #"{"site_id":"s","type":"  Video:Play ","bsin":"b"}"#,
        [("event_type", .string("video:play")), ("extra", .object(JSONObject()))]
    ),
    AcceptanceRule(
        "event_type wins over type; type kept in extra",
        #"{"site_id":"s","event_type":"viewed","type":"x","bsin":"b"}"#,
        [("event_type", .string("viewed")), ("extra.type", .string("x"))]
    ),
    AcceptanceRule(
        "attributes alias becomes properties",
        event(#""attributes":{"section":"news"}"#),
        [("properties.section", .string("news"))]
    ),
    AcceptanceRule(
        "absent properties are {}",
        event(),
        [("properties", .object(JSONObject()))]
    ),
    AcceptanceRule(
        "resource_id and resource_type from properties",
        event(#""properties":{"resource_id":"ar-1","resource_type":"article"}"#),
        [("resource_id", .string("ar-1")), ("resource_type", .string("article"))]
    ),
    AcceptanceRule(
        "legacy id and model aliases",
        event(#""properties":{"id":"v-9","model":"video"}"#),
        [("resource_id", .string("v-9")), ("resource_type", .string("video"))]
    ),
    AcceptanceRule(
        "no resource: the canonical page URL",
        #"{"site_id":"s","event_type":"viewed","bsin":"b","url":"HTTPS://WWW.Acme.Example:443/A/b?utm_source=x&q=1&gclid=2&fbclid=3#top"}"#,
        [("resource_id", .string("https://www.acme.example/A/b?q=1")), ("resource_type", .string("page"))]
    ),
    AcceptanceRule(
        "page falls back to href",
        #"{"site_id":"s","event_type":"viewed","bsin":"b","href":"http://h.example:80/p"}"#,
        [("resource_id", .string("http://h.example/p")), ("url", .null), ("href", .string("http://h.example:80/p"))]
    ),
    AcceptanceRule(
        "no resource and no page",
        #"{"site_id":"s","event_type":"viewed","bsin":"b","properties":{"resource_type":"x"}}"#,
        [("resource_id", .null), ("resource_type", .null)]
    ),
    AcceptanceRule(
        "email trimmed, lowercased, :::at::: unescaped; identified",
        #"{"site_id":"s","event_type":"viewed","email":"  First.Last:::AT:::Example.ORG "}"#,
        [
            ("identity.email", .string("first.last@example.org")), ("identity.bsin", .null),
            ("identified", .bool(true)),
        ]
    ),
    AcceptanceRule(
        "bsin alone is not identified",
        event(),
        [("identified", .bool(false)), ("identity.user_id", .null)]
    ),
    AcceptanceRule(
        "empty identities count as absent",
        #"{"site_id":"s","event_type":"viewed","bsin":"","user_id":"u-1"}"#,
        [("identity.bsin", .null), ("identity.user_id", .string("u-1")), ("identified", .bool(true))]
    ),
    AcceptanceRule(
        "flags and constants",
        event(#""is_test":true"#),
        [
            ("is_test", .bool(true)), ("is_bot", .bool(false)), ("status", .string("accepted")),
            ("enriched", .bool(true)), ("geolocation", .null),
        ]
    ),
    AcceptanceRule(
        "is_bot from the user agent",
        event(#""user_agent":"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)""#),
        [("is_bot", .bool(true))]
    ),
    AcceptanceRule(
        "skew correction with epoch seconds, epoch ms and ISO",
        event(#""timestamp":1772359190,"sent_at":1772359195000,"received_at":"2026-03-01T10:00:00.000Z""#),
        [
            ("timestamp", .string("2026-03-01T09:59:55.000Z")),
            ("client_timestamp", .string("2026-03-01T09:59:50.000Z")),
            ("sent_at", .string("2026-03-01T09:59:55.000Z")),
            ("received_at", .string("2026-03-01T10:00:00.000Z")),
        ]
    ),
    AcceptanceRule(
        "ISO offsets and fractional seconds",
        event(#""timestamp":"2026-03-01T12:30:00.123456+02:30""#),
        [("timestamp", .string("2026-03-01T10:00:00.123Z"))]
    ),
    AcceptanceRule(
        "ISO without an offset is UTC; a space separator is accepted",
        event(#""timestamp":"2026-03-01 10:00:00""#),
        [("timestamp", .string("2026-03-01T10:00:00.000Z"))]
    ),
    AcceptanceRule(
        "fractional epoch seconds round to milliseconds",
        event(#""timestamp":1772359200.1234"#),
        [("timestamp", .string("2026-03-01T10:00:00.123Z"))]
    ),
    AcceptanceRule(
        "without sent_at the client timestamp is the event time",
        event(#""timestamp":"2026-03-01T09:00:00Z","received_at":"2026-03-01T10:00:00Z""#),
        [("timestamp", .string("2026-03-01T09:00:00.000Z"))]
    ),
    AcceptanceRule(
        "without client times the Kafka timestamp is received_at and the event time",
        event(),
        [("timestamp", .string("2026-03-01T10:00:00.000Z")), ("received_at", .string("2026-03-01T10:00:00.000Z"))]
    ),
    AcceptanceRule(
        "liked without score",
        event(type: "liked"),
        [("score", .null)]
    ),
    AcceptanceRule(
        "an integral float score is the integer",
        event(#""properties":{"score":4.0}"#, type: "liked"),
        [("score", number("4"))]
    ),
    AcceptanceRule(
        "commented keeps comment_text",
        event(#""properties":{"comment_text":"Nice \u00e9 \"x\""}"#, type: "commented"),
        [("comment_text", .string("Nice é \"x\""))]
    ),
    AcceptanceRule(
        "items with aliases, string prices and a computed total",
        event(
            #""properties":{"items":[{"item_id":"a","price":"1.10","item_qty":3},{"sku":"b","price":2,"currency":"EUR"},{"id":"c","price":0.1,"quantity":3.0}]}"#,
            type: "purchased"
        ),
        [
            (
                "items",
                try! JSONParser.parse(
                    Array(
                        #"[{"resource_id":"a","price":1.1,"quantity":3},{"resource_id":"b","price":2,"quantity":1,"currency":"EUR"},{"resource_id":"c","price":0.1,"quantity":3}]"#
                            .utf8
                    )
                )
            ),
            ("total", number("5.6")),
        ]
    ),
    AcceptanceRule(
        "an integer total stays an integer",
        event(#""properties":{"items":[{"sku":"a","price":"12","quantity":2}]}"#, type: "updated_cart"),
        [("total", number("24"))]
    ),
    AcceptanceRule(
        "a given total wins",
        event(#""properties":{"items":[{"sku":"a","price":1}],"total":"9.5"}"#, type: "purchased"),
        [("total", number("9.5"))]
    ),
    AcceptanceRule(
        "a purchase without items has no items member",
        event(#""properties":{"order":"o-1"}"#, type: "purchased"),
        [("properties.order", .string("o-1"))]
    ),
    AcceptanceRule(
        "unknown top-level fields kept in order under extra, null included",
        event(#""zeta":1,"library":{"name":"bt.js"},"alpha":null"#),
        [("extra", try! JSONParser.parse(Array(#"{"zeta":1,"library":{"name":"bt.js"},"alpha":null}"#.utf8)))]
    ),
    AcceptanceRule(
        "properties keep raw numbers and order",
        event(#""properties":{"b":1.50,"a":1e2,"big":123456789012345678901234567890}"#),
        [("properties", try! JSONParser.parse(Array(#"{"b":1.50,"a":1e2,"big":123456789012345678901234567890}"#.utf8)))]
    ),
    AcceptanceRule(
        "lineage",
        event(),
        [("source.topic", .string("track.raw")), ("source.partition", number("3")), ("source.offset", number("42"))]
    ),
    AcceptanceRule(
        "event_id from the coordinates without message_id",
        event(),
        [("event_id", .string(EventID(source: TestSupport.source).base)), ("parent_event_id", .null)]
    ),
    AcceptanceRule(
        "event_id from message_id",
        event(#""message_id":"abc""#),
        [("event_id", .string(EventID(messageID: "abc").base)), ("message_id", .string("abc"))]
    ),
]

@Suite("Acceptance rules (contract §1, §3)")
struct AcceptanceRuleTests {
    @Test(arguments: acceptanceRules)
    func accepts(_ rule: AcceptanceRule) {
        let outcome = TestSupport.run(rule.json)
        #expect(outcome.rejection == nil, "\(TestSupport.text(outcome.rejection))")
        #expect(outcome.enriched.count >= 1)
        let enriched = TestSupport.object(outcome.enriched.first)
        for (path, value) in rule.expected {
            #expect(enriched.at(path) == value, "at \(path)")
        }
    }

    @Test("a complete enriched event, byte for byte")
    func completeEnrichedEvent() {
        let json =
            #"{"event_type":"liked","site_id":"acme","bsin":"b-1","user_id":"u-1","properties":{"score":5,"resource_id":"ar-1"},"#
            + #""url":"https://acme.example/a","user_agent":"UA","ip":"1.2.3.4","timestamp":1772359199000,"message_id":"m-7","x":[1]}"#
        let outcome = TestSupport.run(json)
        let id = EventID(messageID: "m-7").base
        let expected =
            #"{"event_id":"\#(id)","parent_event_id":null,"site_id":"acme","event_type":"liked","resource_id":"ar-1","#
            + #""resource_type":null,"score":5,"timestamp":"2026-03-01T09:59:59.000Z","received_at":"2026-03-01T10:00:00.000Z","#
            + #""sent_at":null,"client_timestamp":"2026-03-01T09:59:59.000Z","identity":{"bsin":"b-1","user_id":"u-1","email":null},"#
            + #""identified":true,"message_id":"m-7","url":"https://acme.example/a","href":null,"referer":null,"user_agent":"UA","#
            + #""http_method":null,"ip":"1.2.3.4","geolocation":null,"user_agent_parsed":null,"is_bot":false,"is_test":false,"status":"accepted","#
            + #""enriched":true,"properties":{"score":5,"resource_id":"ar-1"},"extra":{"x":[1]},"#
            + #""source":{"topic":"track.raw","partition":3,"offset":42}}"#
        #expect(TestSupport.text(outcome.enriched.first) == expected)
        #expect(outcome.enriched.first?.key == Array("acme:b-1".utf8))
        let signal =
            #"{"signal_id":"\#(id):s0","event_id":"\#(id)","site_id":"acme","bsin":"b-1","user_id":"u-1","resource_id":"ar-1","#
            + #""resource_type":null,"event_type":"liked","kind":"explicit","value":1.0,"score":5,"#
            + #""timestamp":"2026-03-01T09:59:59.000Z"}"#
        #expect(outcome.signals.map(TestSupport.text) == [signal])
        #expect(outcome.signals.first?.key == Array("acme:b-1".utf8))
    }

    @Test("the output key is site_id and the first of bsin, user_id, email")
    func outputKey() {
        let byEmail = TestSupport.run(#"{"site_id":"s","event_type":"viewed","email":"A@B.C","url":"u"}"#)
        #expect(byEmail.enriched.first?.key == Array("s:a@b.c".utf8))
        #expect(byEmail.signals.first?.key == Array("s:a@b.c".utf8))
        let byUser = TestSupport.run(#"{"site_id":"s","event_type":"viewed","user_id":"u1","email":"a@b.c"}"#)
        #expect(byUser.enriched.first?.key == Array("s:u1".utf8))
    }

    /// Values copied from the input (compact properties, unescaped strings) and values written back
    /// from their parsed form (whitespace, escapes) must come out the same.
    @Test("whitespace and escapes in the input do not change the outputs")
    func inputFormIsIrrelevant() {
        let compact =
            #"{"site_id":"acme","event_type":"liked","bsin":"b-1","user_id":"u/1","message_id":"m-9","#
            + #""url":"https://acme.example/a?x=1","user_agent":"Agent/1.0","#
            + #""properties":{"score":4,"resource_id":"r-1","tags":["a","b"],"n":{"k":null}},"z":[1,{"y":true}]}"#
        let spaced =
            #" { "site_id" : "acme" , "event_type":"liked","bsin":"b-1","user_id":"u\/1","message_id":"m-9","#
            + #""url":"https:\/\/acme.example\/a?x=1","user_agent":"Agent\/1.0","#
            + #""properties":{ "score":4,"resource_id":"r-1","tags":["a", "b"],"n":{"k":null} },"z":[1,{"y": true}]}"#
        let expected = TestSupport.run(compact)
        let actual = TestSupport.run(spaced)
        #expect(expected.rejection == nil)
        #expect(actual.enriched == expected.enriched)
        #expect(actual.signals == expected.signals)
        #expect(TestSupport.text(actual.enriched.first).contains(#""properties":{"score":4,"resource_id":"r-1""#))
    }

    @Test("the same input and coordinates give byte-identical outputs")
    func determinism() {
        let json = event(#""properties":{"target_user_id":["a","b"]}"#, type: "shared")
        let first = TestSupport.run(json)
        let second = TestSupport.run(json)
        #expect(first.enriched == second.enriched)
        #expect(first.signals == second.signals)
    }
}
