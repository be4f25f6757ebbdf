import Foundation
import TrackPipeline

/// Environment variables the trackstream binary reads (docs/domain.md "Pipeline files").
let trackstreamEnvironment: Set<String> = ["TRACKSTREAM_BROKERS", "TRACKSTREAM_GROUP"]

/// `--shutdown-timeout` when not given (RuntimeOptions.shutdownTimeout).
let defaultShutdownTimeout = Duration.seconds(10)

extension Deployment {
    // MARK: Kafka (KRaft)

    /// Node ids unique, quorum voters = the controllers at their controller listeners, one cluster id,
    /// every listener name mapped to a protocol, host listeners published.
    func kraftProblems() -> [String] {
        var problems: [String] = []
        let nodes = compose.kafkaServices
        guard !nodes.isEmpty else { return ["no apache/kafka service"] }
        var ids: [Int: String] = [:]
        var controllers: [Int: ComposeService] = [:]
        for node in nodes {
            let environment = node.environment
            if let tag = node.image?.split(separator: ":").last, tag == "latest" || !tag.contains(where: \.isNumber) {
                problems.append("\(node.name): pin the Kafka image to a version, not \(tag)")
            }
            guard let id = environment["KAFKA_NODE_ID"].flatMap({ Int($0) }) else {
                problems.append("\(node.name): KAFKA_NODE_ID must be an integer")
                continue
            }
            if let other = ids[id] { problems.append("\(node.name) and \(other) share KAFKA_NODE_ID \(id)") }
            ids[id] = node.name
            let roles = roles(of: node)
            if roles.isEmpty || !roles.isSubset(of: ["broker", "controller"]) {
                problems.append("\(node.name): KAFKA_PROCESS_ROLES must be broker and/or controller, not \(roles)")
            }
            if roles.contains("controller") { controllers[id] = node }
            problems += listenerProblems(node)
        }
        let clusterIDs = Set(nodes.map { $0.environment["CLUSTER_ID"] ?? "" })
        if clusterIDs.count != 1 {
            problems.append("every node needs the same CLUSTER_ID, found \(clusterIDs.sorted())")
        } else if let id = clusterIDs.first, !Self.isClusterID(id) {
            problems.append(
                "CLUSTER_ID \(id) is not a base64url UUID (22 characters, as kafka-storage random-uuid prints)"
            )
        }
        let voterLists = Set(nodes.map { $0.environment["KAFKA_CONTROLLER_QUORUM_VOTERS"] ?? "" })
        guard voterLists.count == 1, let voterList = voterLists.first else {
            return problems + ["every node needs the same KAFKA_CONTROLLER_QUORUM_VOTERS, found \(voterLists.sorted())"]
        }
        var voterIDs: Set<Int> = []
        for voter in voterList.split(separator: ",") {
            let parts = voter.split(separator: "@", maxSplits: 1)
            guard parts.count == 2, let id = Int(parts[0]), let colon = parts[1].lastIndex(of: ":"),
                let port = Int(parts[1][parts[1].index(after: colon)...])
            else {
                problems.append("quorum voter \(voter) is not ID@HOST:PORT")
                continue
            }
            let host = String(parts[1][..<colon])
            voterIDs.insert(id)
            guard let controller = controllers[id] else {
                problems.append("quorum voter \(id) is not a node with the controller role")
                continue
            }
            if host != controller.networkName {
                problems.append("quorum voter \(id) names host \(host), but node \(id) is \(controller.networkName)")
            }
            let controllerName = controller.environment["KAFKA_CONTROLLER_LISTENER_NAMES"] ?? ""
            let listener = KafkaListener.parseList(controller.environment["KAFKA_LISTENERS"] ?? "")
                .first { $0.name == controllerName }
            if listener?.port != port {
                problems.append(
                    "quorum voter \(id) uses port \(port), but \(controller.name) listens for \(controllerName) "
                        + "on \(listener.map { String($0.port) } ?? "no port")"
                )
            }
        }
        if voterIDs != Set(controllers.keys) {
            problems.append(
                "KAFKA_CONTROLLER_QUORUM_VOTERS lists \(voterIDs.sorted()), the controllers are "
                    + "\(controllers.keys.sorted())"
            )
        }
        if voterIDs.count % 2 == 0 {
            problems.append(
                "an even number of controllers (\(voterIDs.count)) tolerates no more failures than one fewer"
            )
        }
        return problems
    }

