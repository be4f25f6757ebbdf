import Testing
import TrackPipeline

/// Each Kubernetes and dashboard check must fail on a plausible mistake: the real file is edited in
/// memory, then checked (schema mistakes are in KubernetesTests.schemas, in its one validator run).
@Suite("the checks catch broken Kubernetes manifests and dashboards")
struct KubernetesMutationTests {
    enum Check: Sendable {
        case kustomization
        case container
        case probes
        case shutdown
        case pipeline
        case scaling
        case selectors
        case resources
        case secret
        case dashboardStructure
        case dashboardQueries
        case dashboardCoverage
    }

    struct Mutation: Sendable, CustomTestStringConvertible {
        var name: String
        /// A file of deploy/kubernetes, or the dashboard's path.
        var file: String
        var find: String
        var replace: String
        var check: Check
        /// A part of the problem the check must report.
        var expected: String

        var testDescription: String { name }
    }

    static let mutations: [Mutation] = [
        Mutation(
            name: "a readiness probe on a path the service does not serve",
            file: "deployment.yaml",
            find: "path: /health/ready",
            replace: "path: /health/readyz",
            check: .probes,
            expected: "readinessProbe path /health/readyz is not served by MetricsServer"
        ),
        Mutation(
            name: "liveness probed on the readiness endpoint",
            file: "deployment.yaml",
            find: "path: /health/live",
            replace: "path: /health/ready",
            check: .probes,
            expected: "livenessProbe probes /health/ready, want /health/live"
        ),
        Mutation(
            name: "probes on a port the service does not listen on",
            file: "deployment.yaml",
            find: "containerPort: 9464",
            replace: "containerPort: 9465",
            check: .probes,
            expected: "readinessProbe port 9465 is not the metrics port 9464"
        ),
        Mutation(
            name: "the scrape annotation on another port",
            file: "service.yaml",
            find: #"prometheus.io/port: "9464""#,
            replace: #"prometheus.io/port: "9090""#,
            check: .probes,
            expected: "prometheus.io/port 9090"
        ),
        Mutation(
            name: "not-ready replicas left out of scraping",
            file: "service.yaml",
            find: "publishNotReadyAddresses: true",
            replace: "publishNotReadyAddresses: false",
            check: .probes,
            expected: "publishNotReadyAddresses"
        ),
        Mutation(
            name: "a grace period no longer than the shutdown bound",
            file: "deployment.yaml",
            find: "terminationGracePeriodSeconds: 30",
            replace: "terminationGracePeriodSeconds: 20",
            check: .shutdown,
            expected: "terminationGracePeriodSeconds 20 must exceed --shutdown-timeout 20"
        ),
        Mutation(
            name: "metrics on loopback",
            file: "deployment.yaml",
            find: "- 0.0.0.0:9464",
            replace: "- 127.0.0.1:9464",
            check: .container,
            expected: "cannot reach 127.0.0.1"
        ),
        Mutation(
            name: "a command that replaces the image's entrypoint",
            file: "deployment.yaml",
            find: "          args:\n",
            replace: "          command: [\"/bin/sh\", \"-c\"]\n          args:\n",
            check: .container,
            expected: "replaces the image's ENTRYPOINT"
        ),
        Mutation(
            name: "a flag the binary does not have",
            file: "deployment.yaml",
            find: "- --workers",
            replace: "- --threads",
            check: .container,
            expected: "has no option --threads"
        ),
        Mutation(
            name: "root",
            file: "deployment.yaml",
            find: "runAsUser: 10001",
            replace: "runAsUser: 0",
            check: .container,
            expected: "runAsUser 0 must be the image's user 10001"
        ),
        Mutation(
            name: "a writable root file system",
            file: "deployment.yaml",
            find: "readOnlyRootFilesystem: true",
            replace: "readOnlyRootFilesystem: false",
            check: .container,
            expected: "readOnlyRootFilesystem: true"
        ),
        Mutation(
            name: "the replica count fixed in the Deployment",
            file: "deployment.yaml",
            find: "spec:\n  selector:",
            replace: "spec:\n  replicas: 3\n  selector:",
            check: .scaling,
            expected: "the Deployment sets replicas"
        ),
        Mutation(
            name: "more replicas than partitions",
            file: "scaledobject.yaml",
            find: "maxReplicaCount: 12",
            replace: "maxReplicaCount: 16",
            check: .scaling,
            expected: "maxReplicaCount 16 > 12 partitions of track.raw"
        ),
        Mutation(
            name: "a partition count other than the one created",
            file: "scaledobject.yaml",
            find: #"trackstream/input-partitions: "12""#,
            replace: #"trackstream/input-partitions: "24""#,
            check: .scaling,
            expected: "not the 12 partitions docker-compose.yml creates"
        ),
        Mutation(
            name: "a surge replica at the partition count",
            file: "deployment.yaml",
            find: "maxSurge: 0",
            replace: "maxSurge: 1",
            check: .scaling,
            expected: "stalls the rollout"
        ),
        Mutation(
            name: "lag of another topic",
            file: "scaledobject.yaml",
            find: "topic: track.raw",
            replace: "topic: track.enriched",
            check: .scaling,
            expected: "topic track.enriched is not the pipeline's input track.raw"
        ),
        Mutation(
            name: "lag of another group",
            file: "scaledobject.yaml",
            find: "consumerGroup: trackstream-track",
            replace: "consumerGroup: trackstream",
            check: .scaling,
            expected: "consumerGroup trackstream is not the pipeline's group trackstream-track"
        ),
        Mutation(
            name: "other brokers",
            file: "scaledobject.yaml",
            find: "bootstrapServers: kafka-1.example.com:9096,",
            replace: "bootstrapServers: kafka-9.example.com:9096,",
            check: .scaling,
            expected: "are not the pipeline's"
        ),
        Mutation(
            name: "KEDA's default offset reset",
            file: "scaledobject.yaml",
            find: "        offsetResetPolicy: earliest\n",
            replace: "",
            check: .scaling,
            expected: "is not the service's auto.offset.reset earliest"
        ),
        Mutation(
            name: "KEDA without TLS",
            file: "scaledobject.yaml",
            find: "tls: enable",
            replace: "tls: disable",
            check: .scaling,
            expected: "tls must be enable for security.protocol SASL_SSL"
        ),
        Mutation(
            name: "KEDA with another SASL mechanism",
            file: "scaledobject.yaml",
            find: "sasl: scram_sha512",
            replace: "sasl: scram_sha256",
            check: .scaling,
            expected: "sasl must be scram_sha512"
        ),
        Mutation(
            name: "KEDA reads another password",
            file: "triggerauthentication.yaml",
            find: "key: sasl-password",
            replace: "key: password",
            check: .scaling,
            expected: "TriggerAuthentication trackstream-kafka password reads Secret trackstream-kafka key password"
        ),
        Mutation(
            name: "a pipeline path the ConfigMap does not hold",
            file: "deployment.yaml",
            find: "- /etc/trackstream/track.yml",
            replace: "- /etc/trackstream/pipeline.yml",
            check: .pipeline,
            expected: "has no key pipeline.yml"
        ),
        Mutation(
            name: "the ConfigMap's pipeline drifts from Pipelines/track.yml",
            file: "configmap.yaml",
            find: "max_fanout: 100",
            replace: "max_fanout: 50",
            check: .pipeline,
            expected: "differs from it beyond kafka: in [\"limits\"]"
        ),
        Mutation(
            name: "a password in the ConfigMap",
            file: "configmap.yaml",
            find: "      sasl.mechanisms: SCRAM-SHA-512\n",
            replace: "      sasl.mechanisms: SCRAM-SHA-512\n      sasl.password: hunter2\n",
            check: .pipeline,
            expected: "holds sasl.password"
        ),
        Mutation(
            name: "an argument naming an undefined variable",
            file: "deployment.yaml",
            find: "sasl.password=$(KAFKA_SASL_PASSWORD)",
            replace: "sasl.password=$(KAFKA_PASSWORD)",
            check: .pipeline,
            expected: "names $(KAFKA_PASSWORD)"
        ),
        Mutation(
            name: "the password from a key the Secret does not have",
            file: "deployment.yaml",
            find: "key: sasl-password",
            replace: "key: password",
            check: .pipeline,
            expected: "which secret.template.yaml does not define"
        ),
        Mutation(
            name: "the password as a literal argument",
            file: "deployment.yaml",
            find: "sasl.password=$(KAFKA_SASL_PASSWORD)",
            replace: "sasl.password=hunter2",
            check: .pipeline,
            expected: "sasl.password must come from the Secret"
        ),
        Mutation(
            name: "a real credential in the Secret template",
            file: "secret.template.yaml",
            find: "sasl-password: CHANGE-ME-sasl-password",
            replace: "sasl-password: hunter2",
            check: .secret,
            expected: "sasl-password is not a placeholder"
        ),
        Mutation(
            name: "a memory limit below the measured need",
            file: "deployment.yaml",
            find: "memory: 512Mi",
            replace: "memory: 300Mi",
            check: .resources,
            expected: "memory limit 300 MiB is below"
        ),
        Mutation(
            name: "a memory request below the measured peak",
            file: "deployment.yaml",
            find: "memory: 256Mi",
            replace: "memory: 128Mi",
            check: .resources,
            expected: "below the measured peak"
        ),
        Mutation(
            name: "fewer cores than workers plus one",
            file: "deployment.yaml",
            find: #"cpu: "3""#,
            replace: #"cpu: "2""#,
            check: .resources,
            expected: "below one core per worker plus one (3)"
        ),
        Mutation(
            name: "a disruption budget that blocks drains during an outage",
            file: "poddisruptionbudget.yaml",
            find: "  unhealthyPodEvictionPolicy: AlwaysAllow\n",
            replace: "",
            check: .selectors,
            expected: "AlwaysAllow"
        ),
        Mutation(
            name: "a Service that selects no pod",
            file: "service.yaml",
            find: "  selector:\n    app.kubernetes.io/name: trackstream\n",
            replace: "  selector:\n    app.kubernetes.io/name: trackstream-metrics\n",
            check: .selectors,
            expected: "the Service's selector"
        ),
        Mutation(
            name: "a manifest left out of the kustomization",
            file: "kustomization.yaml",
            find: "  - poddisruptionbudget.yaml\n",
            replace: "",
            check: .kustomization,
            expected: "poddisruptionbudget.yaml is not in kustomization.yaml's resources"
        ),
        Mutation(
            name: "the Secret template applied",
            file: "kustomization.yaml",
            find: "  - scaledobject.yaml\n",
            replace: "  - scaledobject.yaml\n  - secret.template.yaml\n",
            check: .kustomization,
            expected: "every apply would reset the real credentials"
        ),
        Mutation(
            name: "a fixed namespace",
            file: "kustomization.yaml",
            find: "kind: Kustomization\n",
            replace: "kind: Kustomization\nnamespace: tracking\n",
            check: .kustomization,
            expected: "sets a namespace"
        ),
        Mutation(
            name: "an unpinned image",
            file: "kustomization.yaml",
            find: #"newTag: "0.1.0""#,
            replace: "newTag: latest",
            check: .kustomization,
            expected: "pin trackstream to a tag or digest"
        ),
        Mutation(
            name: "a misspelt series in the dashboard",
            file: GrafanaDashboard.path,
            find: "trackstream_consumer_lag_seconds{",
            replace: "trackstream_consumer_lag_secs{",
            check: .dashboardQueries,
            expected: "does not register: [\"trackstream_consumer_lag_secs\"]"
        ),
        Mutation(
            name: "a quantile that drops the bucket boundaries",
            file: GrafanaDashboard.path,
            find: "sum by (le, stage)",
            replace: "sum by (stage)",
            check: .dashboardQueries,
            expected: "histogram_quantile must aggregate `by (le, …)`"
        ),
        Mutation(
            name: "a counter shown without rate",
            file: GrafanaDashboard.path,
            find: "sum by (reason) (rate(trackstream_events_rejected_total",
            replace: "sum by (reason) ((trackstream_events_rejected_total",
            check: .dashboardQueries,
            expected: "trackstream_events_rejected_total is a counter"
        ),
        Mutation(
            name: "queries that ignore the replica variable",
            file: GrafanaDashboard.path,
            find: #", instance=~\"$instance\"}"#,
            replace: "}",
            check: .dashboardQueries,
            expected: "filter trackstream_"
        ),
        Mutation(
            name: "a datasource that is not the import input",
            file: GrafanaDashboard.path,
            find: #""uid": "${DS_PROMETHEUS}""#,
            replace: #""uid": "prometheus""#,
            check: .dashboardStructure,
            expected: "datasource uid must be ${DS_PROMETHEUS}"
        ),
        Mutation(
            name: "rejections no longer by reason",
            file: GrafanaDashboard.path,
            find: "sum by (reason) (",
            replace: "sum (",
            check: .dashboardCoverage,
            expected: "rejections by reason"
        ),
    ]

