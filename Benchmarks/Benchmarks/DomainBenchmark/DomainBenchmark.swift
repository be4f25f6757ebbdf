import Benchmark
import Foundation
import Synchronization
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

/// The processor as a worker keeps it: its bot verdicts stay warm from one iteration to the next
/// (the lock is taken once per 1000 events, to hand the value in and out).
private let warmProcessor = Mutex(
    EventProcessor(
        configuration: ProcessingConfiguration(siteScoreScales: ["acme-news": ScoreScale(min: 0, max: 10)!]),
        botDetector: .builtIn()
    )
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
        var processor = warmProcessor.withLock { $0 }
        defer { warmProcessor.withLock { $0 = processor } }
        for iteration in benchmark.scaledIterations {
            let index = iteration % fixtureLines.count
            let source = SourceCoordinates(topic: "track.raw", partition: 0, offset: Int64(iteration))
            blackHole(processor.process(value: fixtureLines[index], source: source))
        }
    }

    // As the service runs it: a batch's outputs go into one block (a new one every 2,000 events),
    // with no per-event output arrays.
    Benchmark("Full stage chain into a batch's output block") { benchmark in
        guard !fixtureLines.isEmpty else { return }
        var processor = warmProcessor.withLock { $0 }
        defer { warmProcessor.withLock { $0 = processor } }
        var output = OutputBuffer(capacity: 4 << 20, expectedRecords: 4096)
        for iteration in benchmark.scaledIterations {
            if iteration % 2000 == 1999 {
                blackHole(output.finish())
                output = OutputBuffer(capacity: 4 << 20, expectedRecords: 4096)
            }
            let index = iteration % fixtureLines.count
            let source = SourceCoordinates(topic: "track.raw", partition: 0, offset: Int64(iteration))
            fixtureLines[index].withUnsafeBytes { value in
                blackHole(processor.process(value: value, source: source, into: &output))
            }
        }
        blackHole(output.finish())
    }
}
