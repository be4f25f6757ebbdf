public import Kafka
import TrackDomain
import TrackPipeline

/// Where `trackstream offsets reset` moves a group's committed offsets: the scenarios of
/// `kafka-consumer-groups.sh --reset-offsets`.
public enum OffsetResetScenario: Sendable, Hashable, CustomStringConvertible {
    /// The log start offset of each partition.
    case toEarliest
    /// The log end offset of each partition (the next offset to be written).
    case toLatest
    /// The same offset in every selected partition.
    case toOffset(Int64)
    /// The committed offset moved by this many records (negative: back); the sum saturates at the
    /// ends of `Int64`, and the result is clamped into the log like any target.
    case shiftBy(Int64)
    /// The first offset whose record timestamp is at or after this many milliseconds since the epoch.
    case toTimestamp(Int64)
    /// The first offset whose record timestamp is at or after `now - duration` (saturating at
    /// `Int64.min`).
    case byDuration(Duration)

    public var description: String {
        switch self {
        case .toEarliest: "to earliest"
        case .toLatest: "to latest"
        case .toOffset(let offset): "to offset \(offset)"
        case .shiftBy(let count): "shift by \(count > 0 ? "+" : "")\(count)"
        case .toTimestamp(let milliseconds): "to \(ISO8601.format(milliseconds))"
        case .byDuration(let duration): "back by \(duration.components.seconds) s"
        }
    }

    /// The timestamp this scenario looks up, when it is a time scenario.
    public func timestamp(now: Int64) -> Int64? {
        switch self {
        case .toTimestamp(let milliseconds): milliseconds
        case .byDuration(let duration):
            now.subtractingSaturating(duration.saturatedMilliseconds)
        default: nil
        }
    }
}

/// A partition's committed offset and its log's bounds at one moment.
public struct PartitionPosition: Sendable, Hashable {
    public var topicPartition: TopicPartition
    /// The group's committed offset, `nil` when the group never committed for the partition.
    public var committed: Int64?
    /// The first offset still in the log.
    public var logStart: Int64
    /// The next offset to be written (the high watermark).
    public var logEnd: Int64

    public init(topicPartition: TopicPartition, committed: Int64?, logStart: Int64, logEnd: Int64) {
        self.topicPartition = topicPartition
        self.committed = committed
        self.logStart = logStart
        self.logEnd = logEnd
    }

    /// Records between the committed offset and the log end; `nil` without a committed offset.
    public var lag: Int64? { committed.map { max(0, logEnd - max($0, logStart)) } }
}

/// One partition's line of a reset plan.
public struct PlannedOffset: Sendable, Hashable {
    /// Why a requested offset was moved into the log.
    public enum Clamp: Sendable, Hashable {
        /// The requested offset was before the log start.
        case toLogStart
        /// The requested offset was past the log end.
        case toLogEnd
    }

    public var topicPartition: TopicPartition
    public var current: Int64?
    /// The offset the scenario asked for, before clamping.
    public var requested: Int64
    /// The offset the group will have.
    public var new: Int64
    public var clamp: Clamp?

    /// How far the committed offset moves; `nil` without a committed offset.
    public var delta: Int64? { current.map { new - $0 } }
}

/// The offsets a reset would commit, one line per partition, computed without touching the group.
public struct OffsetResetPlan: Sendable, Hashable {
    public var scenario: OffsetResetScenario
    public var offsets: [PlannedOffset]

