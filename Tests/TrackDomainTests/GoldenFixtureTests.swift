import Foundation
import StrictOutputs
import Testing
import TrackDomain

/// Byte-for-byte comparison of `Tests/Fixtures/NAME.jsonl` against `NAME.{enriched,signals,rejected}.jsonl`.
///
/// Each input line is processed as `trackstream process` does: topic = the file's base name,
/// partition 0, offset = 0-based line number, no Kafka timestamp; settings as in `Pipelines/track.yml`
/// (`acme-news` on a 0..10 scale) with the built-in bot list, so results do not depend on uap-core.
///
/// Regenerate after an intended change, then review the diff by eye:
/// `TRACKSTREAM_REGENERATE_GOLDEN=1 swift test --filter GoldenFixtureTests`
@Suite("Golden fixtures")
struct GoldenFixtureTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static let configuration = ProcessingConfiguration(siteScoreScales: ["acme-news": ScoreScale(min: 0, max: 10)!])

    @Test(arguments: ["contract", "mixed"])
    func matchesGoldenOutputs(_ name: String) throws {
        let input = try Data(contentsOf: Self.fixtures.appendingPathComponent("\(name).jsonl"))
        let outputs = Self.process(input, topic: "\(name).jsonl")
        let regenerate = ProcessInfo.processInfo.environment["TRACKSTREAM_REGENERATE_GOLDEN"] == "1"
        for (kind, bytes) in [
            ("enriched", outputs.enriched), ("signals", outputs.signals), ("rejected", outputs.rejected),
        ] {
            let url = Self.fixtures.appendingPathComponent("\(name).\(kind).jsonl")
            if regenerate {
                try Data(bytes).write(to: url)
                continue
            }
            let expected = try [UInt8](Data(contentsOf: url))
            #expect(bytes == expected, "\(name).\(kind).jsonl differs; see the doc comment to regenerate")
        }
    }

    static func process(_ input: Data, topic: String) -> (enriched: [UInt8], signals: [UInt8], rejected: [UInt8]) {
        var processor = EventProcessor(configuration: configuration, botDetector: .builtIn())
        var lines = input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var enriched: [UInt8] = []
        var signals: [UInt8] = []
        var rejected: [UInt8] = []
        for (offset, line) in lines.enumerated() {
            let source = SourceCoordinates(topic: topic, partition: 0, offset: Int64(offset))
            let outcome = processor.processStrictly(value: Array(line), source: source)
            for record in outcome.enriched { enriched += record.value + [UInt8(ascii: "\n")] }
            for record in outcome.signals { signals += record.value + [UInt8(ascii: "\n")] }
            if let rejection = outcome.rejection { rejected += rejection.value + [UInt8(ascii: "\n")] }
        }
        return (enriched, signals, rejected)
    }
}
