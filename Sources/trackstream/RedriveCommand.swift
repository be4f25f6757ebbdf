import ArgumentParser
import Foundation
import Kafka
import Logging
import TrackDomain
import TrackPipeline
import TrackRuntime

/// `trackstream redrive`: sends rejected records through the current pipeline again.
struct RedriveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redrive",
        abstract: "Process rejected records again through the current pipeline; publish those that pass now.",
        discussion: """
            Reads the pipeline's rejected topic over a range (all of it by default; offsets, or times, \
            which are the original records' times), keeps the rejections that --reason and --site \
            select, and processes each original payload again under its original source coordinates: \
            an event that passes now gets exactly the ids it would have had if it had been accepted \
            the first time. A dry run by default: it prints counts by reason, what would pass now and \
            a sample. --execute publishes the outputs of those that pass to the pipeline's enriched \
            and signals topics (or --output-prefix ones), then marks them in the ledger topic \
            (<rejected topic>.redriven), so a second redrive of the same range publishes nothing \
            new. Records rejected again stay where they are; nothing is written to the rejected topic.
            """
    )

    @OptionGroup var pipelineArguments: PipelineArguments

    @OptionGroup var range: RangeArguments

    @Option(
        help: ArgumentHelp(
            "Redrive only rejections with these reasons (comma-separated, repeatable).",
            valueName: "reason"
        )
    )
    var reason: [String] = []

    @Option(
        help: ArgumentHelp("Redrive only events of these site_ids (comma-separated, repeatable).", valueName: "site")
    )
    var site: [String] = []

    @Flag(help: "Publish the outputs of rejections that pass now (default: a dry run).")
    var execute = false

    @Option(help: "Publish to PREFIX.<output topic> instead (created if missing).")
    var outputPrefix: String?

    @Option(help: "The ledger topic of what was redriven (default: <rejected topic>.redriven).")
    var ledgerTopic: String?

    @Option(help: "How many redriven records to show as a sample.")
    var sample: Int = 5

    @OptionGroup var logging: LoggingArguments

    @Flag(inversion: .prefixedNo, help: "Show progress (default: on a terminal).")
    var progress: Bool?

    func validate() throws {
        guard (0...1_000).contains(sample) else { throw ValidationError("--sample must be 0...1000, not \(sample)") }
        let known = Set(RejectionReason.allCases.map(\.rawValue))
        for name in reasons where !known.contains(name) {
            throw ValidationError(
                "--reason \(name) is not a reason code; the codes are \(RejectionReason.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
    }

    private var reasons: Set<String> { Set(reason.flatMap { $0.split(separator: ",").map(String.init) }) }
    private var sites: Set<String> { Set(site.flatMap { $0.split(separator: ",").map(String.init) }) }

    func run() async throws {
        try requireSupportedLibrdkafka()
        let logger = logging.bootstrap()
        var pipeline = try pipelineArguments.load()
        let rejectedTopic = pipeline.outputs.rejected
        if let outputPrefix {
            pipeline.outputs = try pipeline.outputs.prefixed(by: outputPrefix)
        }
        let assembly = try assembleProcessor(pipeline, logger: logger)
        let ranges = try await range.resolve(topic: rejectedTopic, in: pipeline)
        if execute {
            try await createTopics(
                pipeline,
                ledger: ledgerTopic ?? RedriveLedger.defaultTopic(for: rejectedTopic),
                logger: logger
            )
        }
        let request = Redrive.Request(
            rejectedTopic: rejectedTopic,
            ranges: ranges,
            reasons: reasons,
            sites: sites,
            enrichedTopic: pipeline.outputs.enriched,
            signalsTopic: pipeline.outputs.signals,
            ledgerTopic: ledgerTopic ?? RedriveLedger.defaultTopic(for: rejectedTopic),
            pipelineName: pipeline.name,
            execute: execute,
            sampleSize: sample
        )
        let total = ranges.reduce(Int64(0)) { $0 + ($1.end - $1.start) }
        FileHandle.standardError.write(
            Data(
                "redrive: \(total) records of \(rejectedTopic) [\(ranges.map(\.description).joined(separator: ", "))]\(execute ? "" : " (dry run)")\n"
                    .utf8
            )
        )
        let showsProgress = progress ?? (isatty(STDERR_FILENO) != 0)
        let redrive = Redrive(processor: assembly.processor, pipeline: pipeline)
        let summary: RedriveSummary
        do {
            summary = try await redrive.run(request) { counts in
                guard showsProgress else { return }
                FileHandle.standardError.write(
                    Data("redrive: \(counts.read)/\(total) read, \(counts.passing) pass now\n".utf8)
                )
            }
        } catch {
            throw CommandFailure(message: "redrive: \(error)", exitCode: error.isUsageError ? 1 : 2)
        }
        print(
            summary.report(
                executed: execute,
                rejectedTopic: rejectedTopic,
                destinations: [pipeline.outputs.enriched, pipeline.outputs.signals]
            )
        )
    }

    /// The ledger topic (one partition), and the prefixed output topics (the input's partition count).
    private func createTopics(_ pipeline: PipelineConfiguration, ledger: String, logger: Logger) async throws {
        let admin = try KafkaAdmin(configuration: pipeline.adminConfiguration())
        var topics = [KafkaAdmin.NewTopic(name: ledger, partitions: 1)]
        if outputPrefix != nil {
            let partitions = Int32(clamping: try await admin.partitionCounts([pipeline.input])[pipeline.input] ?? 1)
            topics += [pipeline.outputs.enriched, pipeline.outputs.signals].map {
                .init(name: $0, partitions: max(partitions, 1))
            }
        }
        let created = try await admin.createTopics(topics)
        if !created.isEmpty { logger.notice("created topics", metadata: ["topics": "\(created)"]) }
    }
}
