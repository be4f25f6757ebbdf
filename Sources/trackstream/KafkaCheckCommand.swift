import ArgumentParser
import Foundation
import TrackPipeline
import TrackRuntime

/// `trackstream kafka-check`: checks a pipeline's real client configuration against its cluster
/// (``KafkaCheck``), one line per check, and exits 0 only when every check passes.
struct KafkaCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka-check",
        abstract:
            "Check that the pipeline's Kafka settings connect, authenticate, find its topics and group, and have their ACLs.",
        discussion: """
            Uses the pipeline's client configuration with every override (TRACKSTREAM_BROKERS, --kafka-file, \
            --brokers, --group, --kafka), and checks in order: the librdkafka version; the configuration; \
            that the brokers answer over it (TLS and authentication included); that the input and output \
            topics exist; the consumer group's state; and the ACLs the service needs (read on the input, \
            write on the outputs, read on the group) as the broker reports them (KIP-430). Nothing is \
            created, joined, produced or committed. Exit status 0 when every check passes, 1 when one \
            fails or the pipeline cannot be loaded. Secret values are never printed.
            """
    )

    @OptionGroup var pipelineArguments: PipelineArguments

    @Option(help: "Seconds the brokers have to answer, and each later request (0.5 to 300).")
    var timeout: Double = 10

    static let timeoutRange: ClosedRange<Double> = 0.5...300

    func validate() throws {
        guard timeout.isFinite, Self.timeoutRange.contains(timeout) else {
            throw ValidationError("--timeout must be 0.5 to 300 seconds, not \(timeout)")
        }
    }

    func run() async throws {
        let pipeline = try pipelineArguments.load()
        let check = KafkaCheck(pipeline: pipeline, timeout: .milliseconds(Int64(timeout * 1000)))
        let style = LineStyle.forStandardOutput()
        var failed = 0
        let passed = await check.run { line in
            if line.status == .failed { failed += 1 }
            // Unbuffered, so that each line shows as soon as its check ends.
            FileHandle.standardOutput.write(Data((style.render(line) + "\n").utf8))
        }
        let summary = passed ? "kafka-check: every check passed" : "kafka-check: \(failed) check(s) failed"
        FileHandle.standardOutput.write(Data((summary + "\n").utf8))
        if !passed { throw ExitCode(1) }
    }
}
