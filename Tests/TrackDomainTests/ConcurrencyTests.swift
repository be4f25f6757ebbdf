import Testing
import TrackDomain

@Suite("Sharing one processor between tasks")
struct ConcurrencyTests {
    @Test("concurrent tasks get the same bytes as a sequential run")
    func concurrentProcessing() async {
        let lines = PropertyTests.fixtureLines
        let processor = TestSupport.processor(GoldenFixtureTests.configuration, bots: .builtIn())
        func run(_ index: Int) -> ProcessingOutcome {
            processor.process(
                value: lines[index],
                source: SourceCoordinates(topic: "t", partition: 0, offset: Int64(index))
            )
        }
        let sequential = lines.indices.map(run)
        let concurrent = await withTaskGroup(of: [(Int, ProcessingOutcome)].self) { group in
            for worker in 0..<4 {
                group.addTask {
                    stride(from: worker, to: lines.count, by: 4).map { ($0, run($0)) }
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
