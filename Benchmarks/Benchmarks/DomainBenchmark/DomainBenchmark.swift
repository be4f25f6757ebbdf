import Benchmark
import Foundation
import Synchronization
import TrackDomain
import TrackEnrichment

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

    enrichmentBenchmarks()
}

/// The GeoLite2 City file scripts/deps installs into the project's virtualenv.
private let geoLite2Path: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent(".deps/venv/lib/python3.11/site-packages/_maxminddb_geolite2/GeoLite2-City.mmdb").path

private let userAgentParser = try? UAPCoreParser()
private let geoSource = try? GeoDatabaseSource(path: geoLite2Path)

/// A warm processor per enrichment set, as a worker keeps it.
private final class WarmProcessor: Sendable {
    let processor: Mutex<EventProcessor>

    init(_ enrichments: Enrichments) {
        processor = Mutex(
            EventProcessor(
                configuration: ProcessingConfiguration(siteScoreScales: ["acme-news": ScoreScale(min: 0, max: 10)!]),
                botDetector: .builtIn(),
                enrichments: enrichments
            )
        )
    }
}

private func warm(_ enrichments: Enrichments) -> WarmProcessor { WarmProcessor(enrichments) }

private let withUserAgents = warm(Enrichments(userAgentParser: userAgentParser))
private let withGeolocation = warm(Enrichments(geoLocator: geoSource.map { MaxMindGeoLocator(source: $0) }))
private let withEverything = warm(
    Enrichments(
        userAgentParser: userAgentParser,
        geoLocator: geoSource.map { MaxMindGeoLocator(source: $0) },
        privacy: PrivacySettings(ipAnonymizeOctets: 1, ipAnonymizeSegments: 4, pseudonymized: [.email, .userID]),
        pseudonymizer: HMACPseudonymizer(key: Array("a benchmark key, 32 bytes long..".utf8))
    )
)

/// The distinct user agents of the mix, for the uncached parse.
private let distinctUserAgents: [String] = {
    var seen = Set<String>()
    for line in fixtureLines {
        if case .object(let object)? = try? JSONParser.parse(line), let agent = object["user_agent"]?.stringValue {
            seen.insert(agent)
        }
    }
    return seen.sorted()
}()

let enrichmentBenchmarks: @Sendable () -> Void = {
    for (name, processor) in [
        ("user agents parsed", withUserAgents), ("geolocation (GeoLite2 City)", withGeolocation),
        ("every enrichment and privacy rule", withEverything),
    ] {
        Benchmark("Full stage chain, \(name)") { benchmark in
            guard !fixtureLines.isEmpty, userAgentParser != nil, geoSource != nil else { return }
            var worker = processor.processor.withLock { $0 }
            defer { processor.processor.withLock { $0 = worker } }
            for iteration in benchmark.scaledIterations {
                let index = iteration % fixtureLines.count
                let source = SourceCoordinates(topic: "track.raw", partition: 0, offset: Int64(iteration))
                blackHole(worker.process(value: fixtureLines[index], source: source))
            }
        }
    }

    // Per distinct user agent, as a worker's first sight of it costs (one iteration = one parse).
    Benchmark("User agent parse, uncached (uap-core, PCRE2 JIT)", configuration: .init(scalingFactor: .one)) {
        benchmark in
        guard let parser = userAgentParser, !distinctUserAgents.isEmpty else { return }
        for iteration in benchmark.scaledIterations {
            blackHole(parser.parse(distinctUserAgents[iteration % distinctUserAgents.count]))
        }
    }

    // Per address: the tree walk and the decode of its record (the decode is cached per record in
    // the service).
    Benchmark("Geolocation look-up and decode, uncached (GeoLite2 City)") { benchmark in
        guard let database = geoSource?.current else { return }
        var state: UInt32 = 0x1234_5678
        for _ in benchmark.scaledIterations {
            state = state &* 1_664_525 &+ 1_013_904_223
            if let offset = database.recordOffset(for: .v4(state)) {
                blackHole(database.location(atOffset: offset))
            }
        }
    }
}
