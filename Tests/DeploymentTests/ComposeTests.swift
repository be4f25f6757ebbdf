import Testing
import TrackPipeline

/// docker-compose.yml, read as Compose would read it (anchors and merge keys resolved).
@Suite("docker-compose.yml")
struct ComposeTests {
    let deployment: Deployment

    init() throws {
        deployment = try Deployment.load()
    }

    @Test("has the Kafka nodes, the init job, the service, the generator and Prometheus")
    func services() {
        #expect(
            Set(deployment.compose.services.keys)
                == ["kafka-1", "kafka-2", "kafka-3", "topics", "trackstream", "generator", "prometheus"]
        )
        #expect(deployment.compose.kafkaServices.map(\.name) == ["kafka-1", "kafka-2", "kafka-3"])
        #expect(deployment.compose.trackstreamServices.map(\.name) == ["generator", "topics", "trackstream"])
        #expect(deployment.compose.namedVolumes == ["kafka-1-data", "kafka-2-data", "kafka-3-data"])
    }

    @Test(
        "each trackstream-image service runs a command of the CLI contract",
        arguments: [
            ("topics", "topics create"),
            ("trackstream", "run"),
            ("generator", "generate"),
        ]
    )
    func command(service: String, subcommand: String) throws {
        let composeService = try #require(deployment.compose.services[service])
        let invocation = try deployment.invocation(of: composeService)
        #expect(invocation.subcommand == subcommand)
    }

    @Test("KRaft: unique node ids, quorum voters are the controllers, listeners consistent")
    func kraft() {
        #expect(deployment.kraftProblems() == [])
        #expect(deployment.brokerCount == 3)
        #expect(
            deployment.inNetworkBootstrap == ["kafka-1:9092", "kafka-2:9092", "kafka-3:9092"]
        )
    }

    @Test("replication factor 3 on 3 brokers, min.insync.replicas 2, no topic auto-creation")
    func replication() {
        #expect(deployment.replicationProblems() == [])
        #expect(deployment.brokerSetting("KAFKA_DEFAULT_REPLICATION_FACTOR", default: 1).value == 3)
        #expect(deployment.brokerSetting("KAFKA_MIN_INSYNC_REPLICAS", default: 1).value == 2)
    }

    @Test("commands, flags and environment variables are the binary's; brokers are the in-network listeners")
    func commands() {
        #expect(deployment.commandProblems() == [])
    }

    @Test("topics → trackstream (3 replicas, metrics 0.0.0.0:9464, drained on stop) → generator behind demo")
    func wiring() throws {
        #expect(try deployment.serviceProblems() == [])
        let service = try #require(deployment.compose.services["trackstream"])
        #expect(service.replicas == 3)
        #expect(service.ports.map(\.containerPort) == [9464])
    }

    @Test("the init job creates 12 partitions of each pipeline topic, 3 replicas each")
    func topics() throws {
        let topics = try deployment.invocation(of: try #require(deployment.compose.services["topics"]))
        #expect(topics.options["--partitions"] == "12")
        #expect(topics.options["--replication-factor"] == "3")
        #expect(topics.positionals.isEmpty, "the default pipeline, so that topics and service agree")
    }

    @Test("check-config accepts the pipeline each service reads, resolved to the Compose brokers and group")
    func pipeline() throws {
        #expect(
            deployment.pipelineProblems(expectedTopics: [
                "track.raw", "track.enriched", "track.signals", "track.rejected",
            ])
                == []
        )
        let service = try #require(deployment.compose.services["trackstream"])
        let resolved = try deployment.pipeline(for: service, try deployment.invocation(of: service))
        #expect(resolved.kafkaProperty("bootstrap.servers") == "kafka-1:9092,kafka-2:9092,kafka-3:9092")
        #expect(resolved.group == "trackstream-track")
    }
}
