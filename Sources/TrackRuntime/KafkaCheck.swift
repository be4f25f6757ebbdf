import Kafka
import Logging
import Synchronization
public import TrackPipeline

/// `trackstream kafka-check`: whether a pipeline's real client configuration reaches its cluster
/// and may do what the service does there, checked in the order a failure would show:
///
/// 1. the loaded librdkafka;
/// 2. the client configuration (every property as librdkafka takes it);
/// 3. the brokers: a metadata request over the configured connection, racing librdkafka's error
///    events, so that a failed TLS handshake or authentication, or every broker down, is reported
///    the moment librdkafka knows it, with advice on which setting to look at;
/// 4. the input and output topics exist, with their partition counts;
/// 5. the consumer group's state;
/// 6. the ACLs: read on the input, write on the outputs, read on the group, from the operations
///    the broker says this client may perform (KIP-430), or "not reported by this broker".
///
/// Nothing is created, joined, produced or committed. After a failed step that later ones depend
/// on, the rest are skipped. Secret values never appear in a line: librdkafka's texts are scrubbed
/// of every secret property's value.
public struct KafkaCheck: Sendable {
    /// How one check ended.
    public enum Status: Sendable, Equatable {
        case passed
        case failed
        /// Not known: the broker did not say, or the check could not run.
        case unknown
    }

    /// One check's result, as one line for a person.
    public struct Line: Sendable, Equatable {
        public var status: Status
        public var text: String

        public init(_ status: Status, _ text: String) {
            self.status = status
            self.text = text
        }
    }

    public let pipeline: PipelineConfiguration
    /// How long the brokers have to answer, and each later request.
    public let timeout: Duration

    public init(pipeline: PipelineConfiguration, timeout: Duration) {
        self.pipeline = pipeline
        self.timeout = timeout
    }

    /// Runs the checks in order, handing each line to `report` as soon as it is known; true when
    /// none failed.
    public func run(report: (Line) -> Void) async -> Bool {
        var passed = true
        func emit(_ line: Line) {
            if line.status == .failed { passed = false }
            report(Line(line.status, scrubbed(line.text)))
        }
        emit(versionLine())
        guard passed else { return false }
        emit(configurationLine())
        guard passed else { return false }

        let (admin, connection) = await connect()
        emit(connection)
        guard passed, let admin else {
            emit(Line(.unknown, "topics, consumer group and ACLs: not checked (no broker answered)"))
            return false
        }
        let topics = await topicLines(admin)
        for line in topics.lines { emit(line) }
        let group = await groupLines(admin)
        for line in group.lines { emit(line) }
        for line in aclLines(topics: topics.operations, group: group.operations) { emit(line) }
        return passed
    }

    // MARK: Library and configuration

    private func versionLine() -> Line {
        let minimum = Librdkafka.minimumVersion
        do {
            try Librdkafka.requireSupportedVersion()
        } catch {
            return Line(.failed, "librdkafka: \(error.description)")
        }
        let acls =
            Librdkafka.reportsAuthorizedOperations
            ? "" : "; ACLs are reported by 2.3 or newer only"
        return Line(
            .passed,
            "librdkafka \(Librdkafka.version) (\(minimum.major).\(minimum.minor) or newer is needed\(acls))"
        )
    }

    private func configurationLine() -> Line {
        do {
            try pipeline.consumerConfiguration().validate()
            try pipeline.producerConfiguration().validate()
        } catch {
            return Line(
                .failed,
                "client configuration: \(error); fix the pipeline's kafka map, the --kafka-file or the --kafka option"
            )
        }
        var security = "security.protocol \(pipeline.kafkaProperty("security.protocol") ?? "plaintext")"
        if let mechanism = pipeline.kafkaProperty("sasl.mechanisms") ?? pipeline.kafkaProperty("sasl.mechanism") {
            security += ", sasl.mechanisms \(mechanism)"
        }
        let count = pipeline.kafka.count == 1 ? "1 property" : "\(pipeline.kafka.count) properties"
        return Line(.passed, "client configuration: librdkafka accepts it (\(count); \(security))")
    }

    // MARK: Brokers

    /// How the connection attempt ended.
    private enum Connection: Sendable {
        case answered([KafkaAdmin.Broker])
        case failed(KafkaError)
        /// librdkafka reported an error that no retry within the check will cure.
        case refused
        case timedOut
    }

