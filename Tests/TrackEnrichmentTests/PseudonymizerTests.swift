import Crypto
import Foundation
import Testing
import TrackDomain
import TrackEnrichment

@Suite("Pseudonyms")
struct PseudonymizerTests {
    @Test("HMAC-SHA256 in hex: RFC 4231 test case 6 (a key longer than a block)")
    func rfc4231() throws {
        let pseudonymizer = try #require(HMACPseudonymizer(key: Array(repeating: 0xAA, count: 131)))
        #expect(
            pseudonymizer.pseudonym(of: "Test Using Larger Than Block-Size Key - Hash Key First")
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        )
    }

    @Test("equal to swift-crypto's HMAC for keys of 16 to 200 bytes and values of 0 to 300 bytes")
    func matchesCrypto() throws {
        var generator = SystemRandomNumberGenerator()
        for keyLength in [16, 32, 63, 64, 65, 200] {
            let key = (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let pseudonymizer = try #require(HMACPseudonymizer(key: key))
            for valueLength in [0, 1, 55, 56, 64, 300] {
                let value = (0..<valueLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let expected = HMAC<SHA256>.authenticationCode(for: value, using: SymmetricKey(data: key))
                    .map { String(format: "%02x", $0) }.joined()
                #expect(value.withUnsafeBufferPointer { pseudonymizer.pseudonym(of: $0) } == expected)
            }
        }
    }

    @Test("short keys are refused")
    func shortKeys() {
        #expect(HMACPseudonymizer(key: Array(repeating: 1, count: 15)) == nil)
        #expect(HMACPseudonymizer(key: []) == nil)
    }
}
