/// A deterministic, compact JSON writer appending UTF-8 to a growable buffer.
///
/// Output is a pure function of the calls made: keys are written in the order the caller writes
/// them, pass-through numbers keep their source text, computed doubles use Swift's shortest
/// round-trip form, and strings escape only what JSON requires (`"`, `\`, control characters).
///
/// The writer owns its buffer directly (a non-copyable value freed on destruction): appending through
/// `Array` costs a uniqueness and capacity check per call, and a JSON event is hundreds of calls.
public struct JSONWriter: ~Copyable {
    private var buffer: ByteBuffer
    private var needsComma = false
    private var dayMemo = EventTime.DayMemo()

    public init(capacity: Int = 1024) {
        buffer = ByteBuffer(capacity: capacity)
    }

    /// The bytes written so far.
    public var bytes: [UInt8] { buffer.array }

    /// The number of bytes written so far.
    var byteCount: Int { buffer.count }

    /// Starts a new top-level value after the previous one (no separator between them): the writer
    /// then serves as the arena of several records written back to back.
    mutating func startValue() {
        needsComma = false
    }

    /// Appends bytes that are not JSON (a record key) between two values.
    mutating func appendRaw(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(
            contentsOf: UnsafeBufferPointer(
                start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                count: bytes.count
            )
        )
    }

    /// Appends a string's UTF-8 bytes as they are, neither quoted nor escaped (a record key).
    mutating func appendRaw(_ text: String) {
        buffer.append(contentsOf: text)
    }

    /// Appends one byte as it is.
    mutating func appendRaw(_ byte: UInt8) {
        buffer.append(byte)
    }

    /// Forgets everything written after the first `count` bytes.
    mutating func truncate(to count: Int) {
        buffer.truncate(to: count)
    }

    /// Ends the writer and hands over its memory (`deallocate` it when done).
    consuming func takeStorage() -> UnsafeMutableRawBufferPointer {
        buffer.takeStorage()
    }

    // MARK: Structure

