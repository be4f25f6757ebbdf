public import Kafka

/// Reads partitions directly, outside any consumer group: their exact end offsets and single records.
///
/// Every read uses a short-lived consumer of its own, assigned (never subscribed) under a throwaway
/// `group.id` with auto-commit off, so it neither joins nor commits for any group, and no record
/// prefetched for one read can be mistaken for the answer of the next.
public struct PartitionReader: Sendable {
    /// The first record at or after an offset.
    public struct Record: Sendable, Hashable {
        public var offset: Int64
        /// Milliseconds since the epoch; `nil` when the record has none.
        public var timestamp: Int64?
    }

    private let configuration: KafkaConfiguration
    private let timeout: Duration

    /// - Parameters:
    ///   - configuration: the cluster's client properties (e.g. a pipeline's consumer configuration);
    ///     the group and commit settings are replaced.
    ///   - timeout: how long one read may wait for the cluster.
    public init(configuration: KafkaConfiguration, timeout: Duration = .seconds(20)) {
        var configuration = configuration.outsideAnyGroup(named: "trackstream-offsets-reader")
        configuration["queued.max.messages.kbytes"] = "1024"
        self.configuration = configuration
        self.timeout = timeout
    }

    /// The high watermark of each partition as fetch responses report it.
    ///
    /// Reading at the end makes the broker answer with its high watermark, which is exact on
    /// every broker; some Kafka-compatible ones (Tansu) answer ListOffsets LATEST with the newest
    /// batch's base offset + 1.
    public func endOffsets(_ partitions: [TopicPartition]) async throws(OffsetToolError) -> [TopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        let wanted = Set(partitions)
        return try await withConsumer(
            at: partitions.map { TopicPartitionOffset($0, offset: KafkaOffset.end) },
            doing: "reading the end offsets of \(partitions.map(\.description).joined(separator: ", "))"
        ) { consumer, events in
            var ends: [TopicPartition: Int64] = [:]
            while ends.count < wanted.count {
                guard let event = await events.next() else { return nil }
                if case .endOfPartition(let partition, let offset) = event, wanted.contains(partition) {
                    ends[partition] = offset
                }
            }
            for partition in partitions {
                if let high = consumer.cachedWatermarks(partition)?.high {
                    ends[partition] = max(ends[partition] ?? high, high)
                }
            }
            return ends
        }
    }

    /// The first record of `partition` at or after `offset`, or `nil` when there is none yet.
    ///
    /// An offset before the log start reads from the log start; the end of the partition before
    /// any record at or after `offset` means there is none.
    public func record(_ partition: TopicPartition, atOrAfter offset: Int64) async throws(OffsetToolError) -> Record? {
        try await withConsumer(
            at: [TopicPartitionOffset(partition, offset: offset)],
            doing: "reading \(partition) at offset \(offset)"
        ) { _, events in
            while let event = await events.next() {
                switch event {
                case .records(let batch):
                    if let record = batch.first(where: { $0.topicPartition == partition && $0.offset >= offset }) {
                        return .some(Record(offset: record.offset, timestamp: record.timestamp))
                    }
                case .endOfPartition(let reached, _) where reached == partition:
                    return .some(nil)
                case .endOfPartition, .error:
                    continue
                }
            }
            return nil
        }
    }

    /// Runs `body` with a consumer assigned at `offsets`; `body` returns `nil` when the events end.
    /// The consumer is closed after `timeout`, which ends its events, and always before returning.
    private func withConsumer<Value: Sendable>(
        at offsets: [TopicPartitionOffset],
        doing what: String,
        _ body: (KafkaConsumer, inout AsyncStream<ConsumerEvent>.Iterator) async -> Value?
    ) async throws(OffsetToolError) -> Value {
        let consumer: KafkaConsumer
        do {
            consumer = try KafkaConsumer(configuration: configuration)
            try consumer.assign(offsets)
        } catch {
            throw .kafka(error, doing: what)
        }
        let timeout = self.timeout
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            await consumer.close()
        }
        defer { watchdog.cancel() }
        var events = consumer.events.makeAsyncIterator()
        let result = await body(consumer, &events)
        await consumer.close()
        guard let result else { throw .timedOut(what) }
        return result
    }
}

/// A consumer group's state and members as the cluster describes them.
public struct GroupStatus: Sendable, Hashable {
    /// The cluster's name of the group's state, e.g. `Stable` or `Empty`.
    public var state: String
    public var members: [KafkaAdmin.GroupDescription.Member]
}

/// A consumer group's offsets on one cluster: what `trackstream offsets show` reports and what
/// `trackstream offsets reset` plans and commits.
public struct GroupOffsets: Sendable {
    private let admin: KafkaAdmin
    private let reader: PartitionReader
    /// The group.
    public let group: String

