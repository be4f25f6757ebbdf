import Foundation
import Testing
import TrackEnrichment

/// Every case of uap-core's own test files (the ones its reference test runner, tests/test.js, uses)
/// against the installed regexes.
@Suite struct UAPCoreConformanceTests {
    struct TestFile: Sendable, CustomTestStringConvertible {
        var path: String
        /// "ua", "os" or "device": which part of the answer the file checks.
        var kind: String
        var fields: [String]
        var testDescription: String { (path as NSString).lastPathComponent }
    }

    /// uap-core's runner checks family to patch for user agents (some test_ua.yaml cases also list a
    /// `patch_minor`, which it ignores and which is stale: e.g. "38" from a rule with four groups).
    static let userAgentFields = ["family", "major", "minor", "patch"]
    static let osFields = ["family", "major", "minor", "patch", "patch_minor"]
    static let files: [TestFile] = [
        TestFile(path: "\(UAPCoreFiles.root)/tests/test_ua.yaml", kind: "ua", fields: userAgentFields),
        TestFile(path: "\(UAPCoreFiles.root)/tests/test_os.yaml", kind: "os", fields: osFields),
        TestFile(
            path: "\(UAPCoreFiles.root)/tests/test_device.yaml",
            kind: "device",
            fields: ["family", "brand", "model"]
        ),
        TestFile(
            path: "\(UAPCoreFiles.root)/test_resources/firefox_user_agent_strings.yaml",
            kind: "ua",
            fields: userAgentFields
        ),
        TestFile(
            path: "\(UAPCoreFiles.root)/test_resources/pgts_browser_list.yaml",
            kind: "ua",
            fields: userAgentFields
        ),
        TestFile(
            path: "\(UAPCoreFiles.root)/test_resources/opera_mini_user_agent_strings.yaml",
            kind: "ua",
            fields: userAgentFields
        ),
        TestFile(
            path: "\(UAPCoreFiles.root)/test_resources/podcasting_user_agent_strings.yaml",
            kind: "ua",
            fields: userAgentFields
        ),
        TestFile(path: "\(UAPCoreFiles.root)/test_resources/additional_os_tests.yaml", kind: "os", fields: osFields),
    ]

    /// Cases known to fail, by file name and user agent, with the reason. Empty: every case passes. A case
    /// listed here that passes, or a failing case not listed, fails the test.
    static let knownFailures: [String: [String: String]] = [:]

    @Test(arguments: files)
    func everyCasePasses(_ file: TestFile) throws {
        let cases = try UAPCoreTestCase.load(file.path, fields: file.fields)
        #expect(cases.count > 10, "\(file.path) has too few cases: not uap-core's test file?")
        let known = Self.knownFailures[file.testDescription] ?? [:]
        var failures: [String] = []
        var failedUserAgents: Set<String> = []
        var failedCases = 0
        for testCase in cases {
            let parsed = UAPCoreFiles.parser.parseAll(testCase.userAgent)
            let wrong = testCase.expected.filter { parsed.field($0.field, of: file.kind) != $0.value }
            guard !wrong.isEmpty else { continue }
            failedUserAgents.insert(testCase.userAgent)
            failedCases += 1
            if known[testCase.userAgent] == nil {
                let fields = wrong.map {
                    "\($0.field) expected \($0.value ?? "nil"), got \(parsed.field($0.field, of: file.kind) ?? "nil")"
                }
                failures.append("line \(testCase.line): \(testCase.userAgent): \(fields.joined(separator: ", "))")
            }
        }
        let passed = cases.count - failedCases
        print(
            "uap-core \(file.testDescription): \(passed)/\(cases.count) cases pass "
                + "(\(String(format: "%.2f", 100 * Double(passed) / Double(cases.count))) %)"
        )
        #expect(
            failures.isEmpty,
            "\(failures.count) unexpected failures:\n\(failures.prefix(40).joined(separator: "\n"))"
        )
        let nowPassing = known.keys.filter { !failedUserAgents.contains($0) }
        #expect(nowPassing.isEmpty, "listed as known failures but pass: \(nowPassing)")
    }
}
