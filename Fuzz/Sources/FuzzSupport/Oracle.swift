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
