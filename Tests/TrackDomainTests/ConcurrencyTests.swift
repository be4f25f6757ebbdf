import StrictOutputs
import Testing
import TrackDomain

@Suite("Copies of one processor in concurrent tasks")
struct ConcurrencyTests {
    @Test("concurrent tasks, each with its own copy, get the same bytes as a sequential run")
    func concurrentProcessing() async {
        let lines = PropertyTests.fixtureLines
        let processor = TestSupport.processor(GoldenFixtureTests.configuration, bots: .builtIn())
        @Sendable func run(_ index: Int, with processor: inout EventProcessor) -> ProcessingOutcome {
            processor.processStrictly(
                value: lines[index],
                source: SourceCoordinates(topic: "t", partition: 0, offset: Int64(index))
            )
        }
        var sequentialProcessor = processor
        let sequential = lines.indices.map { run($0, with: &sequentialProcessor) }
        let concurrent = await withTaskGroup(of: [(Int, ProcessingOutcome)].self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var own = processor
                    return stride(from: worker, to: lines.count, by: 4).map { ($0, run($0, with: &own)) }
                }
            }
            var results: [Int: ProcessingOutcome] = [:]
            for await batch in group {
                for (index, outcome) in batch { results[index] = outcome }
            }
            return results
        }
        for index in lines.indices {
            #expect(concurrent[index]?.enriched == sequential[index].enriched)
            #expect(concurrent[index]?.signals == sequential[index].signals)
            #expect(concurrent[index]?.rejection == sequential[index].rejection)
        }
    }
}
