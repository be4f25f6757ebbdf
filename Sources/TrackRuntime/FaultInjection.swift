import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Crash points for fault-injection tests, enabled only by an explicit environment variable:
/// `TRACKSTREAM_FAULT=<point>[:<n>]` kills the process with SIGKILL the `n`-th time (default 1)
/// it passes `point`. Without the variable every check is one load of a constant.
///
/// Crash points: `handed-over` (a chunk's outputs handed to the producer, none acknowledged yet),
/// `acknowledged` (every output of a chunk acknowledged, its offsets not stored), `stored` (offsets
/// stored, not committed). Fatal points, which put a client into librdkafka's fatal state instead of
/// killing the process, counted in seconds of running: `fatal-producer`, `fatal-consumer`.
enum FaultInjection {
    enum Point: String, Sendable {
        case handedOver = "handed-over"
        case acknowledged
        case stored
        case fatalProducer = "fatal-producer"
        case fatalConsumer = "fatal-consumer"
    }

    /// The configured point and after how many passes it fires; nil when fault injection is off.
    private static let armed: (point: Point, count: Int, passes: Counter)? = {
        guard let text = getenv("TRACKSTREAM_FAULT").map({ String(cString: $0) }), !text.isEmpty else { return nil }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let point = Point(rawValue: parts[0]) else { return nil }
        let count = parts.count > 1 ? max(1, Int(parts[1]) ?? 1) : 1
        return (point, count, Counter())
    }()

    /// Kills the process here when this is the armed point's `n`-th pass.
    @inline(__always)
    static func pass(_ point: Point) {
        if fires(point) {
            let message = Array("trackstream: fault injection: killing the process at \(point.rawValue)\n".utf8)
            _ = message.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            kill(getpid(), SIGKILL)
        }
    }

    /// Whether this is the armed point's `n`-th pass.
    @inline(__always)
    static func fires(_ point: Point) -> Bool {
        guard let armed, armed.point == point else { return false }
        return armed.passes.increment() == armed.count
    }
}

/// A thread-safe pass counter.
private final class Counter: Sendable {
    private let value = Mutex(0)

    func increment() -> Int {
        value.withLock { value in
            value += 1
            return value
        }
    }
}
