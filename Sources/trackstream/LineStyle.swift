import Foundation
import TrackRuntime

/// How a check's line looks: `✓`, `✗` or `-` first, in colour only on a terminal that wants it.
struct LineStyle {
    var colour: Bool

    /// Colour when standard output is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`.
    static func forStandardOutput() -> LineStyle {
        let environment = ProcessInfo.processInfo.environment
        return LineStyle(
            colour: isatty(STDOUT_FILENO) != 0 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
        )
    }

    func render(_ line: KafkaCheck.Line) -> String {
        let (mark, code) =
            switch line.status {
            case .passed: ("✓", "32")
            case .failed: ("✗", "31")
            case .unknown: ("-", "33")
            }
        return colour ? "\u{1B}[\(code)m\(mark)\u{1B}[0m \(line.text)" : "\(mark) \(line.text)"
    }
}
