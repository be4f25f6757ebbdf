// swift-tools-version: 6.1
//
// libFuzzer targets for trackstream, kept out of the root package so that `swift build` and
// `swift test` there never build them. Build and run them with scripts/fuzz (`make fuzz`), which does
//
//   swift build --package-path Fuzz --scratch-path Fuzz/.build -c release \
//       --sanitize fuzzer --sanitize address -Xswiftc -enable-testing
//
// Why these flags:
// - `--sanitize fuzzer` rather than `-Xswiftc -sanitize=fuzzer`: on Linux SwiftPM links every executable
//   with `--defsym main=<module>_main` so that tests can import it; with `-parse-as-library` that
//   symbol does not exist and the link fails. SwiftPM leaves `main` alone when it knows it builds
//   for libFuzzer, whose own `main` then drives `LLVMFuzzerTestOneInput`.
// - `-parse-as-library` (below): the target files declare functions only; without it the file would
//   be a script whose top-level code defines a `main` that runs nothing.
// - `-enable-testing`: the targets use `@testable import` for internals (the JSON writer's bytes),
//   which release builds do not allow otherwise.
//
// One executable per fuzz target; FuzzSupport holds the helpers the targets share, and the root
// package's StrictJSON (Tests/StrictJSON) is the independent oracle. Seeds are in Corpus/<target>, reproducers of found bugs in
// Regressions/<target> (open ones, not fixed yet, in Regressions/<target>/open).

import PackageDescription

let strictSwift: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let fuzzTarget: [SwiftSetting] = strictSwift + [.unsafeFlags(["-parse-as-library"])]

let domain: Target.Dependency = .product(name: "TrackDomain", package: "trackstream")
let oracle: Target.Dependency = .product(name: "StrictJSON", package: "trackstream")

let package = Package(
    name: "trackstream-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "trackstream", path: "..")
    ],
    targets: [
        .target(
            name: "FuzzSupport",
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "record-path",
            dependencies: ["FuzzSupport", oracle, domain],
            swiftSettings: fuzzTarget
        ),
        .executableTarget(
            name: "event-reader",
            dependencies: ["FuzzSupport", oracle, domain],
            swiftSettings: fuzzTarget
        ),
        .executableTarget(
            name: "times",
            dependencies: ["FuzzSupport", domain],
            swiftSettings: fuzzTarget
        ),
        .executableTarget(
            name: "canonical-url",
            dependencies: ["FuzzSupport", domain],
            swiftSettings: fuzzTarget
        ),
        .executableTarget(
            name: "pipeline-loader",
            dependencies: [
                "FuzzSupport", domain,
                .product(name: "TrackPipeline", package: "trackstream"),
            ],
            swiftSettings: fuzzTarget
        ),
    ]
)
