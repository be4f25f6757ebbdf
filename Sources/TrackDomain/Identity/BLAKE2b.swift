/// BLAKE2b (RFC 7693), unkeyed, for deterministic event ids.
///
/// Chosen over a non-cryptographic hash so that ids derived from client-supplied `message_id`s
/// cannot be made to collide on purpose, and over SHA-2 for speed; 128-bit digests match the
/// Python peer's `blake2b(..., digest_size=16)` so both implementations agree on every id.
enum BLAKE2b {
    private static let initializationVector: [UInt64] = [
        0x6a09_e667_f3bc_c908, 0xbb67_ae85_84ca_a73b, 0x3c6e_f372_fe94_f82b, 0xa54f_f53a_5f1d_36f1,
        0x510e_527f_ade6_82d1, 0x9b05_688c_2b3e_6c1f, 0x1f83_d9ab_fb41_bd6b, 0x5be0_cd19_137e_2179,
    ]

    /// The message schedule of the 10 distinct rounds, flattened.
    private static let sigma: [UInt8] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
        11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
        7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
        9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
        2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
        12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
        13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
        6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
        10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
    ]

    private static let digestLength = 16

    /// The 16-byte digest of `message`.
    static func digest16(of message: UnsafeRawBufferPointer) -> Digest16 {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 24) { words in
            let state = UnsafeMutableBufferPointer(rebasing: words[0..<8])
            let block = UnsafeMutableBufferPointer(rebasing: words[8..<24])
            for index in 0..<8 { state[index] = initializationVector[index] }
            state[0] ^= 0x0101_0000 ^ UInt64(digestLength)
            var processed: UInt64 = 0
            var offset = 0
            repeat {
                let chunk = min(message.count - offset, 128)
                let isLast = message.count - offset <= 128
                let fullWords = chunk / 8
                for word in 0..<fullWords {
                    block[word] = UInt64(
                        littleEndian: message.loadUnaligned(fromByteOffset: offset + word * 8, as: UInt64.self)
                    )
                }
                for word in fullWords..<16 { block[word] = 0 }
                for byteIndex in (fullWords * 8)..<chunk {
                    block[byteIndex >> 3] |= UInt64(message[offset + byteIndex]) << (8 * UInt64(byteIndex & 7))
                }
                processed += UInt64(chunk)
                compress(state: state, block: block, counter: processed, isLast: isLast)
                offset += chunk
            } while offset < message.count
            return Digest16(low: state[0], high: state[1])
        }
    }

    /// A 16-byte BLAKE2b digest: the first two little-endian state words.
    struct Digest16: Sendable, Hashable {
        var low: UInt64
        var high: UInt64

        /// The number of characters of ``writeHex(to:)``.
        static let hexLength = 32

        /// Writes the 32 lowercase hex characters of the digest bytes in order.
        func writeHex(to output: UnsafeMutablePointer<UInt8>) {
            for index in 0..<16 {
                let word = index < 8 ? low : high
                let byte = UInt8(truncatingIfNeeded: word >> (8 * UInt64(index & 7)))
                output[2 * index] = BLAKE2b.hexDigit(byte >> 4)
                output[2 * index + 1] = BLAKE2b.hexDigit(byte & 0x0F)
            }
        }

        /// The 32 lowercase hex characters.
        var hex: String {
            String(unsafeUninitializedCapacity: Self.hexLength) { buffer in
                writeHex(to: buffer.baseAddress!)
                return Self.hexLength
            }
        }
    }

    /// The compression function F, with the working vector in locals so it stays in registers.
    private static func compress(
        state: UnsafeMutableBufferPointer<UInt64>,
        block: UnsafeMutableBufferPointer<UInt64>,
        counter: UInt64,
        isLast: Bool
    ) {
        var v0 = state[0]
        var v1 = state[1]
        var v2 = state[2]
        var v3 = state[3]
        var v4 = state[4]
        var v5 = state[5]
        var v6 = state[6]
        var v7 = state[7]
        var v8 = initializationVector[0]
        var v9 = initializationVector[1]
        var v10 = initializationVector[2]
        var v11 = initializationVector[3]
        var v12 = initializationVector[4] ^ counter
        var v13 = initializationVector[5]
        var v14 = isLast ? ~initializationVector[6] : initializationVector[6]
        var v15 = initializationVector[7]
        sigma.withUnsafeBufferPointer { sigma in
            for round in 0..<12 {
                let base = (round % 10) * 16
                func m(_ index: Int) -> UInt64 { block[Int(sigma[base + index])] }
                mix(&v0, &v4, &v8, &v12, m(0), m(1))
                mix(&v1, &v5, &v9, &v13, m(2), m(3))
                mix(&v2, &v6, &v10, &v14, m(4), m(5))
                mix(&v3, &v7, &v11, &v15, m(6), m(7))
                mix(&v0, &v5, &v10, &v15, m(8), m(9))
                mix(&v1, &v6, &v11, &v12, m(10), m(11))
                mix(&v2, &v7, &v8, &v13, m(12), m(13))
                mix(&v3, &v4, &v9, &v14, m(14), m(15))
            }
        }
        state[0] ^= v0 ^ v8
        state[1] ^= v1 ^ v9
        state[2] ^= v2 ^ v10
        state[3] ^= v3 ^ v11
        state[4] ^= v4 ^ v12
        state[5] ^= v5 ^ v13
        state[6] ^= v6 ^ v14
        state[7] ^= v7 ^ v15
    }

    /// The mixing function G.
    @inline(__always)
    private static func mix(
        _ a: inout UInt64,
        _ b: inout UInt64,
        _ c: inout UInt64,
        _ d: inout UInt64,
        _ x: UInt64,
        _ y: UInt64
    ) {
        a = a &+ b &+ x
        d = (d ^ a).rotatedRight(by: 32)
        c = c &+ d
        b = (b ^ c).rotatedRight(by: 24)
        a = a &+ b &+ y
        d = (d ^ a).rotatedRight(by: 16)
        c = c &+ d
        b = (b ^ c).rotatedRight(by: 63)
    }

    fileprivate static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedRight(by amount: UInt64) -> UInt64 {
        (self >> amount) | (self << (64 - amount))
    }
}