    public mutating func beginObject() {
        separate()
        buffer.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        buffer.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        buffer.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        buffer.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes `"key":`; the next value call writes the member's value.
    public mutating func key(_ key: StaticString) {
        let length = key.utf8CodeUnitCount
        let comma = needsComma ? 1 : 0
        buffer.appendUninitialized(count: comma + length + 3) { output in
            if comma == 1 { output[0] = UInt8(ascii: ",") }
            output[comma] = UInt8(ascii: "\"")
            copyBytes(from: key.utf8Start, to: output + comma + 1, count: length)
            output[comma + length + 1] = UInt8(ascii: "\"")
            output[comma + length + 2] = UInt8(ascii: ":")
        }
        needsComma = false
    }

    /// Writes a key that is not known at compile time (escaped like any string).
    ///
    /// Labelled so that a string literal picks the `StaticString` overload: an unlabelled `String`
    /// overload would win for literals and scan every constant key for escapes.
    public mutating func key(escaping key: String) {
        string(key)
        buffer.append(UInt8(ascii: ":"))
        needsComma = false
    }

    private mutating func appendLiteral(_ literal: StaticString) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    private mutating func separate() {
        if needsComma { buffer.append(UInt8(ascii: ",")) }
    }

    // MARK: Scalars

    public mutating func null() {
        separate()
        appendLiteral("null")
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        if value {
            appendLiteral("true")
        } else {
            appendLiteral("false")
        }
        needsComma = true
    }

    public mutating func string(_ value: String) {
        let copied = value.utf8.withContiguousStorageIfAvailable { appendQuotedIfClean($0) }
        if copied != true {
            separate()
            appendEscaped(value)
        }
        needsComma = true
    }

    /// The common case in one step: a string with nothing to escape is written with a single capacity
    /// check and copy. Returns false, writing nothing, when some byte needs escaping.
    private mutating func appendQuotedIfClean(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard JSONBytes.isClean(utf8) else { return false }
        appendQuoted(utf8)
        return true
    }

    /// Writes the separator when one is due and `"<utf8>"`, for bytes known to need no escaping.
    private mutating func appendQuoted(_ utf8: UnsafeBufferPointer<UInt8>) {
        let comma = needsComma ? 1 : 0
        buffer.appendUninitialized(count: comma + utf8.count + 2) { output in
            if comma == 1 { output[0] = UInt8(ascii: ",") }
            output[comma] = UInt8(ascii: "\"")
            if let base = utf8.baseAddress { copyBytes(from: base, to: output + comma + 1, count: utf8.count) }
            output[comma + utf8.count + 1] = UInt8(ascii: "\"")
        }
    }

    /// Writes the string, or `null` when it is nil.
    public mutating func string(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    /// Writes a string of the raw event `input`. Verbatim text is copied with no escape check: the
    /// parser accepted it unescaped, so it holds nothing JSON escapes.
    public mutating func text(_ text: InputText, in input: UnsafeRawBufferPointer) {
        switch text {
        case .decoded(let string):
            self.string(string)
        case .verbatim:
            text.withUTF8(in: input) { appendQuoted($0) }
            needsComma = true
        }
    }

    /// Writes the text, or `null` when it is nil.
    public mutating func text(_ text: InputText?, in input: UnsafeRawBufferPointer) {
        if let text { self.text(text, in: input) } else { null() }
    }

    /// Writes a value that is already compact JSON (see ``InputMember/isCompact``) by copying it.
    public mutating func compactJSON(_ bytes: UnsafeRawBufferPointer) {
        separate()
        appendRaw(bytes)
        needsComma = true
    }

    /// Writes compact JSON held in an array, or `null` for nil.
    public mutating func compactJSON(_ bytes: [UInt8]?) {
        guard let bytes else { return null() }
        bytes.withUnsafeBytes { compactJSON($0) }
    }

    /// Writes a string whose bytes are known to need no escaping (hex ids, RFC 3339 times).
    public mutating func plainString(_ value: String) {
        separate()
        buffer.append(UInt8(ascii: "\""))
        buffer.append(contentsOf: value)
        buffer.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// Writes epoch milliseconds as an RFC 3339 UTC string with milliseconds.
    public mutating func timestamp(_ milliseconds: Int64) {
        separate()
        buffer.append(UInt8(ascii: "\""))
        buffer.appendUninitialized(count: EventTime.rfc3339Length) {
            EventTime.writeRFC3339(milliseconds, to: $0, memo: &dayMemo)
        }
        buffer.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// Writes the time, or `null` when it is nil.
    public mutating func timestamp(_ milliseconds: Int64?) {
        if let milliseconds { timestamp(milliseconds) } else { null() }
    }

    /// Writes `"<hex digest><separator><index>"`, or `"<hex digest>"` when `index` is nil.
    mutating func idString(_ digest: BLAKE2b.Digest16, separator: StaticString, index: Int?) {
        separate()
        buffer.append(UInt8(ascii: "\""))
        buffer.appendUninitialized(count: BLAKE2b.Digest16.hexLength) { digest.writeHex(to: $0) }
        if let index {
            buffer.append(
                contentsOf: UnsafeBufferPointer(start: separator.utf8Start, count: separator.utf8CodeUnitCount)
            )
            appendDecimal(Int64(index))
        }
        buffer.append(UInt8(ascii: "\""))
        needsComma = true
    }

    public mutating func integer(_ value: Int64) {
        separate()
        appendDecimal(value)
        needsComma = true
    }

    /// Writes a finite double in shortest round-trip form (`0.1`, `1.0`, `1e+16`).
    ///
    /// JSON has no infinity or NaN, and the stages reject what would compute one; should one reach the
    /// writer anyway, it writes `null` rather than a value no strict reader accepts (and stops a debug
    /// build, where a test can see it).
    public mutating func double(_ value: Double) {
        guard value.isFinite else {
            assertionFailure("a non-finite number (\(value)) reached the JSON writer")
            null()
            return
        }
        separate()
        buffer.append(contentsOf: value.description)
        needsComma = true
    }

    public mutating func number(_ value: NumericValue) {
        switch value {
        case .integer(let integer): self.integer(integer)
        case .double(let double): self.double(double)
        }
    }

    /// Writes a JSON value recursively; numbers keep their source text.
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let bool): self.bool(bool)
        case .string(let string): self.string(string)
        case .number(let number):
            separate()
            buffer.append(contentsOf: number.text)
            needsComma = true
        case .array(let elements):
            beginArray()
            for element in elements { self.value(element) }
            endArray()
        case .object(let object):
            self.object(object)
        }
    }

    public mutating func object(_ object: JSONObject) {
        beginObject()
        for member in object.members {
            key(escaping: member.key)
            value(member.value)
        }
        endObject()
    }

    // MARK: Encoding helpers

    private mutating func appendDecimal(_ value: Int64) {
        if (0..<10).contains(value) {
            buffer.append(UInt8(ascii: "0") + UInt8(value))
        } else {
            buffer.append(contentsOf: String(value))
        }
    }

    private mutating func appendEscaped(_ string: String) {
        buffer.append(UInt8(ascii: "\""))
        let copied: Void? = string.utf8.withContiguousStorageIfAvailable { appendEscaped(utf8: $0) }
        if copied == nil {
            for byte in string.utf8 {
                if byte < 0x20 || byte == 0x22 || byte == 0x5C { appendEscape(for: byte) } else { buffer.append(byte) }
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    /// Copies runs that need no escaping in one piece; most strings are a single run.
    ///
    /// Clean 8-byte blocks are recognized with word arithmetic (no byte below 0x20, no `"`, no `\`),
    /// so a typical string costs about one instruction per byte.
    private mutating func appendEscaped(utf8: UnsafeBufferPointer<UInt8>) {
        guard let base = utf8.baseAddress else { return }
        var cleanPrefix = 0
        while cleanPrefix + 8 <= utf8.count,
            JSONBytes.isCleanBlock(UnsafeRawPointer(base + cleanPrefix).loadUnaligned(as: UInt64.self))
        {
            cleanPrefix += 8
        }
        var runStart = 0
        for index in cleanPrefix..<utf8.count {
            let byte = base[index]
            guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
            if runStart < index { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
            appendEscape(for: byte)
            runStart = index + 1
        }
        if runStart < utf8.count { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
    }

    private mutating func appendEscape(for byte: UInt8) {
        buffer.append(UInt8(ascii: "\\"))
        switch byte {
        case 0x22: buffer.append(UInt8(ascii: "\""))
        case 0x5C: buffer.append(UInt8(ascii: "\\"))
        case 0x08: buffer.append(UInt8(ascii: "b"))
        case 0x0C: buffer.append(UInt8(ascii: "f"))
        case 0x0A: buffer.append(UInt8(ascii: "n"))
        case 0x0D: buffer.append(UInt8(ascii: "r"))
        case 0x09: buffer.append(UInt8(ascii: "t"))
        default:
            buffer.append(UInt8(ascii: "u"))
            buffer.append(UInt8(ascii: "0"))
            buffer.append(UInt8(ascii: "0"))
            buffer.append(hexDigit(byte >> 4))
            buffer.append(hexDigit(byte & 0xF))
        }
    }
}

/// A growable byte buffer with cheap appends; freed when its owner is destroyed.
struct ByteBuffer: ~Copyable {
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    var array: [UInt8] { Array(UnsafeBufferPointer(start: storage, count: count)) }

    mutating func truncate(to newCount: Int) {
        precondition((0...count).contains(newCount), "truncating a buffer of \(count) bytes to \(newCount)")
        count = newCount
    }

    /// Ends the buffer without freeing its memory, which the caller now owns.
    consuming func takeStorage() -> UnsafeMutableRawBufferPointer {
        let taken = UnsafeMutableRawBufferPointer(start: storage, count: count)
        discard self
        return taken
    }

    @inline(__always)
    private mutating func reserve(_ additional: Int) {
        guard count + additional > capacity else { return }
        let newCapacity = max(capacity * 2, count + additional)
        let newStorage = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newStorage.initialize(from: storage, count: count)
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        copyBytes(from: base, to: storage + count, count: bytes.count)
        count += bytes.count
    }

    mutating func append(contentsOf string: String) {
        var string = string
        string.withUTF8 { append(contentsOf: $0) }
    }

    mutating func append(contentsOf bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append(contentsOf: $0) }
    }

    /// Lets `body` write exactly `count` bytes in place.
    mutating func appendUninitialized(count length: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Void) {
        reserve(length)
        body(storage + count)
        count += length
    }
}

/// Copies `count` bytes. Most copies here are keys and short values: up to 32 bytes they take two
/// overlapping loads and stores in line, where a call to `memcpy` would cost more than the copy.
@inline(__always)
private func copyBytes(from source: UnsafePointer<UInt8>, to destination: UnsafeMutablePointer<UInt8>, count: Int) {
    let from = UnsafeRawPointer(source)
    let to = UnsafeMutableRawPointer(destination)
    switch count {
    case 16...32:
        let head = from.loadUnaligned(as: SIMD16<UInt8>.self)
        let tail = from.loadUnaligned(fromByteOffset: count - 16, as: SIMD16<UInt8>.self)
        to.storeBytes(of: head, as: SIMD16<UInt8>.self)
        to.storeBytes(of: tail, toByteOffset: count - 16, as: SIMD16<UInt8>.self)
    case 8..<16:
        let head = from.loadUnaligned(as: UInt64.self)
        let tail = from.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        to.storeBytes(of: head, as: UInt64.self)
        to.storeBytes(of: tail, toByteOffset: count - 8, as: UInt64.self)
    case 4..<8:
        let head = from.loadUnaligned(as: UInt32.self)
        let tail = from.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
        to.storeBytes(of: head, as: UInt32.self)
        to.storeBytes(of: tail, toByteOffset: count - 4, as: UInt32.self)
    case 0..<4:
        for offset in 0..<count { destination[offset] = source[offset] }
    default:
        destination.initialize(from: source, count: count)
    }
}

private func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
}

/// A number computed by the pipeline: an exact integer, or a finite double.
public enum NumericValue: Sendable, Hashable {
    case integer(Int64)
    case double(Double)
}
