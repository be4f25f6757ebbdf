// swift-tools-version: 6.1
//
// trackstream: a Kafka stream processor for Boomtrain-style tracking events.
//
// Modules mirror the architecture:
//   CRdKafka       the librdkafka C API (system library, ≥ 2.3 to build, ≥ 2.2 to run)
//   Kafka          the safe Swift layer over librdkafka; nothing else touches CRdKafka
//   TrackDomain    the event contract: validate → normalize/expand → signals → encode (pure, no I/O)
//   TrackEnrichment  what the contract looks up outside the event: MaxMind databases, uap-core's
//                  user agent regexes, keyed hashes for pseudonymization (behind TrackDomain's protocols)
//   TrackPipeline  pipeline files (YAML) → typed, validated configuration
//   TrackRuntime   the staged service: consume → process → publish, offsets, metrics
//   TrackTraffic   synthetic raw events for demos, tests and load (deterministic per seed)
//   trackstream    the executable (swift-argument-parser)

import PackageDescription

let strictSwift: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "trackstream",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "trackstream", targets: ["trackstream"]),
        .library(name: "Kafka", targets: ["Kafka"]),
        .library(name: "TrackDomain", targets: ["TrackDomain"]),
        // For Benchmarks/, which measures the enrichments with the real databases.
        .library(name: "TrackEnrichment", targets: ["TrackEnrichment"]),
        .library(name: "StrictJSON", targets: ["StrictJSON"]),
        // For the fuzz targets in Fuzz/, a package of its own that can only depend on products.
        .library(name: "TrackPipeline", targets: ["TrackPipeline"]),
    ],
    traits: [
        // Off by default: the default build neither compiles swift-otel nor calls it (docs/operations.md,
        // "Headers and tracing"). `swift build --traits OTLP` exports a span per traced input over OTLP/HTTP.
        .trait(name: "OTLP", description: "Export a span per traced input to an OpenTelemetry collector (OTLP/HTTP)")
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        // Only with the OTLP trait, and only its OTLP/HTTP exporter (no gRPC).
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .systemLibrary(
            name: "CMaxMindDB",
            pkgConfig: "libmaxminddb",
            providers: [.apt(["libmaxminddb-dev"])]
        ),
        .systemLibrary(
            name: "CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"])]
        ),
        .target(
            name: "Kafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "TrackDomain",
            swiftSettings: strictSwift
        ),
        .target(
            name: "TrackEnrichment",
            dependencies: [
                "TrackDomain",
                "CMaxMindDB",
                "CPCRE2",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "TrackPipeline",
            dependencies: [
                "TrackDomain",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "TrackRuntime",
            dependencies: [
                "Kafka",
                "TrackDomain",
                "TrackPipeline",
                "TrackEnrichment",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OTel", package: "swift-otel", condition: .when(traits: ["OTLP"])),
                .product(name: "Tracing", package: "swift-distributed-tracing", condition: .when(traits: ["OTLP"])),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "TrackTraffic",
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "trackstream",
            dependencies: [
                "Kafka",
                "TrackDomain",
                "TrackPipeline",
                "TrackRuntime",
                "TrackTraffic",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift,
            // jemalloc instead of glibc's malloc: outputs are allocated on worker threads and freed
            // on librdkafka's (docs/operations.md, "Allocator").
            linkerSettings: [.linkedLibrary("jemalloc", .when(platforms: [.linux]))]
        ),
        .executableTarget(
            name: "kafka-bench",
            dependencies: [
                "Kafka",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift
        ),
        // Test support: a strict JSON checker written apart from the product's parser (also the fuzz
        // targets' oracle, hence a product), and the helpers that run every test output through it and
        // its JSON Schema (docs/schemas/). Those helpers are compiled optimized even in debug builds:
        // they run on every output of every test, and unoptimized they cost about ten times as much.
        .target(
            name: "StrictJSON",
            path: "Tests/StrictJSON",
            swiftSettings: strictSwift
        ),
        .target(
            name: "StrictOutputs",
            dependencies: ["StrictJSON", "TrackDomain"],
            path: "Tests/StrictOutputs",
            swiftSettings: strictSwift + [.unsafeFlags(["-O"])]
        ),
        .testTarget(
            name: "KafkaTests",
            dependencies: ["Kafka", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "TrackDomainTests",
            dependencies: [
                "TrackDomain",
                "StrictJSON",
                "StrictOutputs",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSwift
        ),
        // Test support: MaxMind DB files built for the tests with scripts/mmdb-write.
        .target(
            name: "TestDatabases",
            path: "Tests/TestDatabases",
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "TrackEnrichmentTests",
            dependencies: [
                "TrackEnrichment", "TrackDomain", "StrictJSON", "TestDatabases",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "TrackPipelineTests",
            dependencies: ["TrackPipeline"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "TrackTrafficTests",
            dependencies: ["TrackTraffic", "TrackDomain", "StrictOutputs"],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "TrackRuntimeTests",
            dependencies: [
                "TrackRuntime", "Kafka", "TrackDomain", "TrackPipeline", "StrictOutputs", "TestDatabases",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "DeploymentTests",
            dependencies: [
                "TrackPipeline",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSwift
        ),
    ]
)
