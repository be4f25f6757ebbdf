import ArgumentParser
import Foundation
import TrackDomain
import TrackPipeline
import TrackRuntime

/// Runs the pipeline's stages over a JSONL file, with no broker.
///
/// Line `n` (0-based) of the input is the record at offset `n` of partition 0 of a topic named after
/// the file (its base name, e.g. `events.jsonl`, unless `--topic` says otherwise), with no Kafka
/// timestamp. Outputs are byte-identical to the Kafka path for the same coordinates, except for a
/// line longer than `limits.max_event_bytes` + ``lineMargin``: it is read past, never held whole,
/// and becomes one `too_large` rejection with `payload_omitted` instead of its payload.
struct ProcessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process",
        abstract: "Process a JSONL file of raw events through the stages, with no broker.",
        discussion: """
            Writes enriched.jsonl, signals.jsonl and rejected.jsonl (one value per line) into the \
            output directory. Exit status: 0 done, 1 usage or configuration error, 2 I/O failure.
            """
    )

    @Option(help: "The input file: one raw event value per line.")
    var input: String

    @Option(help: "Where to write enriched.jsonl, signals.jsonl and rejected.jsonl.")
    var outputDir: String = "."

    @Option(help: "The pipeline file for limits and signal settings (default: Pipelines/track.yml when present).")
    var pipeline: String?

    @Option(help: "The source topic named in lineage and ids (default: the input file's base name).")
    var topic: String?

    @Option(help: "The uap-core regexes file for bot detection and user agent parsing.")
    var botRegexes: String = BotDetectorLoader.defaultPath

    @Flag(help: "Print no progress on stderr.")
    var quiet = false

    func run() async throws {
        let assembly: ProcessorAssembly
        do {
            assembly = try ProcessorAssembly.assemble(try loadPipeline(), uapCorePath: botRegexes)
        } catch {
            Self.printError("trackstream process: \(error)")
            throw ExitCode(1)
        }
        for warning in assembly.warnings { Self.printError("warning: \(warning)") }
        let processor = assembly.processor
        let sourceTopic = topic ?? URL(fileURLWithPath: input).lastPathComponent
        let clock = ContinuousClock()
        let started = clock.now
        let summary: OfflineRunSummary
        var run = OfflineRun(processor: processor, topic: sourceTopic, reportProgress: !quiet)
        do {
            summary = try run.run(input: input, outputDirectory: outputDir)
        } catch {
            Self.printError("trackstream process: \(error)")
            throw ExitCode(2)
        }
        let elapsed = started.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(summary.report(seconds: seconds, outputDirectory: outputDir))
    }

    /// The named pipeline, else Pipelines/track.yml when present, else the defaults (with this
    /// process's environment overrides, such as TRACKSTREAM_GEOIP_DATABASE).
    private func loadPipeline() throws -> PipelineConfiguration {
        let path =
            pipeline
            ?? (FileManager.default.fileExists(atPath: PipelineLoader.defaultPath) ? PipelineLoader.defaultPath : nil)
        guard let path else {
            var defaults = PipelineConfiguration.defaults
            defaults.apply(.environment(ProcessInfo.processInfo.environment))
            return defaults
        }
        do {
            return try PipelineLoader.load(path: path)
        } catch {
            Self.printError("trackstream process: \(error)")
            throw ExitCode(1)
        }
    }

    /// How far past `limits.max_event_bytes` a line is still read whole, so that a value slightly
    /// over the limit is rejected with its payload, as on the Kafka path.
    static let lineMargin = 65_536

    fileprivate static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

/// Counts of one offline run, for the closing summary.
private struct OfflineRunSummary {
    var lines = 0
    var enriched = 0
    var signals = 0
    var rejected = 0
    var reasons: [RejectionReason: Int] = [:]

