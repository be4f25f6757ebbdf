import Foundation
import Testing

/// `trackstream generate --rate` at the ends of its range, against the real broker.
@Suite("generate: paced production at extreme rates", .serialized)
struct GenerateRateTests {
    @Test("--rate 0.001 --count 1 sends its one event and exits, without waiting for an event that never comes")
    func slowestRate() async throws {
        let pipeline = try await TestPipeline.make(broker: .shared, partitions: 1)
        let generate = try ServiceProcess(arguments: ["generate", pipeline.file, "--count", "1", "--rate", "0.001"])
        let status = await generate.waitForExit(timeout: .seconds(30))
        if status == nil { generate.signal(SIGKILL) }
        #expect(status == 0, "\(generate.log.suffix(1000))")
        #expect(try await readAll(pipeline.input, partitions: 1, broker: .shared, strict: false).count == 1)
    }

    @Test("--rate 1e9 --count 20000 produces every event")
    func fastestRate() async throws {
        let pipeline = try await TestPipeline.make(broker: .shared, partitions: 1)
        let generate = try ServiceProcess(
            arguments: ["generate", pipeline.file, "--count", "20000", "--rate", "1000000000"]
        )
        let status = await generate.waitForExit(timeout: .seconds(60))
        if status == nil { generate.signal(SIGKILL) }
        #expect(status == 0, "\(generate.log.suffix(1000))")
        #expect(try await readAll(pipeline.input, partitions: 1, broker: .shared, strict: false).count == 20_000)
    }
}
