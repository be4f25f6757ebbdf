import ArgumentParser
import Foundation
import Kafka
import Logging
import TrackDomain
import TrackPipeline
import TrackRuntime

/// `trackstream replay`: reprocesses a range of the input through the same stages.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Reprocess a range of the input into the normal or prefixed output topics.",
        discussion: """
            Reads exactly the range, outside the live consumer group (whose committed offsets are \
            neither read nor changed), through the same stages, so the outputs are byte-identical to \
            the first run's for the same records. Stops at the end of the range (or of the log) and \
            prints a summary. Offsets: --from-offset is the first offset replayed, --to-offset the \
            first one not replayed; without an end, the range runs to the log's current end.
            """
    )

    @OptionGroup var pipelineArguments: PipelineArguments

    @OptionGroup var range: RangeArguments

    @Option(
        help:
            "Write to PREFIX.<output topic> instead of the pipeline's output topics (created if missing, with the input's partition count)."
    )
    var outputPrefix: String?

    @OptionGroup var logging: LoggingArguments

    @Flag(inversion: .prefixedNo, help: "Show progress (default: on a terminal).")
    var progress: Bool?

    func validate() throws {
        guard range.hasStart else { throw ValidationError("give exactly one of --from-offset and --from-datetime") }
    }

    func run() async throws {
        try requireSupportedLibrdkafka()
        let logger = logging.bootstrap()
        var pipeline = try pipelineArguments.load()
        if let outputPrefix { pipeline.outputs = try pipeline.outputs.prefixed(by: outputPrefix) }
        let admin = try KafkaAdmin(configuration: pipeline.adminConfiguration())
        let range = ReplayRange(partitions: try await self.range.resolve(topic: pipeline.input, in: pipeline))

        if outputPrefix != nil {
            let inputPartitions = Int32(
                clamping: try await admin.partitionCounts([pipeline.input])[pipeline.input] ?? range.partitions.count
            )
            let created = try await admin.createTopics(
                [pipeline.outputs.enriched, pipeline.outputs.signals, pipeline.outputs.rejected].map {
                    .init(name: $0, partitions: max(inputPartitions, 1))
                }
            )
            if !created.isEmpty { logger.notice("created output topics", metadata: ["topics": "\(created)"]) }
        }
        FileHandle.standardError.write(
            Data(
                "replay: \(range.recordCount) records of \(pipeline.input) [\(range.partitions.map(\.description).joined(separator: ", "))] → \(pipeline.outputs.enriched), \(pipeline.outputs.signals), \(pipeline.outputs.rejected)\n"
                    .utf8
            )
        )

        var options = RuntimeOptions()
        options.replay = range
        options.showsProgress = progress ?? (isatty(STDERR_FILENO) != 0)
        let assembly = try assembleProcessor(pipeline, logger: logger)
        let service = PipelineService(
            pipeline: pipeline,
            options: options,
            processor: assembly.processor,
            logger: logger
        )
        let started = ContinuousClock.now
        do {
            try await service.run()
        } catch {
            throw CommandFailure(message: "replay failed: \(error)", exitCode: 2)
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let statistics = service.statistics
        print(
            """
            replayed \(statistics.completedInputs) records in \(String(format: "%.1f", seconds)) s \
            (\(Int(Double(statistics.completedInputs) / max(seconds, 0.001))) records/s): \
            \(statistics.enriched) enriched, \(statistics.signals) signals, \(statistics.rejected) rejected
            """
        )
    }
}
