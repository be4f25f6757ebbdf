import StrictOutputs
import Testing
import TrackDomain

/// What one input may cost downstream, and rejections that must fit a record (docs/domain.md,
/// "Limits" and "Rejections that do not fit").
@Suite("Output limits and rejections that do not fit")
struct OutputLimitTests {
    /// A `missing_identity` event with a payload of about `blobBytes`.
    private static func rejectedEvent(blobBytes: Int) -> [UInt8] {
        Array(#"{"site_id":"s","event_type":"viewed","blob":"\#(String(repeating: "x", count: blobBytes))"}"#.utf8)
    }

    private static func process(
        _ value: [UInt8],
        maxRecordBytes: Int,
        carrying carried: CarriedFields
    ) -> (outcome: RecordOutcome, value: [UInt8]) {
        var processor = TestSupport.processor(ProcessingConfiguration(maxRecordBytes: maxRecordBytes))
        var output = OutputBuffer()
        let outcome = value.withUnsafeBytes {
            processor.process(value: $0, source: TestSupport.source, carrying: carried, into: &output)
        }
        let encoded = output.finish()
        let rejection = encoded.record(at: encoded.records.count - 1).value
        StrictOutputs.expectStrict(rejection, conformingTo: .rejection)
        return (outcome, rejection)
    }

    @Test("a rejection that fits is sent whole, with the key and headers")
    func fits() throws {
        let (outcome, value) = Self.process(
            Self.rejectedEvent(blobBytes: 500),
            maxRecordBytes: 2000,
            carrying: CarriedFields(keyBytes: 100, headerCount: 2, headerBytes: 100)
        )
        #expect(outcome.rejectionReason == .missingIdentity)
        #expect(outcome.omissions == [])
        let envelope = try #require(
            TestSupport.object(EncodedRecord(key: nil, value: value)).members.map(\.key) as [String]?
        )
        #expect(envelope.contains("payload") && !envelope.contains("payload_omitted"))
    }

    @Test("too large with its payload: the payload gives way first")
    func payloadFirst() {
        let (outcome, value) = Self.process(
            Self.rejectedEvent(blobBytes: 3000),
            maxRecordBytes: 2000,
            carrying: CarriedFields(keyBytes: 100, headerCount: 1, headerBytes: 50)
        )
        #expect(outcome.omissions == .payload)
        let envelope = TestSupport.object(EncodedRecord(key: nil, value: value))
        #expect(envelope["payload"] == nil)
        #expect(envelope.number("payload_omitted.bytes") == "\(Self.rejectedEvent(blobBytes: 3000).count)")
        #expect(envelope.string("payload_omitted.reason")?.contains("more than a record may be (2000 bytes)") == true)
        #expect(envelope["key_omitted"] == nil)
        #expect(value.count + 150 <= 2000)
    }

    @Test("a key or headers too large for any record: they give way after the payload, and the envelope says so")
    func keyAndHeadersNext() {
        let (outcome, value) = Self.process(
            Self.rejectedEvent(blobBytes: 10),
            maxRecordBytes: 2000,
            carrying: CarriedFields(keyBytes: 1_100_000, headerCount: 3, headerBytes: 700)
        )
        #expect(outcome.omissions == [.payload, .keyAndHeaders])
        let envelope = TestSupport.object(EncodedRecord(key: nil, value: value))
        #expect(envelope.number("key_omitted.bytes") == "1100000")
        #expect(envelope.number("headers_omitted.count") == "3")
        #expect(envelope.number("headers_omitted.bytes") == "700")
        #expect(envelope.string("reason") == "missing_identity")
        #expect(RejectionOmissions(headerValue: outcome.omissions.headerValue) == outcome.omissions)
        #expect(outcome.omissions.headerValue == "payload,key,headers")
    }

    @Test("a refused rejection is stripped one step at a time, down to no timestamp, and then no further")
    func strippingLadder() throws {
        let (_, full) = Self.process(Self.rejectedEvent(blobBytes: 50), maxRecordBytes: 1_000_000, carrying: .none)
        let carried = CarriedFields(keyBytes: 12, headerCount: 1, headerBytes: 20)
        var omissions: RejectionOmissions = []
        var value = full
        var steps: [RejectionOmissions] = []
        while let next = omissions.next {
            value = try #require(RejectionEncoder.stripped(value, omitting: next, carried: carried, reason: "refused"))
            StrictOutputs.expectStrict(value, conformingTo: .rejection)
            omissions = next
            steps.append(next)
        }
        #expect(steps == [.payload, [.payload, .keyAndHeaders], [.payload, .keyAndHeaders, .timestamp]])
        let envelope = TestSupport.object(EncodedRecord(key: nil, value: value))
        #expect(envelope.number("payload_omitted.bytes") == "\(Self.rejectedEvent(blobBytes: 50).count)")
        #expect(envelope.number("key_omitted.bytes") == "12")
        #expect(envelope.string("timestamp_omitted.reason") == "refused")
        #expect(envelope.string("reason") == "missing_identity")
        #expect(
            RejectionEncoder.stripped(Array(#"{"a":1}"#.utf8), omitting: .payload, carried: carried, reason: "") == nil
        )
    }

    @Test("a tombstone's rejection keeps its null payload when stripped")
    func tombstoneStripped() throws {
        var processor = TestSupport.processor()
        let tombstone = processor.processStrictly(value: nil, source: TestSupport.source)
        let value = try #require(tombstone.rejection?.value)
        let stripped = try #require(
            RejectionEncoder.stripped(value, omitting: [.payload, .keyAndHeaders], carried: .none, reason: "r")
        )
        #expect(TestSupport.object(EncodedRecord(key: nil, value: stripped))["payload"] == .null)
    }

    @Test("an output limit stops writing early: a huge share costs about the limit, not its full size")
    func stopsEarly() {
        let targets = (0..<100).map { "\"friend-\($0)\"" }.joined(separator: ",")
        let bsin = String(repeating: "b", count: 8000)
        let json =
            #"{"site_id":"s","event_type":"shared","bsin":"\#(bsin)","properties":{"target_user_id":[\#(targets)]}}"#
        var processor = TestSupport.processor(ProcessingConfiguration(maxOutputBytes: 100_000))
        var output = OutputBuffer()
        let outcome = Array(json.utf8).withUnsafeBytes {
            processor.process(value: $0, source: TestSupport.source, into: &output)
        }
        #expect(outcome.rejectionReason == .outputTooLarge)
        let encoded = output.finish()
        #expect(encoded.records.count == 1)
        #expect(encoded.bytes.count < 100_000)
    }
}