    private func listenerProblems(_ node: ComposeService) -> [String] {
        var problems: [String] = []
        let environment = node.environment
        let protocols = Set(
            (environment["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"] ?? "").split(separator: ",")
                .compactMap { $0.split(separator: ":").first.map(String.init) }
        )
        let listeners = KafkaListener.parseList(environment["KAFKA_LISTENERS"] ?? "")
        let advertised = KafkaListener.parseList(environment["KAFKA_ADVERTISED_LISTENERS"] ?? "")
        let controllerName = environment["KAFKA_CONTROLLER_LISTENER_NAMES"] ?? ""
        for listener in listeners + advertised where !protocols.contains(listener.name) {
            problems.append("\(node.name): listener \(listener.name) is not in KAFKA_LISTENER_SECURITY_PROTOCOL_MAP")
        }
        if !listeners.contains(where: { $0.name == controllerName }) {
            problems.append("\(node.name): no \(controllerName) listener in KAFKA_LISTENERS")
        }
        if advertised.contains(where: { $0.name == controllerName }) {
            problems.append("\(node.name): a broker must not advertise the controller listener")
        }
        let interBroker = environment["KAFKA_INTER_BROKER_LISTENER_NAME"] ?? ""
        guard let inNetwork = advertised.first(where: { $0.name == interBroker }) else {
            return problems + ["\(node.name): KAFKA_INTER_BROKER_LISTENER_NAME \(interBroker) is not advertised"]
        }
        if inNetwork.host != node.networkName {
            problems.append("\(node.name): \(interBroker) advertises \(inNetwork.host), not its own name")
        }
        for listener in advertised {
            guard let bound = listeners.first(where: { $0.name == listener.name }) else {
                problems.append("\(node.name): advertised listener \(listener.name) is not in KAFKA_LISTENERS")
                continue
            }
            if listener.host == "localhost" || listener.host == "127.0.0.1" {
                let published = node.ports.contains {
                    $0.containerPort == bound.port && $0.hostPorts == listener.port...listener.port
                }
                if !published {
                    problems.append(
                        "\(node.name): \(listener.name) advertises \(listener.endpoint) to the host, so publish "
                            + "\(listener.port):\(bound.port)"
                    )
                }
            } else if listener.port != bound.port {
                problems.append(
                    "\(node.name): \(listener.name) advertises port \(listener.port), listens on \(bound.port)"
                )
            }
        }
        return problems
    }

    static func isClusterID(_ text: String) -> Bool {
        guard text.count == 22 else { return false }
        let base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "=="
        return Data(base64Encoded: base64)?.count == 16
    }

    // MARK: Replication