    /// Plans `scenario` over `positions`.
    ///
    /// - Parameter resolvedTimes: for the time scenarios, each partition's first offset at or after
    ///   the scenario's timestamp (see ``TimestampOffsetResolver``); ignored otherwise.
    /// - Throws: ``OffsetToolError/noCommittedOffset(_:)`` when `shiftBy` meets a partition the group
    ///   never committed, and ``OffsetToolError/unresolvedTimestamp(_:)`` when a time is missing.
    public init(
        scenario: OffsetResetScenario,
        positions: [PartitionPosition],
        resolvedTimes: [TopicPartition: Int64] = [:]
    ) throws(OffsetToolError) {
        self.scenario = scenario
        var offsets: [PlannedOffset] = []
        for position in positions.sorted(by: { $0.topicPartition < $1.topicPartition }) {
            let requested: Int64
            switch scenario {
            case .toEarliest: requested = position.logStart
            case .toLatest: requested = position.logEnd
            case .toOffset(let offset): requested = offset
            case .shiftBy(let count):
                guard let committed = position.committed else {
                    throw .noCommittedOffset(position.topicPartition)
                }
                requested = committed.addingSaturating(count)
            case .toTimestamp, .byDuration:
                guard let resolved = resolvedTimes[position.topicPartition] else {
                    throw .unresolvedTimestamp(position.topicPartition)
                }
                requested = resolved
            }
            let clamp: PlannedOffset.Clamp? =
                requested < position.logStart ? .toLogStart : requested > position.logEnd ? .toLogEnd : nil
            let new = min(max(requested, position.logStart), position.logEnd)
            offsets.append(
                PlannedOffset(
                    topicPartition: position.topicPartition,
                    current: position.committed,
                    requested: requested,
                    new: new,
                    clamp: clamp
                )
            )
        }
        self.offsets = offsets
    }

    /// Whether committing the plan changes any committed offset.
    public var changesAnything: Bool { offsets.contains { $0.current != $0.new } }

    /// The offsets to commit.
    public var commits: [TopicPartitionOffset] {
        offsets.map { TopicPartitionOffset($0.topicPartition, offset: $0.new) }
    }
}

/// Which partitions of which topic a command works on: `T` (all) or `T:P,P,…`.
public struct PartitionSelection: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    /// The chosen partitions, `nil` for all of them.
    public var partitions: [Int32]?

    public init(topic: String, partitions: [Int32]? = nil) {
        self.topic = topic
        self.partitions = partitions
    }

    /// Parses `T` or `T:P,P,…`.
    public init(parsing text: String) throws(OffsetToolError) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let name = parts.first, !name.isEmpty else { throw .invalidArgument("--topic '\(text)' names no topic") }
        if let problem = TopicName.problem(with: String(name)) {
            throw .invalidArgument("--topic: \(problem); \(TopicName.rule)")
        }
        topic = String(name)
        guard parts.count == 2 else { return }
        var chosen: [Int32] = []
        for item in parts[1].split(separator: ",", omittingEmptySubsequences: false) {
            guard let partition = Int32(item.trimmingSpaces), partition >= 0 else {
                throw .invalidArgument(
                    "--topic '\(text)': '\(item)' is not a partition number; write TOPIC or TOPIC:0,1,2"
                )
            }
            chosen.append(partition)
        }
        partitions = Array(Set(chosen)).sorted()
    }

    /// The selected partitions of a topic that has `count` of them.
    /// - Throws: ``OffsetToolError/unknownPartitions(topic:partitions:count:)`` for numbers past the last.
    public func resolve(partitionCount count: Int) throws(OffsetToolError) -> [TopicPartition] {
        let numbers = partitions ?? (0..<Int32(clamping: count)).map { $0 }
        let unknown = numbers.filter { $0 >= count }
        guard unknown.isEmpty else { throw .unknownPartitions(topic: topic, partitions: unknown, count: count) }
        return numbers.map { TopicPartition(topic: topic, partition: $0) }
    }

    public var description: String {
        partitions.map { "\(topic):\($0.map(String.init).joined(separator: ","))" } ?? topic
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}

/// Finds, per partition, the first offset whose record timestamp is at or after a time.
///
/// It asks the broker first (ListOffsets by timestamp) and checks the answer by reading the records
/// around it: Kafka answers from CreateTime, but some Kafka-compatible brokers answer from append
/// time or answer offset 0 for a time after the last record. When the answer does not hold, it
/// binary-searches the partition over fetched timestamps, which assumes timestamps rise with offsets
/// (true for producers that let the client stamp records).
public struct TimestampOffsetResolver: Sendable {
    private let admin: KafkaAdmin
    private let records: PartitionReader

    public init(admin: KafkaAdmin, records: PartitionReader) {
        self.admin = admin
        self.records = records
    }

