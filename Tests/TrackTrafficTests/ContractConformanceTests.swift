import StrictOutputs
import Testing
import TrackDomain
import TrackTraffic

/// The generated traffic run through the real domain processor (docs/contract.md).
@Suite("Generated traffic against the event contract")
struct ContractConformanceTests {
    private let run = standardRun

    /// processing_error needs a failing service and output_too_large a hostile producer: neither is
    /// traffic a collector sends (the hostile-input tests cover them).
    @Test("every rejection reason except processing_error and output_too_large occurs in 20 000 events")
    func everyReasonCode() {
        let reasons = Set(run.outcomes.compactMap(\.rejectionReason))
        let expected = Set(RejectionReason.allCases).subtracting([.processingError, .outputTooLarge])
        #expect(reasons == expected, "missing: \(expected.subtracting(reasons).map(\.rawValue).sorted())")
    }

    @Test("valid events are accepted with at least one enriched event")
    func validEventsAccepted() {
        for (offset, (event, outcome)) in run.pairs.enumerated() where !event.isMalformed {
            #expect(
                !outcome.isRejected && !outcome.enriched.isEmpty,
                "event \(offset) rejected: \(String(decoding: outcome.rejection?.value.prefix(400) ?? [], as: UTF8.self))"
            )
        }
    }

    @Test("malformed values are rejected with the reason their malformation promises")
    func malformedRejected() {
        for (offset, (event, outcome)) in run.pairs.enumerated() {
            guard let malformation = event.malformation else { continue }
            #expect(outcome.enriched.isEmpty)
            #expect(
                outcome.rejectionReason?.rawValue == malformation.expectedReason,
                "event \(offset) (\(malformation)): got \(outcome.rejectionReason?.rawValue ?? "acceptance")"
            )
        }
    }

    @Test("shares with several targets or resources expand into several enriched events")
    func sharesExpand() {
        let shareOutcomes = run.pairs.filter { $0.0.eventType == "shared" && !$0.0.isMalformed }.map(\.1)
        let expanded = shareOutcomes.filter { $0.enriched.count > 1 }
        #expect(expanded.count > shareOutcomes.count / 3)
        #expect(expanded.contains { $0.enriched.count >= 6 })
        let accepted = run.outcomes.filter { !$0.isRejected }
        #expect(accepted.map(\.enriched.count).reduce(0, +) > accepted.count)
    }

    @Test("liked events carry scores on several scales and all yield signals")
    func likesGiveSignals() {
        let likes = run.pairs.filter { $0.0.eventType == "liked" && !$0.0.isMalformed }.map(\.1)
        #expect(!likes.isEmpty)
        #expect(likes.allSatisfy { !$0.signals.isEmpty })
    }

    @Test(
        "crawler user agents, and only those, are classified as bots by uap-core",
        .enabled(if: UAPCoreSpiders.isInstalled, "needs Debian's uap-core regexes")
    )
    func botsClassified() {
        #expect(run.usesUAPCore)
        var bots = 0
        for (event, outcome) in run.pairs where !outcome.isRejected {
            let flags = outcome.enriched.map { jsonObject($0.value)?.present("is_bot") }
            #expect(flags.allSatisfy { $0 == .bool(event.hasBotUserAgent) })
            if event.hasBotUserAgent { bots += 1 }
        }
        #expect(bots > 300)
    }

    @Test("without acme-news's 0..10 scale, its high scores are rejected as invalid_score")
    func siteScalesMatter() {
        var processor = EventProcessor(configuration: .default, botDetector: .builtIn())
        let source = SourceCoordinates(topic: "track.raw", partition: 0, offset: 0)
        let invalidScores = run.events.filter { !$0.isMalformed && $0.eventType == "liked" }
            .map { processor.processStrictly(value: $0.value, source: source) }
            .filter { $0.rejectionReason == .invalidScore }
        #expect(!invalidScores.isEmpty)
    }
}
