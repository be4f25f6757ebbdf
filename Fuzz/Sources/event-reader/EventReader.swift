import FuzzSupport
import StrictJSON
import TrackDomain

/// The event reader (`JSONParser.parseEventObject`, which keeps strings as ranges of the input) against
/// the general parser (`JSONParser.parse`), and both against the independent ``StrictJSON``.
///
/// Properties checked on any bytes:
/// - `parse` accepts exactly what RFC 8259 with the contract's rules accepts (no duplicate keys,
///   depth ≤ 255), and gives an object exactly when the text is one;
/// - `parseEventObject` returns nil exactly when `parse` gives no object and the text does not start
///   with `{`; otherwise it throws the same error as `parse`, or returns the same members: same keys in
///   the same order, values equal through `jsonValue(in:)`;
/// - a member's `extent` re-parses to its value, and a member marked `isCompact` has exactly the bytes
///   `JSONWriter` writes for its value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let strict = StrictJSON.validate(bytes, maximumDepth: JSONParser.maximumDepth)
    let parsed = Result { () throws(JSONParseError) in try JSONParser.parse(bytes) }
    let event = Result { () throws(JSONParseError) in try JSONParser.parseEventObject(bytes) }

    switch (parsed, strict) {
    case (.success(let value), .success(let summary)):
        guard summary.isObject == (value.objectValue != nil) else {
            violation("parse and the validator disagree on whether this is an object: \(excerpt(bytes))")
        }
    case (.failure, .failure):
        break
    case (.success, .failure(let failure)):
        violation("parse accepts what is not strict JSON (\(failure)): \(excerpt(bytes))")
    case (.failure(let error), .success):
        violation("parse rejects strict JSON (\(error)): \(excerpt(bytes))")
    }

    switch (event, parsed) {
    case (.success(nil), .success(.object)):
        violation("parseEventObject returned nil for an object")
    case (.success(nil), _):
        let first = bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        guard first != UInt8(ascii: "{") else { violation("parseEventObject returned nil for text starting with {") }
    case (.failure(let readerError), .failure(let parserError)):
        guard readerError == parserError else {
            violation("different errors: reader \(readerError), parser \(parserError)")
        }
    case (.failure(let error), .success):
        violation("parseEventObject throws (\(error)) where parse accepts")
    case (.success(let members?), .success(.object(let object))):
        compare(members, object, in: bytes)
    case (.success, _):
        violation("parseEventObject returned members where parse gives no object")
    }
    return 0
}

func compare(_ members: [InputMember], _ object: JSONObject, in bytes: UnsafeRawBufferPointer) {
    guard members.count == object.members.count else {
        violation("\(members.count) members read, \(object.members.count) parsed")
    }
    for (member, expected) in zip(members, object.members) {
        guard member.key == expected.key else { violation("key \(member.key) read, \(expected.key) parsed") }
        let value = member.value.jsonValue(in: bytes)
        guard value == expected.value else {
            violation("member \(member.key): \(value) read, \(expected.value) parsed")
        }
        guard member.extent.lowerBound >= 0, member.extent.upperBound <= bytes.count else {
            violation("member \(member.key): extent \(member.extent) outside the input")
        }
        let extent = UnsafeRawBufferPointer(rebasing: bytes[member.extent])
        guard (try? JSONParser.parse(extent)) == value else {
            violation("member \(member.key): its extent \(excerpt(extent)) does not parse to its value")
        }
        if member.isCompact {
            var writer = JSONWriter(capacity: extent.count + 16)
            writer.value(value)
            guard writer.bytes.elementsEqual(extent) else {
                violation("member \(member.key) marked compact: \(excerpt(extent)), written \(excerpt(writer.bytes))")
            }
        }
    }
}
