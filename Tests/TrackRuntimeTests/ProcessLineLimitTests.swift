import Foundation
import StrictOutputs
import Testing

/// `trackstream process` on lines no event can be: it reads past a line longer than the event limit
/// plus a margin without holding it, rejects it once as `too_large` without its payload, and goes on.
@Suite("process: over-long lines")
struct ProcessLineLimitTests {
    static let event = #"{"site_id":"s","event_type":"viewed","bsin":"u1","url":"https://a.example/x"}"#
    /// The pipeline's event limit; the margin (64 KiB) comes on top.
    static let limit = 1000
    static let huge = 100_000_000

    @Test(
        "a 100 MB line among events, and an over-long last line without a newline: one rejection each, bounded memory"
    )
    func overLongLines() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pipeline = directory.appendingPathComponent("p.yml").path
        try "limits: {max_event_bytes: \(Self.limit)}\n".write(toFile: pipeline, atomically: true, encoding: .utf8)
        let input = directory.appendingPathComponent("in.jsonl").path
        let nearLimit = "\"" + String(repeating: "n", count: Self.limit + 500) + "\""
        try Self.write(
            to: input,
            [
                Self.event, nearLimit, Self.huge, Self.event, String(repeating: "y", count: Self.limit + 70_000) + "\n",
                Self.event, 200_000,
            ]
        )
        let output = directory.appendingPathComponent("out").path
        let (result, peak) = try Self.runMeasured(
            trackstreamBinary,
            ["process", "--input", input, "--pipeline", pipeline, "--output-dir", output, "--bot-regexes", "/none"]
        )
        #expect(result.status == 0, "\(result)")
        #expect(result.output.contains("processed 7 lines: 3 enriched"), "\(result)")
        #expect(result.output.contains("too_large=4"), "\(result)")
        #expect(peak < 100 << 20, "peak RSS \(peak >> 20) MiB for a \(Self.huge >> 20) MiB line")

        let rejectedLines = try String(contentsOfFile: output + "/rejected.jsonl", encoding: .utf8).split(
            separator: "\n"
        )
        for line in rejectedLines { StrictOutputs.expectStrict(Array(line.utf8), conformingTo: .rejection) }
        let rejected = try rejectedLines.map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(rejected.count == 4)
        let byOffset = Dictionary(
            uniqueKeysWithValues: rejected.map { (($0["source"] as? [String: Any])?["offset"] as? Int ?? -1, $0) }
        )
        #expect(byOffset.keys.sorted() == [1, 2, 4, 6])
        // Over the limit but within the margin: the usual rejection, payload included.
        #expect(byOffset[1]?["payload"] as? String == nearLimit)
        // Past the margin: the length and why the payload is missing.
        for (offset, length) in [(2, Self.huge), (4, Self.limit + 70_000), (6, 200_000)] {
            let rejection = try #require(byOffset[offset])
            #expect(rejection["reason"] as? String == "too_large")
            #expect(rejection["payload"] == nil && rejection["payload_base64"] == nil)
            #expect((rejection["message"] as? String)?.contains("the value is \(length) bytes") == true)
            let omitted = try #require(rejection["payload_omitted"] as? [String: Any], "\(rejection)")
            #expect(omitted["bytes"] as? Int == length)
            #expect((omitted["reason"] as? String)?.contains("not read into memory") == true)
        }
        let enriched = try String(contentsOfFile: output + "/enriched.jsonl", encoding: .utf8).split(separator: "\n")
        for line in enriched { StrictOutputs.expectStrict(Array(line.utf8), conformingTo: .enrichedEvent) }
        #expect(enriched.count == 3)
    }

    @Test("a file that is one line without a newline, far past the limit: one rejection")
    func noNewline() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("one.jsonl").path
        try Self.write(to: input, [Self.huge])
        let output = directory.appendingPathComponent("out").path
        let (result, peak) = try Self.runMeasured(
            trackstreamBinary,
            ["process", "--input", input, "--output-dir", output, "--bot-regexes", "/none"]
        )
        #expect(result.status == 0, "\(result)")
        #expect(
            result.output.contains("processed 1 lines: 0 enriched, 0 signals, 1 rejected (too_large=1)"),
            "\(result)"
        )
        #expect(peak < 100 << 20, "peak RSS \(peak >> 20) MiB")
    }

    /// Writes lines: a string as is plus `\n`, a number as that many `x` bytes plus `\n`, except a
    /// number last, which gets no newline.
    static func write(to path: String, _ lines: [Any]) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? file.close() }
        for (index, line) in lines.enumerated() {
            if let text = line as? String {
                try file.write(contentsOf: Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
            } else if let count = line as? Int {
                let block = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
                var left = count
                while left > 0 {
                    try file.write(contentsOf: block.prefix(min(left, block.count)))
                    left -= min(left, block.count)
                }
                if index < lines.count - 1 { try file.write(contentsOf: Data("\n".utf8)) }
            }
        }
    }

    /// Runs a command to completion; returns its result and its peak resident set size in bytes.
    ///
    /// The peak is the child's own `VmHWM`, read from /proc while it runs (its last reading before
    /// it exits): `wait4`'s `ru_maxrss` would count this test process's memory too, which a spawned
    /// child inherits until it executes the command.
    static func runMeasured(_ executable: String, _ arguments: [String]) throws -> (CommandResult, Int) {
        var peak = 0
        // Read before reaping: the high-water mark only grows, and a reaped process has no status.
        let result = try CommandResult.run(executable, arguments) { pid in peak = max(peak, highWaterMark(of: pid)) }
        return (result, peak)
    }

    /// `VmHWM` of a running process in bytes, 0 when it has none (exited).
    static func highWaterMark(of pid: pid_t) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Int(line.dropFirst("VmHWM:".count).filter(\.isNumber))
        else { return 0 }
        return kilobytes * 1024
    }
}
