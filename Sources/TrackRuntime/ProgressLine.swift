import Glibc

/// A one-line live display on standard error, redrawn in place on a terminal.
enum ProgressLine {
    static func show(_ text: String) {
        let line = isatty(STDERR_FILENO) != 0 ? "\r\u{1B}[2K\(text)" : "\(text)\n"
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
