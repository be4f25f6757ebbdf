import ArgumentParser
import Foundation
import TrackPipeline

/// The pipeline file and the two overrides every Kafka command takes.
struct PipelineArguments: ParsableArguments {
    @Argument(help: "The pipeline file.")
    var pipeline: String = PipelineLoader.defaultPath

    @Option(help: "Kafka bootstrap servers (host:port,...), overriding the file and TRACKSTREAM_BROKERS.")
    var brokers: String?

    @Option(help: "Consumer group, overriding the file and TRACKSTREAM_GROUP.")
    var group: String?

    /// The resolved pipeline: file, then environment, then flags; exit 1 with the reason on error.
    func load() throws -> PipelineConfiguration {
        do {
            return try PipelineLoader.load(path: pipeline, flags: PipelineOverrides(brokers: brokers, group: group))
        } catch {
            throw CommandFailure(message: "\(error)", exitCode: 1)
        }
    }
}
