import Kafka
import Logging

/// What the publish stage reports: counts for the live line, health and tests, metrics, and the
/// log lines about retries.
struct PublishAccounting: Sendable {
    let outputs: OutputTopics
    let metrics: PipelineMetrics
    let statistics: PipelineStatistics
    let logger: Logger

    /// Chunks handed to the producer and not yet acknowledged.
    func recordInFlight(_ count: Int) {
        metrics.inFlightBatches.record(count)
    }

    /// Records of a chunk are sent again after `failures` failed.
    func recordRetries(_ count: Int, of failures: Int, attempt: Int, error: KafkaError) {
        metrics.deliveryRetries.increment(by: count)
        logger.warning(
            "outputs not delivered; sending again",
            metadata: ["records": "\(failures)", "attempt": "\(attempt)", "error": "\(error)"]
        )
    }

    /// A chunk's inputs are done: every output acknowledged `since` it was handed over.
    func recordPublished(_ inputs: [ProcessedInput], since handedOver: ContinuousClock.Instant, inFlight: Int) {
        var enriched = 0
        var signals = 0
        var rejectedByReason: [String: Int] = [:]
        for input in inputs {
            enriched += input.enriched
            signals += input.signals
            if let reason = input.rejectionReason { rejectedByReason[reason, default: 0] += 1 }
        }
        let rejected = rejectedByReason.values.reduce(0, +)
        statistics.recordPublished(inputs: inputs.count, enriched: enriched, signals: signals, rejected: rejected)
        metrics.recordProduced(enriched, topic: outputs.enriched)
        metrics.recordProduced(signals, topic: outputs.signals)
        metrics.recordProduced(rejected, topic: outputs.rejected)
        for (reason, count) in rejectedByReason { metrics.recordRejected(count, reason: reason) }
        metrics.deliveryDuration.recordInterval(since: handedOver)
        metrics.inFlightBatches.record(inFlight)
    }

    /// A commit answered after starting at `started`.
    func recordCommit(since started: ContinuousClock.Instant) {
        metrics.commitDuration.recordInterval(since: started)
    }
}
