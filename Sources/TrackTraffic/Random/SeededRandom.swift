/// A small, fast, seedable pseudo-random generator: xoshiro256** seeded through SplitMix64.
///
/// The standard library's `SystemRandomNumberGenerator` cannot be seeded, and the algorithms behind
/// `Int.random(in:using:)` may change between toolchains. Everything here is spelled out so that one
/// seed gives the same numbers on every platform and Swift version: that is what makes generated
/// traffic reproducible.
struct SeededRandom: Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// Expands `seed` into the 256-bit state with SplitMix64, as the xoshiro authors recommend.
    init(seed: UInt64) {
        var seeder = SplitMix64(state: seed)
        state = (seeder.next(), seeder.next(), seeder.next(), seeder.next())
    }

    /// The next 64 uniformly distributed bits.
    mutating func next() -> UInt64 {
        let result = (state.1 &* 5).rotatedLeft(by: 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = state.3.rotatedLeft(by: 45)
        return result
    }

    /// A uniform integer in `0..<bound` without modulo bias (Lemire's multiply-and-reject).
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "the bound of a random integer must be positive")
        let limit = UInt64(bound)
        var product = next().multipliedFullWidth(by: limit)
        if product.low < limit {
            let threshold = (0 &- limit) % limit
            while product.low < threshold {
                product = next().multipliedFullWidth(by: limit)
            }
        }
        return Int(product.high)
    }

    /// A uniform integer in `range`.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// A uniform double in `0..<1` with 53 random bits.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with probability `probability`.
    mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    /// A uniformly chosen element of a non-empty collection.
    mutating func element<Elements: Collection>(of elements: Elements) -> Elements.Element {
        elements[elements.index(elements.startIndex, offsetBy: below(elements.count))]
    }

    /// `digits` random lowercase hexadecimal digits.
    mutating func hex(digits: Int) -> String {
        var text = ""
        text.reserveCapacity(digits)
        var bits: UInt64 = 0
        for index in 0..<digits {
            if index % 16 == 0 { bits = next() }
            text.append(Self.hexDigits[Int(bits & 0xF)])
            bits >>= 4
        }
        return text
    }

    private static let hexDigits = Array("0123456789abcdef")
}

/// SplitMix64: turns one 64-bit seed into a well-mixed stream for seeding larger generators.
private struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

extension UInt64 {
    fileprivate func rotatedLeft(by count: UInt64) -> UInt64 {
        (self << count) | (self >> (64 - count))
    }
}

/// Picks elements with fixed relative weights, e.g. the event-type mix.
struct WeightedChoice<Element: Sendable>: Sendable {
    private let elements: [Element]
    private let cumulativeWeights: [Double]

    /// `entries` must be non-empty with positive weights; weights need not sum to anything particular.
    init(_ entries: [(Element, Double)]) {
        precondition(!entries.isEmpty, "a weighted choice needs at least one entry")
        var running = 0.0
        elements = entries.map(\.0)
        cumulativeWeights = entries.map { entry in
            running += entry.1
            return running
        }
    }

    func pick(using random: inout SeededRandom) -> Element {
        let target = random.unit() * (cumulativeWeights.last ?? 0)
        let index = cumulativeWeights.firstIndex { target < $0 } ?? (elements.count - 1)
        return elements[index]
    }
}
