import Benchmark
import Foundation
import TrackDomain

/// The realistic mix of `Tests/Fixtures/mixed.jsonl`: ~560-byte events of every type, ~5 % rejects.
private let fixtureLines: [[UInt8]] = {
    let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures/mixed.jsonl")
    let data = (try? Data(contentsOf: url)) ?? Data()
    return data.split(separator: UInt8(ascii: "\n")).map(Array.init)
}()

private let processor = EventProcessor(
    configuration: ProcessingConfiguration(siteScoreScales: ["acme-news": ScoreScale(min: 0, max: 10)!]),
    botDetector: .builtIn()
)

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal, .peakMemoryResident],
        scalingFactor: .kilo,
        maxDuration: .seconds(5),
        maxIterations: 1_000_000
    )

    // One iteration = 1000 events (scalingFactor .kilo): throughput reads as k events/s and
    // mallocCountTotal as allocations per event.
    Benchmark("Full stage chain, realistic mix") { benchmark in
        guard !fixtureLines.isEmpty else { return }
        for iteration in benchmark.scaledIterations {
            let index = iteration % fixtureLines.count
            let source = SourceCoordinates(topic: "track.raw", partition: 0, offset: Int64(iteration))
            blackHole(processor.process(value: fixtureLines[index], source: source))
        }
    }
}
