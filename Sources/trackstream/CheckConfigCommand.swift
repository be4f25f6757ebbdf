import ArgumentParser
import Foundation
import TrackPipeline

/// Validates a pipeline file and prints the resolved configuration.
///
/// Exit status 0 when the file is valid, 1 (with the file, line, key and reason on stderr) when not.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a pipeline file and print the resolved configuration.",
        discussion: """
            Prints the configuration as the service would use it: defaults filled in, then \
            TRACKSTREAM_BROKERS / TRACKSTREAM_GROUP applied, then --brokers / --group.
            """
    )

    @Argument(help: "The pipeline file.")
    var pipeline: String = PipelineLoader.defaultPath

    @Option(help: "Kafka bootstrap servers, overriding the file and TRACKSTREAM_BROKERS.")
    var brokers: String?

    @Option(help: "Consumer group, overriding the file and TRACKSTREAM_GROUP.")
    var group: String?

    func validate() throws {
        try validateOverrides(brokers: brokers, group: group)
    }

    func run() async throws {
        do {
            let resolved = try PipelineLoader.load(
                path: pipeline,
                flags: PipelineOverrides(brokers: brokers, group: group)
            )
            print("# \(pipeline): valid")
            print(resolved.renderedYAML(), terminator: "")
        } catch {
            FileHandle.standardError.write(Data("trackstream check-config: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
