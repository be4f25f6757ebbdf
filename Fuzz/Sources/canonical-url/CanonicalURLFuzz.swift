import FuzzSupport
import TrackDomain

/// `CanonicalURL.canonicalize` on any text.
///
/// Properties: no input traps; the canonical form is a fixed point (canonicalizing it again changes
/// nothing), is never longer than the input, and has no fragment; for UTF-8 input the raw-event
/// entry point (`canonicalize(_:in:)` on a range of the bytes) gives the same text as the `String` one.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let url = String(decoding: bytes, as: UTF8.self)
    let canonical = CanonicalURL.canonicalize(url)
    let again = CanonicalURL.canonicalize(canonical)
    guard again.utf8.elementsEqual(canonical.utf8) else {
        violation("not idempotent: \(url) → \(canonical) → \(again)")
    }
    guard canonical.utf8.count <= url.utf8.count else { violation("longer: \(url) → \(canonical)") }
    guard !canonical.utf8.contains(UInt8(ascii: "#")) else { violation("fragment kept: \(url) → \(canonical)") }
    if isValidUTF8(bytes) {
        let fromInput = CanonicalURL.canonicalize(.verbatim(0..<size), in: UnsafeRawBufferPointer(bytes))
        guard fromInput.utf8.elementsEqual(canonical.utf8) else {
            violation("\(url): \(canonical) from the string, \(fromInput) from the event's bytes")
        }
    }
    return 0
}
