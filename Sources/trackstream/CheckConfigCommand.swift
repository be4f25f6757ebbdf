import ArgumentParser
import Foundation
import Kafka
import TrackPipeline
import TrackRuntime

/// Validates a pipeline file and prints the resolved configuration.
///
/// Exit status 0 when the file is valid, 1 (with the file, line, key and reason on stderr) when not.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a pipeline file and print the resolved configuration.",
        discussion: """
            Prints the configuration as the service would use it: defaults filled in, then \
            TRACKSTREAM_BROKERS / TRACKSTREAM_GROUP / TRACKSTREAM_GEOIP_DATABASE applied, then \
            --brokers / --group; then opens what the enrichments use (the geolocation database, \
            uap-core's regexes, the pseudonym key from its environment variable) and says what is \
            in use: the database's type, build date and IP versions.
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
            let assembly = try ProcessorAssembly.assemble(resolved)
            print("# \(pipeline): valid")
            for line in assembly.summary { print("# \(line)") }
            for warning in assembly.warnings { print("# warning: \(warning)") }
            // Secret values (passwords, keys, tokens) are never printed.
            print(resolved.renderedYAML(redacting: SecretProperty.isSecret), terminator: "")
        } catch {
            FileHandle.standardError.write(Data("trackstream check-config: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
