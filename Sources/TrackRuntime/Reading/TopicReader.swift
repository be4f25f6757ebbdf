public import Kafka
import Synchronization

/// Reads offset ranges of one topic in order, outside any consumer group, and hands each record to
/// a closure: what `tail` and `redrive` read with.
///
/// The consumer is assigned (never subscribed) under a throwaway `group.id` with auto-commit off, so
/// reading joins no group and commits nothing. Records of one partition arrive in offset order;
/// partitions interleave as the broker answers.
public struct TopicReader: Sendable {
    private let configuration: KafkaConfiguration
    private let idleTimeout: Duration

    /// - Parameters:
    ///   - configuration: the cluster's client properties; the group and commit settings are replaced.
    ///   - idleTimeout: how long a bounded read may go without any answer from the cluster before it
    ///     fails (a `follow` read waits for new records forever).
    public init(configuration: KafkaConfiguration, idleTimeout: Duration = .seconds(30)) {
        self.configuration = configuration.outsideAnyGroup(named: "trackstream-reader")
        self.idleTimeout = idleTimeout
    }

    /// Reads `ranges` of `topic` and calls `body` for each record in them, until every range is read
    /// (a range ending at `Int64.max` never is: it follows the log) or `body` returns `false`.
    ///
    /// - Throws: ``OffsetToolError/timedOut(_:)`` when a bounded read hears nothing for the idle
    ///   timeout; ``OffsetToolError/kafka(_:doing:)`` for a fatal client error; what `body` throws.
    public func read(
        topic: String,
        ranges: [PartitionRange],
        _ body: (ConsumedRecord) async throws -> Bool
    ) async throws {
        var pending = Dictionary(
            ranges.filter { $0.start < $0.end }.map { ($0.partition, $0) },
            uniquingKeysWith: { first, _ in first }
        )
        guard !pending.isEmpty else { return }
        let consumer: KafkaConsumer
        do {
            consumer = try KafkaConsumer(configuration: configuration)
            try consumer.assign(
                pending.values.map {
                    TopicPartitionOffset(TopicPartition(topic: topic, partition: $0.partition), offset: $0.start)
                }
            )
        } catch {
            throw OffsetToolError.kafka(error, doing: "reading \(topic)")
        }
        let follows = pending.values.contains { $0.end == .max }
        let idleTimeout = self.idleTimeout
        let heard = HeardFlag()
        let watchdog = Task {
            // A bounded read that hears nothing for the idle timeout ends: the cluster is gone.
            while !follows {
                try await Task.sleep(for: idleTimeout)
                if !heard.reset() {
                    heard.timeOut()
                    await consumer.close()
                    return
                }
            }
        }
        defer { watchdog.cancel() }
        do {
            for await event in consumer.events {
                switch event {
                case .records(let batch):
                    heard.mark()
                    for record in batch {
                        guard let range = pending[record.partition], record.offset >= range.start else { continue }
                        if record.offset >= range.end {
                            pending[record.partition] = nil
                        } else {
                            guard try await body(record) else {
                                await consumer.close()
                                return
                            }
                            if record.offset + 1 >= range.end { pending[record.partition] = nil }
                        }
                    }
                case .endOfPartition(let partition, let offset):
                    heard.mark()
                    if let range = pending[partition.partition], offset >= range.end {
                        pending[partition.partition] = nil
                    }
                case .error(let error):
                    if error.isFatal {
                        await consumer.close()
                        throw OffsetToolError.kafka(error, doing: "reading \(topic)")
                    }
                }
                if pending.isEmpty {
                    await consumer.close()
                    return
                }
            }
        } catch {
            await consumer.close()
            throw error
        }
        if heard.hasTimedOut {
            throw OffsetToolError.timedOut("reading \(topic) (no answer for \(idleTimeout))")
        }
    }
}

/// Whether a read heard from the cluster since the watchdog last looked, and whether it gave up.
private final class HeardFlag: Sendable {
    private let heard = Atomic<Bool>(true)
    private let timedOut = Atomic<Bool>(false)

    func mark() { heard.store(true, ordering: .relaxed) }

    /// Whether anything was heard since the last call; clears the mark.
    func reset() -> Bool { heard.exchange(false, ordering: .relaxed) }

    func timeOut() { timedOut.store(true, ordering: .relaxed) }

    var hasTimedOut: Bool { timedOut.load(ordering: .relaxed) }
}

extension KafkaConfiguration {
    /// A consumer's settings for reading by assignment outside any group: a throwaway `group.id`
    /// (named `prefix-<random>`), no commits, end-of-partition events, and a short fetch wait.
    func outsideAnyGroup(named prefix: String) -> KafkaConfiguration {
        var configuration = self
        configuration["group.id"] = "\(prefix)-\(UInt64.random(in: 0...UInt64.max))"
        configuration["enable.auto.commit"] = "false"
        configuration["enable.auto.offset.store"] = "false"
        configuration["enable.partition.eof"] = "true"
        configuration["auto.offset.reset"] = "earliest"
        configuration.setDefault("fetch.wait.max.ms", "100")
        return configuration
    }
}
