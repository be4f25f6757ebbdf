import Testing

@testable import TrackTraffic

@Suite("Building blocks")
struct BuildingBlockTests {
    @Test("the random stream is the reference xoshiro256** seeded by SplitMix64, on every platform")
    func referenceStream() {
        var zero = SeededRandom(seed: 0)
        #expect(
            (0..<3).map { _ in zero.next() } == [0x99EC_5F36_CB75_F2B4, 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0]
        )
        var one = SeededRandom(seed: 1)
        #expect(
            (0..<3).map { _ in one.next() } == [0xB3F2_AF6D_0FC7_10C5, 0x853B_5596_4736_4CEA, 0x92F8_9756_082A_4514]
        )
    }

    @Test("the seeded generator is reproducible and its bounded integers stay in range")
    func seededRandom() {
        var first = SeededRandom(seed: 7)
        var second = SeededRandom(seed: 7)
        #expect((0..<100).map { _ in first.next() } == (0..<100).map { _ in second.next() })
        var random = SeededRandom(seed: 11)
        var counts = [Int](repeating: 0, count: 6)
        for _ in 0..<60_000 { counts[random.below(6)] += 1 }
        #expect(counts.allSatisfy { (9_500...10_500).contains($0) })
        #expect((0..<1000).allSatisfy { _ in (3...5).contains(random.int(in: 3...5)) })
    }

    @Test(
        "ISO-8601 times in UTC and with offsets",
        arguments: [
            (Int64(1_772_359_200_000), 0, true, "2026-03-01T10:00:00.000Z"),
            (Int64(1_772_359_200_123), 60, true, "2026-03-01T11:00:00.123+01:00"),
            (Int64(1_772_359_200_999), -300, false, "2026-03-01T05:00:00-05:00"),
            (Int64(951_782_400_000), 0, true, "2000-02-29T00:00:00.000Z"),
            (Int64(0), 330, true, "1970-01-01T05:30:00.000+05:30"),
        ]
    )
    func isoTimes(milliseconds: Int64, offset: Int, includesMilliseconds: Bool, expected: String) {
        let text = TimeText.iso8601(
            milliseconds: milliseconds,
            offsetMinutes: offset,
            includesMilliseconds: includesMilliseconds
        )
        #expect(text == expected)
    }

    @Test("epoch seconds keep three fraction digits")
    func epochSeconds() {
        #expect(TimeText.epochSeconds(milliseconds: 1_772_359_200_045) == "1772359200.045")
    }

    @Test("strings are escaped and objects keep their member order")
    func jsonWriting() {
        var object = OrderedObject()
        object["z"] = .string("a \"quote\", a \\ and\na line\u{01} — ok")
        object["a"] = .array([.integer(-1), .number("12.50"), .bool(false), .null])
        object["z"] = .string("replaced \"in\" place\t")
        let text = String(decoding: JSONBytesWriter.bytes(of: .object(object)), as: UTF8.self)
        #expect(text == #"{"z":"replaced \"in\" place\t","a":[-1,12.50,false,null]}"#)
        object["z"] = .string("\n\u{1F}")
        #expect(
            String(decoding: JSONBytesWriter.bytes(of: .object(object)), as: UTF8.self).hasPrefix(#"{"z":"\n\u001f""#)
        )
        object["z"] = nil
        #expect(object.members.map(\.key) == ["a"])
    }
}
