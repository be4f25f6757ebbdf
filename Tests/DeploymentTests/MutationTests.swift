import Testing
import TrackPipeline

/// Each check must fail on a plausible mistake: the real file is edited in memory, then checked.
@Suite("the checks catch broken deployment files")
struct MutationTests {
    enum File: Sendable {
        case compose
        case dockerfile
        case dockerignore
        case prometheus
    }

    enum Check: Sendable {
        case kraft
        case replication
        case commands
        case services
        case pipeline
        case dockerfile
        case dockerignore
        case monitoring
    }

    struct Mutation: Sendable, CustomTestStringConvertible {
        var name: String
        var file: File
        var find: String
        var replace: String
        var check: Check
        /// A part of the problem the check must report.
        var expected: String

        var testDescription: String { name }
    }

    static let mutations: [Mutation] = [
        Mutation(
            name: "two nodes share an id",
            file: .compose,
            find: "KAFKA_NODE_ID: 3",
            replace: "KAFKA_NODE_ID: 2",
            check: .kraft,
            expected: "share KAFKA_NODE_ID 2"
        ),
        Mutation(
            name: "a controller missing from the quorum voters",
            file: .compose,
            find: "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093",
            replace: "1@kafka-1:9093,2@kafka-2:9093",
            check: .kraft,
            expected: "the controllers are [1, 2, 3]"
        ),
        Mutation(
            name: "a voter on the wrong port",
            file: .compose,
            find: "3@kafka-3:9093",
            replace: "3@kafka-3:9092",
            check: .kraft,
            expected: "quorum voter 3 uses port 9092"
        ),
        Mutation(
            name: "an invalid cluster id",
            file: .compose,
            find: "CLUSTER_ID: mevV3t27Q5yb3bZd8vEFLg",
            replace: "CLUSTER_ID: trackstream-cluster",
            check: .kraft,
            expected: "not a base64url UUID"
        ),
        Mutation(
            name: "host listener not published",
            file: .compose,
            find: #"ports: ["29093:29093"]"#,
            replace: #"ports: ["39093:29093"]"#,
            check: .kraft,
            expected: "publish 29093:29093"
        ),
        Mutation(
            name: "an unpinned Kafka image",
            file: .compose,
            find: "image: apache/kafka:3.9.1",
            replace: "image: apache/kafka:latest",
            check: .kraft,
            expected: "pin the Kafka image"
        ),
        Mutation(
            name: "min.insync.replicas equal to the replication factor",
            file: .compose,
            find: "KAFKA_MIN_INSYNC_REPLICAS: 2",
            replace: "KAFKA_MIN_INSYNC_REPLICAS: 3",
            check: .replication,
            expected: "min.insync.replicas 3 must be below"
        ),
        Mutation(
            name: "topics replicated more than there are brokers",
            file: .compose,
            find: "      - --replication-factor\n      - \"3\"",
            replace: "      - --replication-factor\n      - \"4\"",
            check: .replication,
            expected: "replication factor 4 > 3 brokers"
        ),
        Mutation(
            name: "topic auto-creation left on",
            file: .compose,
            find: "KAFKA_AUTO_CREATE_TOPICS_ENABLE: \"false\"",
            replace: "KAFKA_AUTO_CREATE_TOPICS_ENABLE: \"true\"",
            check: .replication,
            expected: "KAFKA_AUTO_CREATE_TOPICS_ENABLE"
        ),
        Mutation(
            name: "a flag the binary does not have",
            file: .compose,
            find: "      - --metrics-listen\n      - 0.0.0.0:9464",
            replace: "      - --metrics-port\n      - \"9464\"",
            check: .commands,
            expected: "has no option --metrics-port"
        ),
        Mutation(
            name: "a misspelt environment variable",
            file: .compose,
            find: "TRACKSTREAM_GROUP: trackstream-track",
            replace: "TRACKSTREAM_CONSUMER_GROUP: trackstream-track",
            check: .commands,
            expected: "reads no variable TRACKSTREAM_CONSUMER_GROUP"
        ),
        Mutation(
            name: "brokers by their host listeners",
            file: .compose,
            find: "TRACKSTREAM_BROKERS: kafka-1:9092,kafka-2:9092,kafka-3:9092",
            replace: "TRACKSTREAM_BROKERS: localhost:29092",
            check: .commands,
            expected: "in-network listener"
        ),
        Mutation(
            name: "metrics bound to loopback inside the container",
            file: .compose,
            find: "      - --metrics-listen\n      - 0.0.0.0:9464",
            replace: "      - --metrics-listen\n      - 127.0.0.1:9464",
            check: .services,
            expected: "unreachable from other containers"
        ),
        Mutation(
            name: "metrics on another port than the pipeline's",
            file: .compose,
            find: "      - --metrics-listen\n      - 0.0.0.0:9464",
            replace: "      - --metrics-listen\n      - 0.0.0.0:9100",
            check: .services,
            expected: "metrics port 9100, the pipeline's is 9464"
        ),
        Mutation(
            name: "more replicas than host ports",
            file: .compose,
            find: #"ports: ["9464"]"#,
            replace: #"ports: ["9464-9465:9464"]"#,
            check: .services,
            expected: "2 host port(s) for 3 replicas"
        ),
        Mutation(
            name: "stop grace shorter than the drain",
            file: .compose,
            find: "stop_grace_period: 30s",
            replace: "stop_grace_period: 15s",
            check: .services,
            expected: "must exceed the shutdown timeout"
        ),
        Mutation(
            name: "the generator outside the demo profile",
            file: .compose,
            find: "profiles: [demo]",
            replace: "profiles: [extra]",
            check: .services,
            expected: "behind the demo profile"
        ),
        Mutation(
            name: "the generator stops after the default count",
            file: .compose,
            find: "      - --count\n      - \"0\"\n",
            replace: "",
            check: .services,
            expected: "--count 0"
        ),
        Mutation(
            name: "the generator stamps a fixed past date",
            file: .compose,
            find: "      - --start-time\n      - now\n",
            replace: "",
            check: .services,
            expected: "--start-time now"
        ),
        Mutation(
            name: "the generator writes another topic",
            file: .compose,
            find: "      - --topic\n      - track.raw",
            replace: "      - --topic\n      - track.input",
            check: .services,
            expected: "writes track.input, the pipeline reads track.raw"
        ),
        Mutation(
            name: "the service reads a pipeline that is not in the image",
            file: .compose,
            find: "      - run\n",
            replace: "      - run\n      - /config/track.yml\n",
            check: .pipeline,
            expected: "is not a file the Dockerfile copies"
        ),
        Mutation(
            name: "the runtime without librdkafka",
            file: .dockerfile,
            find: "librdkafka1 libjemalloc2",
            replace: "libjemalloc2",
            check: .dockerfile,
            expected: "install librdkafka1"
        ),
        Mutation(
            name: "the runtime without jemalloc",
            file: .dockerfile,
            find: "libjemalloc2 libmaxminddb0",
            replace: "libmaxminddb0",
            check: .dockerfile,
            expected: "install libjemalloc2"
        ),
        Mutation(
            name: "the build without jemalloc's headers",
            file: .dockerfile,
            find: "libjemalloc-dev libmaxminddb-dev",
            replace: "libmaxminddb-dev",
            check: .dockerfile,
            expected: "build stage: install libjemalloc-dev"
        ),
        Mutation(
            name: "the runtime without libmaxminddb",
            file: .dockerfile,
            find: "libmaxminddb0 libpcre2-8-0",
            replace: "libpcre2-8-0",
            check: .dockerfile,
            expected: "install libmaxminddb0"
        ),
        Mutation(
            name: "the build without PCRE2's headers",
            file: .dockerfile,
            find: "libpcre2-dev pkg-config",
            replace: "pkg-config",
            check: .dockerfile,
            expected: "build stage: install libpcre2-dev"
        ),
        Mutation(
            name: "the runtime as root",
            file: .dockerfile,
            find: "USER 10001:10001",
            replace: "USER root",
            check: .dockerfile,
            expected: "runs as root"
        ),
        Mutation(
            name: "no health check",
            file: .dockerfile,
            find: "HEALTHCHECK",
            replace: "# HEALTHCHECK",
            check: .dockerfile,
            expected: "no HEALTHCHECK"
        ),
        Mutation(
            name: "the pipelines not copied",
            file: .dockerfile,
            find: "COPY Pipelines ./Pipelines",
            replace: "COPY Pipelines /etc/trackstream",
            check: .dockerfile,
            expected: "is not copied into the image"
        ),
        Mutation(
            name: "a dynamic Swift runtime",
            file: .dockerfile,
            find: "swift build -c release --static-swift-stdlib --product trackstream",
            replace: "swift build -c release --product trackstream",
            check: .dockerfile,
            expected: "--static-swift-stdlib"
        ),
        Mutation(
            name: "a shell-form entrypoint",
            file: .dockerfile,
            find: #"ENTRYPOINT ["/usr/local/bin/trackstream"]"#,
            replace: "ENTRYPOINT /usr/local/bin/trackstream",
            check: .dockerfile,
            expected: "ENTRYPOINT must be the exec form"
        ),
        Mutation(
            name: "build output sent to the daemon",
            file: .dockerignore,
            find: ".build\n",
            replace: "",
            check: .dockerignore,
            expected: "must exclude .build"
        ),
        Mutation(
            name: "Prometheus asks for SRV records",
            file: .prometheus,
            find: "type: A",
            replace: "type: SRV",
            check: .monitoring,
            expected: "must use type A"
        ),
        Mutation(
            name: "Prometheus scrapes the wrong port",
            file: .prometheus,
            find: "port: 9464",
            replace: "port: 9090",
            check: .monitoring,
            expected: "port must be the metrics port 9464"
        ),
    ]

