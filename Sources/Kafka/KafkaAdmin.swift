import CRdKafka
import Glibc
public import Logging

/// Cluster administration: topics, offsets and consumer groups.
///
/// Every call is a request to the cluster that waits for its answer on a Dispatch thread (never a
/// cooperative one) for at most `requestTimeout`.
public final class KafkaAdmin: Sendable {
    private let handle: ClientHandle
    private let requestTimeout: Duration
    /// Serves the client's error events (librdkafka calls `error_cb` from `rd_kafka_poll`) when
    /// someone listens to them.
    private let pollThread: PollThread?

    /// Creates the client; `onClientError` hears every client-level error librdkafka reports while
    /// it works (a refused connection, a failed TLS handshake or authentication, all brokers down),
    /// which a request otherwise only shows as its timeout.
    public init(
        configuration: KafkaConfiguration,
        requestTimeout: Duration = .seconds(30),
        logger: Logger = Logger(label: "trackstream.kafka.admin"),
        onClientError: (@Sendable (KafkaError) -> Void)? = nil
    ) throws(KafkaError) {
        let handle = try ClientHandle(
            kind: .producer,
            configuration: configuration,
            logger: logger,
            onError: onClientError
        )
        self.handle = handle
        self.requestTimeout = requestTimeout
        pollThread =
            onClientError == nil
            ? nil : PollThread(name: "trackstream-admin-poll") { rd_kafka_poll(handle.pointer, 100) }
    }

    deinit {
        // The thread lets go of the client after its current poll.
        pollThread?.requestStop()
    }

    // MARK: Cluster

    /// A broker as the cluster's metadata names it.
    public struct Broker: Sendable, Hashable {
        public var id: Int32
        public var host: String
        public var port: Int32
    }

