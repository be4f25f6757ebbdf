import Foundation
import StrictJSON
import StrictOutputs
import Testing
import TrackDomain

/// One broken (or deliberately odd but valid) output, made by editing a real one, and what the
/// validators must say of it.
struct SchemaMutation: Sendable, CustomTestStringConvertible {
    /// The real output the edits start from (``OutputSchemaSamples``).
    enum Base: String, Sendable {
        case viewed, liked, sharedChild, purchased, located
        case implicitSignal, explicitSignal
        case rejection, base64Rejection, strippedRejection

        var schema: OutputSchema {
            switch self {
            case .viewed, .liked, .sharedChild, .purchased, .located: .enrichedEvent
            case .implicitSignal, .explicitSignal: .signal
            case .rejection, .base64Rejection, .strippedRejection: .rejection
            }
        }
    }

    /// Set the member at a path to a JSON text, or remove it.
    enum Edit: Sendable {
        case set([String], String)
        case remove([String])
    }

    enum Verdict: Sendable, Equatable {
        case refused
        case accepted
        /// Refused here, accepted by Python's `jsonschema`, for the reason given: a known difference.
        case refusedHereOnly(String)
    }

    let name: String
    let base: Base
    let edits: [Edit]
    let verdict: Verdict

    init(_ name: String, _ base: Base, _ edits: [Edit], _ verdict: Verdict = .refused) {
        self.name = name
        self.base = base
        self.edits = edits
        self.verdict = verdict
    }

    var testDescription: String { "\(base.schema.rawValue): \(name)" }

    /// The edited output.
    func instance() throws -> JSONTree {
        var value = try OutputSchemaSamples.sample(base)
        for edit in edits {
            switch edit {
            case .set(let path, let text):
                value = try value.setting(path, to: JSONTree.parse(Array(text.utf8)).get())
            case .remove(let path):
                value = try value.setting(path, to: nil)
            }
        }
        return value
    }

    static func string(_ text: String) -> String { JSONTree.string(text).jsonText }

    static let hex = "49632895e5f38913f349d17194cce4a8"
    static let pythonDollar = "Python's re lets $ match before a final line feed"