    /// The first offset at or after `timestamp` of each partition, or its log end when every
    /// record is older.
    public func resolve(
        _ timestamp: Int64,
        in positions: [PartitionPosition]
    ) async throws(OffsetToolError) -> [TopicPartition: Int64] {
        let answers: [KafkaAdmin.ListedOffset]
        do {
            // Negative times are ListOffsets' special queries (-1 latest, -2 earliest, ...): ask for
            // the epoch instead; the check below corrects the answer for records stamped earlier.
            answers = try await admin.listOffsets(positions.map(\.topicPartition), .timestamp(max(0, timestamp)))
        } catch {
            throw .kafka(error, doing: "looking up offsets by time")
        }
        let brokerAnswers = Dictionary(answers.map { ($0.topicPartition, $0.offset) }) { first, _ in first }
        var resolved: [TopicPartition: Int64] = [:]
        for position in positions {
            let answer = brokerAnswers[position.topicPartition] ?? -1
            let candidate = answer < 0 ? position.logEnd : min(max(answer, position.logStart), position.logEnd)
            let search = PartitionTimeSearch(position: position, timestamp: timestamp, records: records)
            if try await search.holds(at: candidate) {
                resolved[position.topicPartition] = candidate
            } else {
                resolved[position.topicPartition] = try await search.binarySearch()
            }
        }
        return resolved
    }
}

/// The time lookup of one partition, over records read one at a time.
private struct PartitionTimeSearch {
    let position: PartitionPosition
    let timestamp: Int64
    let records: PartitionReader

    /// Whether `offset` is the first one at or after `timestamp`: its record is not older and the
    /// record before it is older. A gap before `offset` (transaction markers, compaction) counts as older.
    func holds(at offset: Int64) async throws(OffsetToolError) -> Bool {
        if offset < position.logEnd {
            guard let record = try await records.record(position.topicPartition, atOrAfter: offset),
                (record.timestamp ?? -1) >= timestamp
            else { return false }
        }
        guard offset > position.logStart else { return true }
        guard let previous = try await records.record(position.topicPartition, atOrAfter: offset - 1) else {
            return false
        }
        return previous.offset >= offset || (previous.timestamp ?? -1) < timestamp
    }

    /// The first offset in the log whose record is not older than `timestamp`, else the log end.
    func binarySearch() async throws(OffsetToolError) -> Int64 {
        var low = position.logStart
        var high = position.logEnd
        while low < high {
            let middle = low + (high - low) / 2
            guard let record = try await records.record(position.topicPartition, atOrAfter: middle) else {
                high = middle
                continue
            }
            if (record.timestamp ?? -1) >= timestamp {
                high = middle
            } else {
                low = min(record.offset.addingSaturating(1), high)
            }
        }
        return low
    }
}

/// A failure of an offsets command, with what it concerned and what to do.
public enum OffsetToolError: Error, Sendable, CustomStringConvertible {
    /// The cluster has no such group (no members and no committed offsets).
    case unknownGroup(String)
    /// The cluster has no such topic.
    case unknownTopic(String)
    /// Partition numbers past the topic's last partition.
    case unknownPartitions(topic: String, partitions: [Int32], count: Int)
    /// The group has members; its offsets may only change while it is empty.
    case activeGroup(String, members: [KafkaAdmin.GroupDescription.Member])
    /// `--shift-by` on a partition the group never committed.
    case noCommittedOffset(TopicPartition)
    /// A time scenario planned without that partition's resolved offset (a programming error).
    case unresolvedTimestamp(TopicPartition)
    /// A command-line value that cannot be used.
    case invalidArgument(String)
    /// The cluster did not answer in time.
    case timedOut(String)
    /// A request to the cluster failed.
    case kafka(KafkaError, doing: String)

    /// Whether the failure is the operator's input (exit 1) rather than the cluster's (exit 2).
    public var isUsageError: Bool {
        switch self {
        case .unknownGroup, .unknownTopic, .unknownPartitions, .activeGroup, .noCommittedOffset, .invalidArgument:
            true
        case .unresolvedTimestamp, .timedOut, .kafka: false
        }
    }

