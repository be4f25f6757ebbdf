import ArgumentParser
import Foundation
import Kafka
import TrackPipeline

/// The pipeline file and the overrides every Kafka command takes.
struct PipelineArguments: ParsableArguments {
    @Argument(help: "The pipeline file.")
    var pipeline: String = PipelineLoader.defaultPath

    @OptionGroup var overrides: PipelineOverrideOptions

    /// The resolved pipeline: file, then environment, then flags; exit 1 with the reason on error.
    func load() throws -> PipelineConfiguration {
        try overrides.load(path: pipeline)
    }
}

/// The overrides of a pipeline file that every Kafka command takes.
struct PipelineOverrideOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers (host:port,...), overriding the file and TRACKSTREAM_BROKERS.")
    var brokers: String?

    @Option(help: "Consumer group, overriding the file and TRACKSTREAM_GROUP.")
    var group: String?

    @Option(
        name: .customLong("kafka"),
        help: ArgumentHelp(
            "A librdkafka property for this run, overriding the file's kafka map (repeatable).",
            valueName: "key=value"
        )
    )
    var kafkaProperties: [String] = []

    @Option(
        name: .customLong("kafka-file"),
        help: ArgumentHelp(
            "A Java client properties file (as for kafka-consumer-groups --command-config) whose settings "
                + "override the file's kafka map; --brokers and --kafka override it.",
            valueName: "file"
        )
    )
    var kafkaFile: String?

    func validate() throws {
        try validateOverrides(brokers: brokers, group: group)
    }

    /// The pipeline at `path`, resolved: the file (its `${VAR}` references expanded), then
    /// environment, then `--kafka-file`, `--brokers`, `--group`, `--kafka`; exit 1 with the reason on error.
    func load(path pipeline: String) throws -> PipelineConfiguration {
        var kafka: [PipelineConfiguration.KafkaProperty] = []
        for argument in kafkaProperties {
            guard let property = PipelineOverrides.kafkaProperty(fromArgument: argument) else {
                // `--kafka sasl.password:hunter2` is a typo that must not be repeated in a log.
                let shown = SecretProperty.isSecret(argument) ? "(an argument naming a secret)" : "\"\(argument)\""
                throw CommandFailure(
                    message: "--kafka \(shown): want KEY=VALUE, a librdkafka property such as "
                        + "--kafka session.timeout.ms=6000",
                    exitCode: 1
                )
            }
            kafka.append(property)
        }
        let fromFile = try kafkaFile.map(Self.loadKafkaFile) ?? []
        do {
            return try PipelineLoader.load(
                path: pipeline,
                flags: PipelineOverrides(kafkaFile: fromFile, brokers: brokers, group: group, kafka: kafka)
            )
        } catch {
            throw CommandFailure(message: "\(error)", exitCode: 1)
        }
    }

    /// The librdkafka properties of a `--kafka-file`, each checked by librdkafka on its own, so
    /// that one it refuses is reported with the file's name and line.
    static func loadKafkaFile(_ path: String) throws -> [PipelineConfiguration.KafkaProperty] {
        do {
            let entries = try KafkaPropertiesFile.load(path: path)
            for entry in entries {
                do {
                    try KafkaConfiguration(properties: [.init(key: entry.property.key, value: entry.property.value)])
                        .validate()
                } catch {
                    throw KafkaFileError(
                        file: path,
                        line: entry.line,
                        key: entry.property.key,
                        problem: "librdkafka refuses it: \(error.message)",
                        remedy: "fix or remove it (librdkafka's CONFIGURATION.md lists the properties it knows)"
                    )
                }
            }
            return entries.map(\.property)
        } catch {
            throw CommandFailure(message: "--kafka-file \(error)", exitCode: 1)
        }
    }
}

/// Refuses an empty `--brokers` or `--group`, which would replace the pipeline's value with nothing
/// (a consumer without a group cannot be made).
func validateOverrides(brokers: String?, group: String?) throws {
    if let brokers, brokers.allSatisfy(\.isWhitespace) {
        throw ValidationError("--brokers is empty; give host:port[,host:port…], or leave it out to use the pipeline's")
    }
    if let group, group.isEmpty {
        throw ValidationError("--group is empty; give a consumer group, or leave it out to use the pipeline's")
    }
}
