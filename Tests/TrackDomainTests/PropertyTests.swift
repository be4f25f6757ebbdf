import Foundation
import PropertyBased
import StrictOutputs
import Testing
import TrackDomain

/// Properties that must hold for any input: no crash, the output guarantee of contract §5,
/// unique ids, and byte-identical re-runs.
@Suite("Properties (contract §5)")
struct PropertyTests {
    static let processor = TestSupport.processor(GoldenFixtureTests.configuration)

    static let fixtureLines: [[UInt8]] = {
        let url = GoldenFixtureTests.fixtures.appendingPathComponent("mixed.jsonl")
        let data = (try? Data(contentsOf: url)) ?? Data()
        return data.split(separator: UInt8(ascii: "\n")).prefix(400).map(Array.init)
    }()

    /// Checks §5 for one value and returns every id it produced.
    @discardableResult
    static func checkGuarantees(_ value: [UInt8], offset: Int64 = 7) -> [String] {
        let source = SourceCoordinates(topic: "prop", partition: 1, offset: offset)
        var processor = Self.processor
        let outcome = processor.processStrictly(value: value, source: source)
        if outcome.rejection != nil {
            #expect(outcome.enriched.isEmpty && outcome.signals.isEmpty)
            #expect(outcome.rejectionReason != nil)
        } else {
            #expect(outcome.enriched.count >= 1)
        }
        var ids: [String] = []
        for record in outcome.enriched {
            ids.append(TestSupport.object(record).string("event_id") ?? "")
        }
        for record in outcome.signals {
            let signal = TestSupport.object(record)
            ids.append(signal.string("signal_id") ?? "")
            let preference = signal.at("value")?.numberValue?.doubleValue ?? .nan
            #expect((-1.0...1.0).contains(preference))
        }
        if let rejection = outcome.rejection {
            ids.append(TestSupport.object(rejection).string("event_id") ?? "")
        }
        #expect(!ids.contains(""), "every output is a JSON object with an id")
        #expect(Set(ids).count == ids.count, "ids are unique")
        let rerun = processor.processStrictly(value: value, source: source)
        #expect(rerun.enriched == outcome.enriched && rerun.signals == outcome.signals)
        #expect(rerun.rejection == outcome.rejection)
        return ids
    }

    @Test("random bytes never crash and always give an outcome")
    func randomBytes() async {
        await propertyCheck(count: 500, input: Gen<UInt8>.value(in: 0...255).array(of: 0...400)) { bytes in
            Self.checkGuarantees(bytes)
        }
    }

    @Test("random ASCII never crashes")
    func randomASCII() async {
        await propertyCheck(count: 500, input: Gen<UInt8>.value(in: 0...127).array(of: 0...200)) { bytes in
            Self.checkGuarantees([UInt8(ascii: "{")] + bytes)
        }
    }

    @Test("mutated realistic events never crash and keep the guarantees")
    func mutatedEvents() async {
        let lines = Self.fixtureLines
        try? #require(!lines.isEmpty)
        await propertyCheck(
            count: 1_000,
            input: Gen.int(in: 0...(lines.count - 1)),
            Gen.int(in: 0...Int(Int32.max)).array(of: 1...6)
        ) { index, mutations in
            var bytes = lines[index]
            for seed in mutations { Self.mutate(&bytes, seed: seed) }
            Self.checkGuarantees(bytes)
        }
    }

    /// Deletes, inserts, replaces or duplicates bytes at a position chosen by `seed`.
    static func mutate(_ bytes: inout [UInt8], seed: Int) {
        guard !bytes.isEmpty else {
            bytes.append(UInt8(truncatingIfNeeded: seed))
            return
        }
        let position = (seed >> 3) % bytes.count
        let interesting: [UInt8] = Array("{}[]\",:\\0-.e nul".utf8) + [0x00, 0x7F, 0x80, 0xC3, 0xED, 0xFF]
        let byte = interesting[(seed >> 11) % interesting.count]
        switch seed % 5 {
        case 0: bytes.remove(at: position)
        case 1: bytes.insert(byte, at: position)
        case 2: bytes[position] = byte
        case 3: bytes.removeSubrange(position...)
        default: bytes.insert(contentsOf: bytes[position..<min(bytes.count, position + 16)], at: position)
        }
    }

    @Test("generated events: unique ids across offsets, signals in range, reruns identical")
    func generatedEvents() async {
        let events = Gen.int(in: 0...Int(Int32.max)).array(of: 1...20).map { seeds in
            seeds.map(Self.syntheticEvent)
        }
        await propertyCheck(count: 200, input: events) { batch in
            var ids: [String] = []
            for (offset, json) in batch.enumerated() {
                ids += Self.checkGuarantees(Array(json.utf8), offset: Int64(offset))
            }
            #expect(Set(ids).count == ids.count, "ids are unique across the batch")
        }
    }

