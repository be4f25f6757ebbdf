/// An IPv4 or IPv6 address read from an event's `ip` text: what geolocation looks up and what the
/// privacy settings anonymize.
///
/// Only the plain textual forms are read: dotted-quad IPv4 (no leading zeros, which some readers
/// take for octal), and RFC 4291 IPv6 with `::` and an optional dotted-quad tail. Zone ids
/// (`%eth0`), brackets, ports, prefixes and lists (`1.2.3.4, 5.6.7.8`) are not addresses here.
public enum IPAddress: Sendable, Hashable {
    case v4(UInt32)
    case v6(UInt128)

    /// The address `text` spells, nil when it is not one.
    public init?(_ text: UnsafeBufferPointer<UInt8>) {
        guard !text.isEmpty, text.count <= 45 else { return nil }
        if text.contains(UInt8(ascii: ":")) {
            guard let value = Self.parseV6(text) else { return nil }
            self = .v6(value)
        } else {
            guard let value = Self.parseV4(text) else { return nil }
            self = .v4(value)
        }
    }

    /// ``init(_:)`` for a `String`.
    public init?(_ text: String) {
        var text = text
        guard let address = text.withUTF8({ IPAddress($0) }) else { return nil }
        self = address
    }

    /// The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) carries, else nil.
    public var mappedV4: UInt32? {
        guard case .v6(let value) = self, value >> 32 == 0xFFFF else { return nil }
        return UInt32(truncatingIfNeeded: value)
    }

    /// An IPv4-mapped IPv6 address as the IPv4 address it carries; any other address unchanged.
    public var unmapped: IPAddress {
        if let v4 = mappedV4 { return .v4(v4) }
        return self
    }

    /// Whether the address can belong to a host on the public internet, so that a geolocation
    /// database can place it. False for IANA's special-purpose ranges: unspecified, loopback, private
    /// (RFC 1918, unique local), shared (RFC 6598), link-local, documentation, benchmarking,
    /// multicast and reserved; IPv6 outside global unicast (`2000::/3`) is never public.
    public var isPublic: Bool {
        switch unmapped {
        case .v4(let address):
            return !Self.specialV4.contains { address & $0.mask == $0.network }
        case .v6(let address):
            guard address >> 125 == 0b001 else { return false }
            return !Self.specialV6.contains { address >> (128 - $0.bits) == $0.network >> (128 - $0.bits) }
        }
    }

    /// The canonical text: dotted quad, or RFC 5952 IPv6 (lowercase, no leading zeros, the longest
    /// run of two or more zero groups as `::`, IPv4-mapped addresses with a dotted-quad tail).
    public var canonicalText: String {
        switch self {
        case .v4(let address):
            return Self.dottedQuad(address, hiddenOctets: 0)
        case .v6(let address):
            if let v4 = mappedV4 { return "::ffff:" + Self.dottedQuad(v4, hiddenOctets: 0) }
            return Self.compressedV6(Self.groups(of: address))
        }
    }

    /// The text with the last `octets` of an IPv4 address, or the last `segments` groups of an IPv6
    /// address, replaced by `x` (`203.0.113.x`, `2001:db8:0:0:0:0:x:x`). IPv4-mapped addresses are
    /// IPv4 addresses here (`::ffff:203.0.113.x`). Groups are written in full when any is hidden, so
    /// that the count of hidden groups stays visible. With nothing to hide, the canonical text.
    public func anonymizedText(octets: Int, segments: Int) -> String {
        if let v4 = mappedV4 {
            guard octets > 0 else { return canonicalText }
            return "::ffff:" + Self.dottedQuad(v4, hiddenOctets: octets)
        }
        switch self {
        case .v4(let address):
            return Self.dottedQuad(address, hiddenOctets: octets)
        case .v6(let address):
            guard segments > 0 else { return canonicalText }
            let groups = Self.groups(of: address)
            let shown = max(0, 8 - segments)
            return (groups[..<shown].map { String($0, radix: 16) } + Array(repeating: "x", count: 8 - shown))
                .joined(separator: ":")
        }
    }

    // MARK: - Parsing

    private static func parseV4(_ text: some Collection<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        var octets = 0
        var octet: UInt32 = 0
        var digits = 0
        var leadingZero = false
        for byte in text {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, octets < 3 else { return nil }
                value = value << 8 | octet
                octets += 1
                octet = 0
                digits = 0
                leadingZero = false
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            // "01" is refused: inet_aton and some browsers read a leading zero as octal.
            guard !leadingZero else { return nil }
            if digits == 0, byte == UInt8(ascii: "0") { leadingZero = true }
            octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
            digits += 1
            guard octet <= 255 else { return nil }
        }
        guard digits > 0, octets == 3 else { return nil }
        return value << 8 | octet
    }

