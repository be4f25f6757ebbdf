/// BLAKE2b (RFC 7693), unkeyed, for deterministic event ids.
///
/// Chosen over a non-cryptographic hash so that ids derived from client-supplied `message_id`s
/// cannot be made to collide on purpose, and over SHA-2 for speed; 128-bit digests match the
/// Python peer's `blake2b(..., digest_size=16)` so both implementations agree on every id.
struct BLAKE2b {
    private static let initializationVector: [UInt64] = [
        0x6a09_e667_f3bc_c908, 0xbb67_ae85_84ca_a73b, 0x3c6e_f372_fe94_f82b, 0xa54f_f53a_5f1d_36f1,
        0x510e_527f_ade6_82d1, 0x9b05_688c_2b3e_6c1f, 0x1f83_d9ab_fb41_bd6b, 0x5be0_cd19_137e_2179,
    ]

    private static let sigma: [[Int]] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    ]

    /// The 16-byte digest of `message`, as 32 lowercase hex characters.
    static func hexDigest16(of message: some Collection<UInt8>) -> String {
        let digestLength = 16
        var state = initializationVector
        state[0] ^= 0x0101_0000 ^ UInt64(digestLength)
        let bytes = Array(message)
        var block = [UInt64](repeating: 0, count: 16)
        var processed: UInt64 = 0
        var offset = 0
        repeat {
            let remaining = bytes.count - offset
            let isLast = remaining <= 128
            let chunk = min(remaining, 128)
            for word in 0..<16 { block[word] = 0 }
            for byteIndex in 0..<chunk {
                block[byteIndex >> 3] |= UInt64(bytes[offset + byteIndex]) << (8 * UInt64(byteIndex & 7))
            }
            processed += UInt64(chunk)
            compress(&state, block: block, counter: processed, isLast: isLast)
            offset += chunk
        } while offset < bytes.count
        return hex(state, count: digestLength)
    }

    private static func compress(_ state: inout [UInt64], block: [UInt64], counter: UInt64, isLast: Bool) {
        var v = state + initializationVector
        v[12] ^= counter
        if isLast { v[14] = ~v[14] }
        for round in 0..<12 {
            let s = sigma[round % 10]
            mix(&v, 0, 4, 8, 12, block[s[0]], block[s[1]])
            mix(&v, 1, 5, 9, 13, block[s[2]], block[s[3]])
            mix(&v, 2, 6, 10, 14, block[s[4]], block[s[5]])
            mix(&v, 3, 7, 11, 15, block[s[6]], block[s[7]])
            mix(&v, 0, 5, 10, 15, block[s[8]], block[s[9]])
            mix(&v, 1, 6, 11, 12, block[s[10]], block[s[11]])
            mix(&v, 2, 7, 8, 13, block[s[12]], block[s[13]])
            mix(&v, 3, 4, 9, 14, block[s[14]], block[s[15]])
        }
        for index in 0..<8 { state[index] ^= v[index] ^ v[index + 8] }
    }

    @inline(__always)
    private static func mix(_ v: inout [UInt64], _ a: Int, _ b: Int, _ c: Int, _ d: Int, _ x: UInt64, _ y: UInt64) {
        v[a] = v[a] &+ v[b] &+ x
        v[d] = (v[d] ^ v[a]).rotatedRight(by: 32)
        v[c] = v[c] &+ v[d]
        v[b] = (v[b] ^ v[c]).rotatedRight(by: 24)
        v[a] = v[a] &+ v[b] &+ y
        v[d] = (v[d] ^ v[a]).rotatedRight(by: 16)
        v[c] = v[c] &+ v[d]
        v[b] = (v[b] ^ v[c]).rotatedRight(by: 63)
    }

    private static func hex(_ state: [UInt64], count: Int) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: count * 2) { buffer in
            for index in 0..<count {
                let byte = UInt8(truncatingIfNeeded: state[index >> 3] >> (8 * UInt64(index & 7)))
                buffer[2 * index] = digits[Int(byte >> 4)]
                buffer[2 * index + 1] = digits[Int(byte & 0x0F)]
            }
            return count * 2
        }
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedRight(by amount: UInt64) -> UInt64 {
        (self >> amount) | (self << (64 - amount))
    }
}