    /// An admin client and the line saying whether the brokers answered; no client when they did not.
    private func connect() async -> (KafkaAdmin?, Line) {
        var configuration = pipeline.adminConfiguration()
        // A TLS handshake with a listener that does not speak TLS hangs until this timeout (30 s by
        // default): cut it so that the failure, naming the handshake, comes within the check's.
        let setupMilliseconds = max(1000, timeoutMilliseconds / 2)
        let configured = configuration["socket.connection.setup.timeout.ms"].flatMap(Int.init) ?? 30_000
        configuration["socket.connection.setup.timeout.ms"] = String(min(configured, setupMilliseconds))
        let seen = ClientErrors()
        let admin: KafkaAdmin
        do {
            admin = try KafkaAdmin(
                configuration: configuration,
                requestTimeout: timeout,
                logger: Logger(label: "trackstream.kafka-check") { _ in SwiftLogNoOpLogHandler() },
                onClientError: { seen.record($0) }
            )
        } catch {
            return (nil, Line(.failed, "brokers: cannot make a client: \(error)"))
        }
        let timeout = self.timeout
        let outcome: Connection = await FirstResult.race { offer in
            seen.onDecisive { offer(.refused) }
            Task {
                do throws(KafkaError) {
                    offer(.answered(try await admin.brokers()))
                } catch {
                    offer(.failed(error))
                }
            }
            Task {
                try? await Task.sleep(for: timeout)
                offer(.timedOut)
            }
        }
        let address = pipeline.kafkaProperty("bootstrap.servers") ?? "?"
        switch outcome {
        case .answered(let brokers):
            let listed = brokers.sorted { $0.id < $1.id }.prefix(5).map { "\($0.id) at \($0.host):\($0.port)" }
            let more = brokers.count > 5 ? ", …" : ""
            return (
                admin,
                Line(
                    .passed,
                    "brokers: \(address) answered: \(brokers.count) broker(s) (\(listed.joined(separator: ", "))\(more))"
                )
            )
        case .failed(let error):
            return (nil, Line(.failed, diagnosis(address: address, errors: seen.all, request: error)))
        case .refused, .timedOut:
            return (nil, Line(.failed, diagnosis(address: address, errors: seen.all, request: nil)))
        }
    }

    /// What went wrong connecting, from librdkafka's error events, and which settings to look at.
    private func diagnosis(address: String, errors: [KafkaError], request: KafkaError?) -> String {
        // The most telling events first: TLS and authentication, then the rest.
        var messages: [String] = []
        for error in errors.filter({ $0.code != Self.allBrokersDown }) + (request.map { [$0] } ?? [])
        where !messages.contains(error.message) {
            messages.append(error.message)
        }
        let seconds = Double(timeoutMilliseconds) / 1000
        let said = messages.isEmpty ? "" : ": " + messages.suffix(3).joined(separator: "; ")
        let all = errors + (request.map { [$0] } ?? [])
        let text = all.map { "\($0.name) \($0.message)" }.joined(separator: " ")
        let security = pipeline.kafkaProperty("security.protocol")?.uppercased() ?? "PLAINTEXT"
        if all.contains(where: { $0.code == Self.ssl }) || text.contains("SSL") || text.contains("TLS") {
            return "brokers: the TLS connection to \(address) failed\(said). Check security.protocol (now "
                + "\(security); SSL and SASL_SSL need a TLS listener, and a PLAINTEXT one never answers the "
                + "handshake), ssl.ca.location (the CA that "
                + "signed the brokers' certificates), ssl.endpoint.identification.algorithm, and the client "
                + "certificate settings (ssl.certificate.location, ssl.key.location)"
        }
        if all.contains(where: { Self.authentication.contains($0.code) }) || text.contains("SASL") {
            return "brokers: authentication with \(address) failed\(said). Check sasl.mechanisms (one the broker "
                + "enables: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER, GSSAPI), sasl.username and "
                + "sasl.password, and security.protocol (now \(security); the listener decides between "
                + "SASL_PLAINTEXT and SASL_SSL)"
        }
        if all.contains(where: { $0.code == Self.resolve }) || text.contains("resolve") {
            return "brokers: a name in \(address) does not resolve\(said). Check bootstrap.servers (or --brokers)"
        }
        return "brokers: no broker at \(address) answered within \(seconds) s\(said). Check bootstrap.servers "
            + "(or --brokers: host:port of a listener this machine can reach), firewalls, and security.protocol "
            + "(now \(security); it must match the listener's)"
    }

    private static let allBrokersDown: Int32 = -187
    private static let ssl: Int32 = -181
    private static let resolve: Int32 = -193
    /// `_AUTHENTICATION`, `SASL_AUTHENTICATION_FAILED`, `UNSUPPORTED_SASL_MECHANISM`, `ILLEGAL_SASL_STATE`.
    private static let authentication: Set<Int32> = [-169, 58, 33, 34]

