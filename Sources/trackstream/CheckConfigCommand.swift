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
            Prints the configuration as the service would use it: ${VAR} references expanded, defaults \
            filled in, then TRACKSTREAM_BROKERS / TRACKSTREAM_GROUP / TRACKSTREAM_GEOIP_DATABASE applied, then \
            --kafka-file, --brokers, --group and --kafka; then opens what the enrichments use (the geolocation \
            database, uap-core's regexes, the pseudonym key from its environment variable) and says what is \
            in use: the database's type, build date and IP versions. Secret values are shown as <redacted>.
            """
    )

    @OptionGroup var pipelineArguments: PipelineArguments

    func run() async throws {
        let resolved = try pipelineArguments.load()
        do {
            let assembly = try ProcessorAssembly.assemble(resolved)
            print("# \(pipelineArguments.pipeline): valid")
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