    /// The table: every rule of the schemas broken once, and the edges they must let through.
    static let all: [SchemaMutation] = [
        // Enriched events: members.
        .init("an unknown top-level member", .viewed, [.set(["surprise"], "1")]),
        .init("no event_id", .viewed, [.remove(["event_id"])]),
        .init("no extra", .viewed, [.remove(["extra"])]),
        .init("event_id in capitals", .viewed, [.set(["event_id"], string(hex.uppercased()))]),
        .init("event_id of 31 digits", .viewed, [.set(["event_id"], string(String(hex.dropLast())))]),
        .init(
            "event_id with a final line feed",
            .viewed,
            [.set(["event_id"], string(hex + "\n"))],
            .refusedHereOnly(pythonDollar)
        ),
        .init("site_id empty", .viewed, [.set(["site_id"], string(""))]),
        .init("site_id of 129 characters", .viewed, [.set(["site_id"], string(String(repeating: "s", count: 129)))]),
        .init(
            "site_id of 128 two-byte characters",
            .viewed,
            [.set(["site_id"], string(String(repeating: "é", count: 128)))],
            .accepted
        ),
        .init(
            "site_id of 128 characters outside the BMP",
            .viewed,
            [.set(["site_id"], string(String(repeating: "😀", count: 128)))],
            .accepted
        ),
        .init(
            "site_id of 129 characters outside the BMP",
            .viewed,
            [
                .set(["site_id"], string(String(repeating: "😀", count: 129)))
            ]
        ),
        .init("event_type with a capital", .viewed, [.set(["event_type"], string("Viewed"))]),
        .init(
            "event_type of 129 characters",
            .viewed,
            [.set(["event_type"], string(String(repeating: "v", count: 129)))]
        ),
        .init("event_type with a space", .viewed, [.set(["event_type"], string("video play"))]),
        .init("a custom event_type", .viewed, [.set(["event_type"], string("checkout.step-2:b_c"))], .accepted),
        // Times.
        .init("timestamp without milliseconds", .viewed, [.set(["timestamp"], string("2026-03-01T09:59:59Z"))]),
        .init("timestamp with an offset", .viewed, [.set(["timestamp"], string("2026-03-01T09:59:59.500+01:00"))]),
        .init("timestamp on 30 February", .viewed, [.set(["timestamp"], string("2026-02-30T10:00:00.000Z"))]),
        .init("timestamp at hour 24", .viewed, [.set(["timestamp"], string("2026-03-01T24:00:00.000Z"))]),
        .init(
            "timestamp on 29 February 2024",
            .viewed,
            [.set(["timestamp"], string("2024-02-29T10:00:00.000Z"))],
            .accepted
        ),
        .init("timestamp on 29 February 2100", .viewed, [.set(["timestamp"], string("2100-02-29T10:00:00.000Z"))]),
        .init("timestamp in year 0000", .viewed, [.set(["timestamp"], string("0000-01-01T00:00:00.000Z"))]),
        .init(
            "timestamp in years 0001 and 9999",
            .viewed,
            [
                .set(["timestamp"], string("0001-01-01T00:00:00.000Z")),
                .set(["received_at"], string("9999-12-31T23:59:59.999Z")),
            ],
            .accepted
        ),
        .init("timestamp on a leap second", .viewed, [.set(["sent_at"], string("2016-12-31T23:59:60.000Z"))]),
        .init("timestamp as epoch milliseconds", .viewed, [.set(["timestamp"], "1772359200000")]),
        .init(
            "timestamp with a final line feed",
            .viewed,
            [.set(["timestamp"], string("2026-03-01T09:59:59.500Z\n"))],
            .refusedHereOnly(pythonDollar)
        ),
        .init(
            "every time null",
            .viewed,
            [
                .set(["timestamp"], "null"), .set(["received_at"], "null"), .set(["client_timestamp"], "null"),
            ],
            .accepted
        ),
        // Identity and flags.
        .init(
            "identity without any identifier",
            .viewed,
            [.set(["identity"], #"{"bsin":null,"user_id":null,"email":null}"#)]
        ),
        .init("identity.bsin empty", .viewed, [.set(["identity", "bsin"], string(""))]),
        .init("identity with a fourth member", .viewed, [.set(["identity", "phone"], "null")]),
        .init("identity without email", .viewed, [.remove(["identity", "email"])]),
        .init("identified as a string", .viewed, [.set(["identified"], string("true"))]),
        .init(
            "message_id of 129 characters",
            .viewed,
            [.set(["message_id"], string(String(repeating: "m", count: 129)))]
        ),
        .init("status other than accepted", .viewed, [.set(["status"], string("rejected"))]),
        .init("enriched 1 rather than true", .viewed, [.set(["enriched"], "1")]),
        .init("is_bot null", .viewed, [.set(["is_bot"], "null")]),
        .init("url a number", .viewed, [.set(["url"], "1")]),
        .init("properties an array", .viewed, [.set(["properties"], "[]")]),
        .init("extra null", .viewed, [.set(["extra"], "null")]),
        .init(
            "properties and extra with anything in them",
            .viewed,
            [
                .set(["properties"], #"{"a":[1,{"b":null}],"c":1e-999999}"#),
                .set(["extra"], #"{"type":"x","n":null}"#),
            ],
            .accepted
        ),
        // Type-specific members.
        .init("score on a viewed event", .viewed, [.set(["score"], "4")]),
        .init("a like without score", .liked, [.remove(["score"])]),
        .init("score 4.5", .liked, [.set(["score"], "4.5")]),
        .init("score written 4.0 (an integer to both validators)", .liked, [.set(["score"], "4.0")], .accepted),
        .init("score as text", .liked, [.set(["score"], string("4"))]),
        .init("target_user_id on a viewed event", .viewed, [.set(["target_user_id"], "null")]),
        .init("comment_text on a viewed event", .viewed, [.set(["comment_text"], "null")]),
        .init("a share without target_user_id", .sharedChild, [.remove(["target_user_id"])]),
        .init("target_user_id empty", .sharedChild, [.set(["target_user_id"], string(""))]),
        .init("an expanded share's event without its parent", .sharedChild, [.set(["parent_event_id"], "null")]),
        .init("a parent on a viewed event", .viewed, [.set(["parent_event_id"], string(hex))]),
        .init("items without total", .purchased, [.remove(["total"])]),
        .init("total without items", .purchased, [.remove(["items"])]),
        .init(
            "neither items nor total on a purchase",
            .purchased,
            [.remove(["items"]), .remove(["total"])],
            .accepted
        ),
        .init("items null with a total", .purchased, [.set(["items"], "null")], .accepted),
        .init("items and total on a viewed event", .viewed, [.set(["items"], "[]"), .set(["total"], "0")]),
        .init("an item's quantity 0", .purchased, [.set(["items", "0", "quantity"], "0")]),
        .init("an item's price below 0", .purchased, [.set(["items", "0", "price"], "-0.01")]),
        .init("an item's price as text", .purchased, [.set(["items", "0", "price"], string("9.5"))]),
        .init("an item with an unknown member", .purchased, [.set(["items", "0", "color"], string("red"))]),
        .init("an item without resource_id", .purchased, [.remove(["items", "0", "resource_id"])]),
        .init(
            "an item's currency of any kind",
            .purchased,
            [.set(["items", "0", "currency"], #"{"code":"EUR"}"#)],
            .accepted
        ),
        .init("total as text", .purchased, [.set(["total"], string("10"))]),
        .init("total null", .purchased, [.set(["total"], "null")]),
        // Enrichments.
        .init("latitude 91", .located, [.set(["geolocation", "latitude"], "91")]),
        .init("longitude -180.5", .located, [.set(["geolocation", "longitude"], "-180.5")]),
        .init("a location without city", .located, [.remove(["geolocation", "city"])]),
        .init(
            "a location with every part null",
            .located,
            [
                .set(
                    ["geolocation"],
                    #"{"country_code":null,"country":null,"region_code":null,"region":null,"city":null,"postal_code":null,"latitude":null,"longitude":null,"time_zone":null,"accuracy_radius_km":null}"#
                )
            ],
            .accepted
        ),
        .init("geolocation an empty object", .located, [.set(["geolocation"], "{}")]),
        .init("accuracy_radius_km 2.5", .located, [.set(["geolocation", "accuracy_radius_km"], "2.5")]),
        .init("browser_family empty", .located, [.set(["user_agent_parsed", "browser_family"], string(""))]),
        .init("user_agent_parsed with an unknown member", .located, [.set(["user_agent_parsed", "engine"], "null")]),
        .init("user_agent_parsed without device_model", .located, [.remove(["user_agent_parsed", "device_model"])]),
        // Lineage.
        .init("source.partition -1", .viewed, [.set(["source", "partition"], "-1")]),
        .init("source.offset 1.5", .viewed, [.set(["source", "offset"], "1.5")]),
        .init("source with a timestamp (only rejections have one)", .viewed, [.set(["source", "timestamp"], "null")]),
        .init("source.topic empty", .viewed, [.set(["source", "topic"], string(""))]),
        // Signals.
        .init("an explicit signal from a viewed event", .implicitSignal, [.set(["kind"], string("explicit"))]),
        .init("an implicit signal with a score", .implicitSignal, [.set(["score"], "3")]),
        .init("an implicit signal from a like", .explicitSignal, [.set(["kind"], string("implicit"))]),
        .init("kind neither explicit nor implicit", .implicitSignal, [.set(["kind"], string("other"))]),
        .init("value 1.5", .implicitSignal, [.set(["value"], "1.5")]),
        .init("value just below -1", .explicitSignal, [.set(["value"], "-1.0000001")]),
        .init("value -1.0", .explicitSignal, [.set(["value"], "-1.0")], .accepted),
        .init("signal_id without its s", .implicitSignal, [.set(["signal_id"], string(hex + ":0"))]),
        .init("a signal's event_id with a child suffix", .implicitSignal, [.set(["event_id"], string(hex + ":1"))]),
        .init("a signal without resource", .implicitSignal, [.set(["resource_id"], "null")]),
        .init("a signal without timestamp", .implicitSignal, [.remove(["timestamp"])]),
        .init("a signal with timestamp null", .implicitSignal, [.set(["timestamp"], "null")], .accepted),
        .init("a signal with an unknown member", .implicitSignal, [.set(["weight"], "0.1")]),
        // Rejections.
        .init("an unknown reason", .rejection, [.set(["reason"], string("bad_reason"))]),
        .init("payload and payload_base64 both", .rejection, [.set(["payload_base64"], string("AA=="))]),
        .init("no payload of any form", .rejection, [.remove(["payload"])]),
        .init("a tombstone's null payload", .rejection, [.set(["payload"], "null")], .accepted),
        .init("payload_base64 of a bad length", .base64Rejection, [.set(["payload_base64"], string("abc"))]),
        .init("payload_base64 with padding inside", .base64Rejection, [.set(["payload_base64"], string("a=bc"))]),
        .init("payload_base64 with three pads", .base64Rejection, [.set(["payload_base64"], string("a==="))]),
        .init("payload_base64 ab==", .base64Rejection, [.set(["payload_base64"], string("ab=="))], .accepted),
        .init("processor.name other than trackstream", .rejection, [.set(["processor", "name"], string("peer"))]),
        .init("source.timestamp as text", .rejection, [.set(["source", "timestamp"], string("0"))]),
        .init("source without timestamp", .rejection, [.remove(["source", "timestamp"])]),
        .init(
            "source.timestamp at the least Int64",
            .rejection,
            [.set(["source", "timestamp"], "-9223372036854775808")],
            .accepted
        ),
        .init("field empty", .rejection, [.set(["field"], string(""))]),
        .init("message empty", .rejection, [.set(["message"], string(""))]),
        .init("a rejection's event_id with a child suffix", .rejection, [.set(["event_id"], string(hex + ":1"))]),
        .init("headers_omitted with count 0", .strippedRejection, [.set(["headers_omitted", "count"], "0")]),
        .init(
            "timestamp_omitted with an unknown member",
            .strippedRejection,
            [.set(["timestamp_omitted", "at"], "0")]
        ),
        .init("payload_omitted and payload both", .strippedRejection, [.set(["payload"], string("x"))]),
        .init("key_omitted without bytes", .strippedRejection, [.remove(["key_omitted", "bytes"])]),
    ]
}

/// Real outputs of the domain, to validate and to break: lines of the golden fixtures, and the
/// forms the fixtures lack (enrichments, privacy, the rejections that leave parts out).
enum OutputSchemaSamples {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// Every output line of the golden fixtures, with its schema.
    static func fixtureOutputs() throws -> [(OutputSchema, [UInt8])] {
        var outputs: [(OutputSchema, [UInt8])] = []
        for name in ["contract", "mixed"] {
            for (suffix, schema) in [
                ("enriched", OutputSchema.enrichedEvent), ("signals", .signal), ("rejected", .rejection),
            ] {
                let data = try Data(contentsOf: fixtures.appendingPathComponent("\(name).\(suffix).jsonl"))
                outputs += data.split(separator: UInt8(ascii: "\n")).map { (schema, Array($0)) }
            }
        }
        return outputs
    }

    /// Outputs of the forms the fixtures do not hold.
    static func domainOutputs() -> [(OutputSchema, [UInt8])] {
        let source = SourceCoordinates(topic: "track.raw", partition: 3, offset: 42, timestamp: 1_772_359_200_000)
        var outputs: [(OutputSchema, [UInt8])] = []
        let enrichments = [
            Enrichments(userAgentParser: StandInParser(), geoLocator: StandInLocator()),
            Enrichments(
                userAgentParser: StandInParser(),
                geoLocator: StandInLocator(),
                privacy: PrivacySettings(
                    ipAnonymizeOctets: 2,
                    ipAnonymizeSegments: 3,
                    pseudonymized: [.email, .userID]
                ),
                pseudonymizer: StandInPseudonymizer()
            ),
        ]
        let events = [
            #"{"site_id":"acme","event_type":"viewed","bsin":"b-1","user_id":"u-1","email":"A@Example.com","ip":"81.2.69.160","user_agent":"Chrome/124.0 (X11; Linux)","url":"https://acme.example/a"}"#,
            #"{"site_id":"acme","event_type":"shared","bsin":"b-1","ip":"2a02:cf40::1","properties":{"resource_id":["r1","r2"],"target_user_id":["u2","u3"]}}"#,
            #"{"site_id":"acme","event_type":"liked","email":"x@y.example","ip":"not an address","properties":{"score":-1}}"#,
        ]
        for enrichment in enrichments {
            var processor = EventProcessor(configuration: .default, botDetector: .builtIn(), enrichments: enrichment)
            for event in events {
                let outcome = processor.process(value: Array(event.utf8), source: source)
                outputs +=
                    outcome.enriched.map { (.enrichedEvent, $0.value) } + outcome.signals.map { (.signal, $0.value) }
            }
        }
        var processor = EventProcessor(configuration: .default, botDetector: .builtIn())
        for value in [
            nil, [0x7B, 0xFF, 0x7D], Array(#"{"site_id":"acme","event_type":"viewed","bsin":"b","blob":"x"}"#.utf8),
        ] {
            if let rejection = processor.process(value: value, source: source).rejection {
                outputs.append((.rejection, rejection.value))
            }
        }
        outputs.append(
            (.rejection, processor.processingErrorRejection(value: nil, source: source, error: "boom").value)
        )
        outputs.append(
            (.rejection, processor.oversizedValueRejection(byteCount: 100_000_000, source: source, reason: "not read"))
        )
        outputs.append((.rejection, strippedRejection()))
        return outputs
    }

    /// A `missing_identity` rejection stripped of everything it can go without.
    static func strippedRejection() -> [UInt8] {
        var processor = EventProcessor(configuration: .default, botDetector: .builtIn())
        let source = SourceCoordinates(topic: "track.raw", partition: 0, offset: 7, timestamp: 1_772_359_200_000)
        let rejection = processor.process(value: Array(#"{"site_id":"s","event_type":"viewed"}"#.utf8), source: source)
        var value = rejection.rejection?.value ?? []
        let carried = CarriedFields(keyBytes: 1_100_000, headerCount: 2, headerBytes: 40)
        var omissions: RejectionOmissions = []
        while let next = omissions.next {
            value = RejectionEncoder.stripped(value, omitting: next, carried: carried, reason: "refused") ?? value
            omissions = next
        }
        return value
    }

    /// The domain's forms, then the fixtures' outputs, read once.
    static let outputs = Result { () throws -> [(OutputSchema, [UInt8])] in try domainOutputs() + fixtureOutputs() }

    /// The first output of `base`'s kind that fits it.
    static func sample(_ base: SchemaMutation.Base) throws -> JSONTree {
        func first(_ schema: OutputSchema, _ test: (JSONTree) -> Bool) throws -> JSONTree {
            for (kind, bytes) in try outputs.get() where kind == schema {
                let value = try JSONTree.parse(bytes).get()
                if test(value) { return value }
            }
            throw SampleMissing(base: base)
        }
        switch base {
        case .viewed: return try first(.enrichedEvent) { $0["event_type"] == .string("viewed") }
        case .liked: return try first(.enrichedEvent) { $0["score"] == .number("4") }
        case .sharedChild: return try first(.enrichedEvent) { $0["parent_event_id"]?.isString == true }
        case .purchased: return try first(.enrichedEvent) { $0["items"]?.isArray == true }
        case .located: return try first(.enrichedEvent) { $0["geolocation"]?.isObject == true }
        case .implicitSignal: return try first(.signal) { $0["kind"] == .string("implicit") }
        case .explicitSignal: return try first(.signal) { $0["score"]?.isNumber == true }
        case .rejection: return try first(.rejection) { $0["payload"]?.isString == true }
        case .base64Rejection: return try first(.rejection) { $0["payload_base64"] != nil }
        case .strippedRejection: return try first(.rejection) { $0["timestamp_omitted"] != nil }
        }
    }

    struct SampleMissing: Error, CustomStringConvertible {
        var base: SchemaMutation.Base
        var description: String { "no output of the fixtures or the domain fits the sample \(base.rawValue)" }
    }
}

/// Every location is the same full one.
private struct StandInLocator: GeoLocating {
    mutating func record(for address: IPAddress) -> GeoRecord? { GeoRecord(database: 1, offset: 0) }
    func location(of record: GeoRecord) -> Geolocation {
        Geolocation(
            countryCode: "GB",
            country: "United Kingdom",
            regionCode: "ENG",
            region: "England",
            city: "London",
            postalCode: "SW1A",
            latitude: 51.5142,
            longitude: -0.0931,
            timeZone: "Europe/London",
            accuracyRadiusKm: 20
        )
    }
}

private struct StandInParser: UserAgentParsing {
    func parse(_ userAgent: UnsafeBufferPointer<UInt8>) -> UserAgentDetails {
        UserAgentDetails(browserFamily: "Chrome", browserVersion: "124.0", osFamily: "Linux", deviceBrand: "Generic")
    }
}

/// 64 hex digits, as HMAC-SHA256 gives (not a keyed hash: the tests need only the form).
private struct StandInPseudonymizer: Pseudonymizing {
    func pseudonym(of value: UnsafeBufferPointer<UInt8>) -> String {
        let digits = value.map { String($0, radix: 16) }.joined()
        return String((digits + String(repeating: "0", count: 64)).prefix(64))
    }
}

/// The output schemas (docs/schemas/) against the code, their two validators against each other,
/// and the tests' validator's own rules.
@Suite("Output schemas")
struct OutputSchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test("each schema loads, and its $id carries Contract.schemaVersion", arguments: OutputSchema.allCases)
    func identity(_ schema: OutputSchema) throws {
        let loaded = try schema.schema.get()
        #expect(loaded.id == "urn:trackstream:schema:\(schema.rawValue):\(Contract.schemaVersion)")
        let document = try JSONTree.parse(Array(Data(contentsOf: schema.url))).get()
        #expect(document["title"]?.stringValue?.hasSuffix("contract version \(Contract.schemaVersion)") == true)
    }

    @Test("the rejection schema lists the code's reason codes, in order")
    func reasonCodes() throws {
        let document = try JSONTree.parse(Array(Data(contentsOf: OutputSchema.rejection.url))).get()
        let listed = document["properties"]?["reason"]?["enum"]
        #expect(listed == .array(RejectionReason.allCases.map { .string($0.rawValue) }))
    }

    @Test("the fixtures and the domain's other forms conform")
    func realOutputsConform() throws {
        for (schema, bytes) in try OutputSchemaSamples.outputs.get() {
            let violation = schema.violation(in: try JSONTree.parse(bytes).get())
            #expect(violation == nil, "\(schema): \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
    }

    @Test("an output that breaks a rule is refused; the edges pass", arguments: SchemaMutation.all)
    func mutation(_ mutation: SchemaMutation) throws {
        let instance = try mutation.instance()
        let violation = mutation.base.schema.violation(in: instance)
        if mutation.verdict == .accepted {
            #expect(violation == nil)
        } else {
            #expect(violation != nil, "accepted \(instance.jsonText.prefix(300))")
        }
    }

    /// One Python process checks the schemas against the meta-schema and validates every output and
    /// every mutation; its verdicts must be the tests' validator's.
    @Test(
        "Python's jsonschema (the reference) gives the same verdicts on the fixtures, the domain's forms and every mutation"
    )
    func referenceAgrees() throws {
        var entries: [(schema: OutputSchema, value: JSONTree, expected: SchemaMutation.Verdict, name: String)] =
            []
        for (schema, bytes) in try OutputSchemaSamples.outputs.get() {
            entries.append(
                (schema, try JSONTree.parse(bytes).get(), .accepted, String(decoding: bytes.prefix(80), as: UTF8.self))
            )
        }
        for mutation in SchemaMutation.all {
            entries.append((mutation.base.schema, try mutation.instance(), mutation.verdict, mutation.testDescription))
        }
        let corpus = FileManager.default.temporaryDirectory.appendingPathComponent(
            "schema-corpus-\(UUID().uuidString).jsonl"
        )
        defer { try? FileManager.default.removeItem(at: corpus) }
        let lines = entries.map { #"{"schema":"\#($0.schema.rawValue)","instance":\#($0.value.jsonText)}"# }
        try (lines.joined(separator: "\n") + "\n").write(to: corpus, atomically: true, encoding: .utf8)

        let verdicts = try Self.runReference(["--corpus", corpus.path])
        try #require(
            verdicts.count == entries.count,
            "the reference printed \(verdicts.count) verdicts for \(entries.count)"
        )
        for (entry, verdict) in zip(entries, verdicts) {
            let pythonAccepts = verdict == "valid"
            let swiftAccepts = entry.schema.violation(in: entry.value) == nil
            switch entry.expected {
            case .accepted:
                #expect(pythonAccepts && swiftAccepts, "\(entry.name): Python says \(verdict)")
            case .refused:
                #expect(!pythonAccepts && !swiftAccepts, "\(entry.name): Python says \(verdict)")
            case .refusedHereOnly:
                #expect(
                    pythonAccepts && !swiftAccepts,
                    "\(entry.name): a known difference no longer holds: Python says \(verdict)"
                )
            }
        }
    }

    /// Runs scripts/schema-check with the project's virtualenv; its lines of output.
    static func runReference(_ arguments: [String]) throws -> [String] {
        let python =
            ProcessInfo.processInfo.environment["TRACKSTREAM_PYTHON"]
            ?? root.appendingPathComponent(".deps/venv/bin/python3").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [root.appendingPathComponent("scripts/schema-check").path] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complaints = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(
            process.terminationStatus == 0,
            "scripts/schema-check failed (run scripts/deps): \(String(decoding: complaints, as: UTF8.self))"
        )
        return String(decoding: printed, as: UTF8.self).split(separator: "\n").map {
            String($0.split(separator: "\t")[0])
        }
    }

    @Test(
        "patterns: searched, anchored only by ^ and $, counted in Unicode scalars",
        arguments: [
            ("b", "abc", true), ("^b", "abc", false), ("c$", "abc", true), ("^$", "", true), ("^a$", "a\n", false),
            ("^[0-9a-f]{32}(:(0|[1-9][0-9]*))?$", SchemaMutation.hex + ":10", true),
            ("^[0-9a-f]{32}(:(0|[1-9][0-9]*))?$", SchemaMutation.hex + ":01", false),
            ("^[a-z0-9][a-z0-9_.:-]{0,3}$", "a.:-", true), ("^[a-z0-9][a-z0-9_.:-]{0,3}$", "a.:-_", false),
            ("^[^a]{2}$", "😀é", true), ("^[^a]{2}$", "😀a", false), ("^(ab|a)c$", "ac", true),
            ("^(a*)*b$", "aaaa", false),
            ("^x\\.y\\$$", "x.y$", true), ("^[é-ë]+$", "éêë", true), ("^[é-ë]+$", "e", false), ("^a{2,}$", "a", false),
        ]
    )
    func patterns(_ pattern: String, _ text: String, _ matches: Bool) throws {
        #expect(try SchemaPattern(pattern).matches(text) == matches)
    }

    @Test("a megabyte of Base64 is matched without recursion and quickly")
    func longPayload() throws {
        let pattern = try SchemaPattern("^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")
        let text = String(repeating: "QUJD", count: 250_000)
        #expect(pattern.matches(text + "RA=="))
        #expect(!pattern.matches(text + "RA="))
    }

    @Test(
        "pattern syntax the two validators read differently is refused",
        arguments: [
            ".", "\\d", "\\w", "\\s", "\\b", "(?:a)", "(?=a)", "a*?", "a++", "[a\\]]", "[[:alpha:]]", "{", "a{2,1}",
            "a{,2}", "[]", "[^]", "(a", "a)", "\\-", "^*",
        ]
    )
    func refusedPattern(_ pattern: String) {
        #expect(throws: SchemaPattern.SyntaxError.self) { try SchemaPattern(pattern) }
    }

    @Test(
        "a schema that asks for what the validator does not implement is refused",
        arguments: [
            #"{"minItems":1}"#, #"{"format":"email"}"#, #"{"$ref":"other.json#/a"}"#,
            ##"{"$ref":"#/$defs/a","$defs":{"a":{"$ref":"#/$defs/a"}}}"##,
            ##"{"$ref":"#/$defs/none"}"##, #"{"properties":{"a":{"$id":"x"}}}"#, #"{"then":{}}"#, #"{"type":"float"}"#,
            #"{"pattern":"\\d"}"#, #"{"patternProperties":{}}"#, #"{"unevaluatedProperties":false}"#,
        ]
    )
    func refusedSchema(_ keywords: String) throws {
        let text = #"{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"urn:x","# + keywords.dropFirst()
        #expect(throws: JSONSchema.LoadError.self) { try JSONSchema(bytes: Array(text.utf8)) }
    }
}

extension JSONTree {
    /// The member `key` of an object, else nil.
    subscript(key: String) -> JSONTree? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    var stringValue: String? {
        if case .string(let text) = self { text } else { nil }
    }

    var isString: Bool { stringValue != nil }

    var isNumber: Bool {
        if case .number = self { true } else { false }
    }

    var isArray: Bool {
        if case .array = self { true } else { false }
    }

    var isObject: Bool {
        if case .object = self { true } else { false }
    }

    /// The value with the member or element at `path` set to `value`, or removed when it is nil;
    /// a member that does not exist is added last.
    func setting(_ path: [String], to value: JSONTree?) throws -> JSONTree {
        guard let head = path.first else { return value ?? .null }
        let rest = Array(path.dropFirst())
        switch self {
        case .object(var members):
            if let index = members.firstIndex(where: { $0.key == head }) {
                if rest.isEmpty, value == nil {
                    members.remove(at: index)
                } else {
                    members[index].value = try members[index].value.setting(rest, to: value)
                }
            } else if rest.isEmpty, let value {
                members.append(JSONTree.Member(key: head, value: value))
            } else {
                throw PathMissing(path: path)
            }
            return .object(members)
        case .array(var elements):
            guard let index = Int(head), elements.indices.contains(index) else { throw PathMissing(path: path) }
            if rest.isEmpty, value == nil {
                elements.remove(at: index)
            } else {
                elements[index] = try elements[index].setting(rest, to: value)
            }
            return .array(elements)
        default:
            throw PathMissing(path: path)
        }
    }

    struct PathMissing: Error, CustomStringConvertible {
        var path: [String]
        var description: String { "nothing at \(path.joined(separator: "/")) to edit" }
    }

    /// Compact JSON text (numbers as they were written).
    var jsonText: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let text): return text
        case .string(let text):
            var escaped = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": escaped += "\\\""
                case "\\": escaped += "\\\\"
                case "\n": escaped += "\\n"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    escaped += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: escaped.unicodeScalars.append(scalar)
                }
            }
            return escaped + "\""
        case .array(let elements): return "[" + elements.map(\.jsonText).joined(separator: ",") + "]"
        case .object(let members):
            return "{"
                + members.map { JSONTree.string($0.key).jsonText + ":" + $0.value.jsonText }.joined(separator: ",")
                + "}"
        }
    }
}
