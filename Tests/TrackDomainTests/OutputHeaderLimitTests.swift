import StrictOutputs
import Testing
import TrackDomain

/// The headers the runtime attaches to outputs count towards the output limits; forwarded headers
/// that would break a limit are left out rather than the outputs (docs/contract.md, "Headers").
@Suite("Output limits with headers")
struct OutputHeaderLimitTests {
    struct Run {
        var outcome: RecordOutcome
        var records: [(key: Int, value: Int)]
    }

    static func run(
        _ json: String,
        configuration: ProcessingConfiguration = .default,
        headers: OutputHeaderSizes,
        carried: CarriedFields = .none
    ) -> Run {
        var processor = TestSupport.processor(configuration)
        var output = OutputBuffer()
        var carried = carried
        carried.outputHeaders = headers
        let outcome = Array(json.utf8).withUnsafeBytes {
            processor.process(value: $0, source: TestSupport.source, carrying: carried, into: &output)
        }
        let encoded = output.finish()
        for index in encoded.records.indices { StrictOutputs.expectStrict(encoded.record(at: index).value) }
        return Run(
            outcome: outcome,
            records: encoded.records.map { (key: $0.key?.count ?? 0, value: $0.value.count) }
        )
    }

    static let share = TestSupport.event(
        #""properties":{"target_user_id":[\#((0..<100).map { "\"friend-\($0)\"" }.joined(separator: ","))]}"#,
        type: "shared"
    )

    @Test("headers that fit are kept: nothing is left out")
    func fits() {
        let run = Self.run(
            TestSupport.event(),
            headers: OutputHeaderSizes(versionBytes: 24, traceBytes: 66, forwardedBytes: 5000)
        )
        #expect(run.outcome.rejectionReason == nil)
        #expect(!run.outcome.forwardedHeadersOmitted)
    }

    @Test("a header too large for the record: the outputs go without the forwarded headers")
    func recordTooLargeWithHeaders() {
        let plain = Self.run(TestSupport.event(), headers: .none)
        let largest = plain.records.map { $0.key + $0.value }.max() ?? 0
        let configuration = ProcessingConfiguration(maxRecordBytes: largest + 200)
        let run = Self.run(
            TestSupport.event(),
            configuration: configuration,
            headers: OutputHeaderSizes(versionBytes: 24, traceBytes: 66, forwardedBytes: 900_000)
        )
        #expect(run.outcome.rejectionReason == nil)
        #expect(run.outcome.forwardedHeadersOmitted)
        #expect(run.records.count == plain.records.count)
    }

    @Test("a share's 100 children carrying 12 KB of headers each: over max_output_bytes with them, so without")
    func totalTooLargeWithHeaders() {
        let run = Self.run(
            Self.share,
            headers: OutputHeaderSizes(versionBytes: 24, traceBytes: 66, forwardedBytes: 12_000)
        )
        #expect(run.outcome.rejectionReason == nil)
        #expect(run.outcome.forwardedHeadersOmitted)
        #expect(run.outcome.enriched == 100)
    }

    @Test("the headers that stay count too: past the record size even without forwarded headers, output_too_large")
    func fixedHeadersCount() {
        let plain = Self.run(TestSupport.event(), headers: .none)
        let largest = plain.records.map { $0.key + $0.value }.max() ?? 0
        let configuration = ProcessingConfiguration(maxRecordBytes: largest + 50)
        let run = Self.run(
            TestSupport.event(),
            configuration: configuration,
            headers: OutputHeaderSizes(versionBytes: 24, traceBytes: 66, forwardedBytes: 1000)
        )
        #expect(run.outcome.rejectionReason == .outputTooLarge)
        let without = Self.run(TestSupport.event(), configuration: configuration, headers: .none)
        #expect(without.outcome.rejectionReason == nil)
    }

    @Test("max_output_bytes counts every record's headers")
    func totalCountsHeaders() {
        let plain = Self.run(Self.share, headers: .none)
        let total = plain.records.reduce(0) { $0 + $1.value } + (plain.records.first?.key ?? 0)
        let configuration = ProcessingConfiguration(maxOutputBytes: total + 500)
        #expect(Self.run(Self.share, configuration: configuration, headers: .none).outcome.rejectionReason == nil)
        let run = Self.run(
            Self.share,
            configuration: configuration,
            headers: OutputHeaderSizes(versionBytes: 24, traceBytes: 0, forwardedBytes: 0)
        )
        #expect(run.outcome.rejectionReason == .outputTooLarge)
    }

    @Test("a rejection's size counts the version headers it is sent with")
    func rejectionCountsVersionHeaders() {
        let json = #"{"site_id":"s","event_type":"viewed","blob":"\#(String(repeating: "x", count: 300))"}"#
        let carried = CarriedFields(keyBytes: 100, headerCount: 1, headerBytes: 100)
        let plain = Self.run(json, headers: .none, carried: carried)
        #expect(plain.outcome.rejectionReason == .missingIdentity)
        let exact = ProcessingConfiguration(maxRecordBytes: (plain.records.last?.value ?? 0) + 200)
        #expect(Self.run(json, configuration: exact, headers: .none, carried: carried).outcome.omissions == [])
        let withVersions = Self.run(json, configuration: exact, headers: .versionOnly, carried: carried)
        #expect(withVersions.outcome.omissions == .payload)
    }
}
