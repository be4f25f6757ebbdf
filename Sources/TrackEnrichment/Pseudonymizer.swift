import Crypto
public import TrackDomain

/// Pseudonyms as HMAC-SHA256 (RFC 2104) of the value's UTF-8 bytes under a secret key, in
/// lowercase hex: the same value and key always give the same 64 characters, so joins still work
/// downstream, and anyone holding the key can compute the pseudonym of a known value (to find or
/// erase a person).
///
/// The key's two padded blocks are prepared once; each pseudonym then costs two SHA-256 passes
/// over short inputs, with swift-crypto's SHA-256.
public struct HMACPseudonymizer: Pseudonymizing {
    /// Keys shorter than this are refused: HMAC-SHA256 is only as strong as its key.
    public static let minimumKeyBytes = 16

    private let innerPad: [UInt8]
    private let outerPad: [UInt8]

    /// Nil when `key` has fewer than ``minimumKeyBytes`` bytes.
    public init?(key: [UInt8]) {
        guard key.count >= Self.minimumKeyBytes else { return nil }
        let blockSize = 64
        var block = key.count > blockSize ? Array(SHA256.hash(data: key)) : key
        block += Array(repeating: 0, count: blockSize - block.count)
        innerPad = block.map { $0 ^ 0x36 }
        outerPad = block.map { $0 ^ 0x5C }
    }

    public func pseudonym(of value: UnsafeBufferPointer<UInt8>) -> String {
        var inner = SHA256()
        inner.update(data: innerPad)
        inner.update(bufferPointer: UnsafeRawBufferPointer(value))
        var outer = SHA256()
        outer.update(data: outerPad)
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize().withUnsafeBytes { bytes in
            String(unsafeUninitializedCapacity: bytes.count * 2) { out in
                let digits: StaticString = "0123456789abcdef"
                let table = digits.utf8Start
                for (index, byte) in bytes.enumerated() {
                    out[2 * index] = table[Int(byte >> 4)]
                    out[2 * index + 1] = table[Int(byte & 0x0F)]
                }
                return bytes.count * 2
            }
        }
    }
}