    @Test("reports the mistake", arguments: mutations)
    func reports(_ mutation: Mutation) throws {
        let isDashboard = mutation.file == GrafanaDashboard.path
        let path = isDashboard ? mutation.file : "\(KubernetesManifests.directory)/\(mutation.file)"
        let original = try Repository.text(path)
        try #require(original.contains(mutation.find), "the mutation no longer applies to \(path)")
        let mutated = original.replacingOccurrences(of: mutation.find, with: mutation.replace)
        let problems: [String]
        if isDashboard {
            let dashboard = try GrafanaDashboard.load(replacing: mutated)
            switch mutation.check {
            case .dashboardStructure: problems = dashboard.structureProblems()
            case .dashboardQueries: problems = dashboard.queryProblems(emitted: try Monitoring.emittedMetricNames())
            default: problems = dashboard.missingFamilies()
            }
        } else {
            let manifests = try KubernetesManifests.load(replacing: [mutation.file: mutated])
            problems = try Self.problems(of: mutation.check, in: manifests)
        }
        #expect(problems.contains { $0.contains(mutation.expected) }, "got \(problems)")
    }

    static func problems(of check: Check, in manifests: KubernetesManifests) throws -> [String] {
        switch check {
        case .kustomization: return try manifests.kustomizationProblems()
        case .container: return try manifests.containerProblems(try Deployment.load())
        case .probes: return try manifests.probeProblems(routes: try KubernetesManifests.metricsRoutes())
        case .shutdown: return try manifests.shutdownProblems()
        case .pipeline:
            let base = try PipelineLoader.parse(yaml: Repository.text(PipelineLoader.defaultPath), file: "track.yml")
            return try manifests.pipelineProblems(base: base)
        case .scaling: return try manifests.scalingProblems(composePartitions: 12)
        case .selectors: return try manifests.selectorProblems()
        case .resources: return try manifests.resourceProblems()
        case .secret: return manifests.secretTemplateProblems()
        case .dashboardStructure, .dashboardQueries, .dashboardCoverage: return []
        }
    }
}