    @Test("reports the mistake", arguments: mutations)
    func reports(_ mutation: Mutation) throws {
        let path =
            switch mutation.file {
            case .compose: Deployment.composePath
            case .dockerfile: Deployment.dockerfilePath
            case .dockerignore: ".dockerignore"
            case .prometheus: "deploy/prometheus.yml"
            }
        let original = try Repository.text(path)
        try #require(original.contains(mutation.find), "the mutation no longer applies to \(path)")
        let mutated = original.replacingOccurrences(of: mutation.find, with: mutation.replace)
        let deployment = try Deployment.load(
            compose: mutation.file == .compose ? mutated : nil,
            dockerfile: mutation.file == .dockerfile ? mutated : nil,
            dockerignore: mutation.file == .dockerignore ? mutated : nil
        )
        let problems: [String]
        switch mutation.check {
        case .kraft: problems = deployment.kraftProblems()
        case .replication: problems = deployment.replicationProblems()
        case .commands: problems = deployment.commandProblems()
        case .services: problems = try deployment.serviceProblems()
        case .pipeline: problems = deployment.pipelineProblems(expectedTopics: Self.topics)
        case .dockerfile: problems = try deployment.dockerfileProblems()
        case .dockerignore: problems = deployment.dockerignoreProblems()
        case .monitoring:
            problems = try Monitoring.load(prometheus: mutation.file == .prometheus ? mutated : nil)
                .problems(in: deployment, metricsPort: 9464)
        }
        #expect(problems.contains { $0.contains(mutation.expected) }, "got \(problems)")
    }

    @Test("check-config's refusal of a bad pipeline file reaches the pipeline check")
    func brokenPipeline() throws {
        var deployment = try Deployment.load()
        deployment.readPipeline = { relative throws(PipelineConfigurationError) in
            try PipelineLoader.parse(yaml: "name: track\nmetrcs: {listen: 0.0.0.0:9464}\n", file: relative)
        }
        let problems = deployment.pipelineProblems(expectedTopics: Self.topics)
        #expect(problems.contains { $0.contains("unknown key") }, "got \(problems)")
        #expect(try deployment.dockerfileProblems().contains { $0.contains("check-config would refuse") })
    }

    @Test("a service started before its topics exist is reported")
    func dependency() throws {
        var deployment = try Deployment.load()
        deployment.compose.services["trackstream"]?.dependsOn = [:]
        #expect(try deployment.serviceProblems().contains { $0.contains("must wait for topics") })
    }

    static let topics = ["track.raw", "track.enriched", "track.signals", "track.rejected"]
}
