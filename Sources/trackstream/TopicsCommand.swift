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

        @Option(help: "Partitions of each new topic, 1 to 100000 (the most instances one group can use).")
        var partitions: Int32 = 4

        @Option(help: "Replication factor of each new topic, 1 to 10000 (-1: the broker's default).")
        var replicationFactor: Int32 = -1

        /// librdkafka's bounds for a new topic (`RD_KAFKAP_PARTITIONS_MAX`, `RD_KAFKAP_BROKERS_MAX`);
        /// beyond them it refuses the request, which would otherwise surface as a runtime failure.
        static let partitionsRange: ClosedRange<Int32> = 1...100_000
        static let replicationFactorRange: ClosedRange<Int32> = 1...10_000

        func validate() throws {
            guard Self.partitionsRange.contains(partitions) else {
                throw ValidationError(
                    "--partitions must be \(Self.partitionsRange.lowerBound) to \(Self.partitionsRange.upperBound), "
                        + "not \(partitions)"
                )
            }
            guard replicationFactor == -1 || Self.replicationFactorRange.contains(replicationFactor) else {
                throw ValidationError(
                    "--replication-factor must be -1 (the broker's default) or "
                        + "\(Self.replicationFactorRange.lowerBound) to \(Self.replicationFactorRange.upperBound), "
                        + "not \(replicationFactor)"
                )
            }
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