    public init(group: String, admin: KafkaAdmin, reader: PartitionReader) {
        self.group = group
        self.admin = admin
        self.reader = reader
    }

    /// The group's state and members as the cluster describes them.
    /// - Throws: ``OffsetToolError/unknownGroup(_:)`` when the cluster neither lists the group nor
    ///   has committed offsets for it.
    public func describe() async throws(OffsetToolError) -> GroupStatus {
        let doing = "describing consumer group '\(group)'"
        let description: KafkaAdmin.GroupDescription?
        let listed: Bool
        let committed: [TopicPartitionOffset]
        do {
            description = try await admin.describeGroups([group]).first
            listed = try await admin.listGroups().contains { $0.groupID == group }
            committed = try await admin.listGroupOffsets(group: group)
        } catch {
            throw .kafka(error, doing: doing)
        }
        let members = description?.members ?? []
        guard listed || !members.isEmpty || committed.contains(where: { $0.offset >= 0 }) else {
            throw .unknownGroup(group)
        }
        return GroupStatus(state: description?.state ?? "Unknown", members: members)
    }

    /// The partitions a selection names, checked against the cluster's metadata.
    public func partitions(_ selection: PartitionSelection) async throws(OffsetToolError) -> [TopicPartition] {
        let counts: [String: Int]
        do {
            counts = try await admin.partitionCounts([selection.topic])
        } catch {
            throw .kafka(error, doing: "reading the partitions of topic '\(selection.topic)'")
        }
        guard let count = counts[selection.topic] else { throw .unknownTopic(selection.topic) }
        return try selection.resolve(partitionCount: count)
    }

    /// The topics the group has committed offsets for, sorted.
    public func committedTopics() async throws(OffsetToolError) -> [String] {
        do {
            let committed = try await admin.listGroupOffsets(group: group)
            return Set(committed.filter { $0.offset >= 0 }.map(\.topic)).sorted()
        } catch {
            throw .kafka(error, doing: "listing the committed offsets of group '\(group)'")
        }
    }

    /// The committed offset and the log bounds of each partition.
    ///
    /// The log end is the larger of ListOffsets LATEST and the high watermark of a fetch: the two
    /// agree on Kafka, and the fetch is right where a broker answers ListOffsets LATEST wrongly.
    public func positions(_ partitions: [TopicPartition]) async throws(OffsetToolError) -> [PartitionPosition] {
        let doing = "reading the offsets of group '\(group)'"
        let committed: [TopicPartitionOffset]
        let starts: [KafkaAdmin.ListedOffset]
        let latest: [KafkaAdmin.ListedOffset]
        do {
            committed = try await admin.listGroupOffsets(group: group, partitions: partitions)
            starts = try await admin.listOffsets(partitions, .earliest)
            latest = try await admin.listOffsets(partitions, .latest)
        } catch {
            throw .kafka(error, doing: doing)
        }
        let fetched = try await reader.endOffsets(partitions)
        let committedBy = Dictionary(committed.map { ($0.topicPartition, $0.offset) }) { first, _ in first }
        let startBy = Dictionary(starts.map { ($0.topicPartition, $0.offset) }) { first, _ in first }
        let latestBy = Dictionary(latest.map { ($0.topicPartition, $0.offset) }) { first, _ in first }
        return partitions.sorted().map { partition in
            let start = max(0, startBy[partition] ?? 0)
            let end = max(start, latestBy[partition] ?? 0, fetched[partition] ?? 0)
            let offset = committedBy[partition] ?? KafkaOffset.invalid
            return PartitionPosition(
                topicPartition: partition,
                committed: offset >= 0 ? offset : nil,
                logStart: start,
                logEnd: end
            )
        }
    }

    /// The group's state, members and per-partition lag for these topics.
    ///
    /// Lag in seconds is the age of the oldest unconsumed record: now minus the timestamp of the
    /// record at the committed offset, saturated as ``Lag`` says (0 for a timestamp in the future).
    public func report(topics: [PartitionSelection]) async throws(OffsetToolError) -> GroupOffsetReport {
        let description = try await describe()
        var partitions: [TopicPartition] = []
        for selection in topics { partitions += try await self.partitions(selection) }
        let now = WallClock.milliseconds()
        var lines: [GroupOffsetReport.Line] = []
        for position in try await positions(partitions) {
            var seconds: Double?
            if let committed = position.committed, let lag = position.lag {
                if lag == 0 {
                    seconds = 0
                } else if let timestamp = try await reader.record(
                    position.topicPartition,
                    atOrAfter: max(committed, position.logStart)
                )?.timestamp {
                    seconds = Lag.seconds(now: now, since: timestamp)
                }
            }
            lines.append(GroupOffsetReport.Line(position: position, lagSeconds: seconds))
        }
        return GroupOffsetReport(
            group: group,
            state: description.state,
            members: description.members,
            lines: lines
        )
    }

