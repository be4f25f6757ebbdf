import FuzzSupport
import TrackDomain

/// Event times (`Stages/EventTime.swift`): the ISO-8601 and epoch parsers and the RFC 3339 writer.
///
/// The first byte picks the mode:
/// - 0: the rest as the text of a raw event's string (`milliseconds(fromText:in:)`, on bytes that need
///   not be UTF-8), and for UTF-8 the `String` parser too, which must agree;
/// - 1: the rest as a JSON value (`milliseconds(from:)`: epoch numbers, strings, wrong types);
/// - 2: eight bytes folded into years 1...9999, written and read back;
/// - 3: the rest as an ISO-8601 duration (`ISODuration`, what `offsets reset --by-duration` takes).
///
/// Properties: no input traps; every accepted time lies in years 1...9999; `rfc3339` of it is
/// `YYYY-MM-DDTHH:MM:SS.mmmZ` and parses back to the same millisecond, through both parsers; an
/// accepted duration is not negative and reads the same written back as `PTnS` with milliseconds.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    switch input.byte() % 4 {
    case 0:
        let text = UnsafeRawBufferPointer(input.rest)
        let fromBytes = Result { () throws(EventTime.ParseFailure) in
            try EventTime.milliseconds(fromText: .verbatim(0..<text.count), in: text)
        }
        if isValidUTF8(input.rest) {
            let string = String(decoding: input.rest, as: UTF8.self)
            let fromString = Result { () throws(EventTime.ParseFailure) in
                try EventTime.milliseconds(from: .string(string))
            }
            guard fromString == fromBytes else {
                violation("\(string): \(fromBytes) from bytes, \(fromString) from the string")
            }
        }
        if case .success(let milliseconds) = fromBytes { roundTrip(milliseconds) }
    case 1:
        guard let value = try? JSONParser.parse(UnsafeRawBufferPointer(input.rest)) else { return 0 }
        if let milliseconds = try? EventTime.milliseconds(from: value) { roundTrip(milliseconds) }
    case 3:
        checkDuration(String(decoding: input.rest, as: UTF8.self))
    default:
        let span = UInt64(EventTime.maximumMilliseconds - EventTime.minimumMilliseconds) + 1
        let milliseconds = EventTime.minimumMilliseconds + Int64(UInt64(bitPattern: input.int64()) % span)
        roundTrip(milliseconds)
    }
    return 0
}

/// Writes `milliseconds` as RFC 3339 and reads it back through both parsers.
func roundTrip(_ milliseconds: Int64) {
    guard (EventTime.minimumMilliseconds...EventTime.maximumMilliseconds).contains(milliseconds) else {
        violation("accepted \(milliseconds), outside years 1...9999")
    }
    let text = EventTime.rfc3339(milliseconds)
    let utf8 = Array(text.utf8)
    let shape = Array("0000-00-00T00:00:00.000Z".utf8)
    guard utf8.count == shape.count,
        zip(utf8, shape).allSatisfy({ $1 == UInt8(ascii: "0") ? (0x30...0x39).contains($0) : $0 == $1 })
    else { violation("\(milliseconds) written as \(text)") }
    guard let again = try? EventTime.parseISO8601(text), again == milliseconds else {
        violation(
            "\(milliseconds) written as \(text) reads back as \(String(describing: try? EventTime.parseISO8601(text)))"
        )
    }
    let fromBytes = utf8.withUnsafeBytes { bytes in
        try? EventTime.milliseconds(fromText: .verbatim(0..<bytes.count), in: bytes)
    }
    guard fromBytes == milliseconds else {
        violation("\(text) reads back from bytes as \(String(describing: fromBytes))")
    }
}

/// An accepted duration is not negative and reads the same as `PT<seconds>.<milliseconds>S`.
func checkDuration(_ text: String) {
    guard let milliseconds = try? ISODuration.milliseconds(text) else { return }
    guard milliseconds >= 0 else { violation("\(text) is \(milliseconds) ms") }
    let millis = String(milliseconds % 1000)
    let written = "PT\(milliseconds / 1000).\(String(repeating: "0", count: 3 - millis.count))\(millis)S"
    guard let again = try? ISODuration.milliseconds(written), again == milliseconds else {
        violation("\(text) is \(milliseconds) ms, but \(written) reads as something else")
    }
}