    func report(seconds: Double, outputDirectory: String) -> String {
        let rate = seconds > 0 ? Int(Double(lines) / seconds) : 0
        let reasonList = RejectionReason.allCases.compactMap { reason in
            reasons[reason].map { "\(reason.rawValue)=\($0)" }
        }
        return "processed \(lines) lines: \(enriched) enriched, \(signals) signals, \(rejected) rejected"
            + (reasonList.isEmpty ? "" : " (\(reasonList.joined(separator: ", ")))")
            + " in \(String(format: "%.2f", seconds)) s (\(rate) events/s); outputs in \(outputDirectory)"
    }
}

/// Why an offline run stopped.
private struct OfflineRunError: Error, CustomStringConvertible {
    var description: String
}

/// Streams a JSONL file through the processor into three JSONL files.
private struct OfflineRun {
    var processor: EventProcessor
    let topic: String
    let reportProgress: Bool
    private let progressInterval = 100_000

    init(processor: EventProcessor, topic: String, reportProgress: Bool) {
        self.processor = processor
        self.topic = topic
        self.reportProgress = reportProgress
    }

    mutating func run(input: String, outputDirectory: String) throws -> OfflineRunSummary {
        guard let reader = FileHandle(forReadingAtPath: input) else {
            throw OfflineRunError(description: "cannot open \(input) for reading; check the path and permissions")
        }
        defer { try? reader.close() }
        do {
            try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw OfflineRunError(description: "cannot create \(outputDirectory): \(error.localizedDescription)")
        }
        var enriched = try OutputFile(path: "\(outputDirectory)/enriched.jsonl")
        var signals = try OutputFile(path: "\(outputDirectory)/signals.jsonl")
        var rejected = try OutputFile(path: "\(outputDirectory)/rejected.jsonl")
        var summary = OfflineRunSummary()
        var lines = LineSplitter(maximumLineBytes: processor.configuration.maxEventBytes + ProcessCommand.lineMargin)
        while true {
            let chunk: Data?
            do {
                chunk = try reader.read(upToCount: 4 << 20)
            } catch {
                throw OfflineRunError(description: "cannot read \(input): \(error.localizedDescription)")
            }
            guard let chunk, !chunk.isEmpty else { break }
            try lines.feed(chunk) { line throws in
                try process(line, summary: &summary, enriched: &enriched, signals: &signals, rejected: &rejected)
            }
        }
        try lines.finish { line throws in
            try process(line, summary: &summary, enriched: &enriched, signals: &signals, rejected: &rejected)
        }
        try enriched.close()
        try signals.close()
        try rejected.close()
        if reportProgress && summary.lines >= progressInterval {
            ProcessCommand.printError("\(summary.lines) lines processed")
        }
        return summary
    }

    private mutating func process(
        _ line: Line,
        summary: inout OfflineRunSummary,
        enriched: inout OutputFile,
        signals: inout OutputFile,
        rejected: inout OutputFile
    ) throws {
        let source = SourceCoordinates(topic: topic, partition: 0, offset: Int64(summary.lines))
        let value: UnsafeRawBufferPointer
        switch line {
        case .whole(let bytes):
            value = bytes
        case .overLong(let byteCount, let limit):
            let reason =
                "the line is longer than \(limit) bytes (limits.max_event_bytes + \(ProcessCommand.lineMargin)); "
                + "it was not read into memory"
            try rejected.writeLine(
                processor.oversizedValueRejection(byteCount: byteCount, source: source, reason: reason)
            )
            summary.lines += 1
            summary.rejected += 1
            summary.reasons[.tooLarge, default: 0] += 1
            reportProgressIfDue(summary)
            return
        }
        let outcome = processor.process(value: value, source: source)
        for record in outcome.enriched { try enriched.writeLine(record.value) }
        for record in outcome.signals { try signals.writeLine(record.value) }
        if let rejection = outcome.rejection { try rejected.writeLine(rejection.value) }
        summary.lines += 1
        summary.enriched += outcome.enriched.count
        summary.signals += outcome.signals.count
        if let reason = outcome.rejectionReason {
            summary.rejected += 1
            summary.reasons[reason, default: 0] += 1
        }
        reportProgressIfDue(summary)
    }

