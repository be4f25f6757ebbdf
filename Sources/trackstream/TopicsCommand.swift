import ArgumentParser
import Kafka
import TrackPipeline
import TrackRuntime

/// `trackstream topics`: topic administration for a pipeline.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Manage the pipeline's topics.",
        subcommands: [Create.self]
    )

    /// `trackstream topics create`: creates the input and output topics that are missing.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the pipeline's input and output topics if missing."
        )

        @OptionGroup var pipelineArguments: PipelineArguments

        @Option(help: "Partitions of each new topic (the most instances one group can use).")
        var partitions: Int32 = 4

        @Option(help: "Replication factor of each new topic (-1: the broker's default).")
        var replicationFactor: Int32 = -1

        func validate() throws {
            guard partitions > 0 else { throw ValidationError("--partitions must be at least 1") }
        }

        func run() async throws {
            try requireSupportedLibrdkafka()
            let pipeline = try pipelineArguments.load()
            let names = [
                pipeline.input, pipeline.outputs.enriched, pipeline.outputs.signals, pipeline.outputs.rejected,
            ]
            do {
                let admin = try KafkaAdmin(configuration: pipeline.adminConfiguration())
                let created = try await admin.createTopics(
                    names.map { .init(name: $0, partitions: partitions, replicationFactor: replicationFactor) }
                )
                for name in names {
                    print("\(name): \(created.contains(name) ? "created with \(partitions) partitions" : "exists")")
                }
            } catch {
                throw CommandFailure(
                    message:
                        "creating topics failed: \(error). Check that the brokers in the pipeline's kafka.bootstrap.servers (or --brokers) are reachable.",
                    exitCode: 2
                )
            }
        }
    }
}
