import Foundation
public import Kafka
public import TrackPipeline

/// Turns "these partitions of this topic, from here to there" into exact offset ranges, outside any
/// consumer group: what `replay`, `tail` and `redrive` read.
///
/// The log's bounds come from the cluster (earliest by ListOffsets, the end by reading at the end,
/// which is exact on every broker, see ``PartitionReader/endOffsets(_:)``); times are resolved by
/// ``TimestampOffsetResolver``. Every range is clamped to the log, so a start before the log start
/// reads from the log start and an end past the log end stops there.
public struct TopicRanges: Sendable {
    /// Where a range starts in each partition.
    public enum Start: Sendable, Hashable {
        /// The first offset still in the log.
        case beginning
        /// The log's end when the range is resolved: only records written afterwards.
        case end
        /// This offset, in every partition.
        case offset(Int64)
        /// The first record at or after this time (milliseconds since the epoch).
        case time(Int64)
        /// The last `n` records of each partition.
        case last(Int64)
    }

    /// Where a range ends in each partition (the first offset not read).
    public enum End: Sendable, Hashable {
        /// The log's end when the range is resolved.
        case logEnd
        /// This offset, in every partition.
        case offset(Int64)
        /// The first record at or after this time (milliseconds since the epoch).
        case time(Int64)
        /// No end: records appended later are read too (`--follow`).
        case unbounded
    }

    private let admin: KafkaAdmin
    private let reader: PartitionReader

    /// - Parameters:
    ///   - admin: the cluster's client properties for the admin client (no consumer-only keys).
    ///   - consumer: the same for the consumers that read the log's end and its records' times.
    public init(
        admin: KafkaConfiguration,
        consumer: KafkaConfiguration,
        timeout: Duration = .seconds(20)
    )
        throws(OffsetToolError)
    {
        do {
            self.admin = try KafkaAdmin(configuration: admin, requestTimeout: timeout)
        } catch {
            throw .kafka(error, doing: "connecting to the cluster")
        }
        reader = PartitionReader(configuration: consumer, timeout: timeout)
    }

    /// For the cluster a pipeline names.
    public init(pipeline: PipelineConfiguration, timeout: Duration = .seconds(20)) throws(OffsetToolError) {
        try self.init(
            admin: pipeline.adminConfiguration(),
            consumer: pipeline.consumerConfiguration(),
            timeout: timeout
        )
    }

    /// The partitions of `topic` that `selection` names (`"0,2"`), or all of them when it is nil;
    /// sorted, each once.
    public func partitions(of topic: String, selecting selection: String?) async throws(OffsetToolError) -> [Int32] {
        guard let count = try await partitionCounts([topic])[topic] else { throw .unknownTopic(topic) }
        let all = 0..<Int32(clamping: count)
        guard let selection else { return Array(all) }
        var selected = Set<Int32>()
        var unknown: [Int32] = []
        for text in selection.split(separator: ",") {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard let partition = Int32(trimmed) else {
                throw .invalidArgument(
                    "--partitions: '\(trimmed)' is not a partition number; write e.g. --partitions 0,2"
                )
            }
            if all.contains(partition) { selected.insert(partition) } else { unknown.append(partition) }
        }
        if !unknown.isEmpty { throw .unknownPartitions(topic: topic, partitions: unknown, count: count) }
        // Each partition once: a repeated one would be assigned twice, which librdkafka refuses.
        return selected.sorted()
    }

    /// The range of each partition from `start` to `end`, clamped to the log.
    public func resolve(
        topic: String,
        partitions: [Int32],
        from start: Start,
        to end: End
    ) async throws(OffsetToolError) -> [PartitionRange] {
        let positions = try await logBounds(topic: topic, partitions: partitions)
        let resolver = TimestampOffsetResolver(admin: admin, records: reader)
        var startsByTime: [TopicPartition: Int64] = [:]
        if case .time(let time) = start { startsByTime = try await resolver.resolve(time, in: positions) }
        var endsByTime: [TopicPartition: Int64] = [:]
        if case .time(let time) = end { endsByTime = try await resolver.resolve(time, in: positions) }
        return positions.map { position in
            let log = position.logStart..<position.logEnd
            let first: Int64 =
                switch start {
                case .beginning: log.lowerBound
                case .end: log.upperBound
                case .offset(let offset): offset
                case .time: startsByTime[position.topicPartition] ?? log.upperBound
                case .last(let count): log.upperBound.subtractingSaturating(max(0, count))
                }
            let clampedStart = min(max(first, log.lowerBound), log.upperBound)
            let last: Int64 =
                switch end {
                case .logEnd: log.upperBound
                case .offset(let offset): min(offset, log.upperBound)
                case .time: endsByTime[position.topicPartition] ?? log.upperBound
                case .unbounded: .max
                }
            return PartitionRange(
                partition: position.topicPartition.partition,
                start: clampedStart,
                end: max(last, clampedStart)
            )
        }
    }

    /// Each partition's log start and end.
    private func logBounds(topic: String, partitions: [Int32]) async throws(OffsetToolError) -> [PartitionPosition] {
        let topicPartitions = partitions.map { TopicPartition(topic: topic, partition: $0) }
        let starts: [KafkaAdmin.ListedOffset]
        do {
            starts = try await admin.listOffsets(topicPartitions, .earliest)
        } catch {
            throw .kafka(error, doing: "reading the log start of \(topic)")
        }
        let ends = try await reader.endOffsets(topicPartitions)
        return starts.map { start in
            PartitionPosition(
                topicPartition: start.topicPartition,
                committed: nil,
                logStart: max(0, start.offset),
                logEnd: max(0, start.offset, ends[start.topicPartition] ?? 0)
            )
        }
    }

    /// The partition count of each topic the cluster knows.
    public func partitionCounts(_ topics: [String]) async throws(OffsetToolError) -> [String: Int] {
        do {
            return try await admin.partitionCounts(topics)
        } catch {
            throw .kafka(error, doing: "reading the partitions of \(topics.joined(separator: ", "))")
        }
    }
}
