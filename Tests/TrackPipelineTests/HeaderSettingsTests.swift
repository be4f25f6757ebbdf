import Testing
import TrackDomain
import TrackPipeline

@Suite("Pipeline files: headers")
struct HeaderSettingsTests {
    private func parse(_ yaml: String) throws(PipelineConfigurationError) -> PipelineConfiguration {
        try PipelineLoader.parse(yaml: yaml, file: "test.yml")
    }

    @Test("defaults: every header but Spring's and trackstream's own, 8 KiB, trace context continued")
    func defaults() throws {
        let headers = try parse("name: t\n").headers
        #expect(headers == .default)
        #expect(headers.forward == .all && headers.allow.isEmpty && headers.traceContext)
        #expect(headers.deny.map(\.description) == ["__*", "kafka_*"])
        #expect(headers.maxBytes == 8192)
    }

    @Test("every key read, rendered and read back")
    func full() throws {
        let configuration = try parse(
            """
            headers:
              forward: none
              allow: [x-request-id, "x-b3-*", "*"]
              deny: [X-Secret]
              max_bytes: 1024
              trace_context: false
            """
        )
        let headers = configuration.headers
        #expect(headers.forward == .none)
        #expect(headers.allow.map(\.description) == ["x-request-id", "x-b3-*", "*"])
        #expect(headers.deny.map(\.description) == ["X-Secret"])
        #expect(headers.maxBytes == 1024 && !headers.traceContext)
        #expect(try parse(configuration.renderedYAML()) == configuration)
        #expect(try parse("headers: {deny: []}\n").headers.deny.isEmpty)
        #expect(try parse(PipelineConfiguration.defaults.renderedYAML()).headers == .default)
    }

    /// (rule, YAML, key path of the error)
    static let invalid: [(String, String, String)] = [
        ("an unknown key", "headers: {forwad: all}\n", "headers.forwad"),
        ("forward neither all nor none", "headers: {forward: some}\n", "headers.forward"),
        ("allow with forward: all", "headers: {allow: [x-a]}\n", "headers.allow"),
        ("allow not a list", "headers: {forward: none, allow: x-a}\n", "headers.allow"),
        ("a * inside a name", "headers: {deny: [\"x-*-y\"]}\n", "headers.deny"),
        ("an empty name", "headers: {deny: [\"\"]}\n", "headers.deny"),
        ("a name that is a list", "headers: {deny: [[a]]}\n", "headers.deny"),
        ("max_bytes 0", "headers: {max_bytes: 0}\n", "headers.max_bytes"),
        ("max_bytes past 1 MiB", "headers: {max_bytes: 1048577}\n", "headers.max_bytes"),
        ("trace_context not a boolean", "headers: {trace_context: maybe}\n", "headers.trace_context"),
    ]

    @Test("invalid sections name the key, the line and what to do", arguments: invalid)
    func rejects(_ row: (String, String, String)) {
        #expect(throws: PipelineConfigurationError.self, "\(row.0)") { try parse(row.1) }
        do {
            _ = try parse(row.1)
        } catch {
            #expect(error.keyPath == row.2, "\(row.0)")
            #expect(error.line == 1, "\(row.0)")
            #expect(error.description.hasPrefix("test.yml:1: \(row.2)"), "\(row.0): \(error)")
        }
    }
}
