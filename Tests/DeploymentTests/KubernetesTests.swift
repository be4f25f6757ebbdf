import Foundation
import Testing
import TrackPipeline

/// deploy/kubernetes, read as `kubectl apply -k` would apply it, against Kubernetes' schemas, the
/// image, the binary, the pipeline and the metrics server.
@Suite("Kubernetes manifests and KEDA autoscaling")
struct KubernetesTests {
    let manifests: KubernetesManifests
    let deployment: Deployment

    init() throws {
        manifests = try KubernetesManifests.load()
        deployment = try Deployment.load()
    }

    /// Broken copies validated in the same run as the real files: each must fail, with this text.
    static let brokenCopies: [(file: String, find: String, replace: String, expected: String)] = [
        ("deployment.yaml", "readinessProbe:", "readinesProbe:", "'readinesProbe' was unexpected"),
        (
            "service.yaml", "publishNotReadyAddresses: true", "publishNotReadyAddresses: \"yes\"",
            "is not of type 'boolean'"
        ),
        ("scaledobject.yaml", #"lagThreshold: "20000""#, "lagThreshold: 20000", "is not of type 'string'"),
        ("scaledobject.yaml", #"lagThreshold: "20000""#, #"lagTreshold: "20000""#, "'lagTreshold' was unexpected"),
        ("scaledobject.yaml", "tls: enable", "tls: enable\n        password: hunter2", "'password' was unexpected"),
        (
            "triggerauthentication.yaml", "key: sasl-password", "secretKey: sasl-password",
            "'key' is a required property"
        ),
    ]

    @Test("every manifest passes the pinned Kubernetes version's strict schemas or the KEDA subset; broken copies fail")
    func schemas() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("trackstream-manifests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var broken: [String: String] = [:]
        for (index, copy) in Self.brokenCopies.enumerated() {
            let original = try Repository.text("\(KubernetesManifests.directory)/\(copy.file)")
            try #require(original.contains(copy.find), "the broken copy no longer applies to \(copy.file)")
            let path = directory.appendingPathComponent("\(index)-\(copy.file)").path
            try original.replacingOccurrences(of: copy.find, with: copy.replace)
                .write(toFile: path, atomically: true, encoding: .utf8)
            broken[path] = copy.expected
        }
        let real = (manifests.resources + [KubernetesManifests.secretTemplateFile]).map {
            Repository.path("\(KubernetesManifests.directory)/\($0)")
        }
        let results = try ManifestValidation.run(real + broken.keys.sorted())
        for path in real {
            let verdicts = results.filter { $0.file == path }
            #expect(verdicts.count == 1, "\(path): one object per file")
            for verdict in verdicts {
                #expect(verdict.errors.isEmpty, "\(path): \(verdict.errors)")
                #expect(verdict.schema != nil, "\(path) was checked against no schema")
            }
        }
        #expect(
            Set(results.compactMap(\.kind)).isSuperset(of: ["Deployment", "ScaledObject", "TriggerAuthentication"])
        )
        for (path, expected) in broken {
            let errors = results.filter { $0.file == path }.flatMap(\.errors)
            #expect(errors.contains { $0.contains(expected) }, "\(path): want \(expected), got \(errors)")
        }
    }

    @Test("kustomization.yaml lists every manifest but the Secret template, sets no namespace and pins the image")
    func kustomization() throws {
        #expect(try manifests.kustomizationProblems() == [])
        #expect(
            Set(manifests.resources) == [
                "configmap.yaml", "deployment.yaml", "service.yaml", "poddisruptionbudget.yaml",
                "triggerauthentication.yaml", "scaledobject.yaml",
            ]
        )
    }

    @Test("the container runs the image's entrypoint with `run`, as the image's user, read-only, on the EXPOSEd port")
    func container() throws {
        #expect(try manifests.containerProblems(deployment) == [])
        let invocation = try manifests.invocation()
        #expect(invocation.pipeline == "/etc/trackstream/track.yml")
        #expect(invocation.repeated["--kafka"]?.count == 2)
    }

    @Test("the binary's `run --help` lists every flag the container passes")
    func binaryFlags() throws {
        let binary = try #require(TrackstreamBinary.locate(), "build the package first: swift build --build-tests")
        let invocation = try manifests.invocation()
        let usage = try #require(try binary.usage(invocation.path))
        let used = Set(invocation.options.keys).union(invocation.flags).union(invocation.repeated.keys)
        #expect(used.subtracting(usage.flags).isEmpty, "not in `run --help`: \(used.subtracting(usage.flags).sorted())")
        #expect(invocation.positionals.count <= usage.positionals)
    }

    @Test(
        "readiness on /health/ready and liveness on /health/live of MetricsServer, on the metrics port; /metrics scraped"
    )
    func probes() throws {
        let routes = try KubernetesManifests.metricsRoutes()
        // Guards the scan itself.
        #expect(routes == ["/metrics", "/health/live", "/health/ready"])
        #expect(try manifests.probeProblems(routes: routes) == [])
    }

    @Test("terminationGracePeriodSeconds exceeds the --shutdown-timeout the container passes")
    func shutdown() throws {
        #expect(try manifests.shutdownProblems() == [])
        #expect(try manifests.invocation().options["--shutdown-timeout"] != nil, "the bound is explicit")
    }

    @Test(
        "the ConfigMap's pipeline parses, is Pipelines/track.yml but for kafka:, and its credentials come from the Secret"
    )
    func pipeline() throws {
        let base = try PipelineLoader.parse(yaml: Repository.text(PipelineLoader.defaultPath), file: "track.yml")
        #expect(try manifests.pipelineProblems(base: base) == [])
        let resolved = try manifests.resolvedPipeline()
        #expect(resolved.kafkaProperty("security.protocol") == "SASL_SSL")
        #expect(resolved.kafkaProperty("sasl.password") == "$(KAFKA_SASL_PASSWORD)")
        #expect(
            try manifests.source(ofKafkaProperty: "sasl.password")
                == .secret(name: "trackstream-kafka", key: "sasl-password")
        )
    }

    @Test("KEDA scales the Deployment on the pipeline's group, input and brokers, at most one replica per partition")
    func scaling() throws {
        let topics = try #require(deployment.compose.services["topics"])
        let partitions = try deployment.invocation(of: topics).options["--partitions"].flatMap { Int($0) }
        #expect(try manifests.scalingProblems(composePartitions: partitions) == [])
        let scaled = try manifests.object("ScaledObject")
        #expect(YAMLValue.integer(YAMLValue.at(scaled, "spec", "maxReplicaCount")) == partitions)
    }

    @Test("the Service and the PodDisruptionBudget select the Deployment's pods; not-ready pods stay evictable")
    func selectors() throws {
        #expect(try manifests.selectorProblems() == [])
    }

    @Test("requests and limits cover the measured memory, --max-in-flight-bytes and the workers")
    func resources() throws {
        #expect(try manifests.resourceProblems() == [])
    }

    @Test("the Secret template holds placeholders only, for every key the Deployment and KEDA read")
    func secretTemplate() throws {
        #expect(manifests.secretTemplateProblems() == [])
        #expect(
            Set(KubernetesManifests.secretValues(manifests.secretTemplate).keys) == ["sasl-username", "sasl-password"]
        )
    }

    @Test(
        "Kubernetes quantities",
        arguments: [("512Mi", 536_870_912.0), ("1.5Gi", 1_610_612_736), ("250m", 0.25), ("3", 3)]
    )
    func quantities(text: String, value: Double) {
        #expect(KubernetesQuantity.parse(text) == value)
    }
}
