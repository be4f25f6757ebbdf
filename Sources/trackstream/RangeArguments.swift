import ArgumentParser
import TrackPipeline
import TrackRuntime

/// The options of the commands that read part of a topic (`replay`, `redrive`): where to start and
/// stop in every selected partition, by offset or by time.
///
/// Offsets: `--from-offset` is the first one read, `--to-offset` the first one not read. Times
/// select by record timestamp. Without an end, the range runs to the log's end when the command starts.
struct RangeArguments: ParsableArguments {
    @Option(help: "First offset to read, in every selected partition.")
    var fromOffset: Int64?

    @Option(help: "Read from the first record at or after this time (ISO-8601 with zone).")
    var fromDatetime: String?

    @Option(help: "Stop before this offset, in every selected partition.")
    var toOffset: Int64?

    @Option(help: "Stop before the first record at or after this time (ISO-8601 with zone).")
    var toDatetime: String?

    @Option(help: "Partitions to read, comma-separated (default: all).")
    var partitions: String?

    func validate() throws {
        guard fromOffset == nil || fromDatetime == nil else {
            throw ValidationError("give at most one of --from-offset and --from-datetime")
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

    /// Whether a start was given.
    var hasStart: Bool { fromOffset != nil || fromDatetime != nil }

    /// The range of each selected partition of `topic`, starting at `defaultStart` when no start was given.
    func resolve(
        topic: String,
        in pipeline: PipelineConfiguration,
        defaultStart: TopicRanges.Start = .beginning
    ) async throws -> [PartitionRange] {
        do {
            let ranges = try TopicRanges(pipeline: pipeline)
            let selected = try await ranges.partitions(of: topic, selecting: partitions)
            let start: TopicRanges.Start =
                if let fromOffset { .offset(fromOffset) } else if let fromDatetime {
                    .time(try ISO8601.parseDateTime(fromDatetime))
                } else { defaultStart }
            let end: TopicRanges.End =
                if let toOffset { .offset(toOffset) } else if let toDatetime {
                    .time(try ISO8601.parseDateTime(toDatetime))
                } else { .logEnd }
            return try await ranges.resolve(topic: topic, partitions: selected, from: start, to: end)
        } catch {
            throw CommandFailure(message: "\(error)", exitCode: error.isUsageError ? 1 : 2)
        }
    }
}

extension PipelineConfiguration.Outputs {
    /// The output topics named `PREFIX.<topic>` (`--output-prefix`); exit 1 when Kafka would refuse a name.
    func prefixed(by prefix: String) throws -> Self {
        let separator = prefix.hasSuffix(".") ? "" : "."
        let prefixed = Self(
            enriched: prefix + separator + enriched,
            signals: prefix + separator + signals,
            rejected: prefix + separator + rejected
        )
        for name in [prefixed.enriched, prefixed.signals, prefixed.rejected] {
            if let problem = TopicName.problem(with: name) {
                throw CommandFailure(
                    message: "--output-prefix makes an output topic name that Kafka refuses: \(problem); "
                        + "\(TopicName.rule): choose a shorter prefix of those characters",
                    exitCode: 1
                )
            }
        }
        return prefixed
    }
}
