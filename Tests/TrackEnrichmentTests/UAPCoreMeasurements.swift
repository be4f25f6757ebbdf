import Foundation
import Testing
import TrackEnrichment

/// MEASUREMENT, not a check: prints the load time of regexes.yaml and the time of an uncached parse over
/// uap-core's test user agents. Asserts nothing about the times (build mode and machine load vary).
@Suite struct UAPCoreMeasurements {
    @Test func printLoadAndParseTimes() throws {
        let clock = ContinuousClock()
        var rules: UAPCoreRules?
        let yamlTime = try clock.measure { rules = try UAPCoreRules(contentsOf: UAPCoreFiles.regexes) }
        var compiled: UAPCoreParser?
        let compileTime = clock.measure { compiled = UAPCoreParser(rules: rules!) }
        let parser = try #require(compiled)

        var userAgents: [String] = []
        for file in ["tests/test_ua.yaml", "tests/test_os.yaml"] {
            userAgents += try UAPCoreTestCase.load("\(UAPCoreFiles.root)/\(file)", fields: []).map(\.userAgent)
        }
        let utf8 = userAgents.map { Array($0.utf8) }
        var sink = 0
        let parseTime = clock.measure {
            for bytes in utf8 {
                sink &+= bytes.withUnsafeBufferPointer { parser.parse($0) }.browserFamily.utf8.count
            }
        }
        #expect(sink > 0)
        let microseconds = Double(parseTime.components.attoseconds) / 1e12 + Double(parseTime.components.seconds) * 1e6
        #if DEBUG
        let mode = "debug"
        #else
        let mode = "release"
        #endif
        print(
            "MEASUREMENT (\(mode) build): YAML decode \(yamlTime), PCRE2 compile+JIT \(compileTime) "
                + "(\(parser.compiledCounts.values.reduce(0, +)) patterns, \(parser.jitCompiledCount) JIT); "
                + "\(utf8.count) uncached parses: \(String(format: "%.1f", microseconds / Double(utf8.count))) µs each"
        )
    }
}
