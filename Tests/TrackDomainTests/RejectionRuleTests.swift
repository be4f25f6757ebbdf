import StrictOutputs
import Testing
import TrackDomain

/// One contract rule that must reject: the raw value and the exact reason and field expected.
struct RejectionRule: Sendable, CustomTestStringConvertible {
    var rule: String
    var value: [UInt8]?
    var reason: RejectionReason
    var field: String?
    var configuration: ProcessingConfiguration = .default

    init(
        _ rule: String,
        _ json: String,
        _ reason: RejectionReason,
        _ field: String?,
        configuration: ProcessingConfiguration = .default
    ) {
        self.rule = rule
        self.value = Array(json.utf8)
        self.reason = reason
        self.field = field
        self.configuration = configuration
    }

    init(_ rule: String, bytes: [UInt8]?, _ reason: RejectionReason, _ field: String?) {
        self.rule = rule
        self.value = bytes
        self.reason = reason
        self.field = field
    }

    var testDescription: String { rule }
}

private func event(_ fields: String = "", type: String = "viewed") -> String {
    TestSupport.event(fields, type: type)
}

private let rules: [RejectionRule] = [
    // invalid_json
    RejectionRule("truncated JSON", #"{"site_id":"acme","#, .invalidJSON, nil),
    RejectionRule("trailing comma", #"{"site_id":"acme",}"#, .invalidJSON, nil),
    RejectionRule("leading zero", #"{"n":01}"#, .invalidJSON, nil),
    RejectionRule("NaN literal", #"{"n":NaN}"#, .invalidJSON, nil),
    RejectionRule("single quotes", #"{'a':1}"#, .invalidJSON, nil),
    RejectionRule("unescaped control character", "{\"a\":\"x\u{01}\"}", .invalidJSON, nil),
    RejectionRule("lone high surrogate", #"{"a":"\ud800"}"#, .invalidJSON, nil),
    RejectionRule("lone low surrogate", #"{"a":"\udc00x"}"#, .invalidJSON, nil),
    RejectionRule("duplicate key", #"{"site_id":"a","site_id":"b"}"#, .invalidJSON, nil),
    RejectionRule("two values", #"{} {}"#, .invalidJSON, nil),
    RejectionRule("a number past the largest double", #"{"site_id":"a","n":1e400}"#, .invalidJSON, nil),
    RejectionRule("a negative number past the largest double", #"{"p":{"n":-2e308}}"#, .invalidJSON, nil),
    RejectionRule("309 digits", #"{"n":"# + "1" + String(repeating: "0", count: 309) + "}", .invalidJSON, nil),
    RejectionRule("empty value", "", .invalidJSON, nil),
    RejectionRule("tombstone", bytes: nil, .invalidJSON, nil),
    RejectionRule(
        "invalid UTF-8",
        bytes: Array(#"{"site_id":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8),
        .invalidJSON,
        nil
    ),
    RejectionRule(
        "overlong UTF-8",
        bytes: Array(#"{"a":""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8),
        .invalidJSON,
        nil
    ),
    RejectionRule(
        "UTF-8 encoded surrogate",
        bytes: Array(#"{"a":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8),
        .invalidJSON,
        nil
    ),
    RejectionRule(
        "10,000 nested arrays",
        #"{"a":"# + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}",
        .invalidJSON,
        nil
    ),
    RejectionRule("byte order mark", bytes: [0xEF, 0xBB, 0xBF] + Array("{}".utf8), .invalidJSON, nil),
    // not_an_object
    RejectionRule("array", #"[1,2]"#, .notAnObject, nil),
    RejectionRule("string", #""viewed""#, .notAnObject, nil),
    RejectionRule("number", "42", .notAnObject, nil),
    RejectionRule("null", "null", .notAnObject, nil),
    // too_large
    RejectionRule(
        "value over max_event_bytes",
        event(#""pad":"\#(String(repeating: "x", count: 200))""#),
        .tooLarge,
        nil,
        configuration: ProcessingConfiguration(maxEventBytes: 128)
    ),
    // missing_field
    RejectionRule("no site_id", #"{"event_type":"viewed","bsin":"b"}"#, .missingField, "site_id"),
    RejectionRule("empty site_id", #"{"site_id":"","event_type":"viewed","bsin":"b"}"#, .missingField, "site_id"),
    RejectionRule("null site_id", #"{"site_id":null,"event_type":"viewed","bsin":"b"}"#, .missingField, "site_id"),
    RejectionRule("no event_type", #"{"site_id":"s","bsin":"b"}"#, .missingField, "event_type"),
    RejectionRule("blank event_type", #"{"site_id":"s","event_type":"   ","bsin":"b"}"#, .missingField, "event_type"),
    RejectionRule("blank type alias", #"{"site_id":"s","type":" ","bsin":"b"}"#, .missingField, "type"),
    // invalid_field
    RejectionRule("site_id not a string", #"{"site_id":7,"event_type":"viewed","bsin":"b"}"#, .invalidField, "site_id"),
    RejectionRule(
        "site_id over 128 characters",
        #"{"site_id":"\#(String(repeating: "s", count: 129))","event_type":"viewed","bsin":"b"}"#,
        .invalidField,
        "site_id"
    ),
    RejectionRule(
        "event_type pattern",
        #"{"site_id":"s","event_type":"Bad Type!","bsin":"b"}"#,
        .invalidField,
        "event_type"
    ),
    RejectionRule(
        "event_type leading underscore",
        #"{"site_id":"s","event_type":"_x","bsin":"b"}"#,
        .invalidField,
        "event_type"
    ),
    RejectionRule(
        "event_type not a string",
        #"{"site_id":"s","event_type":5,"bsin":"b"}"#,
        .invalidField,
        "event_type"
    ),
    RejectionRule("type alias pattern", #"{"site_id":"s","type":"a b","bsin":"b"}"#, .invalidField, "type"),
    RejectionRule("bsin not a string", #"{"site_id":"s","event_type":"viewed","bsin":5}"#, .invalidField, "bsin"),
    RejectionRule(
        "user_id not a string",
        #"{"site_id":"s","event_type":"viewed","user_id":[]}"#,
        .invalidField,
        "user_id"
    ),
    RejectionRule(
        "email with two @",
        #"{"site_id":"s","event_type":"viewed","email":"a@b@c"}"#,
        .invalidField,
        "email"
    ),
    RejectionRule("email without @", #"{"site_id":"s","event_type":"viewed","email":"abc"}"#, .invalidField, "email"),
    RejectionRule(
        "email without a name",
        #"{"site_id":"s","event_type":"viewed","email":"@host"}"#,
        .invalidField,
        "email"
    ),
    RejectionRule("email not a string", #"{"site_id":"s","event_type":"viewed","email":true}"#, .invalidField, "email"),
    RejectionRule("properties not an object", event(#""properties":[1]"#), .invalidField, "properties"),
    RejectionRule("attributes not an object", event(#""attributes":"x""#), .invalidField, "attributes"),
    RejectionRule(
        "url not a string",
        event().replacingOccurrences(#""url":"https://acme.example/a""#, #""url":5"#),
        .invalidField,
        "url"
    ),
    RejectionRule("user_agent not a string", event(#""user_agent":{}"#), .invalidField, "user_agent"),
    RejectionRule("ip not a string", event(#""ip":1"#), .invalidField, "ip"),
    RejectionRule(
        "message_id over 128",
        event(#""message_id":"\#(String(repeating: "m", count: 129))""#),
        .invalidField,
        "message_id"
    ),
    RejectionRule("message_id not a string", event(#""message_id":12"#), .invalidField, "message_id"),
    RejectionRule("is_test not a boolean", event(#""is_test":"yes""#), .invalidField, "is_test"),
    RejectionRule("timestamp text", event(#""timestamp":"yesterday""#), .invalidField, "timestamp"),
    RejectionRule("timestamp boolean", event(#""timestamp":true"#), .invalidField, "timestamp"),
    RejectionRule("timestamp 30 February", event(#""timestamp":"2026-02-30T00:00:00Z""#), .invalidField, "timestamp"),
    RejectionRule("timestamp hour 24", event(#""timestamp":"2026-02-01T24:00:00Z""#), .invalidField, "timestamp"),
    RejectionRule("timestamp huge number", event(#""timestamp":1e300"#), .invalidField, "timestamp"),
    RejectionRule("timestamp past year 9999", event(#""timestamp":253402300800000"#), .invalidField, "timestamp"),
    RejectionRule(
        "sent_at malformed",
        event(#""sent_at":"2026-03-01T10:00""#.replacingOccurrences("10:00", "1:00")),
        .invalidField,
        "sent_at"
    ),
    RejectionRule("received_at object", event(#""received_at":{}"#), .invalidField, "received_at"),
    RejectionRule(
        "skew correction outside years",
        event(#""timestamp":-62135596800000,"sent_at":253402300799999,"received_at":0"#),
        .invalidField,
        "sent_at"
    ),
    RejectionRule(
        "resource_id not a string",
        event(#""properties":{"resource_id":5}"#),
        .invalidField,
        "properties.resource_id"
    ),
    RejectionRule(
        "resource_id empty",
        event(#""properties":{"resource_id":""}"#),
        .invalidField,
        "properties.resource_id"
    ),
    RejectionRule("id alias array on a view", event(#""properties":{"id":["a"]}"#), .invalidField, "properties.id"),
    RejectionRule(
        "resource_type not a string",
        event(#""properties":{"resource_type":1}"#),
        .invalidField,
        "properties.resource_type"
    ),
    RejectionRule(
        "model alias not a string",
        event(#""properties":{"model":true}"#),
        .invalidField,
        "properties.model"
    ),
    RejectionRule(
        "comment_text not a string",
        event(#""properties":{"comment_text":1}"#, type: "commented"),
        .invalidField,
        "properties.comment_text"
    ),
    RejectionRule(
        "score_min above score_max",
        event(#""properties":{"score":3,"score_min":5,"score_max":1}"#, type: "liked"),
        .invalidField,
        "properties.score_min"
    ),
    RejectionRule(
        "score_max not an integer",
        event(#""properties":{"score":3,"score_max":"5"}"#, type: "liked"),
        .invalidField,
        "properties.score_min"
    ),
    // missing_identity
    RejectionRule("no identity", #"{"site_id":"s","event_type":"viewed"}"#, .missingIdentity, nil),
    RejectionRule(
        "empty identities",
        #"{"site_id":"s","event_type":"viewed","bsin":"","user_id":"","email":"  "}"#,
        .missingIdentity,
        nil
    ),
    RejectionRule(
        "null identities",
        #"{"site_id":"s","event_type":"viewed","bsin":null,"user_id":null}"#,
        .missingIdentity,
        nil
    ),
    // reserved_attribute (every name has its own test below)
    RejectionRule(
        "reserved bsin property",
        event(#""properties":{"bsin":"x"}"#),
        .reservedAttribute,
        "properties.bsin"
    ),
    // ambiguous_properties
    RejectionRule(
        "properties and attributes",
        event(#""properties":{},"attributes":{}"#),
        .ambiguousProperties,
        "attributes"
    ),
    // invalid_score
    RejectionRule(
        "fractional score",
        event(#""properties":{"score":4.5}"#, type: "liked"),
        .invalidScore,
        "properties.score"
    ),
    RejectionRule(
        "string score",
        event(#""properties":{"score":"5"}"#, type: "liked"),
        .invalidScore,
        "properties.score"
    ),
    RejectionRule(
        "score above scale",
        event(#""properties":{"score":6}"#, type: "liked"),
        .invalidScore,
        "properties.score"
    ),
    RejectionRule(
        "score below scale",
        event(#""properties":{"score":0}"#, type: "liked"),
        .invalidScore,
        "properties.score"
    ),
    RejectionRule("score -2", event(#""properties":{"score":-2}"#, type: "liked"), .invalidScore, "properties.score"),
    RejectionRule(
        "huge integer score",
        event(#""properties":{"score":100000000000000000000000000000}"#, type: "liked"),
        .invalidScore,
        "properties.score"
    ),
    RejectionRule(
        "score outside per-event scale",
        event(#""attributes":{"score":9,"score_min":0,"score_max":8}"#, type: "liked"),
        .invalidScore,
        "attributes.score"
    ),
    RejectionRule(
        "score outside per-site scale",
        #"{"site_id":"acme-news","event_type":"liked","bsin":"b","properties":{"score":11}}"#,
        .invalidScore,
        "properties.score",
        configuration: ProcessingConfiguration(siteScoreScales: ["acme-news": ScoreScale(min: 0, max: 10)!])
    ),
    // invalid_target
    RejectionRule(
        "empty target array",
        event(#""properties":{"target_user_id":[]}"#, type: "shared"),
        .invalidTarget,
        "properties.target_user_id"
    ),
    RejectionRule(
        "empty target string",
        event(#""properties":{"target_user_id":""}"#, type: "shared"),
        .invalidTarget,
        "properties.target_user_id"
    ),
    RejectionRule(
        "numeric target",
        event(#""properties":{"target_user_id":[1]}"#, type: "shared"),
        .invalidTarget,
        "properties.target_user_id"
    ),
    RejectionRule(
        "object target",
        event(#""properties":{"target_user_id":{}}"#, type: "shared"),
        .invalidTarget,
        "properties.target_user_id"
    ),
    RejectionRule(
        "empty shared resource",
        event(#""properties":{"resource_id":[""],"target_user_id":"u"}"#, type: "shared"),
        .invalidTarget,
        "properties.resource_id"
    ),
    // fanout_limit
    RejectionRule(
        "101 targets",
        event(
            #""properties":{"target_user_id":[\#((0...100).map { "\"u\($0)\"" }.joined(separator: ","))]}"#,
            type: "shared"
        ),
        .fanoutLimit,
        "properties.target_user_id"
    ),
    RejectionRule(
        "resources times targets over the limit",
        event(#""properties":{"resource_id":["a","b","c"],"target_user_id":["x","y"]}"#, type: "shared"),
        .fanoutLimit,
        "properties.target_user_id",
        configuration: ProcessingConfiguration(maxFanout: 5)
    ),
    // output_too_large
    RejectionRule(
        "a share whose children together pass limits.max_output_bytes",
        event(
            #""properties":{"target_user_id":["# + (0..<20).map { "\"friend-\($0)\"" }.joined(separator: ",") + "]}",
            type: "shared"
        ),
        .outputTooLarge,
        nil,
        configuration: ProcessingConfiguration(maxOutputBytes: 8_000)
    ),
    RejectionRule(
        "one enriched event larger than a record may be",
        event(#""properties":{"blob":""# + String(repeating: "x", count: 3000) + #""}"#),
        .outputTooLarge,
        nil,
        configuration: ProcessingConfiguration(maxRecordBytes: 2000)
    ),
    // invalid_items
    RejectionRule(
        "items not an array",
        event(#""properties":{"items":{}}"#, type: "purchased"),
        .invalidItems,
        "properties.items"
    ),
    RejectionRule(
        "item not an object",
        event(#""properties":{"items":[1]}"#, type: "purchased"),
        .invalidItems,
        "properties.items[0]"
    ),
    RejectionRule(
        "item without id",
        event(#""properties":{"items":[{"price":1}]}"#, type: "purchased"),
        .invalidItems,
        "properties.items[0].resource_id"
    ),
    RejectionRule(
        "item without price",
        event(#""properties":{"items":[{"sku":"a"}]}"#, type: "updated_cart"),
        .invalidItems,
        "properties.items[0].price"
    ),
    RejectionRule(
        "negative price",
        event(#""properties":{"items":[{"sku":"a","price":-1}]}"#, type: "purchased"),
        .invalidItems,
        "properties.items[0].price"
    ),
    RejectionRule(
        "non-numeric price",
        event(#""properties":{"items":[{"sku":"a","price":"abc"}]}"#, type: "purchased"),
        .invalidItems,
        "properties.items[0].price"
    ),
    RejectionRule(
        "hex price",
        event(#""properties":{"items":[{"sku":"a","price":"0x10"}]}"#, type: "purchased"),
        .invalidItems,
        "properties.items[0].price"
    ),
    RejectionRule(
        "zero quantity",
        event(#""properties":{"items":[{"sku":"a","price":1,"quantity":0}]}"#, type: "purchased"),
        .invalidItems,
        "properties.items[0].quantity"
    ),
    RejectionRule(
        "fractional item_qty",
        event(#""properties":{"items":[{"sku":"a","price":1,"item_qty":1.5}]}"#, type: "purchased"),
        .invalidItems,
        "properties.items[0].item_qty"
    ),
    RejectionRule(
        "items whose total overflows to infinity",
        event(#""properties":{"items":[{"sku":"a","price":1e308,"quantity":10}]}"#, type: "purchased"),
        .invalidItems,
        "properties.items"
    ),
    RejectionRule(
        "two finite prices that sum past the largest double",
        event(#""properties":{"items":[{"sku":"a","price":1e308},{"sku":"b","price":"1.7e308"}]}"#, type: "purchased"),
        .invalidItems,
        "properties.items"
    ),
    RejectionRule(
        "more items than limits.max_items",
        event(
            #""properties":{"items":[{"sku":"a","price":1},{"sku":"b","price":1},{"sku":"c","price":1}]}"#,
            type: "purchased"
        ),
        .invalidItems,
        "properties.items",
        configuration: ProcessingConfiguration(maxItems: 2)
    ),
    RejectionRule(
        "1,001 items, one more than the default limit",
        event(
            #""properties":{"items":["#
                + Array(repeating: #"{"sku":"a","price":1}"#, count: 1001).joined(separator: ",")
                + "]}",
            type: "purchased"
        ),
        .invalidItems,
        "properties.items"
    ),
    RejectionRule(
        "non-numeric total",
        event(#""properties":{"total":"lots"}"#, type: "purchased"),
        .invalidItems,
        "properties.total"
    ),
]

@Suite("Rejection rules (contract §2)")
struct RejectionRuleTests {
    @Test(arguments: rules)
    func rejects(_ rule: RejectionRule) {
        var processor = TestSupport.processor(rule.configuration)
        let outcome = processor.processStrictly(value: rule.value, source: TestSupport.source)
        #expect(outcome.enriched.isEmpty)
        #expect(outcome.signals.isEmpty)
        #expect(outcome.rejectionReason == rule.reason)
        let rejection = TestSupport.object(outcome.rejection)
        #expect(rejection.string("reason") == rule.reason.rawValue)
        #expect(rejection.at("field") == (rule.field.map(JSONValue.string) ?? .null))
        #expect(rejection.string("message")?.isEmpty == false)
        #expect(outcome.rejection?.key == nil)
    }

    @Test("every reason code except processing_error has a rule")
    func everyReasonIsCovered() {
        let covered = Set(rules.map(\.reason))
        #expect(covered == Set(RejectionReason.allCases).subtracting([.processingError]))
    }

    @Test(arguments: Array(EventValidator.reservedAttributes).sorted())
    func reservedAttribute(_ name: String) {
        let outcome = TestSupport.run(TestSupport.event(#""attributes":{"ok":1,"\#(name)":true}"#))
        #expect(outcome.rejectionReason == .reservedAttribute)
        #expect(TestSupport.object(outcome.rejection).string("field") == "attributes.\(name)")
    }

    @Test("the fast reserved-name check agrees with the list")
    func reservedCheckAgrees() {
        let others = [
            "uri", "hrefs", "bsins", "is_bots", "statuses", "is_tests", "referrer", "enriches", "event_ik",
            "identify", "identifier", "propertied", "user_agents", "geolocated", "http_methods", "score",
            "resource_id", "items", "title", "currency", "quantity", "targets", "", "URL", "Status",
        ]
        for name in Array(EventValidator.reservedAttributes) + others {
            #expect(
                EventValidator.isReservedAttribute(name) == EventValidator.reservedAttributes.contains(name),
                "\(name)"
            )
        }
    }

    @Test("the rejection envelope: id, source, processor and payload")
    func envelope() {
        let json = TestSupport.event(#""message_id":"m-1","properties":{"score":9}"#, type: "liked")
        let outcome = TestSupport.run(json)
        let expected =
            #"{"event_id":"\#(EventID(messageID: "m-1").base)","reason":"invalid_score","field":"properties.score","#
            + #""message":"score 9 is outside the scale 1..5","source":{"topic":"track.raw","partition":3,"#
            + #""offset":42,"timestamp":1772359200000},"processor":{"name":"trackstream","version":"\#(trackstreamVersion)"},"#
            + #""payload":"\#(json.replacingOccurrences("\"", "\\\""))"}"#
        #expect(TestSupport.text(outcome.rejection) == expected)
    }

    @Test("a value that is not UTF-8 travels as payload_base64")
    func base64Payload() {
        var processor = TestSupport.processor()
        let outcome = processor.processStrictly(value: [0x7B, 0xFF, 0x7D], source: TestSupport.source)
        let rejection = TestSupport.object(outcome.rejection)
        #expect(rejection.string("payload_base64") == "e/99")
        #expect(rejection["payload"] == nil)
        #expect(rejection.string("event_id") == EventID(source: TestSupport.source).base)
    }

    @Test("an empty value is not a tombstone: its payload is the empty string")
    func emptyPayload() {
        var processor = TestSupport.processor()
        let outcome = processor.processStrictly(value: [], source: TestSupport.source)
        #expect(TestSupport.object(outcome.rejection)["payload"] == .string(""))
    }

    @Test("a tombstone has a null payload")
    func tombstonePayload() {
        var processor = TestSupport.processor()
        let outcome = processor.processStrictly(value: [UInt8]?.none, source: TestSupport.source)
        #expect(TestSupport.object(outcome.rejection)["payload"] == .null)
    }

    @Test("processing_error names the error")
    func processingError() {
        let record = Array("{}".utf8).withUnsafeBytes { bytes in
            TestSupport.processor().processingErrorRejection(value: bytes, source: TestSupport.source, error: "boom")
        }
        let rejection = TestSupport.object(record)
        #expect(rejection.string("reason") == "processing_error")
        #expect(rejection.string("message") == "the service failed to process the record: boom")
        #expect(rejection.string("payload") == "{}")
    }
}

extension String {
    /// Plain substring replacement without Foundation.
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        replacing(target, with: replacement)
    }
}
