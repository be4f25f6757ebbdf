import Testing

@testable import TrackRuntime

@Suite("Per-partition values while walking a batch")
struct PerPartitionTests {
    @Test("the last value per partition, partitions in order of first appearance, runs or interleaved")
    func lastValues() {
        var values = PerPartition<Int64>()
        #expect(values.isEmpty)
        for (partition, offset) in [(2, 10), (2, 11), (0, 5), (2, 12), (1, 7), (0, 6), (0, 8)] as [(Int32, Int64)] {
            values[partition] = offset
        }
        #expect(values.entries.map(\.partition) == [2, 0, 1])
        #expect(values.entries.map(\.value) == [12, 8, 7])
        #expect(values[1] == 7)
        #expect(values[3] == nil)
    }

    @Test("setting nil removes the partition")
    func removal() {
        var values = PerPartition<Bool>()
        values[4] = true
        values[5] = false
        values[4] = nil
        #expect(values.entries.map(\.partition) == [5])
        #expect(values[4] == nil)
        #expect(values[5] == false)
    }
}
