import ArgumentParser
import Foundation
import Kafka
import TrackDomain
import TrackPipeline
import TrackRuntime

/// `trackstream tail`: shows the records of a pipeline's topic, as a person or `jq` wants them.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Show records of the pipeline's outputs, its input, or any topic.",
        discussion: """
            TOPIC is enriched, signals, rejected (the pipeline's outputs), raw (its input), or a topic \
            name. Reads outside any consumer group: nothing is committed. Without --from, shows the \
            last --count records (10 by default) of the topic, newest last, looking at that many of \
            each partition. --from beginning|end|OFFSET|DATETIME starts there in every partition and \
            shows up to --count records (all of them without --count) until the end of the log. \
            --follow keeps showing records as they arrive, until interrupted. --where NAME=VALUE keeps \
            only records whose JSON member NAME (a dotted path; `site` means site_id; `key` the \
            record's key) equals VALUE; VALUE may list alternatives, a,b; different names must all hold.
            Examples: trackstream tail enriched --follow; trackstream tail rejected --from beginning \
            --where reason=invalid_score --format json | jq .value.payload
            """
    )

    @Argument(
        help: ArgumentHelp(
            "The topic; or, followed by the topic, the pipeline file (default Pipelines/track.yml).",
            valueName: "pipeline-or-topic"
        )
    )
    var first: String

    @Argument(help: ArgumentHelp("The topic, when the pipeline file comes first.", valueName: "topic"))
    var second: String?

    @Option(help: "Where to start: beginning, end, an offset, or an ISO-8601 date-time with zone.")
    var from: String?

    @Option(help: "Show at most this many records (default: 10 without --from, else all).")
    var count: Int?

    @Flag(help: "Keep showing records as they arrive.")
    var follow = false

    @Option(help: "Partitions to read, comma-separated (default: all).")
    var partitions: String?

    @Option(help: "Output format: pretty (one aligned line per record) or json (one object per line).")
    var format: OutputFormat = .pretty

    @Option(
        name: .customLong("where"),
        help: ArgumentHelp("Show only records where NAME=VALUE (repeatable).", valueName: "name=value")
    )
    var conditions: [String] = []

    @Option(help: "Colour the pretty format: auto (on a terminal, unless NO_COLOR is set), always, never.")
    var color: ColourChoice = .auto

    @OptionGroup var overrides: PipelineOverrideOptions

    enum ColourChoice: String, ExpressibleByArgument, CaseIterable {
        case auto, always, never
    }

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case pretty, json
    }

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be 1 or more, not \(count)") }
        if let partitions, partitions.split(separator: ",").allSatisfy({ $0.allSatisfy(\.isWhitespace) }) {
            throw ValidationError("--partitions '\(partitions)' names no partition; write e.g. --partitions 0,2")
        }
        _ = try start()
        do {
            _ = try RecordFilter(conditions)
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// `--from` as a range start; nil without it.
    private func start() throws -> TopicRanges.Start? {
        guard let from else { return nil }
        switch from {
        case "beginning", "earliest": return .beginning
        case "end", "latest": return .end
        default:
            if let offset = Int64(from) {
                guard offset >= 0 else { throw ValidationError("--from \(from): an offset must be 0 or more") }
                return .offset(offset)
            }
            do {
                return .time(try ISO8601.parseDateTime(from))
            } catch {
                throw ValidationError("--from: want beginning, end, an offset or a date-time; \(error)")
            }
        }
    }

    func run() async throws {
        try requireSupportedLibrdkafka()
        let pipeline = try overrides.load(path: second == nil ? PipelineLoader.defaultPath : first)
        let topic = Self.topic(named: second ?? first, in: pipeline)
        let filter = try RecordFilter(conditions)
        let colour =
            switch color {
            case .always: true
            case .never: false
            case .auto: isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            }
        var printer = TailPrinter(
            formatter: TailFormatter(format: format == .json ? .json : .pretty, colour: colour),
            filter: filter
        )
        let configuration = pipeline.consumerConfiguration()
        do {
            let ranges = try TopicRanges(pipeline: pipeline)
            let selected = try await ranges.partitions(of: topic, selecting: partitions)
            let reader = TopicReader(configuration: configuration)
            if let start = try start() {
                printer.limit = count
                let read = try await ranges.resolve(
                    topic: topic,
                    partitions: selected,
                    from: start,
                    to: follow ? .unbounded : .logEnd
                )
                try await reader.read(topic: topic, ranges: read) { printer.show(TailRecord($0)) }
                return
            }
            // The last `count` records: that many of each partition, the newest `count` of them in
            // time order; then, following, everything after.
            let last = Int64(count ?? 10)
            let tails = try await ranges.resolve(topic: topic, partitions: selected, from: .last(last), to: .logEnd)
            var records: [TailRecord] = []
            try await reader.read(topic: topic, ranges: tails) {
                let record = TailRecord($0)
                if printer.passes(record) { records.append(record) }
                return true
            }
            records.sort {
                ($0.timestamp ?? .min, $0.partition, $0.offset) < ($1.timestamp ?? .min, $1.partition, $1.offset)
            }
            for record in records.suffix(Int(last)) { printer.show(record) }
            guard follow else { return }
            if let count {
                guard printer.shown < count else { return }
                printer.limit = count
            }
            let rest = tails.map { PartitionRange(partition: $0.partition, start: $0.end, end: .max) }
            try await reader.read(topic: topic, ranges: rest) { printer.show(TailRecord($0)) }
        } catch let error as OffsetToolError {
            throw CommandFailure(message: "tail: \(error)", exitCode: error.isUsageError ? 1 : 2)
        }
    }

    /// The topic a name stands for: the pipeline's outputs and input by their short names, else itself.
    static func topic(named name: String, in pipeline: PipelineConfiguration) -> String {
        switch name {
        case "enriched": pipeline.outputs.enriched
        case "signals": pipeline.outputs.signals
        case "rejected": pipeline.outputs.rejected
        case "raw", "input": pipeline.input
        default: name
        }
    }
}

/// Prints the records that pass the filter, one line each, until the limit.
struct TailPrinter {
    let formatter: TailFormatter
    let filter: RecordFilter
    /// How many records to show in all; nil for no limit.
    var limit: Int?
    private(set) var shown = 0

    init(formatter: TailFormatter, filter: RecordFilter) {
        self.formatter = formatter
        self.filter = filter
    }

    /// Whether `record` passes the filter.
    func passes(_ record: TailRecord) -> Bool {
        filter.isEmpty
            || filter.matches(key: record.key.map { String(decoding: $0, as: UTF8.self) }, value: Self.parsed(record))
    }

    /// Shows `record` when it passes the filter; false once the limit is reached (stop reading).
    @discardableResult
    mutating func show(_ record: TailRecord) -> Bool {
        if let limit, shown >= limit { return false }
        let value = Self.parsed(record)
        let key = record.key.map { String(decoding: $0, as: UTF8.self) }
        guard filter.matches(key: key, value: value) else { return true }
        let line = formatter.line(for: record, value: value) + "\n"
        FileHandle.standardOutput.write(Data(line.utf8))
        shown += 1
        if let limit { return shown < limit }
        return true
    }

    /// The record's value parsed, nil when it is not strict JSON.
    private static func parsed(_ record: TailRecord) -> JSONValue? {
        record.value.flatMap { try? JSONParser.parse($0) }
    }
}