    /// The offsets `scenario` would commit for the selected partitions; changes nothing.
    /// - Parameter now: milliseconds since the epoch that `--by-duration` counts back from.
    public func plan(
        _ scenario: OffsetResetScenario,
        for selection: PartitionSelection,
        now: Int64
    ) async throws(OffsetToolError) -> OffsetResetPlan {
        _ = try await describe()
        let positions = try await positions(try await partitions(selection))
        var resolved: [TopicPartition: Int64] = [:]
        if let timestamp = scenario.timestamp(now: now) {
            resolved = try await TimestampOffsetResolver(admin: admin, records: reader).resolve(
                timestamp,
                in: positions
            )
        }
        return try OffsetResetPlan(scenario: scenario, positions: positions, resolvedTimes: resolved)
    }

    /// Commits a plan for the group.
    /// - Throws: ``OffsetToolError/activeGroup(_:members:)`` when the group has members: a running
    ///   consumer would overwrite the new offsets with its own next commit.
    public func execute(_ plan: OffsetResetPlan) async throws(OffsetToolError) {
        try await requireInactive()
        do {
            try await admin.alterGroupOffsets(group: group, offsets: plan.commits)
        } catch {
            throw .kafka(error, doing: "committing the new offsets of group '\(group)'")
        }
    }

    /// Throws ``OffsetToolError/activeGroup(_:members:)`` when the group has members.
    public func requireInactive() async throws(OffsetToolError) {
        let description = try await describe()
        guard description.members.isEmpty else { throw .activeGroup(group, members: description.members) }
    }
}

/// A group's committed offsets, state and members, and the log of each partition it reads.
public struct GroupOffsetReport: Sendable {
    /// One partition's line.
    public struct Line: Sendable, Hashable {
        public var position: PartitionPosition
        /// How old the oldest unconsumed record is, in seconds: 0 without lag, `nil` without a
        /// committed offset or a record timestamp.
        public var lagSeconds: Double?
    }

    public var group: String
    public var state: String
    public var members: [KafkaAdmin.GroupDescription.Member]
    public var lines: [Line]

    /// The report as text: a heading with the group's state and members, then an aligned table.
    public func rendered() -> String {
        var text = "group \(group): state \(state), \(members.count) member(s)\n"
        for member in members {
            let assignment = member.assignment.map(\.description).joined(separator: ", ")
            text += "  member \(member.summary)"
            text += assignment.isEmpty ? "\n" : " assigned \(assignment)\n"
        }
        var table = TextTable(header: ["TOPIC", "PARTITION", "COMMITTED", "LOG-START", "LOG-END", "LAG", "LAG-SECONDS"])
        for line in lines {
            let position = line.position
            table.append([
                position.topicPartition.topic, "\(position.topicPartition.partition)",
                position.committed.map(String.init) ?? "-", "\(position.logStart)", "\(position.logEnd)",
                position.lag.map(String.init) ?? "-",
                line.lagSeconds.map { String(($0 * 10).rounded() / 10) } ?? "-",
            ])
        }
        return text + table.rendered()
    }
}

extension OffsetResetPlan {
    /// The plan as an aligned table (partition, current, new, delta) with a note per clamped line.
    public func rendered() -> String {
        var table = TextTable(header: ["TOPIC", "PARTITION", "CURRENT", "NEW", "DELTA", "NOTE"])
        for line in offsets {
            let note: String =
                switch line.clamp {
                case .toLogStart: "requested \(line.requested) is before the log start: clamped"
                case .toLogEnd: "requested \(line.requested) is past the log end: clamped"
                case nil: ""
                }
            table.append([
                line.topicPartition.topic, "\(line.topicPartition.partition)", line.current.map(String.init) ?? "-",
                "\(line.new)", line.delta.map { $0 > 0 ? "+\($0)" : "\($0)" } ?? "-", note,
            ])
        }
        return table.rendered()
    }
}

/// Columns of text padded to line up, numbers right-aligned.
struct TextTable {
    private let header: [String]
    private var rows: [[String]] = []

    init(header: [String]) { self.header = header }

    mutating func append(_ row: [String]) { rows.append(row) }

    func rendered() -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        let numeric = header.indices.map { column in
            rows.allSatisfy { row in row[column].allSatisfy { "0123456789+-.".contains($0) } }
        }
        var text = ""
        for row in all {
            let cells = row.indices.map { column in
                let padding = String(repeating: " ", count: widths[column] - row[column].count)
                return numeric[column] ? padding + row[column] : row[column] + padding
            }
            var line = cells.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            text += line + "\n"
        }
        return text
    }
}
