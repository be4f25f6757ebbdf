#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stops the fuzz run on a broken property: libFuzzer catches the trap, saves the input as a
/// `crash-*` file and prints this message above its report.
public func violation(_ message: String) -> Never {
    fatalError("fuzz violation: \(message)")
}

/// The bugs known and being fixed in main when these targets were written, which every run would
/// otherwise stop at. A target skips exactly the symptom of one of them (and nothing else), counts it,
/// and goes on; the counts are printed when the process exits. `FUZZ_STRICT=1` turns the skips off, so
/// that a run proves the targets find them.
public enum KnownBug: Int, CaseIterable, Sendable {
    // TODO(total-inf): remove when main writes no `"total":inf` for a purchase whose Σ price × quantity
    // overflows a double (`"items":[{"sku":"a","price":1e308,"quantity":10}]`).
    case totalInfinity
    // TODO(signal-nan): remove when main writes no `"value":nan` for a `liked` whose score and bounds are
    // near 2^62 (score 4611686018427387904, score_min 4611686018427387904, score_max 4611686018427387905).
    case signalNaN
    // TODO(duplicate-keys-16): remove when JSONParser rejects duplicate keys in objects of 16 or more
    // members (its key Set misses the keys added after the Set was built).
    case duplicateKeysPast16

    public var name: String {
        switch self {
        case .totalInfinity: "total-inf"
        case .signalNaN: "signal-nan"
        case .duplicateKeysPast16: "duplicate-keys-16"
        }
    }
}

/// How often each known bug's symptom was skipped in this process.
public enum KnownBugs {
    /// Whether the skips are off (`FUZZ_STRICT=1`): every symptom is then a violation.
    public static let strict: Bool = {
        guard let value = getenv("FUZZ_STRICT") else { return false }
        return String(cString: value) == "1"
    }()

    /// Only the fuzzing thread touches the counts: libFuzzer runs one input at a time per process.
    nonisolated(unsafe) private static var counts = [Int](repeating: 0, count: KnownBug.allCases.count)
    nonisolated(unsafe) private static var reportInstalled = false
    /// The bugs already counted for the current input: a count is of inputs, not of symptoms.
    nonisolated(unsafe) private static var seenInInput = Set<KnownBug>()

    /// Starts a new input: every target calls it first.
    public static func beginInput() {
        if !seenInInput.isEmpty { seenInInput.removeAll(keepingCapacity: true) }
    }

    /// Records that the current input shows `bug`, or stops the run when skips are off.
    public static func skip(_ bug: KnownBug, _ detail: @autoclosure () -> String) {
        if strict { violation("known bug \(bug.name): \(detail())") }
        if !reportInstalled {
            reportInstalled = true
            atexit { KnownBugs.report() }
        }
        guard seenInInput.insert(bug).inserted else { return }
        counts[bug.rawValue] += 1
        if counts[bug.rawValue] == 1 {
            printError("fuzz: skipping the known bug \(bug.name) (first seen: \(detail().prefix(200)))")
        }
    }

    /// Prints one line per known bug that was seen: `fuzz: known bug total-inf skipped 12 times` (12
    /// inputs), and
    /// appends `total-inf 12` to the file `FUZZ_KNOWN_BUG_LOG` names, if any: libFuzzer's fork mode runs
    /// many processes whose output it does not keep, and scripts/fuzz adds their counts up from there.
    public static func report() {
        var lines = ""
        for bug in KnownBug.allCases where counts[bug.rawValue] > 0 {
            printError("fuzz: known bug \(bug.name) skipped \(counts[bug.rawValue]) times")
            lines += "\(bug.name) \(counts[bug.rawValue])\n"
        }
        guard !lines.isEmpty, let path = getenv("FUZZ_KNOWN_BUG_LOG") else { return }
        let file = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard file >= 0 else { return }
        lines.withUTF8 { bytes in _ = write(file, bytes.baseAddress, bytes.count) }
        close(file)
    }
}

/// Whether `FUZZ_PRINT=1` asks a target to print what it produced, for looking into a reproducer.
public let printOutputs: Bool = {
    guard let value = getenv("FUZZ_PRINT") else { return false }
    return String(cString: value) == "1"
}()

/// Writes one line to standard error, unbuffered, next to libFuzzer's own lines.
public func printError(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}

/// Reads a fuzz input front to back: control bytes first, then the payload.
public struct FuzzInput {
    public let bytes: UnsafeBufferPointer<UInt8>
    public private(set) var position = 0

    public init(_ data: UnsafePointer<UInt8>, _ size: Int) {
        bytes = UnsafeBufferPointer(start: data, count: size)
    }

    /// The next byte, or 0 past the end.
    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// The next eight bytes as a little-endian integer (zeros past the end).
    public mutating func int64() -> Int64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 8) { value |= UInt64(byte()) << UInt64(shift) }
        return Int64(bitPattern: value)
    }

    /// Every byte not read yet.
    public var rest: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[min(position, bytes.count)...])
    }
}

/// Whether `bytes` is valid UTF-8.
public func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    while true {
        switch decoder.decode(&iterator) {
        case .scalarValue: continue
        case .emptyInput: return true
        case .error: return false
        }
    }
}

/// A short printable form of bytes for violation messages.
public func excerpt(_ bytes: some Collection<UInt8>, limit: Int = 300) -> String {
    let text = String(decoding: bytes.prefix(limit), as: UTF8.self)
    return bytes.count > limit ? text + "… (\(bytes.count) bytes)" : text
}
