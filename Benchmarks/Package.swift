// swift-tools-version: 6.1
//
// Benchmarks for trackstream, kept out of the root package so that building or testing the
// service never fetches the benchmark toolchain. Run from this directory:
//
//   swift package --allow-writing-to-package-directory benchmark
//
// DomainBenchmark runs the full stage chain (decode → validate → normalize/expand → signals →
// encode) over Tests/Fixtures/mixed.jsonl and reports throughput and allocations per event, with
// the enrichments off and on (uap-core's regexes, the GeoLite2 City file scripts/deps installs).

import PackageDescription

let package = Package(
    name: "trackstream-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "trackstream", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "DomainBenchmark",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TrackDomain", package: "trackstream"),
                .product(name: "TrackEnrichment", package: "trackstream"),
            ],
            path: "Benchmarks/DomainBenchmark",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        )
    ]
)
