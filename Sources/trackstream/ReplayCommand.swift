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

    @Option(help: "First offset to replay, in every selected partition.")
    var fromOffset: Int64?

    @Option(help: "Replay from the first record at or after this time (ISO-8601 with zone).")
    var fromDatetime: String?

    @Option(help: "Stop before this offset, in every selected partition.")
    var toOffset: Int64?

    @Option(help: "Stop before the first record at or after this time (ISO-8601 with zone).")
    var toDatetime: String?

    @Option(help: "Partitions to replay, comma-separated (default: all).")
    var partitions: String?

    @Option(
        help:
            "Write to PREFIX.<output topic> instead of the pipeline's output topics (created if missing, with the input's partition count)."
    )
    var outputPrefix: String?

    @OptionGroup var logging: LoggingArguments

    @Flag(inversion: .prefixedNo, help: "Show progress (default: on a terminal).")
    var progress: Bool?

    func validate() throws {
        guard (fromOffset == nil) != (fromDatetime == nil) else {
            throw ValidationError("give exactly one of --from-offset and --from-datetime")
        }
        guard toOffset == nil || toDatetime == nil else {
            throw ValidationError("give at most one of --to-offset and --to-datetime")
        }
        if let fromOffset, fromOffset < 0 { throw ValidationError("--from-offset must be 0 or more") }
        if let toOffset, toOffset < 0 { throw ValidationError("--to-offset must be 0 or more, not \(toOffset)") }
        if let partitions, partitions.split(separator: ",").allSatisfy({ $0.allSatisfy(\.isWhitespace) }) {
            throw ValidationError("--partitions '\(partitions)' names no partition; write e.g. --partitions 0,2")
        }
        if let fromOffset, let toOffset, toOffset < fromOffset {
            throw ValidationError("--to-offset (\(toOffset)) is before --from-offset (\(fromOffset))")
        }
        for (name, value) in [("--from-datetime", fromDatetime), ("--to-datetime", toDatetime)] {
            guard let value else { continue }
            do {
                _ = try ISO8601.parseDateTime(value)
            } catch {
                throw ValidationError("\(name): \(error)")
            }
        }
    }

    func run() async throws {
        try requireSupportedLibrdkafka()
        let logger = logging.bootstrap()
        var pipeline = try pipelineArguments.load()
        if let outputPrefix {
            let separator = outputPrefix.hasSuffix(".") ? "" : "."
            pipeline.outputs = .init(
                enriched: outputPrefix + separator + pipeline.outputs.enriched,
                signals: outputPrefix + separator + pipeline.outputs.signals,
                rejected: outputPrefix + separator + pipeline.outputs.rejected
            )
            for name in [pipeline.outputs.enriched, pipeline.outputs.signals, pipeline.outputs.rejected] {
                if let problem = TopicName.problem(with: name) {
                    throw CommandFailure(
                        message: "--output-prefix makes an output topic name that Kafka refuses: \(problem); "
                            + "\(TopicName.rule): choose a shorter prefix of those characters",
                        exitCode: 1
                    )
                }
            }
        }
        let admin = try KafkaAdmin(configuration: pipeline.adminConfiguration())
        let range: ReplayRange
        do {
            let ranges = try TopicRanges(pipeline: pipeline)
            let selected = try await ranges.partitions(of: pipeline.input, selecting: partitions)
            range = ReplayRange(
                partitions: try await ranges.resolve(
                    topic: pipeline.input,
                    partitions: selected,
                    from: try fromOffset.map(TopicRanges.Start.offset)
                        ?? .time(ISO8601.parseDateTime(fromDatetime ?? "")),
                    to: try toOffset.map(TopicRanges.End.offset)
                        ?? toDatetime.map { .time(try ISO8601.parseDateTime($0)) } ?? .logEnd
                )
            )
        } catch let error as OffsetToolError {
            throw CommandFailure(message: "\(error)", exitCode: error.isUsageError ? 1 : 2)
        }

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
