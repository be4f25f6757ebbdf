/// Where the synthetic visitors connect from: real networks, so that a geolocation database places
/// them (`make run` shows cities), and a few private ones, which no database places.
///
/// The IPv4 networks are /24s that the GeoLite2 City database of 2018 (PyPI's `maxminddb-geolite2`,
/// used by `make run`) places in a city, up to four per country; the IPv6 ones are /64s of large
/// providers. Addresses in them are drawn at random, so any real user they name is a coincidence.
enum Networks {
    /// The first three octets of each /24.
    static let ipv4: [(UInt8, UInt8, UInt8)] = [
        (83, 230, 180), (13, 92, 127), (138, 47, 144), (94, 157, 201), (130, 231, 78), (23, 0, 163),
        (108, 13, 84), (62, 156, 23), (142, 17, 110), (109, 173, 74), (212, 172, 148), (145, 193, 146),
        (150, 63, 72), (143, 129, 151), (31, 39, 161), (79, 248, 170), (27, 97, 219), (149, 227, 191),
        (183, 76, 228), (145, 122, 112), (81, 107, 242), (93, 144, 169), (200, 162, 234), (77, 221, 32),
        (88, 238, 5), (187, 188, 237), (156, 228, 188), (88, 144, 248), (203, 2, 19), (88, 18, 66),
        (178, 254, 224), (90, 165, 74), (117, 201, 223), (24, 245, 232), (70, 26, 189), (179, 113, 89),
        (171, 5, 225), (175, 101, 143), (157, 101, 57), (64, 99, 175), (128, 27, 16), (115, 253, 242),
        (141, 168, 24), (2, 12, 71), (137, 218, 244), (95, 135, 102), (145, 251, 189), (82, 144, 136),
    ]

    /// The first four groups of each /64, as text.
    static let ipv6 = ["2001:4860:4860:0", "2a00:1450:4001:80b", "2600:1f18:4f:0"]

    /// Private networks (RFC 1918), as behind a corporate proxy that forwards its inner addresses.
    static let privateIPv4: [(UInt8, UInt8)] = [(10, 20), (192, 168)]
}