    public var description: String {
        switch self {
        case .unknownGroup(let group):
            "consumer group '\(group)' is unknown to the cluster (no members, no committed offsets); "
                + "check --group (or the pipeline's group) and --brokers"
        case .unknownTopic(let topic):
            "topic '\(topic)' does not exist; check its name and --brokers (trackstream topics create makes "
                + "the pipeline's topics)"
        case .unknownPartitions(let topic, let partitions, let count):
            "topic '\(topic)' has partitions 0...\(count - 1); "
                + "\(partitions.map(String.init).joined(separator: ", ")) do not exist; fix the list after 'TOPIC:'"
        case .activeGroup(let group, let members):
            "consumer group '\(group)' is active with \(members.count) member(s): "
                + members.map(\.summary).joined(separator: ", ")
                + "; stop those consumers (e.g. the trackstream run instances of this group) and try again"
        case .noCommittedOffset(let partition):
            "cannot shift \(partition): group has no committed offset there; use --to-earliest, "
                + "--to-latest, --to-offset or --to-datetime for it"
        case .unresolvedTimestamp(let partition):
            "no offset was resolved for the time lookup of \(partition)"
        case .invalidArgument(let message):
            message
        case .timedOut(let what):
            "\(what) timed out; check that the brokers are reachable and try again"
        case .kafka(let error, let doing):
            "\(doing) failed: \(error); check that the brokers are reachable and try again"
        }
    }
}

/// The ISO-8601 forms the offsets commands take: a date-time with its zone, and a duration.
///
/// Parsed here rather than with Foundation so that a time always has an explicit zone (a time
/// without one would silently mean the machine's zone) and so that the rules are the documented ones.
public enum ISO8601 {
    /// Milliseconds since the epoch of `YYYY-MM-DDTHH:MM[:SS[.fff]]` followed by `Z`, `±HH:MM`,
    /// `±HHMM` or `±HH`, e.g. `2026-11-28T00:00:00+01:00`: the event contract's ISO-8601 profile
    /// (``EventTime/parseISO8601(_:)``), with the time and its zone required.
    public static func parseDateTime(_ text: String) throws(OffsetToolError) -> Int64 {
        let invalid = OffsetToolError.invalidArgument(
            "'\(text)' is not an ISO-8601 date-time with a zone; write e.g. 2026-11-28T00:00:00+01:00 "
                + "or 2026-11-27T23:00:00Z"
        )
        guard let timeStart = text.firstIndex(where: { $0 == "T" || $0 == "t" || $0 == " " }),
            text[timeStart...].contains(where: { $0 == "Z" || $0 == "z" || $0 == "+" || $0 == "-" })
        else { throw invalid }
        do {
            return try EventTime.parseISO8601(text)
        } catch {
            throw invalid
        }
    }

    /// A duration `PnDTnHnMnS` (``ISODuration``), e.g. `PT1H30M` or `P1D`, of at most `Int64.max`
    /// milliseconds (some 292 million years).
    public static func parseDuration(_ text: String) throws(OffsetToolError) -> Duration {
        do {
            return .milliseconds(try ISODuration.milliseconds(text))
        } catch .tooLong {
            throw .invalidArgument(
                "'\(text)' is too long: a duration may be at most \(Int64.max / 86_400_000) days "
                    + "(some 292 million years)"
            )
        } catch {
            throw .invalidArgument(
                "'\(text)' is not an ISO-8601 duration; write PnDTnHnMnS, each part at most once and in that "
                    + "order, e.g. P1D, PT2H or PT1H30M"
            )
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS.fffZ` for milliseconds since the epoch.
    public static func format(_ milliseconds: Int64) -> String {
        EventTime.rfc3339(milliseconds)
    }
}

extension KafkaAdmin.GroupDescription.Member {
    /// The member's id with its client id and host when the broker reports them.
    var summary: String {
        var details: [String] = []
        if !clientID.isEmpty { details.append("client \(clientID)") }
        if !host.isEmpty { details.append("host \(host)") }
        return details.isEmpty ? memberID : "\(memberID) (\(details.joined(separator: ", ")))"
    }
}
