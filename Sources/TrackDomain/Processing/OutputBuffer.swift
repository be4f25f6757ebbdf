/// The topic an output record is for.
public enum OutputKind: UInt8, Sendable, Hashable {
    case enriched
    case signal
    case rejection
}

/// Where one output record lies in an ``OutputBuffer``: the byte ranges of its key and value.
public struct OutputRecordLayout: Sendable, Hashable {
    public var kind: OutputKind
    /// The key's bytes, or nil for a rejection that keeps its input record's key.
    public var key: Range<Int>?
    public var value: Range<Int>

    public init(kind: OutputKind, key: Range<Int>?, value: Range<Int>) {
        self.kind = kind
        self.key = key
        self.value = value
    }
}

/// The outputs of many raw records written back to back into one growing block of memory.
///
/// A batch of 2,000 events yields about 4,000 records. Written separately, each costs a buffer, a
/// copy into an array and a copy into the Kafka client. Here a batch costs one block that
/// the Kafka client can send without copying it first (see ``EncodedOutputs``). Keys are written once
/// per event and shared by all of its outputs.
public struct OutputBuffer: ~Copyable {
    var writer: JSONWriter
    /// The records written so far, in the order they were written.
    public private(set) var records: [OutputRecordLayout] = []
    /// Where the bytes of the outputs being limited must end (see ``limitOutputs(bytes:recordBytes:headerBytes:)``).
    private var byteLimit = Int.max
    /// The largest record (key, value and headers) allowed while limited.
    private var recordLimit = Int.max
    /// The header bytes each record written while limited will be sent with.
    private var recordHeaderBytes = 0
    /// The header bytes of the records written while limited, counted against ``byteLimit``.
    private var chargedHeaderBytes = 0
    /// The first limit broken since ``limitOutputs(bytes:recordBytes:headerBytes:)``.
    private(set) var exceeded: OutputLimitExceeded?

    /// `capacity` is the first size of the block in bytes; it grows as needed.
    public init(capacity: Int = 16 * 1024, expectedRecords: Int = 16) {
        writer = JSONWriter(capacity: capacity)
        records.reserveCapacity(expectedRecords)
    }

    /// A point to roll back to when a record's processing fails halfway.
    public struct Checkpoint: Sendable {
        fileprivate var byteCount: Int
        fileprivate var recordCount: Int
    }

    /// The bytes written so far, keys and values.
    public var byteCount: Int { writer.byteCount }

    public var checkpoint: Checkpoint {
        Checkpoint(byteCount: writer.byteCount, recordCount: records.count)
    }

    /// Forgets every byte and record written since `checkpoint`.
    public mutating func rollback(to checkpoint: Checkpoint) {
        writer.truncate(to: checkpoint.byteCount)
        records.removeSubrange(checkpoint.recordCount...)
    }

    /// Writes a key made of `prefix`, a `:` and the bytes `suffix` (`site_id:identity`) and returns its
    /// range.
    mutating func appendKey(_ prefix: String, _ suffix: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        let start = writer.byteCount
        writer.appendRaw(prefix)
        writer.appendRaw(UInt8(ascii: ":"))
        writer.appendRaw(UnsafeRawBufferPointer(suffix))
        return start..<writer.byteCount
    }

    /// Writes raw key bytes and returns their range.
    public mutating func appendKey(_ bytes: UnsafeRawBufferPointer) -> Range<Int> {
        let start = writer.byteCount
        writer.appendRaw(bytes)
        return start..<writer.byteCount
    }

    /// Gives the records from index `first` on that have no key of their own the key `key`.
    public mutating func assignKey(_ key: Range<Int>, toRecordsFrom first: Int) {
        for index in first..<records.count where records[index].key == nil {
            records[index].key = key
        }
    }

    /// Writes one record's value with `body` and records it.
    mutating func appendRecord(_ kind: OutputKind, key: Range<Int>?, _ body: (inout JSONWriter) -> Void) {
        writer.startValue()
        let start = writer.byteCount
        body(&writer)
        records.append(OutputRecordLayout(kind: kind, key: key, value: start..<writer.byteCount))
        chargedHeaderBytes += recordHeaderBytes
        if exceeded == nil {
            let recordBytes = writer.byteCount - start + (key?.count ?? 0) + recordHeaderBytes
            if writer.byteCount > byteLimit - chargedHeaderBytes {
                exceeded = .total
            } else if recordBytes > recordLimit {
                exceeded = .record(bytes: recordBytes)
            }
        }
    }

    /// From now on, everything written, with `headerBytes` of headers per record, may take at most
    /// `bytes` more, and no record (key, value and headers) more than `recordBytes`: a writer stops
    /// early once ``isOverLimit``.
    mutating func limitOutputs(bytes: Int, recordBytes: Int, headerBytes: Int = 0) {
        let (end, overflow) = writer.byteCount.addingReportingOverflow(bytes)
        byteLimit = overflow ? Int.max : end
        recordLimit = recordBytes
        recordHeaderBytes = headerBytes
        chargedHeaderBytes = 0
        exceeded = nil
    }

    /// Whether a limit set by ``limitOutputs(bytes:recordBytes:headerBytes:)`` was broken.
    var isOverLimit: Bool { exceeded != nil }

    /// Lifts the limits; returns the first one broken, if any.
    mutating func endLimits() -> OutputLimitExceeded? {
        defer {
            byteLimit = .max
            recordLimit = .max
            recordHeaderBytes = 0
            chargedHeaderBytes = 0
            exceeded = nil
        }
        return exceeded
    }

    /// Ends writing; the result can be shared across threads and read until its last reference goes.
    public consuming func finish() -> EncodedOutputs {
        let records = self.records
        return EncodedOutputs(storage: writer.takeStorage(), records: records)
    }
}

/// Which output limit a record broke.
enum OutputLimitExceeded: Sendable, Hashable {
    /// The outputs of the input together.
    case total
    /// One record, of this many bytes.
    case record(bytes: Int)
}

/// The finished outputs of an ``OutputBuffer``: immutable bytes and the records that lie in them.
///
/// The memory does not move or change while the object lives, so the Kafka client may point at it
/// instead of copying it, as long as a reference is held until every record is acknowledged.
public final class EncodedOutputs: @unchecked Sendable {
    // @unchecked: the memory is written before init and only read afterwards, then freed in
    // deinit; the raw pointer is the one non-Sendable stored property.
    private let storage: UnsafeMutableRawBufferPointer
    /// The records, in the order they were written.
    public let records: [OutputRecordLayout]

    init(storage: UnsafeMutableRawBufferPointer, records: [OutputRecordLayout]) {
        self.storage = storage
        self.records = records
    }

    deinit { storage.deallocate() }

    /// Every byte: keys and values of all records.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(storage) }

    /// A copy of the bytes in `range`.
    func copy(_ range: Range<Int>) -> [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: bytes[range]))
    }

    /// The record at `index` as a self-contained value.
    public func record(at index: Int) -> EncodedRecord {
        let layout = records[index]
        return EncodedRecord(key: layout.key.map(copy), value: copy(layout.value))
    }
}
