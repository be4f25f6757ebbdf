import Kafka

/// Where the publish stage sends records: the Kafka producer, or an in-memory sink in tests.
///
/// Records handed over in one call, and in successive calls, keep their order per output partition.
protocol RecordSink: Sendable {
    /// Hands a batch's records over without copying them; throws only when the sink is unusable.
    func send(_ batch: ProducerBatch) async throws(KafkaError) -> PendingAcknowledgements
    /// Hands copied records over (retries and replacements); throws only when the sink is unusable.
    func send(_ messages: [ProducerMessage]) async throws(KafkaError) -> PendingAcknowledgements
}

/// The acknowledgements still to come for records handed to a ``RecordSink``.
struct PendingAcknowledgements: Sendable {
    /// Waits until every record is acknowledged or refused; failures carry their record's index in
    /// what was sent.
    let report: @Sendable () async -> DeliveryReport
}

extension KafkaProducer: RecordSink {
    func send(_ batch: ProducerBatch) async throws(KafkaError) -> PendingAcknowledgements {
        let pending = try await enqueue(batch)
        return PendingAcknowledgements { await pending.report() }
    }

    func send(_ messages: [ProducerMessage]) async throws(KafkaError) -> PendingAcknowledgements {
        let pending = try await enqueue(messages)
        return PendingAcknowledgements { await pending.report() }
    }
}
