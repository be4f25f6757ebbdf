import ArgumentParser
import Foundation
import Kafka
import TrackPipeline
import TrackRuntime

/// `trackstream offsets`: a consumer group's committed offsets, shown and reset.
struct OffsetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offsets",
        abstract: "Show or reset a consumer group's committed offsets.",
        subcommands: [Show.self, Reset.self]
    )

    /// `trackstream offsets show`: committed offsets, log bounds and lag per partition.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the group's state, members, and per partition its committed offset, log bounds and lag.",
            discussion: """
                LAG is in records; LAG-SECONDS is the age of the oldest unconsumed record (from record timestamps). \
                The group defaults to the pipeline's group.
                """
        )

        @OptionGroup var pipelineArguments: PipelineArguments

        @Option(
            help: ArgumentHelp(
                "Topic to show, TOPIC or TOPIC:P,P,… (default: the topics the group committed, else the pipeline's input).",
                valueName: "topic"
            )
        )
        var topic: String?

        func run() async throws {
            try requireSupportedLibrdkafka()
            let pipeline = try pipelineArguments.load()
            try await OffsetsCommand.reportingFailures {
                let offsets = try OffsetsCommand.groupOffsets(pipeline)
                var selections: [PartitionSelection]
                if let topic {
                    selections = [try PartitionSelection(parsing: topic)]
                } else {
                    selections = try await offsets.committedTopics().map { PartitionSelection(topic: $0) }
                    if selections.isEmpty { selections = [PartitionSelection(topic: pipeline.input)] }
                }
                print(try await offsets.report(topics: selections).rendered(), terminator: "")
            }
        }
    }

    /// `trackstream offsets reset`: moves the committed offsets of an inactive group.
    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plan (dry run, the default) or commit (--execute) new offsets for an inactive group.",
            discussion: """
                Exactly one scenario. Targets before the log start or past the log end are clamped to it. \
                The group must have no members: stop its consumers first.

                Examples: --to-datetime 2026-11-28T00:00:00+01:00, --by-duration PT2H, --shift-by -100, \
                --topic track.raw:0,2.
                """
        )

        @OptionGroup var pipelineArguments: PipelineArguments

        @Option(help: ArgumentHelp("The topic to reset, TOPIC or TOPIC:P,P,… for some partitions.", valueName: "topic"))
        var topic: String

        @Flag(help: "Reset to the log start of each partition.")
        var toEarliest = false

        @Flag(help: "Reset to the log end of each partition.")
        var toLatest = false

        @Option(help: ArgumentHelp("Reset every selected partition to this offset.", valueName: "offset"))
        var toOffset: Int64?

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("Move the committed offsets by ±N records.", valueName: "±N")
        )
        var shiftBy: String?

        @Option(
            help: ArgumentHelp(
                "Reset to the first record at or after this ISO-8601 time with its zone.",
                valueName: "datetime"
            )
        )
        var toDatetime: String?

        @Option(
            help: ArgumentHelp(
                "Reset to the first record at or after now minus this duration.",
                valueName: "PnDTnHnMnS"
            )
        )
        var byDuration: String?

        @Flag(help: "Commit the new offsets (without it, only the plan is printed).")
        var execute = false

        func validate() throws {
            let chosen = [
                toEarliest ? "--to-earliest" : nil, toLatest ? "--to-latest" : nil, toOffset.map { _ in "--to-offset" },
                shiftBy.map { _ in "--shift-by" }, toDatetime.map { _ in "--to-datetime" },
                byDuration.map { _ in "--by-duration" },
            ]
            .compactMap { $0 }
            guard chosen.count == 1 else {
                throw ValidationError(
                    chosen.isEmpty
                        ? "choose a scenario: --to-earliest, --to-latest, --to-offset N, --shift-by ±N, "
                            + "--to-datetime ISO-8601 or --by-duration PnDTnHnMnS"
                        : "choose one scenario, not \(chosen.joined(separator: " and "))"
                )
            }
            if let toOffset, toOffset < 0 { throw ValidationError("--to-offset must be 0 or more, not \(toOffset)") }
        }

        /// The scenario the flags name, with its times and numbers parsed.
        func scenario() throws(OffsetToolError) -> OffsetResetScenario {
            if toEarliest { return .toEarliest }
            if toLatest { return .toLatest }
            if let toOffset { return .toOffset(toOffset) }
            if let shiftBy {
                guard let count = Int64(shiftBy) else {
                    throw .invalidArgument(
                        "--shift-by '\(shiftBy)' is not a whole number from \(Int64.min) to \(Int64.max); "
                            + "write e.g. -100 or +50"
                    )
                }
                return .shiftBy(count)
            }
            if let toDatetime { return .toTimestamp(try ISO8601.parseDateTime(toDatetime)) }
            if let byDuration { return .byDuration(try ISO8601.parseDuration(byDuration)) }
            throw .invalidArgument("choose a scenario")
        }

        func run() async throws {
            try requireSupportedLibrdkafka()
            let pipeline = try pipelineArguments.load()
            try await OffsetsCommand.reportingFailures {
                let scenario = try scenario()
                let selection = try PartitionSelection(parsing: topic)
                let offsets = try OffsetsCommand.groupOffsets(pipeline)
                let plan = try await offsets.plan(scenario, for: selection, now: currentMilliseconds())
                print("group \(offsets.group), topic \(selection), reset \(scenario):")
                print(plan.rendered(), terminator: "")
                if plan.offsets.contains(where: { $0.clamp != nil }) {
                    print("some targets were outside the log and were clamped to its start or end (see NOTE)")
                }
                guard execute else {
                    do {
                        try await offsets.requireInactive()
                    } catch OffsetToolError.activeGroup(_, let members) {
                        print(
                            "note: the group has \(members.count) member(s) now; --execute will refuse until they stop"
                        )
                    }
                    print("dry run: nothing changed; add --execute to commit these offsets")
                    return
                }
                try await offsets.execute(plan)
                print("committed the new offsets of \(plan.offsets.count) partition(s) for group \(offsets.group)")
            }
        }
    }

    /// The group's offsets on the pipeline's cluster.
    static func groupOffsets(_ pipeline: PipelineConfiguration) throws(OffsetToolError) -> GroupOffsets {
        do {
            return GroupOffsets(
                group: pipeline.group,
                admin: try KafkaAdmin(configuration: pipeline.adminConfiguration(), requestTimeout: .seconds(15)),
                reader: PartitionReader(configuration: pipeline.consumerConfiguration())
            )
        } catch {
            throw .invalidArgument(
                "the pipeline's kafka settings cannot make a client: \(error); fix them in the pipeline file"
            )
        }
    }

    /// Runs `body`, turning an ``OffsetToolError`` into one message and exit 1 (the operator's
    /// input) or 2 (the cluster).
    static func reportingFailures(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as OffsetToolError {
            throw CommandFailure(message: error.description, exitCode: error.isUsageError ? 1 : 2)
        }
    }
}

/// Milliseconds since the epoch, for `--by-duration`.
private func currentMilliseconds() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded())
}
