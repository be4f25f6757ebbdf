import Foundation
import Testing
import TrackPipeline

@Suite("Prometheus, alerts and the operations guide")
struct MonitoringTests {
    @Test("Prometheus scrapes every trackstream replica on the metrics port and loads the mounted rules")
    func scraping() throws {
        let deployment = try Deployment.load()
        let pipeline = try PipelineLoader.parse(yaml: Repository.text(PipelineLoader.defaultPath), file: "track.yml")
        #expect(try Monitoring.load().problems(in: deployment, metricsPort: pipeline.metrics.listen.port) == [])
    }

    @Test("every series an alert uses is one the runtime registers")
    func alertSeries() throws {
        let emitted = try Monitoring.emittedMetricNames()
        // Guards the scan itself: these are the series the issue names.
        #expect(
            emitted.isSuperset(of: [
                "trackstream_consumer_lag_seconds", "trackstream_events_rejected_total", "trackstream_stalled",
                "trackstream_rebalances_total", "trackstream_commit_duration_seconds",
            ])
        )
        let alerts = try Monitoring.load().alertExpressions
        #expect(alerts.count >= 5)
        for alert in alerts {
            let unknown = Monitoring.metricNames(in: alert.expression).subtracting(emitted)
            #expect(unknown.isEmpty, "\(alert.name) uses series the runtime does not register: \(unknown.sorted())")
        }
    }

    @Test("docs/operations.md names only registered series and the alerting ones")
    func documentedSeries() throws {
        let guide = try Repository.text("docs/operations.md")
        let named = Monitoring.metricNames(in: guide)
        #expect(named.subtracting(try Monitoring.emittedMetricNames()) == [])
        #expect(
            named.isSuperset(of: [
                "trackstream_consumer_lag_seconds", "trackstream_events_rejected_total", "trackstream_stalled",
                "trackstream_rebalances_total", "trackstream_commit_duration_seconds",
            ])
        )
    }

    @Test("every `trackstream …` command in the guide's code blocks is one the CLI contract accepts")
    func documentedCommands() throws {
        let commands = DocumentedCommands.extract(from: try Repository.text("docs/operations.md"))
        let subcommands = Set(commands.compactMap { try? CommandContract.parse($0).subcommand })
        #expect(subcommands.isSuperset(of: ["run", "topics create", "offsets show", "offsets reset", "replay"]))
        for command in commands {
            #expect(throws: Never.self, "trackstream \(command.joined(separator: " "))") {
                try CommandContract.parse(command)
            }
        }
    }

    @Test("the command extractor joins continuations, drops prompts and quotes, and skips prose")
    func extractor() {
        let markdown = """
            Run `trackstream prose --not-a-command` in text.
            ```sh
            $ trackstream offsets show --group g \\
                --topic t
            trackstream replay --from-datetime '2026-01-01T00:00:00Z' --output-prefix "fix."  # a comment
            docker compose stop trackstream
            ```
            """
        #expect(
            DocumentedCommands.extract(from: markdown) == [
                ["offsets", "show", "--group", "g", "--topic", "t"],
                ["replay", "--from-datetime", "2026-01-01T00:00:00Z", "--output-prefix", "fix."],
            ]
        )
    }
}

/// `trackstream …` lines of fenced code blocks, as argument vectors (after the program name).
enum DocumentedCommands {
    static func extract(from markdown: String) -> [[String]] {
        var commands: [[String]] = []
        var inCode = false
        var pending = ""
        for rawLine in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("```") {
                inCode.toggle()
                pending = ""
                continue
            }
            guard inCode else { continue }
            if line.hasPrefix("$ ") { line.removeFirst(2) }
            if pending.isEmpty && !line.hasPrefix("trackstream ") { continue }
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
                continue
            }
            pending += line
            let words = pending.split(whereSeparator: \.isWhitespace)
                .prefix { !$0.hasPrefix("#") }
                .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) }
            commands.append(Array(words.dropFirst()))
            pending = ""
        }
        return commands
    }
}

extension MonitoringTests {
    @Test("every YAML example in the guide is a pipeline file that check-config accepts")
    func documentedPipelines() throws {
        let blocks = DocumentedCommands.codeBlocks(language: "yaml", in: try Repository.text("docs/operations.md"))
        #expect(blocks.count >= 2)
        // The variables the examples reference (docs/operations.md, "Secrets").
        let environment = ["KAFKA_PASSWORD": "p", "KAFKA_KEY_PASSWORD": "k"]
        for (index, block) in blocks.enumerated() {
            #expect(throws: Never.self, "YAML block \(index + 1)") {
                try PipelineLoader.parse(
                    yaml: block,
                    file: "docs/operations.md yaml block \(index + 1)",
                    environment: environment
                )
            }
        }
        let security = try PipelineLoader.parse(yaml: blocks[0], file: "docs/operations.md", environment: environment)
        #expect(security.kafkaProperty("sasl.password") == "p")
        #expect(security.kafkaProperty("security.protocol") == "SASL_SSL")
        #expect(security.metrics.listen == ListenAddress(host: "0.0.0.0", port: 9464))
    }
}

extension DocumentedCommands {
    /// The contents of the fenced code blocks opened with ```LANGUAGE.
    static func codeBlocks(language: String, in markdown: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if let lines = current {
                if line.hasPrefix("```") {
                    blocks.append(lines.joined(separator: "\n"))
                    current = nil
                } else {
                    current = lines + [line]
                }
            } else if line == "```\(language)" {
                current = []
            }
        }
        return blocks
    }
}
