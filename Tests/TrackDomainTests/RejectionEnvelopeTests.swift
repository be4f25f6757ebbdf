import Foundation
import Testing
import TrackDomain

/// Reading rejections back (`redrive`): the envelope gives back the original record exactly.
@Suite("Rejections read back")
struct RejectionEnvelopeTests {
    @Test(
        "every golden rejection gives back its input line byte for byte, and its coordinates",
        arguments: ["contract", "mixed"]
    )
    func goldenRejections(_ name: String) throws {
        let input = try Data(contentsOf: GoldenFixtureTests.fixtures.appendingPathComponent("\(name).jsonl"))
        var lines = input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        if lines.last?.isEmpty == true { lines.removeLast() }
        let rejected = try Data(
            contentsOf: GoldenFixtureTests.fixtures.appendingPathComponent("\(name).rejected.jsonl")
        )
        .split(separator: UInt8(ascii: "\n")).map(Array.init)
        #expect(!rejected.isEmpty)
        var base64 = 0
        for value in rejected {
            let envelope = try RejectionEnvelope.parse(value)
            #expect(envelope.source.topic == "\(name).jsonl")
            #expect(RejectionReason(rawValue: envelope.reason) != nil)
            guard case .value(let payload) = envelope.payload else {
                Issue.record("no payload in \(String(decoding: value, as: UTF8.self))")
                continue
            }
            #expect(payload == lines[Int(envelope.source.offset)])
            if String(decoding: value, as: UTF8.self).contains("\"payload_base64\"") { base64 += 1 }
        }
        if name == "contract" { #expect(base64 > 0, "the fixtures include a value that is not UTF-8") }
    }

    @Test("a rejection of a tombstone, an omitted payload, and values that are not rejections")
    func shapes() throws {
        let source = #""source":{"topic":"t","partition":3,"offset":9,"timestamp":1700000000000}"#
        let tombstone = try RejectionEnvelope.parse(Array(#"{"reason":"invalid_json",\#(source),"payload":null}"#.utf8))
        #expect(tombstone.payload == .tombstone)
        #expect(
            tombstone.source == SourceCoordinates(topic: "t", partition: 3, offset: 9, timestamp: 1_700_000_000_000)
        )
        let omitted = try RejectionEnvelope.parse(
            Array(#"{"reason":"too_large",\#(source),"payload_omitted":{"bytes":70000,"reason":"x"}}"#.utf8)
        )
        #expect(omitted.payload == .omitted(bytes: 70_000))
        for bad in [
            "[]", "{}", #"{"reason":"x"}"#, #"{"reason":"x","source":{"topic":"t","partition":3}}"#,
            #"{"reason":"x","source":{"topic":"t","partition":99999999999,"offset":1,"timestamp":null},"payload":"a"}"#,
            #"{"reason":"x",\#(source)}"#, #"{"reason":"x",\#(source),"payload_base64":"%%%%"}"#,
            #"{"reason":"x",\#(source),"payload":1}"#, "not json",
        ] {
            #expect(throws: RejectionEnvelopeError.self, "\(bad)") { try RejectionEnvelope.parse(Array(bad.utf8)) }
        }
    }

    @Test("Base64 decodes what it encodes, and only canonical padded Base64")
    func base64() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        for bad in ["A", "AB", "ABC", "A===", "AB=A", "=AAA", "AB==AAAA", "AB\nC", "ABC-", "QR==", "QUJ="] {
            #expect(Base64.decode(bad) == nil, "\(bad)")
        }
        #expect(Base64.decode("QQ==") == [0x41])
        #expect(Base64.decode("QUI=") == [0x41, 0x42])
    }
}
