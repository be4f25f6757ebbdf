import ArgumentParser
import Foundation
import Kafka
import TrackDomain

/// The `trackstream` command: a Kafka stream processor for tracking events.
@main
struct Trackstream: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trackstream",
        abstract: "Validate, normalize and enrich tracking events from Kafka; compute preference signals.",
        discussion: """
            Exit codes: 0 success, 1 usage or configuration error, 2 runtime failure.
            PIPELINE defaults to Pipelines/track.yml.
            """,
        version: "trackstream \(trackstreamVersion) (librdkafka \(Librdkafka.version))",
        subcommands: [
            RunCommand.self, ProcessCommand.self, CheckConfigCommand.self, TopicsCommand.self, GenerateCommand.self,
            ReplayCommand.self, TailCommand.self, RedriveCommand.self,
            KafkaCheckCommand.self, OffsetsCommand.self,
        ]
    )

    /// Runs the command and maps failures to the documented exit codes: 1 for usage and
    /// configuration errors, 2 for runtime failures, each with one message on standard error.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("trackstream: \(failure.message)\n".utf8))
            Foundation.exit(failure.exitCode)
        } catch {
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(code.rawValue == 64 ? 1 : code.rawValue)
        }
    }
}

/// Exits with status 1 and a fix when the loaded librdkafka is older than 2.2.
func requireSupportedLibrdkafka() throws {
    do {
        try Librdkafka.requireSupportedVersion()
    } catch {
        throw CommandFailure(message: error.description, exitCode: 1)
    }
}

/// A failure shown to a person: one message saying what went wrong and what to do, and an exit code.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var exitCode: Int32

    var description: String { message }
}