    // MARK: Topics and group

    private struct TopicResults {
        var lines: [Line] = []
        /// Per topic that was described: what the broker says this client may do (nil: not reported).
        var operations: [(topic: String, role: Role, allowed: Set<AclOperation>?)] = []
    }

    private enum Role {
        case input
        case output(String)

        var isInput: Bool {
            if case .input = self { return true }
            return false
        }
    }

    private func topicLines(_ admin: KafkaAdmin) async -> TopicResults {
        let topics: [(String, Role)] = [
            (pipeline.input, .input), (pipeline.outputs.enriched, .output("enriched events")),
            (pipeline.outputs.signals, .output("signals")), (pipeline.outputs.rejected, .output("rejections")),
        ]
        var results = TopicResults()
        let states: [String: TopicState]
        do {
            states = try await describe(admin, topics.map(\.0))
        } catch {
            results.lines.append(Line(.failed, "topics: cannot be described: \(error)"))
            return results
        }
        for (name, role) in topics {
            let label = role.isInput ? "input topic \(name)" : "output topic \(name)"
            switch states[name] ?? .missing {
            case .missing:
                results.lines.append(Line(.failed, "\(label): \(topicProblem(nil, name: name, role: role))"))
            case .failed(let error):
                results.lines.append(Line(.failed, "\(label): \(topicProblem(error, name: name, role: role))"))
            case .described(let partitions, let allowed):
                let purpose = if case .output(let what) = role { " (\(what))" } else { "" }
                results.lines.append(Line(.passed, "\(label)\(purpose): \(partitions) partition(s)"))
                results.operations.append((name, role, allowed))
            }
        }
        return results
    }

    /// What the cluster says of one topic.
    private enum TopicState {
        case described(partitions: Int, allowed: Set<AclOperation>?)
        case missing
        case failed(KafkaError)
    }

    /// Each topic's state with its authorized operations; from plain metadata (no operations)
    /// when this librdkafka or the broker has no DescribeTopics.
    private func describe(_ admin: KafkaAdmin, _ names: [String]) async throws(KafkaError) -> [String: TopicState] {
        if Librdkafka.reportsAuthorizedOperations {
            do {
                var states: [String: TopicState] = [:]
                for topic in try await admin.describeTopics(names, includeAuthorizedOperations: true) {
                    if let error = topic.error {
                        states[topic.name] = Self.missingTopicCodes.contains(error.code) ? .missing : .failed(error)
                    } else {
                        states[topic.name] = .described(
                            partitions: topic.partitionCount ?? 0,
                            allowed: topic.authorizedOperations
                        )
                    }
                }
                return states
            } catch  where !Self.unsupported.contains(error.code) {
                throw error
            } catch {
                // The broker has no DescribeTopics: ask the metadata instead.
            }
        }
        let counts = try await admin.partitionCounts(names)
        var states: [String: TopicState] = [:]
        for name in names {
            states[name] = counts[name].map { .described(partitions: $0, allowed: nil) } ?? .missing
        }
        return states
    }

    /// `UNKNOWN_TOPIC_OR_PART`, `_UNKNOWN_TOPIC`.
    private static let missingTopicCodes: Set<Int32> = [3, -188]

    /// `_UNSUPPORTED_FEATURE`, `_NOT_IMPLEMENTED`, `UNSUPPORTED_VERSION`, `INVALID_REQUEST`.
    private static let unsupported: Set<Int32> = [-165, -170, 35, 42]

    private func topicProblem(_ error: KafkaError?, name: String, role: Role) -> String {
        switch error?.name {
        case nil:
            return role.isInput
                ? "does not exist; create it (trackstream topics create) or fix the pipeline's input"
                : "does not exist; the service does not create its outputs (it would wait, stalled): create it "
                    + "with trackstream topics create, or fix the pipeline's outputs"
        case "TOPIC_AUTHORIZATION_FAILED":
            return "this principal may not describe it (TOPIC_AUTHORIZATION_FAILED); grant Describe and "
                + (role.isInput ? "Read" : "Write") + " on topic \(name)"
        default:
            return "cannot be described: \(error.map { "\($0)" } ?? "")"
        }
    }

    private struct GroupResults {
        var lines: [Line] = []
        /// Whether the group was described, and what the broker says this client may do with it.
        var operations: (described: Bool, allowed: Set<AclOperation>?) = (false, nil)
    }

