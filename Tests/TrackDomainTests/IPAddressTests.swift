import Testing
import TrackDomain

@Suite("IP addresses")
struct IPAddressTests {
    @Test(
        "reading, canonical text and public ranges",
        arguments: [
            // text, canonical (nil: not an address), public
            ("81.2.69.160", "81.2.69.160", true),
            ("0.0.0.0", "0.0.0.0", false),
            ("255.255.255.255", "255.255.255.255", false),
            ("10.1.2.3", "10.1.2.3", false),
            ("172.16.0.1", "172.16.0.1", false),
            ("172.32.0.1", "172.32.0.1", true),
            ("192.168.1.1", "192.168.1.1", false),
            ("127.0.0.1", "127.0.0.1", false),
            ("169.254.1.1", "169.254.1.1", false),
            ("100.64.0.1", "100.64.0.1", false),
            ("100.128.0.1", "100.128.0.1", true),
            ("192.0.2.1", "192.0.2.1", false),
            ("198.51.100.7", "198.51.100.7", false),
            ("203.0.113.9", "203.0.113.9", false),
            ("224.0.0.1", "224.0.0.1", false),
            ("8.8.8.8", "8.8.8.8", true),
            ("2001:DB8::1", "2001:db8::1", false),
            ("2a02:cf40:0:0:0:0:0:1", "2a02:cf40::1", true),
            ("2001:218:0:0:1:0:0:1", "2001:218::1:0:0:1", true),
            ("::1", "::1", false),
            ("::", "::", false),
            ("fe80::1", "fe80::1", false),
            ("fd00::1", "fd00::1", false),
            ("ff02::1", "ff02::1", false),
            ("::ffff:81.2.69.160", "::ffff:81.2.69.160", true),
            ("::ffff:10.0.0.1", "::ffff:10.0.0.1", false),
            ("::FFFF:5102:45a0", "::ffff:81.2.69.160", true),
            ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", false),
            ("2a00:1:2:3:4:5:1.2.3.4", "2a00:1:2:3:4:5:102:304", true),
            ("2a00::", "2a00::", true),
        ]
    )
    func valid(_ text: String, _ canonical: String, _ isPublic: Bool) throws {
        let address = try #require(IPAddress(text), "\(text) should be an address")
        #expect(address.canonicalText == canonical)
        #expect(address.isPublic == isPublic, "\(text)")
        #expect(IPAddress(canonical) == address, "the canonical text reads back")
    }

    @Test(
        "text that is not one address",
        arguments: [
            "", " 1.2.3.4", "1.2.3.4 ", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.04", "1..2.3",
            "1.2.3.4, 5.6.7.8", "a.b.c.d", "::1%eth0", "[::1]", "1.2.3.4:80", "1:2:3:4:5:6:7:8:9", "1::2::3",
            ":1::", "1:::2", "12345::", "1:2:3:4:5:6:7:", ":", "::ffff:1.2.3", "1.2.3.4::", "2a00::1.2.3.4.5",
            "1:2:3:4:5:6:7::8", "g::1", String(repeating: "1", count: 100), "1.2.3.4/24", "١.٢.٣.٤",
        ]
    )
    func invalid(_ text: String) {
        #expect(IPAddress(text) == nil, "\(text)")
    }

    @Test(
        "anonymizing: the last octets or groups become x (Snowplow's form)",
        arguments: [
            ("81.2.69.160", 1, 0, "81.2.69.x"),
            ("81.2.69.160", 3, 0, "81.x.x.x"),
            ("81.2.69.160", 4, 8, "x.x.x.x"),
            ("81.2.69.160", 0, 8, "81.2.69.160"),
            ("2001:db8::ff00:42:8329", 0, 2, "2001:db8:0:0:0:ff00:x:x"),
            ("2001:db8::ff00:42:8329", 3, 8, "x:x:x:x:x:x:x:x"),
            ("2001:DB8::1", 1, 0, "2001:db8::1"),
            ("::ffff:81.2.69.160", 2, 0, "::ffff:81.2.x.x"),
            ("::ffff:81.2.69.160", 0, 2, "::ffff:81.2.69.160"),
        ]
    )
    func anonymize(_ text: String, _ octets: Int, _ segments: Int, _ expected: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.anonymizedText(octets: octets, segments: segments) == expected)
    }

    @Test("every IPv4 address in a sample reads back from its canonical text and its mapped form")
    func roundTrip() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let value = UInt32.random(in: 0...UInt32.max, using: &generator)
            let address = IPAddress.v4(value)
            #expect(IPAddress(address.canonicalText) == address)
            let mapped = IPAddress.v6(UInt128(0xFFFF) << 32 | UInt128(value))
            #expect(IPAddress(mapped.canonicalText) == mapped)
            #expect(mapped.unmapped == address)
            let v6 = IPAddress.v6(UInt128(UInt64.random(in: 0...UInt64.max, using: &generator)) << 64 | UInt128(value))
            #expect(IPAddress(v6.canonicalText) == v6, "\(v6.canonicalText)")
        }
    }
}

#if canImport(Glibc)
import Glibc

/// The C library's reading of the same text: the oracle for ``IPAddress``.
private func libcAddress(_ text: String) -> IPAddress? {
    var v4 = in_addr()
    if inet_pton(AF_INET, text, &v4) == 1 { return .v4(UInt32(bigEndian: v4.s_addr)) }
    var v6 = in6_addr()
    guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
    let bytes = withUnsafeBytes(of: &v6) { Array($0) }
    return .v6(bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) })
}

extension IPAddressTests {
    @Test("reads exactly what glibc's inet_pton reads, over 100,000 mutated addresses")
    func agreesWithInetPton() {
        var generator = SystemRandomNumberGenerator()
        let seeds = [
            "81.2.69.160", "0.0.0.0", "255.255.255.255", "::", "::1", "::ffff:81.2.69.160", "2001:db8::1",
            "1:2:3:4:5:6:7:8", "1::8", "fe80::1:2", "2a00:1:2:3:4:5:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6::",
        ]
        let alphabet = Array("0123456789abcdefABCDEF:.x% ".utf8)
        var disagreements: [String] = []
        for _ in 0..<100_000 {
            var bytes = Array(seeds.randomElement(using: &generator)!.utf8)
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let position = Int.random(in: 0...bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes.insert(alphabet.randomElement(using: &generator)!, at: position)
                case 1 where position < bytes.count: bytes.remove(at: position)
                default:
                    if position < bytes.count { bytes[position] = alphabet.randomElement(using: &generator)! }
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let ours = IPAddress(text)
            if ours != libcAddress(text) { disagreements.append(text) }
            if let ours {
                #expect(IPAddress(ours.canonicalText) == ours, "\(text)")
                #expect(libcAddress(ours.canonicalText) == ours, "\(text) → \(ours.canonicalText)")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements, e.g. \(disagreements.prefix(10))")
    }
}
#endif
