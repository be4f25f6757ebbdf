import Testing
import TrackTraffic

@Suite("Determinism")
struct DeterminismTests {
    @Test("the same seed gives the same events, byte for byte")
    func sameSeedSameBytes() {
        let first = generateEvents(count: 3000, seed: 42)
        let second = generateEvents(count: 3000, seed: 42)
        #expect(first == second)
    }

    @Test("different seeds give different traffic")
    func differentSeedsDiffer() {
        let first = generateEvents(count: 200, seed: 1)
        let second = generateEvents(count: 200, seed: 2)
        let identical = zip(first, second).filter { $0.value == $1.value }.count
        #expect(identical == 0)
    }

    @Test("a copied generator continues independently from the same state")
    func copiesContinueIdentically() {
        var original = TrafficGenerator(seed: 9, startTime: fixtureStartTime)
        _ = original.next()
        var copy = original
        #expect(original.next() == copy.next())
        #expect(original.next() == copy.next())
    }

    @Test("collector times start at startTime and advance tens of milliseconds per event")
    func timestampsAdvance() {
        let events = generateEvents(count: 5000, seed: 3)
        #expect(events.first?.timestamp == fixtureStartTime)
        let gaps = zip(events.dropFirst(), events).map { $0.timestamp - $1.timestamp }
        #expect(gaps.allSatisfy { (0...40).contains($0) })
        let meanGap = Double(gaps.reduce(0, +)) / Double(gaps.count)
        #expect((18.0...22.0).contains(meanGap))
    }

    @Test("the interval follows the configuration")
    func configuredInterval() {
        let configuration = TrafficConfiguration(meanIntervalMilliseconds: 0)
        let events = generateEvents(count: 100, seed: 3, configuration: configuration)
        #expect(events.allSatisfy { $0.timestamp == fixtureStartTime })
    }
}
