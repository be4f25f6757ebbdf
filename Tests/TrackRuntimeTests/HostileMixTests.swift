import Foundation
import Kafka
import Testing
import TrackDomain

/// A hostile producer's records mixed into generated traffic, through the real service on the real
/// broker: the run must end by itself (exit 0), account for every input, and write only strict JSON
/// (``readAll`` checks every output).
@Suite("A hostile mix on the real broker", .serialized)
struct HostileMixTests {
    /// One hostile record: what it tries, and the record.
    struct Hostile {
        var name: String
        var message: ProducerMessage
    }

    static func event(_ fields: String, type: String = "viewed") -> String {
        #"{"site_id":"s","event_type":"\#(type)","bsin":"b","url":"https://a.example/x"\#(fields.isEmpty ? "" : ",")\#(fields)}"#
    }

    /// The hostile records, for `topic`.
    static func records(topic: String) -> [Hostile] {
        var values: [(String, [UInt8]?)] = []
        func add(_ name: String, _ text: String) { values.append((name, Array(text.utf8))) }
        let fillers = (0..<17).map { "\"a\($0)\":0" }.joined(separator: ",")
        add(
            "site_id twice after 17 members",
            "{\(fillers),\"event_type\":\"viewed\",\"bsin\":\"u\",\"site_id\":\"A\",\"site_id\":\"B\"}"
        )
        add("a property twice after 17 members", event(#""properties":{\#(fillers),"q":1,"q":2}"#))
        add(
            "an infinite total",
            event(#""properties":{"items":[{"sku":"a","price":1e308,"quantity":10}]}"#, type: "purchased")
        )
        add(
            "a score scale one apart near 2^62",
            event(
                #""properties":{"resource_id":"r","score":4611686018427387904,"score_min":4611686018427387904,"score_max":4611686018427387905}"#,
                type: "liked"
            )
        )
        add(
            "a number past any double",
            event(#""properties":{"n":1e999999999,"m":-0,"big":123456789012345678901234567890}"#)
        )
        add("a timestamp of 1e300", event(#""timestamp":1e300"#))
        add("a timestamp of -1e300", event(#""timestamp":-1e300"#))
        add(
            "the last millisecond of year 9999",
            event(#""timestamp":"9999-12-31T23:59:59.999Z","sent_at":0,"received_at":1"#)
        )
        add(
            "a skew correction out of range",
            event(#""timestamp":"0001-01-01T00:00:00Z","sent_at":"9999-01-01T00:00:00Z","received_at":1"#)
        )
        add("a 60 KB url", event(#""href":"https://a.example/\#(String(repeating: "x", count: 60_000))""#))
        add("a 70 KB value", event(#""blob":"\#(String(repeating: "y", count: 70_000))""#))
        add(
            "3,000 items",
            event(
                #""properties":{"items":[\#((0..<3000).map { _ in #"{"id":"1","price":1}"# }.joined(separator: ","))]}"#,
                type: "purchased"
            )
        )
        add(
            "2,500 distinct items",
            event(
                #""properties":{"items":[\#((0..<2500).map { #"{"id":"\#($0)","price":1}"# }.joined(separator: ","))]}"#,
                type: "purchased"
            )
        )
        add(
            "a share to 500 targets",
            event(
                #""properties":{"target_user_id":[\#((0..<500).map { "\"t\($0)\"" }.joined(separator: ","))]}"#,
                type: "shared"
            )
        )
        add(
            "a share to 100 targets with a 12 KB bsin",
            #"{"site_id":"s","event_type":"shared","bsin":"\#(String(repeating: "b", count: 12_000))","properties":{"target_user_id":[\#((0..<100).map { "\"t\($0)\"" }.joined(separator: ","))]}}"#
        )
        add(
            "1,000 items with an 8 KB bsin",
            #"{"site_id":"s","event_type":"purchased","bsin":"\#(String(repeating: "c", count: 8_000))","properties":{"items":[\#((0..<1000).map { #"{"id":"\#($0)","price":1}"# }.joined(separator: ","))]}}"#
        )
        add(
            "300 nested arrays",
            event(
                #""properties":{"deep":\#(String(repeating: "[", count: 300))\#(String(repeating: "]", count: 300))}"#
            )
        )
        add(
            "200 nested objects",
            event(#""properties":\#(String(repeating: #"{"a":"#, count: 200))1\#(String(repeating: "}", count: 200))"#)
        )
        add("a lone high surrogate", event(#""properties":{"s":"\ud800"}"#))
        add("a lone low surrogate", event(#""properties":{"s":"x\udc00"}"#))
        add("an escaped NUL", event(#""properties":{"s":"a\u0000b"}"#))
        add("a raw NUL in a string", event("\"properties\":{\"s\":\"a\u{0}b\"}"))
        add("site_id a number", #"{"site_id":5,"event_type":"viewed","bsin":"b"}"#)
        add("properties an array", event(#""properties":[1,2]"#))
        add("items an object", event(#""properties":{"items":{"a":1}}"#, type: "purchased"))
        add("a user agent of 50 KB", event(#""user_agent":"bot/1 \#(String(repeating: "z", count: 50_000))""#))
        add("not JSON", "this is not json")
        add("an array", "[1,2,3]")
        add("an empty value", "")
        values.append(
            (
                "invalid UTF-8",
                Array(#"{"site_id":""#.utf8) + [0xC3, 0x28, 0xFF] + Array(#"","event_type":"viewed"}"#.utf8)
            )
        )
        values.append(("a tombstone", nil))
        let full = event(#""message_id":"m-1","properties":{"resource_id":"r1","title":"t"}"#)
        for cut in stride(from: 1, to: full.utf8.count, by: 17) {
            values.append(("truncated at \(cut)", Array(full.utf8.prefix(cut))))
        }

        var records = values.map {
            Hostile(name: $0.0, message: ProducerMessage(topic: topic, key: Array("k-\($0.0)".utf8), value: $0.1))
        }
        let hugeKey = [UInt8](repeating: UInt8(ascii: "k"), count: 1_100_000)
        records.append(
            Hostile(
                name: "a tombstone with a 1.1 MB key",
                message: ProducerMessage(topic: topic, key: hugeKey, value: nil)
            )
        )
        records.append(
            Hostile(
                name: "a bad value with a 1.1 MB key",
                message: ProducerMessage(topic: topic, key: hugeKey, value: Array("nope".utf8))
            )
        )
        records.append(
            Hostile(
                name: "a good value with a 1.1 MB key",
                message: ProducerMessage(topic: topic, key: hugeKey, value: Array(event("").utf8))
            )
        )
        records.append(
            Hostile(
                name: "a bad value with 900 headers of 1 KB",
                message: ProducerMessage(
                    topic: topic,
                    key: Array("h".utf8),
                    value: Array("{".utf8),
                    headers: (0..<900).map { KafkaHeader(name: "h\($0)", value: [UInt8](repeating: 7, count: 1024)) }
                )
            )
        )
        records += headerRecords(topic: topic)
        for timestamp in [Int64.min + 5, Int64.max - 5, -1, 1] {
            for value in [event(""), "{bad"] {
                records.append(
                    Hostile(
                        name: "CreateTime \(timestamp)",
                        message: ProducerMessage(
                            topic: topic,
                            key: Array("t".utf8),
                            value: Array(value.utf8),
                            timestamp: timestamp
                        )
                    )
                )
            }
        }
        return records
    }

    static let traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    /// Good events with headers, each told apart by its `message_id` (`h-...`): what their outputs
    /// must carry is checked by ``expectHeaders(inputs:outputs:)``.
    static func headerRecords(topic: String) -> [Hostile] {
        func record(_ name: String, _ messageID: String, _ headers: [KafkaHeader]) -> Hostile {
            Hostile(
                name: name,
                message: ProducerMessage(
                    topic: topic,
                    key: Array("k-\(messageID)".utf8),
                    value: Array(event(#""message_id":"\#(messageID)""#).utf8),
                    headers: headers
                )
            )
        }
        func header(_ name: String, _ value: String) -> KafkaHeader {
            KafkaHeader(name: name, value: Array(value.utf8))
        }
        return [
            record(
                "headers and a traceparent",
                "h-traced",
                [
                    header("x-request-id", "r-1"), header("traceparent", traceParent),
                    header("tracestate", "congo=t61rcWkgMzE"), header("__TypeId__", "com.example.Raw"),
                    header("trackstream-version", "9.9.9"),
                ]
            ),
            record(
                "an upper-case traceparent",
                "h-upper",
                [
                    header("traceparent", traceParent.uppercased()), header("tracestate", "a=b"),
                    header("x-request-id", "r-2"),
                ]
            ),
            record(
                "a 900 KB header beside a small one",
                "h-huge",
                [header("x-huge", String(repeating: "h", count: 900_000)), header("x-request-id", "r-3")]
            ),
        ]
    }

    /// The headers of the outputs of ``headerRecords(topic:)``, and the version headers on every output.
    static func expectHeaders(inputs: [StoredRecord], outputs: [StoredRecord], rejected: [StoredRecord], topic: String)
    {
        func text(_ header: KafkaHeader) -> String { String(decoding: header.value ?? [], as: UTF8.self) }
        let withoutVersions = (outputs + rejected).filter { output in
            let ours = output.headers.filter { $0.name == "trackstream-version" || $0.name == "trackstream-schema" }
            return ours.map(text) != [trackstreamVersion, Contract.schemaVersion]
        }
        #expect(withoutVersions.count == 0, "version headers on every output: \(withoutVersions.first?.headers ?? [])")
        func find(_ messageID: String) -> (input: StoredRecord?, outputs: [StoredRecord]) {
            let input = inputs.first { String(decoding: $0.value ?? [], as: UTF8.self).contains(#""\#(messageID)""#) }
            let eventID = EventID(messageID: messageID).base
            let found = outputs.filter { String(decoding: $0.value ?? [], as: UTF8.self).contains(eventID) }
            return (input, found)
        }
        let traced = find("h-traced")
        #expect(traced.outputs.count == 2, "an enriched event and a signal")
        if let input = traced.input {
            let child = TraceParent(Array(traceParent.utf8))?.child(
                of: SourceCoordinates(topic: topic, partition: input.partition, offset: input.offset)
            )
            for output in traced.outputs {
                #expect(
                    output.headers.map(\.name) == [
                        "traceparent", "tracestate", "x-request-id", "trackstream-version", "trackstream-schema",
                    ]
                )
                #expect(output.headers.map(text).prefix(3) == [child?.description ?? "?", "congo=t61rcWkgMzE", "r-1"])
            }
        }
        for output in find("h-upper").outputs {
            #expect(output.headers.map(\.name) == ["x-request-id", "trackstream-version", "trackstream-schema"])
        }
        let huge = find("h-huge")
        #expect(huge.outputs.count == 2)
        for output in huge.outputs {
            #expect(
                output.headers.map(\.name) == [
                    "x-request-id", "trackstream-version", "trackstream-schema", "trackstream-omitted",
                ]
            )
            #expect(output.headers.last.map(text) == "headers")
        }
    }

    @Test("generated traffic plus hostile records: exit 0, every input accounted for, every output strict JSON")
    func hostileMix() async throws {
        let pipeline = try await TestPipeline.make(broker: .shared)
        try pipeline.generate(count: 5_000)
        let hostile = Self.records(topic: pipeline.input)
        let producer = try KafkaProducer(
            configuration: ["bootstrap.servers": pipeline.broker.bootstrap, "message.max.bytes": "3000000"]
        )
        let report = try await producer.send(hostile.map(\.message))
        await producer.close()
        #expect(report.failures.map { "\(hostile[$0.index].name): \($0.error)" } == [])
        try pipeline.generate(count: 5_000, seed: 2)

        let service = try pipeline.startService(["--until-caught-up"])
        defer { service.signal(SIGKILL) }
        let status = await service.waitForExit(timeout: .seconds(180))
        #expect(status == 0, "\(service.log.suffix(2000))")

        let inputs = try await readAll(pipeline.input, partitions: 4, broker: pipeline.broker, strict: false)
        let enriched = try await readAll(pipeline.enriched, partitions: 4, broker: pipeline.broker)
        let signals = try await readAll(pipeline.signals, partitions: 4, broker: pipeline.broker)
        let rejected = try await readAll(pipeline.rejected, partitions: 4, broker: pipeline.broker)
        #expect(inputs.count == 10_000 + hostile.count)
        let missing = Accounting(enriched: enriched, rejected: rejected).missing(from: inputs)
        let missingValues = inputs.filter { missing.contains("\($0.partition)/\($0.offset)") }.map {
            String(decoding: ($0.value ?? []).prefix(200), as: UTF8.self)
        }
        #expect(missing.prefix(10) == [], "every input is accounted for: \(missingValues.prefix(3))")
        Self.expectHeaders(inputs: inputs, outputs: enriched + signals, rejected: rejected, topic: pipeline.input)
        print("hostile mix: \(Self.summary(inputs: inputs, enriched: enriched, signals: signals, rejected: rejected))")
    }

    /// Rejections by reason and the largest ratio of output bytes to input bytes.
    static func summary(
        inputs: [StoredRecord],
        enriched: [StoredRecord],
        signals: [StoredRecord],
        rejected: [StoredRecord]
    ) -> String {
        var reasons: [String: Int] = [:]
        for record in rejected {
            let object = (try? JSONSerialization.jsonObject(with: Data(record.value ?? []))) as? [String: Any]
            reasons[object?["reason"] as? String ?? "?", default: 0] += 1
        }
        var inputBytes: [String: Int] = [:]
        for input in inputs {
            inputBytes["\(input.partition)/\(input.offset)"] = (input.value?.count ?? 0) + (input.key?.count ?? 0)
        }
        var outputBytes: [String: Int] = [:]
        var sourceOfEvent: [String: String] = [:]
        for record in enriched {
            guard let value = record.value, let source = sourceOf(value),
                let object = (try? JSONSerialization.jsonObject(with: Data(value))) as? [String: Any]
            else { continue }
            let input = "\(source.partition)/\(source.offset)"
            outputBytes[input, default: 0] += value.count + (record.key?.count ?? 0)
            if let id = object["event_id"] as? String { sourceOfEvent[String(id.prefix(32))] = input }
        }
        for record in signals {
            guard let value = record.value,
                let object = (try? JSONSerialization.jsonObject(with: Data(value))) as? [String: Any],
                let id = object["event_id"] as? String, let input = sourceOfEvent[String(id.prefix(32))]
            else { continue }
            outputBytes[input, default: 0] += value.count + (record.key?.count ?? 0)
        }
        let largest = outputBytes.map {
            (input: $0.key, bytes: $0.value, ratio: Double($0.value) / Double(max(1, inputBytes[$0.key] ?? 1)))
        }
        .max { $0.ratio < $1.ratio }
        let reasonList = reasons.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return
            "\(inputs.count) inputs, \(enriched.count) enriched, \(signals.count) signals, \(rejected.count) rejected (\(reasonList)); "
            + "largest output/input ratio \(String(format: "%.1f", largest?.ratio ?? 0)) (\(largest?.bytes ?? 0) bytes of outputs), "
            + "largest outputs of one input \(outputBytes.values.max() ?? 0) bytes"
    }
}