    /// Replication factors fit the brokers, and min.insync.replicas leaves room for one broker down.
    func replicationProblems() -> [String] {
        var problems: [String] = []
        let brokers = brokerCount
        let replication = brokerSetting("KAFKA_DEFAULT_REPLICATION_FACTOR", default: 1)
        let minimumInSync = brokerSetting("KAFKA_MIN_INSYNC_REPLICAS", default: 1)
        let offsets = brokerSetting("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", default: 3)
        let transactions = brokerSetting("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", default: 3)
        let transactionsInSync = brokerSetting("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", default: 2)
        problems +=
            replication.problems + minimumInSync.problems + offsets.problems + transactions.problems
            + transactionsInSync.problems
        for (name, factor) in [
            ("default.replication.factor", replication.value), ("offsets.topic.replication.factor", offsets.value),
            ("transaction.state.log.replication.factor", transactions.value),
        ] where factor > brokers {
            problems.append("\(name) \(factor) is more than the \(brokers) broker(s)")
        }
        if minimumInSync.value >= replication.value && replication.value > 1 {
            problems.append(
                "min.insync.replicas \(minimumInSync.value) must be below the replication factor "
                    + "\(replication.value), or one broker down stops every acks=all write"
            )
        }
        if transactionsInSync.value >= transactions.value && transactions.value > 1 {
            problems.append("transaction.state.log.min.isr must be below its replication factor")
        }
        for service in compose.trackstreamServices {
            guard let invocation = try? invocation(of: service), invocation.path == ["topics", "create"] else {
                continue
            }
            let given = invocation.options["--replication-factor"].flatMap { Int($0) } ?? -1
            let factor = given == -1 ? replication.value : given
            if factor > brokers {
                problems.append("\(service.name): replication factor \(factor) > \(brokers) brokers")
            }
            if factor <= minimumInSync.value && brokers > 1 {
                problems.append(
                    "\(service.name): replication factor \(factor) must exceed min.insync.replicas "
                        + "\(minimumInSync.value)"
                )
            }
        }
        if compose.kafkaServices.contains(where: { $0.environment["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] != "false" }) {
            problems.append("set KAFKA_AUTO_CREATE_TOPICS_ENABLE to \"false\": the init service decides partitions")
        }
        return problems
    }

    // MARK: trackstream services

    /// Every trackstream-image command is one the binary accepts, with only the variables it reads,
    /// and brokers named by their in-network listeners.
    func commandProblems() -> [String] {
        var problems: [String] = []
        let services = compose.trackstreamServices
        if services.isEmpty { problems.append("no service runs the image built from the Dockerfile") }
        for service in services {
            if let build = service.buildContext, build != "." {
                problems.append("\(service.name): build context \(build), expected the repository root (.)")
            }
            if service.builds && service.buildDockerfile != Self.dockerfilePath {
                problems.append("\(service.name): builds from \(service.buildDockerfile ?? "?"), not the Dockerfile")
            }
            let invocation: Invocation
            do {
                invocation = try self.invocation(of: service)
            } catch {
                problems.append(error.description)
                continue
            }
            for variable in service.environment.keys.sorted() where !trackstreamEnvironment.contains(variable) {
                problems.append("\(service.name): trackstream reads no variable \(variable)")
            }
            let brokerLists = [invocation.options["--brokers"], service.environment["TRACKSTREAM_BROKERS"]]
            for list in brokerLists.compactMap(\.self) {
                let endpoints = Set(list.split(separator: ",").map(String.init))
                if endpoints != inNetworkBootstrap {
                    problems.append(
                        "\(service.name): brokers \(list) should be every node's in-network listener "
                            + "\(inNetworkBootstrap.sorted().joined(separator: ","))"
                    )
                }
            }
            if invocation.subcommand != "generate" && invocation.subcommand != "check-config"
                && invocation.options["--brokers"] == nil && service.environment["TRACKSTREAM_BROKERS"] == nil
            {
                problems.append("\(service.name): neither --brokers nor TRACKSTREAM_BROKERS: it would use 127.0.0.1")
            }
            if invocation.subcommand == "generate" && invocation.options["--brokers"] == nil {
                problems.append("\(service.name): generate needs --brokers inside the Compose network")
            }
        }
        return problems
    }

    /// The init service, the service and the generator are wired as the issue asks.
    func serviceProblems() throws -> [String] {
        var problems: [String] = []
        let kafkaNames = compose.kafkaServices.map(\.name)
        let pipeline = try PipelineLoader.parse(yaml: Repository.text(PipelineLoader.defaultPath), file: "track.yml")
        let byCommand = Dictionary(
            grouping: compose.trackstreamServices.compactMap { service in
                (try? invocation(of: service)).map { (service: service, invocation: $0) }
            },
            by: \.invocation.subcommand
        )
        // topics create: after every broker is healthy, once, before the service.
        guard let topics = byCommand["topics create"]?.first else {
            return ["no service runs `trackstream topics create`"]
        }
        for kafka in kafkaNames where topics.service.dependsOn[kafka] != "service_healthy" {
            problems.append("\(topics.service.name) must wait for \(kafka): condition service_healthy")
        }
        if !topics.service.profiles.isEmpty { problems.append("\(topics.service.name) must run without a profile") }
        if !["no", "on-failure"].contains(topics.service.restart ?? "no") {
            problems.append("\(topics.service.name) is a one-shot job: restart no or on-failure")
        }
        let partitions = topics.invocation.options["--partitions"].flatMap { Int($0) } ?? 0
        if partitions < 1 { problems.append("\(topics.service.name): give --partitions") }

        // run: replicas in one group, metrics reachable, drained on stop.
        guard let run = byCommand["run"]?.first, byCommand["run"]?.count == 1 else {
            return problems + ["exactly one service must run `trackstream run` (scaled with deploy.replicas)"]
        }
        let service = run.service
        if service.dependsOn[topics.service.name] != "service_completed_successfully" {
            problems.append("\(service.name) must wait for \(topics.service.name): service_completed_successfully")
        }
        if !service.profiles.isEmpty { problems.append("\(service.name) must run without a profile") }
        if service.replicas < 2 {
            problems.append("\(service.name): deploy.replicas \(service.replicas), want several")
        }
        if service.replicas > partitions {
            problems.append("\(service.name): \(service.replicas) replicas > \(partitions) partitions leaves some idle")
        }
        if !["always", "unless-stopped", "on-failure"].contains(service.restart ?? "no") {
            problems.append("\(service.name): set a restart policy (unless-stopped)")
        }
        for variable in trackstreamEnvironment where (service.environment[variable] ?? "").isEmpty {
            problems.append("\(service.name): set \(variable)")
        }
        let listen = run.invocation.options["--metrics-listen"].flatMap(ListenAddress.init(parsing:))
        if let listen {
            if listen.host != "0.0.0.0" && listen.host != "::" {
                problems.append("\(service.name): metrics on \(listen.host) are unreachable from other containers")
            }
            if listen.port != pipeline.metrics.listen.port {
                problems.append(
                    "\(service.name): metrics port \(listen.port), the pipeline's is \(pipeline.metrics.listen.port)"
                )
            }
            let published = service.ports.filter { $0.containerPort == listen.port }
            if published.isEmpty { problems.append("\(service.name): publish the metrics port \(listen.port)") }
            if let ports = published.first?.hostPorts, ports.count < service.replicas {
                problems.append("\(service.name): \(ports.count) host port(s) for \(service.replicas) replicas")
            }
            if service.ports.contains(where: { $0.containerPort != listen.port }) {
                problems.append("\(service.name): publishes a port other than metrics \(listen.port)")
            }
        } else {
            problems.append(
                "\(service.name): pass --metrics-listen 0.0.0.0:PORT (the file's 127.0.0.1 is container-local)"
            )
        }
        let shutdown =
            run.invocation.options["--shutdown-timeout"].flatMap { Double($0) }
            .map { Duration.milliseconds(Int($0 * 1000)) } ?? defaultShutdownTimeout
        if let grace = service.stopGracePeriod {
            if grace <= shutdown {
                problems.append(
                    "\(service.name): stop_grace_period \(grace) must exceed the shutdown timeout \(shutdown)"
                )
            }
        } else if shutdown >= .seconds(10) {
            problems.append("\(service.name): Compose kills after 10 s; set stop_grace_period above \(shutdown)")
        }

        // generate: a demo, into the pipeline's input.
        guard let generator = byCommand["generate"]?.first else {
            return problems + ["no generator service (`trackstream generate`)"]
        }
        if !generator.service.profiles.contains("demo") {
            problems.append("\(generator.service.name) must be behind the demo profile")
        }
        if generator.invocation.options["--rate"] == nil { problems.append("\(generator.service.name): give --rate") }
        if generator.invocation.options["--count"] != "0" {
            problems.append("\(generator.service.name): --count 0, or the demo stops after the default 10 000 events")
        }
        if generator.invocation.options["--start-time"] != "now" {
            problems.append(
                "\(generator.service.name): --start-time now, or events carry a fixed past date (lag in seconds "
                    + "and time retention would see them as old)"
            )
        }
        if let topic = generator.invocation.options["--topic"], topic != pipeline.input {
            problems.append("\(generator.service.name) writes \(topic), the pipeline reads \(pipeline.input)")
        }
        if generator.service.dependsOn[topics.service.name] != "service_completed_successfully" {
            problems.append("\(generator.service.name) must wait for \(topics.service.name)")
        }
        return problems
    }

    /// The pipeline each trackstream service reads exists in the image, passes check-config, and
    /// resolves to the in-network brokers and the intended group and topics.
    func pipelineProblems(expectedTopics: [String]) -> [String] {
        var problems: [String] = []
        for service in compose.trackstreamServices {
            guard let invocation = try? invocation(of: service),
                ["run", "topics create", "check-config", "replay"].contains(invocation.subcommand)
            else { continue }
            let configuration: PipelineConfiguration
            do {
                configuration = try pipeline(for: service, invocation)
            } catch {
                problems.append("\(service.name): check-config would fail: \(error)")
                continue
            }
            if configuration.topics != expectedTopics {
                problems.append("\(service.name): pipeline topics \(configuration.topics), expected \(expectedTopics)")
            }
            let brokers = Set(
                (configuration.kafkaProperty("bootstrap.servers") ?? "").split(separator: ",").map(String.init)
            )
            if brokers != inNetworkBootstrap {
                problems.append(
                    "\(service.name): resolved bootstrap.servers \(brokers.sorted()) are not the Kafka nodes"
                )
            }
            if let group = service.environment["TRACKSTREAM_GROUP"], configuration.group != group {
                problems.append("\(service.name): resolved group \(configuration.group), set \(group)")
            }
        }
        return problems
    }
}