    private func reportProgressIfDue(_ summary: OfflineRunSummary) {
        if reportProgress && summary.lines % progressInterval == 0 {
            ProcessCommand.printError("\(summary.lines) lines processed")
        }
    }
}

/// One line of the input: its bytes, or only its length when it is longer than the splitter keeps.
private enum Line {
    case whole(UnsafeRawBufferPointer)
    /// `byteCount` bytes, more than `limit`.
    case overLong(byteCount: Int, limit: Int)
}

/// Splits a byte stream on `\n`; a last line without a newline still counts, an empty tail does not.
///
/// A line longer than `maximumLineBytes` is only counted, never kept: memory stays bounded by the
/// limit and the chunk size however long a line (or a file without a newline) is, and the line is
/// reported as ``Line/overLong(byteCount:limit:)`` whatever the chunk boundaries.
private struct LineSplitter {
    let maximumLineBytes: Int
    private var carry: [UInt8] = []
    /// The length so far of an over-long line being read past.
    private var skipped: Int?

    init(maximumLineBytes: Int) { self.maximumLineBytes = maximumLineBytes }

    mutating func feed(_ chunk: Data, _ body: (Line) throws -> Void) throws {
        try chunk.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) throws in
            var start = 0
            while let newline = Self.newline(in: bytes, from: start) {
                let piece = UnsafeRawBufferPointer(rebasing: bytes[start..<newline])
                start = newline + 1
                if let length = lengthIfOverLong(adding: piece.count) {
                    try body(.overLong(byteCount: length, limit: maximumLineBytes))
                } else if carry.isEmpty {
                    try body(.whole(piece))
                } else {
                    carry.append(contentsOf: piece)
                    try carry.withUnsafeBytes { try body(.whole($0)) }
                    carry.removeAll(keepingCapacity: true)
                }
            }
            let tail = UnsafeRawBufferPointer(rebasing: bytes[start...])
            if let length = lengthIfOverLong(adding: tail.count) {
                skipped = length
            } else {
                carry.append(contentsOf: tail)
            }
        }
    }

    mutating func finish(_ body: (Line) throws -> Void) throws {
        if let skipped {
            try body(.overLong(byteCount: skipped, limit: maximumLineBytes))
        } else if !carry.isEmpty {
            try carry.withUnsafeBytes { try body(.whole($0)) }
        }
        carry.removeAll()
        skipped = nil
    }

    /// The index of the first `\n` at or after `start` (memchr: a long line is scanned at memory speed).
    private static func newline(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = bytes.baseAddress, start < bytes.count,
            let found = memchr(base + start, Int32(UInt8(ascii: "\n")), bytes.count - start)
        else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// The current line's length with `count` more bytes when that makes (or it already is) an
    /// over-long line, whose kept bytes are then dropped; nil while it fits.
    private mutating func lengthIfOverLong(adding count: Int) -> Int? {
        if let skipped {
            self.skipped = nil
            return skipped + count
        }
        let length = carry.count + count
        guard length > maximumLineBytes else { return nil }
        carry.removeAll(keepingCapacity: false)
        return length
    }
}

/// A JSONL output file written in large blocks.
private struct OutputFile {
    private let path: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private let flushThreshold = 1 << 20

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw OfflineRunError(description: "cannot create \(path); check the directory's permissions")
        }
        self.path = path
        self.handle = handle
        buffer.reserveCapacity(flushThreshold + 65_536)
    }

    mutating func writeLine(_ value: [UInt8]) throws {
        buffer.append(contentsOf: value)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= flushThreshold { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw OfflineRunError(description: "cannot write \(path): \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func close() throws {
        try flush()
        try? handle.close()
    }
}