    private func groupLines(_ admin: KafkaAdmin) async -> GroupResults {
        var results = GroupResults()
        let label = "consumer group \(pipeline.group)"
        let description: KafkaAdmin.GroupDescription
        do {
            guard let first = try await admin.describeGroups([pipeline.group], includeAuthorizedOperations: true).first
            else {
                results.lines.append(Line(.unknown, "\(label): not reported by this broker"))
                return results
            }
            description = first
        } catch {
            let problem =
                error.name == "GROUP_AUTHORIZATION_FAILED"
                ? "this principal may not describe it (GROUP_AUTHORIZATION_FAILED); grant Describe and Read on "
                    + "group \(pipeline.group)"
                : "cannot be described: \(error)"
            results.lines.append(Line(.failed, "\(label): \(problem)"))
            return results
        }
        let members = description.members.count
        let state: String
        switch description.state {
        case "Dead":
            state = "does not exist yet (the first instance creates it and starts at auto.offset.reset)"
        case "Empty":
            state = "Empty: no members; its committed offsets are where the next instance starts"
        case "Unknown":
            state = "state not reported by this broker, \(members) member(s)"
        default:
            state = "\(description.state), \(members) member(s)"
        }
        results.lines.append(Line(.passed, "\(label): \(state)"))
        results.operations = (true, description.authorizedOperations)
        return results
    }

    // MARK: ACLs

    private func aclLines(
        topics: [(topic: String, role: Role, allowed: Set<AclOperation>?)],
        group: (described: Bool, allowed: Set<AclOperation>?)
    ) -> [Line] {
        guard Librdkafka.reportsAuthorizedOperations else {
            return [Line(.unknown, "ACLs: not checked: librdkafka \(Librdkafka.version) reports them from 2.3 on")]
        }
        var lines: [Line] = []
        func check(_ operation: AclOperation, _ what: String, _ allowed: Set<AclOperation>?, grant: String) {
            let subject = "ACL \(operation == .read ? "read" : "write") on \(what)"
            guard let allowed else {
                lines.append(Line(.unknown, "\(subject): not reported by this broker"))
                return
            }
            if allowed.allows(operation) {
                lines.append(Line(.passed, subject))
            } else {
                let granted = allowed.map(\.description).sorted().joined(separator: ", ")
                lines.append(
                    Line(
                        .failed,
                        "\(subject): not granted (allowed: \(granted.isEmpty ? "nothing" : granted)); \(grant)"
                    )
                )
            }
        }
        for topic in topics {
            if topic.role.isInput {
                check(.read, "input topic \(topic.topic)", topic.allowed, grant: "grant Read on topic \(topic.topic)")
            } else {
                check(
                    .write,
                    "output topic \(topic.topic)",
                    topic.allowed,
                    grant: "grant Write and Describe on topic \(topic.topic)"
                )
            }
        }
        if group.described {
            check(
                .read,
                "consumer group \(pipeline.group)",
                group.allowed,
                grant: "grant Read on group \(pipeline.group)"
            )
        }
        return lines
    }

    // MARK: Helpers

    private var timeoutMilliseconds: Int {
        let (seconds, attoseconds) = timeout.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }

    /// `text` without the value of any secret property of the pipeline.
    private func scrubbed(_ text: String) -> String {
        var text = text
        for property in pipeline.kafka where SecretProperty.isSecret(property.key) && !property.value.isEmpty {
            text = text.replacing(property.value, with: SecretProperty.redacted)
        }
        return text
    }
}

/// The client-level errors librdkafka reported during the check, and who waits for a decisive one.
private final class ClientErrors: Sendable {
    private let state = Mutex<(errors: [KafkaError], decisive: Bool, waiter: (@Sendable () -> Void)?)>(([], false, nil))

    /// Errors after which librdkafka keeps retrying in vain, as far as a check is concerned:
    /// `_ALL_BROKERS_DOWN`, `_SSL`, `_AUTHENTICATION`, `SASL_AUTHENTICATION_FAILED`.
    private static let decisiveCodes: Set<Int32> = [-187, -181, -169, 58]

    func record(_ error: KafkaError) {
        let waiter = state.withLock { state -> (@Sendable () -> Void)? in
            state.errors.append(error)
            guard Self.decisiveCodes.contains(error.code) else { return nil }
            state.decisive = true
            return state.waiter
        }
        waiter?()
    }

    /// Calls `body` once a decisive error has been reported (now, if one has).
    func onDecisive(_ body: @escaping @Sendable () -> Void) {
        let already = state.withLock { state -> Bool in
            state.waiter = body
            return state.decisive
        }
        if already { body() }
    }

    var all: [KafkaError] { state.withLock { $0.errors } }
}