    /// A plausible event assembled from parts chosen by `seed` (valid or not).
    static func syntheticEvent(_ seed: Int) -> String {
        var random = SplitMix(seed: UInt64(seed))
        func pick<T>(_ options: [T]) -> T { options[Int(random.next() % UInt64(options.count))] }
        let type = pick(["viewed", "liked", "shared", "commented", "purchased", "updated_cart", "x:y", "Liked", ""])
        let identity = pick([
            #""bsin":"b1""#, #""user_id":"u1""#, #""email":"A:::at:::B.c""#, #""bsin":"""#, #""bsin":null"#,
        ])
        let targets = (0..<Int(random.next() % 5)).map { _ in "\"t\(random.next() % 3)\"" }.joined(separator: ",")
        let properties = pick([
            "{}",
            #"{"score":\#(Int(random.next() % 16) - 3)}"#,
            #"{"score":\#(Double(random.next() % 100) / 10)}"#,
            #"{"resource_id":["r\#(random.next() % 3)","r\#(random.next() % 3)"],"target_user_id":[\#(targets)]}"#,
            #"{"target_user_id":"t"}"#,
            #"{"items":[{"sku":"a","price":"\#(random.next() % 50).5","quantity":\#(random.next() % 3)},{"id":"b","price":1}]}"#,
            #"{"comment_text":"hi","score_min":\#(random.next() % 4),"score_max":\#(random.next() % 8)}"#,
            #"{"href":"reserved"}"#,
        ])
        let time = pick([
            #""timestamp":1772359190,"sent_at":1772359191000"#, #""timestamp":"2026-03-01T10:00:00+01:00""#,
            #""timestamp":-1e30"#, "\"x\":0",
        ])
        return
            #"{"site_id":"s","event_type":"\#(type)",\#(identity),"properties":\#(properties),\#(time),"url":"https://X.example/p?utm_a=1"}"#
    }

    @Test("emails are normalized as trim, lowercase and :::at::: → @ in that order, escaped or not")
    func emailNormalization() async {
        let fragments = [
            " ", "\t", "\n", "\u{1C}", "\u{A0}", "A", "b", "Z", ".", ":", ":::at:::", ":::AT:::", "::", "@", "é", "É",
        ]
        let emails = Gen.int(in: 0..<fragments.count).array(of: 0...8).map { $0.map { fragments[$0] }.joined() }
        await propertyCheck(count: 600, input: emails) { email in
            var writer = JSONWriter()
            writer.string(email)
            let json = TestSupport.event(#""email":\#(String(decoding: writer.bytes, as: UTF8.self))"#)
            let outcome = TestSupport.run(json)
            let expected = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
                .replacingOccurrences(of: ":::at:::", with: "@")
            let atSigns = expected.filter { $0 == "@" }.count
            if expected.isEmpty {
                #expect(TestSupport.object(outcome.enriched.first).at("identity.email") == .null, "\(json)")
            } else if atSigns != 1 || expected.hasPrefix("@") || expected.hasSuffix("@") {
                #expect(outcome.rejectionReason == .invalidField, "\(json)")
            } else {
                #expect(TestSupport.object(outcome.enriched.first).string("identity.email") == expected, "\(json)")
            }
        }
    }

    @Test("strings survive a write and parse round trip")
    func stringRoundTrip() async {
        let scalars = Gen.int(in: 0...(0x10FFFF - 0x800)).map { value in
            Unicode.Scalar(UInt32(value < 0xD800 ? value : value + 0x800)) ?? "?"
        }.array(of: 0...40)
        await propertyCheck(count: 500, input: scalars) { scalars in
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            var writer = JSONWriter()
            writer.string(text)
            #expect((try? JSONParser.parse(writer.bytes)) == .string(text))
        }
    }

    @Test("numbers within a double's range pass through verbatim; past it, the value is invalid_json")
    func hugeNumbers() {
        let large = "1" + String(repeating: "0", count: 300)
        let accepted = TestSupport.run(TestSupport.event(#""properties":{"n":\#(large),"e":1e308,"t":1e-999999}"#))
        #expect(TestSupport.object(accepted.enriched.first).number("properties.n") == large)
        #expect(TestSupport.object(accepted.enriched.first).number("properties.e") == "1e308")
        #expect(TestSupport.object(accepted.enriched.first).number("properties.t") == "1e-999999")
        for huge in ["1" + String(repeating: "0", count: 400), "1e999999999", "-1.8e308"] {
            let rejected = TestSupport.run(TestSupport.event(#""properties":{"n":\#(huge)}"#))
            #expect(rejected.rejectionReason == .invalidJSON, "\(huge)")
        }
        let largeTime = TestSupport.run(TestSupport.event(#""timestamp":\#(large)"#))
        #expect(largeTime.rejectionReason == .invalidField)
    }
}

/// A tiny deterministic generator so synthetic events depend only on their seed.
struct SplitMix {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