    private static func parseV6(_ text: UnsafeBufferPointer<UInt8>) -> UInt128? {
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        var index = 0
        let count = text.count
        // A leading "::" is the gap; a single leading ":" is an error.
        if count >= 2, text[0] == UInt8(ascii: ":"), text[1] == UInt8(ascii: ":") {
            sawGap = true
            index = 2
            if index == count { return 0 }
        } else if text[0] == UInt8(ascii: ":") {
            return nil
        }
        while index < count {
            // One group: up to four hex digits, or a dotted-quad tail.
            let start = index
            var group: UInt32 = 0
            while index < count, let digit = hexValue(text[index]) {
                group = group << 4 | UInt32(digit)
                index += 1
                guard index - start <= 4 else { return nil }
            }
            if index < count, text[index] == UInt8(ascii: ".") {
                guard let v4 = parseV4(UnsafeBufferPointer(rebasing: text[start...])) else { return nil }
                let groups = [UInt16(v4 >> 16), UInt16(truncatingIfNeeded: v4)]
                if sawGap { tail += groups } else { head += groups }
                index = count
                break
            }
            guard index > start else { return nil }
            if sawGap { tail.append(UInt16(group)) } else { head.append(UInt16(group)) }
            guard index < count else { break }
            guard text[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            if index < count, text[index] == UInt8(ascii: ":") {
                guard !sawGap else { return nil }
                sawGap = true
                index += 1
                if index == count { break }
            } else if index == count {
                return nil  // a trailing single ":"
            }
        }
        let written = head.count + tail.count
        if sawGap {
            guard written <= 7 else { return nil }
        } else {
            guard written == 8 else { return nil }
        }
        let groups = head + Array(repeating: 0, count: 8 - written) + tail
        return groups.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    // MARK: - Writing

    /// Written byte by byte into one string: this runs for every event when IPs are anonymized.
    private static func dottedQuad(_ address: UInt32, hiddenOctets: Int) -> String {
        let shown = max(0, 4 - hiddenOctets)
        return String(unsafeUninitializedCapacity: 15) { out in
            var count = 0
            for index in 0..<4 {
                if index > 0 {
                    out[count] = UInt8(ascii: ".")
                    count += 1
                }
                guard index < shown else {
                    out[count] = UInt8(ascii: "x")
                    count += 1
                    continue
                }
                let octet = UInt8(truncatingIfNeeded: address >> UInt32(24 - 8 * index))
                if octet >= 100 {
                    out[count] = UInt8(ascii: "0") + octet / 100
                    count += 1
                }
                if octet >= 10 {
                    out[count] = UInt8(ascii: "0") + octet / 10 % 10
                    count += 1
                }
                out[count] = UInt8(ascii: "0") + octet % 10
                count += 1
            }
            return count
        }
    }

    private static func groups(of address: UInt128) -> [UInt16] {
        (0..<8).map { UInt16(truncatingIfNeeded: address >> UInt128(112 - 16 * $0)) }
    }

    private static func compressedV6(_ groups: [UInt16]) -> String {
        // The longest run of at least two zero groups, the first of equals (RFC 5952 §4.2).
        var best = (start: -1, length: 0)
        var run = (start: -1, length: 0)
        for (index, group) in groups.enumerated() {
            if group == 0 {
                if run.start < 0 { run = (index, 0) }
                run.length += 1
                if run.length > best.length { best = run }
            } else {
                run = (-1, 0)
            }
        }
        let text = groups.map { String($0, radix: 16) }
        guard best.length >= 2 else { return text.joined(separator: ":") }
        let before = text[..<best.start].joined(separator: ":")
        let after = text[(best.start + best.length)...].joined(separator: ":")
        return before + "::" + after
    }

    // MARK: - Special-purpose ranges

    private struct V4Range {
        var network: UInt32
        var mask: UInt32
        init(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32, _ bits: UInt32) {
            network = a << 24 | b << 16 | c << 8 | d
            mask = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
        }
    }

    /// IANA's IPv4 special-purpose registry, less the globally reachable entries.
    private static let specialV4: [V4Range] = [
        V4Range(0, 0, 0, 0, 8), V4Range(10, 0, 0, 0, 8), V4Range(100, 64, 0, 0, 10), V4Range(127, 0, 0, 0, 8),
        V4Range(169, 254, 0, 0, 16), V4Range(172, 16, 0, 0, 12), V4Range(192, 0, 0, 0, 24),
        V4Range(192, 0, 2, 0, 24), V4Range(192, 88, 99, 0, 24), V4Range(192, 168, 0, 0, 16),
        V4Range(198, 18, 0, 0, 15), V4Range(198, 51, 100, 0, 24), V4Range(203, 0, 113, 0, 24),
        V4Range(224, 0, 0, 0, 4), V4Range(240, 0, 0, 0, 4),
    ]

    /// Special-purpose ranges inside `2000::/3`: documentation, benchmarking, ORCHID.
    private static let specialV6: [(network: UInt128, bits: Int)] = [
        (0x2001_0db8 << 96, 32), (0x3fff << 112, 20), (0x2001_0002 << 96, 48), (0x2001_0010 << 96, 28),
        (0x2001_0020 << 96, 28),
    ]
}