    /// The cluster's brokers, from a metadata request that names no topic: the first request that
    /// needs a working connection, TLS and authentication included.
    public func brokers() async throws(KafkaError) -> [Broker] {
        let timeout = milliseconds
        return try await BlockingCall.run { [handle] () throws(KafkaError) in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let code = rd_kafka_metadata(handle.pointer, 0, nil, &metadata, timeout)
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
                throw KafkaError(code: code, context: "reading cluster metadata")
            }
            defer { rd_kafka_metadata_destroy(metadata) }
            return (0..<Int(metadata.pointee.broker_cnt)).map { index in
                let broker = metadata.pointee.brokers[index]
                return Broker(id: broker.id, host: String(cString: broker.host), port: broker.port)
            }
        }
    }

    // MARK: Topics

    /// A topic to create.
    public struct NewTopic: Sendable, Hashable {
        public var name: String
        public var partitions: Int32
        /// `-1` for the broker's default.
        public var replicationFactor: Int32
        public var configuration: [String: String]

        public init(
            name: String,
            partitions: Int32,
            replicationFactor: Int32 = -1,
            configuration: [String: String] = [:]
        ) {
            self.name = name
            self.partitions = partitions
            self.replicationFactor = replicationFactor
            self.configuration = configuration
        }
    }

    /// Creates the topics that do not exist yet; returns the names it created.
    @discardableResult
    public func createTopics(_ topics: [NewTopic]) async throws(KafkaError) -> [String] {
        let timeout = milliseconds
        return try await BlockingCall.run { [handle] () throws(KafkaError) in
            var errorText = [CChar](repeating: 0, count: 512)
            var newTopics: [OpaquePointer?] = []
            defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
            for topic in topics {
                guard
                    let native = rd_kafka_NewTopic_new(
                        topic.name,
                        topic.partitions,
                        topic.replicationFactor,
                        &errorText,
                        errorText.count
                    )
                else {
                    throw KafkaError(
                        code: RD_KAFKA_RESP_ERR__INVALID_ARG,
                        context: "creating topic '\(topic.name)'",
                        message: errorText.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                    )
                }
                for (key, value) in topic.configuration.sorted(by: { $0.key < $1.key }) {
                    rd_kafka_NewTopic_set_config(native, key, value)
                }
                newTopics.append(native)
            }
            let event = try Self.request(handle, .createTopics, timeout: timeout, context: "creating topics") {
                options,
                queue in
                rd_kafka_CreateTopics(handle.pointer, &newTopics, newTopics.count, options, queue)
            }
            defer { rd_kafka_event_destroy(event) }
            var count = 0
            let results = rd_kafka_CreateTopics_result_topics(event, &count)
            var created: [String] = []
            for index in 0..<count {
                let result = results![index]
                let name = String(cString: rd_kafka_topic_result_name(result))
                let code = rd_kafka_topic_result_error(result)
                switch code {
                case RD_KAFKA_RESP_ERR_NO_ERROR: created.append(name)
                case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS: continue
                default:
                    throw KafkaError(
                        code: code,
                        context: "creating topic '\(name)'",
                        message: rd_kafka_topic_result_error_string(result).map { String(cString: $0) }
                    )
                }
            }
            return created
        }
    }

    /// Deletes topics; a topic that does not exist is not an error.
    public func deleteTopics(_ names: [String]) async throws(KafkaError) {
        let timeout = milliseconds
        try await BlockingCall.run { [handle] () throws(KafkaError) in
            var natives: [OpaquePointer?] = names.map { rd_kafka_DeleteTopic_new($0) }
            defer { for native in natives { rd_kafka_DeleteTopic_destroy(native) } }
            let event = try Self.request(handle, .deleteTopics, timeout: timeout, context: "deleting topics") {
                options,
                queue in
                rd_kafka_DeleteTopics(handle.pointer, &natives, natives.count, options, queue)
            }
            defer { rd_kafka_event_destroy(event) }
            var count = 0
            let results = rd_kafka_DeleteTopics_result_topics(event, &count)
            for index in 0..<count {
                let code = rd_kafka_topic_result_error(results![index])
                guard code == RD_KAFKA_RESP_ERR_NO_ERROR || code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART else {
                    let name = String(cString: rd_kafka_topic_result_name(results![index]))
                    throw KafkaError(code: code, context: "deleting topic '\(name)'")
                }
            }
        }
    }

    /// The number of partitions of each named topic that exists (from cluster metadata).
    public func partitionCounts(_ topics: [String]) async throws(KafkaError) -> [String: Int] {
        let timeout = milliseconds
        return try await BlockingCall.run { [handle] () throws(KafkaError) in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let code = rd_kafka_metadata(handle.pointer, 1, nil, &metadata, timeout)
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
                throw KafkaError(code: code, context: "reading cluster metadata")
            }
            defer { rd_kafka_metadata_destroy(metadata) }
            var counts: [String: Int] = [:]
            let wanted = Set(topics)
            for index in 0..<Int(metadata.pointee.topic_cnt) {
                let topic = metadata.pointee.topics[index]
                let name = String(cString: topic.topic)
                if wanted.contains(name), topic.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    counts[name] = Int(topic.partition_cnt)
                }
            }
            return counts
        }
    }

    /// A topic as DescribeTopics reports it.
    public struct TopicDescription: Sendable, Hashable {
        public var name: String
        /// The number of partitions; nil when the topic could not be described (``error``).
        public var partitionCount: Int?
        /// Why the topic could not be described: it does not exist (`UNKNOWN_TOPIC_OR_PART`), or
        /// this client may not describe it (`TOPIC_AUTHORIZATION_FAILED`).
        public var error: KafkaError?
        /// What this client may do with the topic (KIP-430); nil when not asked for, or when the
        /// broker did not report it.
        public var authorizedOperations: Set<AclOperation>?
    }

    /// Describes topics (librdkafka's DescribeTopics, 2.3 or newer: see
    /// ``Librdkafka/reportsAuthorizedOperations``), each with its own error; with
    /// `includeAuthorizedOperations`, asks the broker what this client may do with each.
    public func describeTopics(
        _ names: [String],
        includeAuthorizedOperations: Bool = false
    ) async throws(KafkaError) -> [TopicDescription] {
        guard Librdkafka.reportsAuthorizedOperations else {
            throw KafkaError(
                code: RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED,
                context: "describing topics",
                message: "librdkafka \(Librdkafka.version) has no DescribeTopics (2.3 or newer has)"
            )
        }
        let timeout = milliseconds
        return try await BlockingCall.run { [handle] () throws(KafkaError) in
            var cNames: [UnsafePointer<CChar>?] = names.map { UnsafePointer(strdup($0)) }
            defer { for name in cNames { free(UnsafeMutablePointer(mutating: name)) } }
            let collection = rd_kafka_TopicCollection_of_topic_names(&cNames, cNames.count)
            defer { rd_kafka_TopicCollection_destroy(collection) }
            let event = try Self.request(
                handle,
                .describeTopics,
                timeout: timeout,
                context: "describing topics",
                includeAuthorizedOperations: includeAuthorizedOperations
            ) { options, queue in
                rd_kafka_DescribeTopics(handle.pointer, collection, options, queue)
            }
            defer { rd_kafka_event_destroy(event) }
            var count = 0
            let topics = rd_kafka_DescribeTopics_result_topics(event, &count)
            return (0..<count).map { index in
                let topic = topics![index]
                let name = String(cString: rd_kafka_TopicDescription_name(topic))
                if let error = rd_kafka_TopicDescription_error(topic),
                    rd_kafka_error_code(error) != RD_KAFKA_RESP_ERR_NO_ERROR
                {
                    return TopicDescription(
                        name: name,
                        error: KafkaError(
                            code: rd_kafka_error_code(error),
                            context: "describing topic '\(name)'",
                            message: String(cString: rd_kafka_error_string(error))
                        )
                    )
                }
                var partitions = 0
                _ = rd_kafka_TopicDescription_partitions(topic, &partitions)
                var operationCount = 0
                let operations = rd_kafka_TopicDescription_authorized_operations(topic, &operationCount)
                return TopicDescription(
                    name: name,
                    partitionCount: partitions,
                    authorizedOperations: AclOperation.set(operations, count: operationCount)
                )
            }
        }
    }

    // MARK: Offsets

    /// Which offset of a partition to look up.
    public enum OffsetQuery: Sendable, Hashable {
        case earliest
        case latest
        /// The first offset whose timestamp is at or after this many milliseconds since the epoch.
        case timestamp(Int64)

        var native: Int64 {
            switch self {
            case .earliest: Int64(RD_KAFKA_OFFSET_SPEC_EARLIEST.rawValue)
            case .latest: Int64(RD_KAFKA_OFFSET_SPEC_LATEST.rawValue)
            case .timestamp(let milliseconds): milliseconds
            }
        }
    }

    /// One answer of ``listOffsets(_:_:)``.
    public struct ListedOffset: Sendable, Hashable {
        public var topicPartition: TopicPartition
        /// The offset, or `-1` when no record matches a timestamp query.
        public var offset: Int64
        /// The matching record's timestamp for timestamp queries, else `-1`.
        public var timestamp: Int64
    }

    /// Looks up offsets of partitions (Kafka's ListOffsets).
    public func listOffsets(
        _ partitions: [TopicPartition],
        _ query: OffsetQuery
    ) async throws(KafkaError)
        -> [ListedOffset]
    {
        let timeout = milliseconds
        return try await BlockingCall.run { [handle] () throws(KafkaError) in
            let list = NativePartitionList(partitions.map { TopicPartitionOffset($0, offset: query.native) })
            let event = try Self.request(handle, .listOffsets, timeout: timeout, context: "listing offsets") {
                options,
                queue in
                rd_kafka_ListOffsets(handle.pointer, list.pointer, options, queue)
            }
            defer { rd_kafka_event_destroy(event) }
            var count = 0
            let infos = rd_kafka_ListOffsets_result_infos(event, &count)
            var listed: [ListedOffset] = []
            for index in 0..<count {
                let info = infos![index]
                let partition = rd_kafka_ListOffsetsResultInfo_topic_partition(info)!.pointee
                let where_ = TopicPartition(topic: String(cString: partition.topic), partition: partition.partition)
                guard partition.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw KafkaError(code: partition.err, context: "listing offsets of \(where_)")
                }
                listed.append(
                    ListedOffset(
                        topicPartition: where_,
                        offset: partition.offset,
                        timestamp: rd_kafka_ListOffsetsResultInfo_timestamp(info)
                    )
                )
            }
            return listed.sorted { $0.topicPartition < $1.topicPartition }
        }
    }

    // MARK: Consumer groups

    /// A consumer group as listed by the cluster.
    public struct GroupListing: Sendable, Hashable {
        public var groupID: String
        public var state: String
        public var isSimple: Bool
    }

    /// A consumer group's state and members.
    public struct GroupDescription: Sendable, Hashable {
        public var groupID: String
        public var state: String
        public var partitionAssignor: String
        public var members: [Member]
        /// What this client may do with the group (KIP-430); nil when not asked for, or when the
        /// broker did not report it.
        public var authorizedOperations: Set<AclOperation>?

        public struct Member: Sendable, Hashable {
            public var memberID: String
            public var clientID: String
            public var host: String
            public var assignment: [TopicPartition]
        }
    }

    /// Every consumer group the cluster knows.
    public func listGroups() async throws(KafkaError) -> [GroupListing] {
        let timeout = milliseconds
        return try await BlockingCall.run { [handle] () throws(KafkaError) in
            let event = try Self.request(handle, .listConsumerGroups, timeout: timeout, context: "listing groups") {
                options,
                queue in
                rd_kafka_ListConsumerGroups(handle.pointer, options, queue)
            }
            defer { rd_kafka_event_destroy(event) }
            var count = 0
            let groups = rd_kafka_ListConsumerGroups_result_valid(event, &count)
            return (0..<count).map { index in
                let group = groups![index]
                return GroupListing(
                    groupID: String(cString: rd_kafka_ConsumerGroupListing_group_id(group)),
                    state: String(
                        cString: rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(group))
                    ),
                    isSimple: rd_kafka_ConsumerGroupListing_is_simple_consumer_group(group) != 0
                )
            }
        }
    }

    /// The state and members of each group; with `includeAuthorizedOperations` (librdkafka 2.3 or
    /// newer), also what this client may do with it.
    public func describeGroups(
        _ groupIDs: [String],
        includeAuthorizedOperations: Bool = false
    ) async throws(KafkaError) -> [GroupDescription] {
        let timeout = milliseconds
        let includeOperations = includeAuthorizedOperations && Librdkafka.reportsAuthorizedOperations
        return try await BlockingCall.run { [handle] () throws(KafkaError) in
            var names: [UnsafePointer<CChar>?] = groupIDs.map { UnsafePointer(strdup($0)) }
            defer { for name in names { free(UnsafeMutablePointer(mutating: name)) } }
            let event = try Self.request(
                handle,
                .describeConsumerGroups,
                timeout: timeout,
                context: "describing groups",
                includeAuthorizedOperations: includeOperations
            ) {
                options,
                queue in
                rd_kafka_DescribeConsumerGroups(handle.pointer, &names, names.count, options, queue)
            }
            defer { rd_kafka_event_destroy(event) }
            var count = 0
            let groups = rd_kafka_DescribeConsumerGroups_result_groups(event, &count)
            var descriptions: [GroupDescription] = []
            for index in 0..<count {
                let group = groups![index]
                let groupID = String(cString: rd_kafka_ConsumerGroupDescription_group_id(group))
                if let error = rd_kafka_ConsumerGroupDescription_error(group) {
                    throw KafkaError(
                        code: rd_kafka_error_code(error),
                        context: "describing group '\(groupID)'",
                        message: String(cString: rd_kafka_error_string(error))
                    )
                }
                let members = (0..<rd_kafka_ConsumerGroupDescription_member_count(group)).map { memberIndex in
                    let member = rd_kafka_ConsumerGroupDescription_member(group, memberIndex)
                    let assignment =
                        rd_kafka_MemberDescription_assignment(member)
                        .flatMap { rd_kafka_MemberAssignment_partitions($0) }
                        .map { NativePartitionList.offsets(of: $0).map(\.topicPartition) } ?? []
                    return GroupDescription.Member(
                        memberID: String(cString: rd_kafka_MemberDescription_consumer_id(member)),
                        clientID: String(cString: rd_kafka_MemberDescription_client_id(member)),
                        host: String(cString: rd_kafka_MemberDescription_host(member)),
                        assignment: assignment
                    )
                }
                descriptions.append(
                    GroupDescription(
                        groupID: groupID,
                        state: String(
                            cString: rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(group))
                        ),
                        partitionAssignor: String(cString: rd_kafka_ConsumerGroupDescription_partition_assignor(group)),
                        members: members,
                        authorizedOperations: includeOperations ? Self.authorizedOperations(of: group) : nil
                    )
                )
            }
            return descriptions
        }
    }

    /// A group's committed offsets: for `partitions`, or for every partition it committed when `nil`.
    /// Partitions without a commit report ``KafkaOffset/invalid``.
    public func listGroupOffsets(
        group: String,
        partitions: [TopicPartition]? = nil
    ) async throws(KafkaError)
        -> [TopicPartitionOffset]
    {
        let timeout = milliseconds
        return try await BlockingCall.run { [handle] () throws(KafkaError) in
            var request: [OpaquePointer?]
            if let partitions {
                let list = NativePartitionList(partitions)
                request = [rd_kafka_ListConsumerGroupOffsets_new(group, list.pointer)]
            } else {
                request = [rd_kafka_ListConsumerGroupOffsets_new(group, nil)]
            }
            defer { rd_kafka_ListConsumerGroupOffsets_destroy(request[0]) }
            let context = "listing the committed offsets of group '\(group)'"
            let event = try Self.request(handle, .listConsumerGroupOffsets, timeout: timeout, context: context) {
                options,
                queue in
                rd_kafka_ListConsumerGroupOffsets(handle.pointer, &request, 1, options, queue)
            }
            defer { rd_kafka_event_destroy(event) }
            var count = 0
            let groups = rd_kafka_ListConsumerGroupOffsets_result_groups(event, &count)
            return try Self.groupResultOffsets(count > 0 ? groups : nil, context: context)
        }
    }

    /// Sets a group's committed offsets (the group must have no active members on Apache Kafka).
    public func alterGroupOffsets(group: String, offsets: [TopicPartitionOffset]) async throws(KafkaError) {
        let timeout = milliseconds
        try await BlockingCall.run { [handle] () throws(KafkaError) in
            let list = NativePartitionList(offsets)
            var request: [OpaquePointer?] = [rd_kafka_AlterConsumerGroupOffsets_new(group, list.pointer)]
            defer { rd_kafka_AlterConsumerGroupOffsets_destroy(request[0]) }
            let context = "altering the committed offsets of group '\(group)'"
            let event = try Self.request(handle, .alterConsumerGroupOffsets, timeout: timeout, context: context) {
                options,
                queue in
                rd_kafka_AlterConsumerGroupOffsets(handle.pointer, &request, 1, options, queue)
            }
            defer { rd_kafka_event_destroy(event) }
            var count = 0
            let groups = rd_kafka_AlterConsumerGroupOffsets_result_groups(event, &count)
            _ = try Self.groupResultOffsets(count > 0 ? groups : nil, context: context)
        }
    }

    /// A group's authorized operations (only called on librdkafka 2.3 or newer, which has them).
    private static func authorizedOperations(of group: OpaquePointer?) -> Set<AclOperation>? {
        var count = 0
        let operations = rd_kafka_ConsumerGroupDescription_authorized_operations(group, &count)
        return AclOperation.set(operations, count: count)
    }

    // MARK: Requests

    private var milliseconds: Int32 {
        let (seconds, attoseconds) = requestTimeout.components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    private enum Operation {
        case createTopics
        case deleteTopics
        case listOffsets
        case describeTopics
        case listConsumerGroups
        case describeConsumerGroups
        case listConsumerGroupOffsets
        case alterConsumerGroupOffsets

        var native: rd_kafka_admin_op_t {
            switch self {
            case .createTopics: RD_KAFKA_ADMIN_OP_CREATETOPICS
            case .deleteTopics: RD_KAFKA_ADMIN_OP_DELETETOPICS
            case .listOffsets: RD_KAFKA_ADMIN_OP_LISTOFFSETS
            case .describeTopics: RD_KAFKA_ADMIN_OP_DESCRIBETOPICS
            case .listConsumerGroups: RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS
            case .describeConsumerGroups: RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS
            case .listConsumerGroupOffsets: RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS
            case .alterConsumerGroupOffsets: RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS
            }
        }
    }

    /// Sends one admin request and waits (on the calling Dispatch thread) for its result event,
    /// which the caller destroys.
    private static func request(
        _ handle: ClientHandle,
        _ operation: Operation,
        timeout: Int32,
        context: String,
        includeAuthorizedOperations: Bool = false,
        send: (OpaquePointer?, OpaquePointer?) -> Void
    ) throws(KafkaError) -> OpaquePointer {
        let queue = rd_kafka_queue_new(handle.pointer)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle.pointer, operation.native)
        defer { rd_kafka_AdminOptions_destroy(options) }
        var errorText = [CChar](repeating: 0, count: 512)
        rd_kafka_AdminOptions_set_request_timeout(options, timeout, &errorText, errorText.count)
        if includeAuthorizedOperations,
            let error = rd_kafka_AdminOptions_set_include_authorized_operations(options, 1)
        {
            throw KafkaError(consuming: error, context: "\(context): asking for authorized operations")
        }
        send(options, queue)
        guard let event = rd_kafka_queue_poll(queue, timeout + 5000) else {
            throw KafkaError(code: RD_KAFKA_RESP_ERR__TIMED_OUT, context: context)
        }
        let code = rd_kafka_event_error(event)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let message = rd_kafka_event_error_string(event).map { String(cString: $0) }
            rd_kafka_event_destroy(event)
            throw KafkaError(code: code, context: context, message: message)
        }
        return event
    }

    private static func groupResultOffsets(
        _ groups: UnsafeMutablePointer<OpaquePointer?>?,
        context: String
    ) throws(KafkaError) -> [TopicPartitionOffset] {
        guard let group = groups?[0] else { return [] }
        if let error = rd_kafka_group_result_error(group) {
            throw KafkaError(
                code: rd_kafka_error_code(error),
                context: context,
                message: String(cString: rd_kafka_error_string(error))
            )
        }
        guard let partitions = rd_kafka_group_result_partitions(group) else { return [] }
        let count = Int(partitions.pointee.cnt)
        for index in 0..<count where partitions.pointee.elems[index].err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let element = partitions.pointee.elems[index]
            throw KafkaError(
                code: element.err,
                context: "\(context) (\(String(cString: element.topic))[\(element.partition)])"
            )
        }
        return NativePartitionList.offsets(of: partitions).sorted { $0.topicPartition < $1.topicPartition }
    }
}
