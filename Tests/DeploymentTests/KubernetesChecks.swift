import Foundation
import TrackPipeline

/// The checks that tie deploy/kubernetes to the image, the binary, the pipeline file, the metrics
/// server and the measured memory use. Each returns the problems it finds (empty when all is well),
/// so that tests can show both that the real files pass and that a broken copy fails.
extension KubernetesManifests {
    /// Peak RSS with every enrichment on, as measured (README, "What the enrichments cost"): the
    /// memory request must cover it.
    static let measuredPeakBytes = 210 * KubernetesQuantity.mebibyte
    /// What peak RSS reached above `--max-in-flight-bytes` over a backlog of worst-case events,
    /// plus what the enrichments add (docs/operations.md, "Sizing"): with the in-flight bytes, the
    /// memory limit must cover it with `memoryHeadroom` to spare.
    static let measuredBytesAboveInFlight = (140 + 35) * KubernetesQuantity.mebibyte
    static let memoryHeadroom = 1.25
    /// `--max-in-flight-bytes` and `--workers` when not given (RuntimeOptions).
    static let defaultInFlightBytes = 128 * KubernetesQuantity.mebibyte
    static let defaultWorkers = 2
    /// The ScaledObject annotation that declares the input topic's partition count.
    static let partitionsAnnotation = "trackstream/input-partitions"
    /// What configmap.yaml must say when its pipeline is Pipelines/track.yml with another `kafka:` map.
    static let derivedClaim = "Derived from Pipelines/track.yml"
    /// librdkafka's `sasl.mechanisms` in the words of KEDA's kafka scaler (`sasl`).
    static let kedaSASL = [
        "PLAIN": "plaintext", "SCRAM-SHA-256": "scram_sha256", "SCRAM-SHA-512": "scram_sha512",
        "OAUTHBEARER": "oauthbearer", "GSSAPI": "gssapi",
    ]

    // MARK: Shared facts

    /// The container's arguments, parsed as the binary would (the image's ENTRYPOINT is the binary).
    func invocation() throws(DeploymentFileError) -> Invocation {
        guard let arguments = YAMLValue.strings(try container["args"]) else {
            throw DeploymentFileError("the container needs `args` (a list of strings) after the image's ENTRYPOINT")
        }
        do {
            return try CommandContract.parse(arguments)
        } catch {
            throw DeploymentFileError("deployment.yaml args: \(error.description)")
        }
    }

    /// The address `--metrics-listen` gives, or nil.
    func metricsListen() throws(DeploymentFileError) -> ListenAddress? {
        try invocation().options["--metrics-listen"].flatMap(ListenAddress.init(parsing:))
    }

    /// The paths MetricsServer serves (`router.get("…")` in Sources/TrackRuntime/MetricsServer.swift).
    static func metricsRoutes() throws -> Set<String> {
        let source = try Repository.text("Sources/TrackRuntime/MetricsServer.swift")
        guard let route = try? Regex(#"router\.get\("([^"]+)"\)"#) else { return [] }
        return Set(source.matches(of: route).compactMap { $0.output[1].substring.map { "/" + $0 } })
    }

    /// The pipeline text the container's first argument names: a key of the ConfigMap mounted at
    /// that path's directory.
    func pipelineText() throws(DeploymentFileError) -> (configMap: String, key: String, text: String) {
        let path = try invocation().pipeline
        let podSpec = try podSpec
        let container = try container
        let mounts = (YAMLValue.sequence(container["volumeMounts"]) ?? []).compactMap(YAMLValue.mapping)
        guard
            let mount = mounts.first(where: { mount in
                guard let directory = YAMLValue.string(mount["mountPath"]) else { return false }
                return path.hasPrefix(directory.hasSuffix("/") ? directory : directory + "/")
            }),
            let volumeName = YAMLValue.string(mount["name"]), let mountPath = YAMLValue.string(mount["mountPath"])
        else {
            throw DeploymentFileError("the pipeline \(path) is not under any volumeMount of the container")
        }
        let volumes = (YAMLValue.sequence(podSpec["volumes"]) ?? []).compactMap(YAMLValue.mapping)
        guard let volume = volumes.first(where: { YAMLValue.string($0["name"]) == volumeName }),
            let configMapName = YAMLValue.string(YAMLValue.at(volume, "configMap", "name"))
        else {
            throw DeploymentFileError("the volume \(volumeName) holding \(path) is not a ConfigMap volume")
        }
        var key = String(path.dropFirst(mountPath.count).drop { $0 == "/" })
        let items = (YAMLValue.sequence(YAMLValue.at(volume, "configMap", "items")) ?? []).compactMap(YAMLValue.mapping)
        if !items.isEmpty {
            guard let item = items.first(where: { YAMLValue.string($0["path"]) == key }),
                let itemKey = YAMLValue.string(item["key"])
            else {
                throw DeploymentFileError("the ConfigMap volume \(volumeName) maps no item to \(key)")
            }
            key = itemKey
        }
        let configMaps = resources.compactMap { objects[$0] }.filter {
            YAMLValue.string($0["kind"]) == "ConfigMap"
                && YAMLValue.string(YAMLValue.at($0, "metadata", "name")) == configMapName
        }
        guard let configMap = configMaps.first else {
            throw DeploymentFileError(
                "the volume \(volumeName) mounts ConfigMap \(configMapName), which no resource defines"
            )
        }
        guard let text = YAMLValue.string(YAMLValue.at(configMap, "data", key)) else {
            throw DeploymentFileError("ConfigMap \(configMapName) has no key \(key) (the pipeline \(path))")
        }
        return (configMapName, key, text)
    }

    /// The ConfigMap's pipeline as the container resolves it: the file, then the literal
    /// TRACKSTREAM_* environment, then `--brokers`, `--group` and every `--kafka`. Values that come
    /// from the Secret stay `$(NAME)`.
    func resolvedPipeline() throws -> PipelineConfiguration {
        let mounted = try pipelineText()
        var configuration = try PipelineLoader.parse(
            yaml: mounted.text,
            file: "\(Self.directory)/\(file(of: "ConfigMap") ?? "configmap.yaml") \(mounted.key)"
        )
        let literals = try environment.compactMapValues { source -> String? in
            if case .literal(let value) = source { return value }
            return nil
        }
        configuration.apply(.environment(literals))
        let invocation = try invocation()
        let kafka = (invocation.repeated["--kafka"] ?? []).compactMap(PipelineOverrides.kafkaProperty(fromArgument:))
        configuration.apply(
            PipelineOverrides(
                brokers: invocation.options["--brokers"],
                group: invocation.options["--group"],
                kafka: kafka
            )
        )
        try configuration.checkDeliveryGuarantees(file: "\(Self.directory)/deployment.yaml")
        return configuration
    }

    /// Where a `--kafka KEY=$(NAME)` value comes from: the env entry NAME.
    func source(ofKafkaProperty key: String) throws -> EnvironmentSource? {
        let values = (try invocation().repeated["--kafka"] ?? []).compactMap(
            PipelineOverrides.kafkaProperty(fromArgument:)
        )
        guard let value = values.last(where: { $0.key == key })?.value,
            value.hasPrefix("$("), value.hasSuffix(")")
        else { return nil }
        return try environment[String(value.dropFirst(2).dropLast())]
    }

    // MARK: Kustomization

    /// Every manifest listed (the Secret template excepted), no namespace anywhere, the image set there.
    func kustomizationProblems() throws -> [String] {
        var problems: [String] = []
        let listed = Set(resources)
        for file in try Self.filesOnDisk() where !listed.contains(file) && file != Self.secretTemplateFile {
            problems.append("\(file) is not in kustomization.yaml's resources: it would never be applied")
        }
        if listed.contains(Self.secretTemplateFile) {
            problems.append("\(Self.secretTemplateFile) is a resource: every apply would reset the real credentials")
        }
        if kustomization["namespace"] != nil {
            problems.append("kustomization.yaml sets a namespace: leave it to `kubectl apply -n` or an overlay")
        }
        for (file, object) in objects.sorted(by: { $0.key < $1.key })
        where YAMLValue.at(object, "metadata", "namespace") != nil {
            problems.append("\(file) sets metadata.namespace: the manifests must go into any namespace")
        }
        let image = YAMLValue.string(try container["image"]) ?? ""
        let imageName = String(image.split(separator: "@").first?.split(separator: ":").first ?? "")
        let images = (YAMLValue.sequence(kustomization["images"]) ?? []).compactMap(YAMLValue.mapping)
        if let entry = images.first(where: { YAMLValue.string($0["name"]) == imageName }) {
            let tag = YAMLValue.string(entry["newTag"])
            if (tag == nil || tag == "latest") && entry["digest"] == nil {
                problems.append("kustomization.yaml images: pin \(imageName) to a tag or digest, not \(tag ?? "none")")
            }
        } else {
            problems.append("kustomization.yaml has no `images` entry for the container's image \(imageName)")
        }
        return problems
    }

    // MARK: Container, image and binary

    /// The container runs the image's entrypoint with a `run` command the binary accepts, as the
    /// image's user, on the image's metrics port, with nothing writable and no privileges.
    func containerProblems(_ deployment: Deployment) throws -> [String] {
        var problems: [String] = []
        let container = try container
        let podSpec = try podSpec
        let runtime = deployment.dockerfile.runtimeStage
        if let command = YAMLValue.strings(container["command"]) {
            let entrypoint = runtime.effective("ENTRYPOINT").flatMap { Dockerfile.execForm($0.arguments) }
            if command != entrypoint {
                problems.append(
                    "`command` \(command) replaces the image's ENTRYPOINT \(entrypoint ?? []): leave it out"
                )
            }
        }
        let invocation: Invocation
        do {
            invocation = try self.invocation()
        } catch {
            return problems + [error.description]
        }
        if invocation.subcommand != "run" {
            problems.append("args must run the service (`run`), not \(invocation.subcommand)")
        }
        if !invocation.pipeline.hasPrefix("/") {
            problems.append(
                "give the pipeline as an absolute path, not \(invocation.pipeline) (relative to the image's WORKDIR)"
            )
        }
        let exposed = runtime.exposedPorts
        if let listen = try metricsListen() {
            if listen.host != "0.0.0.0" && listen.host != "::" {
                problems.append(
                    "--metrics-listen \(listen): the kubelet's probes and Prometheus cannot reach \(listen.host)"
                )
            }
            if try containerPort("metrics") != listen.port {
                problems.append("the container port `metrics` must be --metrics-listen's port \(listen.port)")
            }
            if !exposed.contains(listen.port) {
                problems.append("metrics port \(listen.port) is not the one the image EXPOSEs (\(exposed))")
            }
        } else {
            problems.append(
                "pass --metrics-listen 0.0.0.0:PORT: the pipeline's 127.0.0.1 is unreachable from the kubelet"
            )
        }

        // The image's user, and nothing more.
        let podContext = YAMLValue.mapping(podSpec["securityContext"]) ?? [:]
        let context = YAMLValue.mapping(container["securityContext"]) ?? [:]
        let imageUser = runtime.effective("USER")?.arguments.split(separator: ":").first.flatMap { Int($0) }
        let user = YAMLValue.integer(context["runAsUser"] ?? podContext["runAsUser"])
        if user == nil || user == 0 || user != imageUser {
            problems.append(
                "runAsUser \(user.map(String.init) ?? "unset") must be the image's user \(imageUser.map(String.init) ?? "?")"
            )
        }
        if (context["runAsNonRoot"] ?? podContext["runAsNonRoot"]) as? Bool != true {
            problems.append("set runAsNonRoot: true")
        }
        if context["readOnlyRootFilesystem"] as? Bool != true {
            problems.append("set readOnlyRootFilesystem: true (the service writes no file)")
        }
        if context["allowPrivilegeEscalation"] as? Bool != false {
            problems.append("set allowPrivilegeEscalation: false")
        }
        if !(YAMLValue.strings(YAMLValue.at(context, "capabilities", "drop")) ?? []).contains("ALL") {
            problems.append("drop ALL capabilities")
        }
        if podSpec["automountServiceAccountToken"] as? Bool != false {
            problems.append("set automountServiceAccountToken: false (the service never calls the Kubernetes API)")
        }
        return problems
    }

    // MARK: Probes, Service and shutdown

    /// Readiness on /health/ready, liveness on /health/live, on the metrics port; the Service and its
    /// scrape annotations on the same port and on /metrics.
    func probeProblems(routes: Set<String>) throws -> [String] {
        var problems: [String] = []
        let container = try container
        let port = try metricsListen()?.port
        for (probe, path) in [("readinessProbe", "/health/ready"), ("livenessProbe", "/health/live")] {
            guard let get = YAMLValue.mapping(YAMLValue.at(container, probe, "httpGet")) else {
                problems.append("\(probe) must be an httpGet on \(path)")
                continue
            }
            let actual = YAMLValue.string(get["path"]) ?? "/"
            if actual != path { problems.append("\(probe) probes \(actual), want \(path)") }
            if !routes.contains(actual) {
                problems.append("\(probe) path \(actual) is not served by MetricsServer (\(routes.sorted()))")
            }
            let probed = try containerPort(get["port"])
            if probed == nil || probed != port {
                problems.append(
                    "\(probe) port \(probed.map(String.init) ?? "?") is not the metrics port \(port.map(String.init) ?? "?")"
                )
            }
        }
        let service = try object("Service")
        let annotations = (YAMLValue.mapping(YAMLValue.at(service, "metadata", "annotations")) ?? [:]).compactMapValues(
            YAMLValue.string
        )
        if annotations["prometheus.io/scrape"] != "true" {
            problems.append("the Service needs prometheus.io/scrape: \"true\" for annotation-based discovery")
        }
        if let scrapePort = annotations["prometheus.io/port"], Int(scrapePort) != port {
            problems.append("prometheus.io/port \(scrapePort) is not the metrics port \(port.map(String.init) ?? "?")")
        }
        let scrapePath = annotations["prometheus.io/path"] ?? "/metrics"
        if scrapePath != "/metrics" || !routes.contains(scrapePath) {
            problems.append("prometheus.io/path \(scrapePath): the service serves /metrics")
        }
        let ports = (YAMLValue.sequence(YAMLValue.at(service, "spec", "ports")) ?? []).compactMap(YAMLValue.mapping)
        if !ports.contains(where: { (try? containerPort($0["targetPort"] ?? $0["port"])) == port }) {
            problems.append("no Service port targets the metrics port \(port.map(String.init) ?? "?")")
        }
        if YAMLValue.at(service, "spec", "publishNotReadyAddresses") as? Bool != true {
            problems.append(
                "set the Service's publishNotReadyAddresses: true: a stalled (not ready) replica must still be scraped"
            )
        }
        return problems
    }

    /// The kubelet waits longer than the service's own shutdown bound before SIGKILL.
    func shutdownProblems() throws -> [String] {
        let grace = YAMLValue.integer(try podSpec["terminationGracePeriodSeconds"]) ?? 30  // Kubernetes' default
        let given = try invocation().options["--shutdown-timeout"]
        let timeout = given.flatMap { Double($0) } ?? 10  // RunCommand's default
        if Double(grace) <= timeout {
            return [
                "terminationGracePeriodSeconds \(grace) must exceed --shutdown-timeout \(given ?? "10"): SIGKILL "
                    + "would cut the drain and commit short"
            ]
        }
        return []
    }

    /// Selectors that find the pods, a PodDisruptionBudget over them that never blocks on not-ready ones.
    func selectorProblems() throws -> [String] {
        var problems: [String] = []
        let deployment = try deployment
        let podLabels = Self.labels(YAMLValue.at(deployment, "spec", "template", "metadata", "labels"))
        let selector = Self.labels(YAMLValue.at(deployment, "spec", "selector"))
        func matches(_ labels: [String: String]) -> Bool {
            !labels.isEmpty && labels.allSatisfy { podLabels[$0.key] == $0.value }
        }
        if !matches(selector) {
            problems.append("the Deployment's selector \(selector) does not match its pods' labels")
        }
        let service = Self.labels(YAMLValue.at(try object("Service"), "spec", "selector"))
        if !matches(service) { problems.append("the Service's selector \(service) does not match the pods' labels") }
        let budget = try object("PodDisruptionBudget")
        let budgetSelector = Self.labels(YAMLValue.at(budget, "spec", "selector"))
        if budgetSelector != selector {
            problems.append("the PodDisruptionBudget's selector \(budgetSelector) is not the Deployment's \(selector)")
        }
        if YAMLValue.at(budget, "spec", "maxUnavailable") == nil && YAMLValue.at(budget, "spec", "minAvailable") == nil
        {
            problems.append("the PodDisruptionBudget needs maxUnavailable or minAvailable")
        }
        if YAMLValue.string(YAMLValue.at(budget, "spec", "unhealthyPodEvictionPolicy")) != "AlwaysAllow" {
            problems.append(
                "set unhealthyPodEvictionPolicy: AlwaysAllow: during a broker outage no replica is ready, and the "
                    + "budget would block every node drain"
            )
        }
        return problems
    }

    // MARK: Resources

    /// Requests and limits derived from the measured memory and the CPU the workers use.
    func resourceProblems() throws -> [String] {
        var problems: [String] = []
        let resources = YAMLValue.mapping(try container["resources"]) ?? [:]
        func quantity(_ group: String, _ name: String) -> Double? {
            KubernetesQuantity.parse(yaml: YAMLValue.at(resources, group, name))
        }
        guard let memoryRequest = quantity("requests", "memory"), let memoryLimit = quantity("limits", "memory"),
            let cpuRequest = quantity("requests", "cpu"), let cpuLimit = quantity("limits", "cpu")
        else {
            return ["set requests and limits of cpu and memory"]
        }
        let invocation = try invocation()
        let inFlight = invocation.options["--max-in-flight-bytes"].flatMap(Double.init) ?? Self.defaultInFlightBytes
        let workers = invocation.options["--workers"].flatMap { Int($0) } ?? Self.defaultWorkers
        let mebibytes = { (bytes: Double) in "\(Int((bytes / KubernetesQuantity.mebibyte).rounded(.up))) MiB" }
        if memoryRequest < Self.measuredPeakBytes {
            problems.append(
                "memory request \(mebibytes(memoryRequest)) is below the measured peak \(mebibytes(Self.measuredPeakBytes))"
            )
        }
        let needed = (inFlight + Self.measuredBytesAboveInFlight) * Self.memoryHeadroom
        if memoryLimit < needed {
            problems.append(
                "memory limit \(mebibytes(memoryLimit)) is below --max-in-flight-bytes \(mebibytes(inFlight)) plus the "
                    + "measured \(mebibytes(Self.measuredBytesAboveInFlight)) with headroom: \(mebibytes(needed))"
            )
        }
        if memoryRequest > memoryLimit { problems.append("memory request above its limit") }
        if cpuLimit < Double(workers + 1) {
            problems.append("cpu limit \(cpuLimit) is below one core per worker plus one (\(workers + 1))")
        }
        if cpuRequest > cpuLimit { problems.append("cpu request above its limit") }
        return problems
    }

    // MARK: Pipeline and secrets

    /// The mounted pipeline parses, is derived from Pipelines/track.yml as claimed, holds no secret,
    /// and gets its SASL credentials from the Secret the template defines.
    func pipelineProblems(base: PipelineConfiguration) throws -> [String] {
        var problems: [String] = []
        let mounted: (configMap: String, key: String, text: String)
        let pipeline: PipelineConfiguration
        do {
            mounted = try pipelineText()
            pipeline = try resolvedPipeline()
        } catch {
            return ["the ConfigMap's pipeline would not load: \(error)"]
        }
        if let file = file(of: "ConfigMap"), texts[file]?.contains(Self.derivedClaim) == true {
            var derived = try PipelineLoader.parse(yaml: mounted.text, file: mounted.key)
            derived.kafka = base.kafka
            let fields: [(String, (PipelineConfiguration, PipelineConfiguration) -> Bool)] = [
                ("name", { $0.name == $1.name }), ("group", { $0.group == $1.group }),
                ("input", { $0.input == $1.input }),
                ("outputs", { $0.outputs == $1.outputs }), ("delivery", { $0.delivery == $1.delivery }),
                ("limits", { $0.limits == $1.limits }), ("signals", { $0.signals == $1.signals }),
                ("sites", { $0.sites == $1.sites }), ("metrics", { $0.metrics == $1.metrics }),
                ("enrichments", { $0.enrichments == $1.enrichments }), ("privacy", { $0.privacy == $1.privacy }),
            ]
            let differing = fields.filter { !$0.1(derived, base) }.map(\.0)
            if !differing.isEmpty || derived != base {
                problems.append(
                    "configmap.yaml claims \"\(Self.derivedClaim)\" but differs from it beyond kafka: in \(differing)"
                )
            }
        } else {
            problems.append("configmap.yaml must say where its pipeline comes from (\"\(Self.derivedClaim)\")")
        }

        // No secret in the ConfigMap; every $(NAME) defined; Secret references into the template.
        let literal = try PipelineLoader.parse(yaml: mounted.text, file: mounted.key)
        for property in literal.kafka where Self.isSecret(property.key) {
            problems.append(
                "the ConfigMap's pipeline holds \(property.key): pass it as --kafka \(property.key)=$(NAME) from the Secret"
            )
        }
        let environment = try environment
        let arguments = YAMLValue.strings(try container["args"]) ?? []
        if let reference = try? Regex(#"\$\(([A-Za-z_][A-Za-z0-9_]*)\)"#) {
            for argument in arguments {
                for match in argument.matches(of: reference) {
                    let name = String(match.output[1].substring ?? "")
                    if environment[name] == nil {
                        problems.append("\(argument) names $(\(name)), which the container's env does not define")
                    }
                }
            }
        }
        let secretName = YAMLValue.string(YAMLValue.at(secretTemplate, "metadata", "name")) ?? ""
        let secretKeys = Set(Self.secretValues(secretTemplate).keys)
        for (name, source) in environment.sorted(by: { $0.key < $1.key }) {
            guard case .secret(let secret, let key) = source else { continue }
            if secret != secretName || !secretKeys.contains(key) {
                problems.append("env \(name) reads \(source), which \(Self.secretTemplateFile) does not define")
            }
        }
        let securityProtocol = pipeline.kafkaProperty("security.protocol")?.uppercased() ?? "PLAINTEXT"
        if securityProtocol.hasPrefix("SASL_") {
            for key in ["sasl.username", "sasl.password"] {
                if pipeline.kafkaProperty(key) == nil {
                    problems.append("security.protocol \(securityProtocol) needs \(key)")
                } else if key == "sasl.password", case .secret = try source(ofKafkaProperty: key) {
                    continue
                } else if key == "sasl.password" {
                    problems.append(
                        "sasl.password must come from the Secret: --kafka sasl.password=$(NAME), NAME from secretKeyRef"
                    )
                }
            }
        }
        return problems
    }

    /// A librdkafka property whose value is a secret (the rule of Sources/Kafka/SecretProperty.swift).
    static func isSecret(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return lowered.contains("password") || lowered.contains("secret") || lowered == "ssl.key.pem"
            || lowered == "sasl.jaas.config" || lowered.hasPrefix("sasl.oauthbearer.")
    }

    /// The Secret's values, `stringData` as written and `data` decoded.
    static func secretValues(_ secret: [String: Any]?) -> [String: String] {
        var values = (YAMLValue.mapping(secret?["stringData"]) ?? [:]).compactMapValues(YAMLValue.string)
        for (key, encoded) in (YAMLValue.mapping(secret?["data"]) ?? [:]).compactMapValues(YAMLValue.string) {
            values[key] = Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) } ?? encoded
        }
        return values
    }

    /// The Secret template holds placeholders only.
    func secretTemplateProblems() -> [String] {
        guard let secret = secretTemplate, YAMLValue.string(secret["kind"]) == "Secret" else {
            return ["\(Self.secretTemplateFile) must be a Secret"]
        }
        let values = Self.secretValues(secret)
        if values.isEmpty { return ["\(Self.secretTemplateFile) defines no keys"] }
        return values.keys.sorted().compactMap { key in
            values[key]?.contains(Self.placeholderMarker) == true
                ? nil
                : "\(Self.secretTemplateFile) \(key) is not a placeholder (\(Self.placeholderMarker)…): never commit a credential"
        }
    }

    // MARK: Autoscaling

    /// The ScaledObject scales this Deployment on the pipeline's group and input topic, with the
    /// pipeline's brokers and security, never beyond the partitions, with the Deployment's credentials.
    func scalingProblems(composePartitions: Int?) throws -> [String] {
        var problems: [String] = []
        let scaled = try object("ScaledObject")
        let deployment = try deployment
        let pipeline = try resolvedPipeline()
        let target = YAMLValue.mapping(YAMLValue.at(scaled, "spec", "scaleTargetRef")) ?? [:]
        let deploymentName = YAMLValue.string(YAMLValue.at(deployment, "metadata", "name"))
        if YAMLValue.string(target["name"]) != deploymentName
            || (YAMLValue.string(target["kind"]) ?? "Deployment") != "Deployment"
        {
            problems.append("scaleTargetRef must be the Deployment \(deploymentName ?? "?")")
        }
        if YAMLValue.at(deployment, "spec", "replicas") != nil {
            problems.append("the Deployment sets replicas: every apply would reset the count KEDA chose; leave it out")
        }
        let minimum = YAMLValue.integer(YAMLValue.at(scaled, "spec", "minReplicaCount")) ?? 0
        let maximum = YAMLValue.integer(YAMLValue.at(scaled, "spec", "maxReplicaCount")) ?? 100  // KEDA's default
        if minimum > maximum { problems.append("minReplicaCount \(minimum) > maxReplicaCount \(maximum)") }
        let annotation = YAMLValue.string(YAMLValue.at(scaled, "metadata", "annotations", Self.partitionsAnnotation))
        if let partitions = annotation.flatMap({ Int($0) }) {
            if maximum > partitions {
                problems.append(
                    "maxReplicaCount \(maximum) > \(partitions) partitions of \(pipeline.input): members beyond the "
                        + "partition count get no partition and sit idle"
                )
            }
            if let composePartitions, composePartitions != partitions {
                problems.append(
                    "\(Self.partitionsAnnotation) \(partitions) is not the \(composePartitions) partitions docker-compose.yml creates"
                )
            }
            let surge = Self.surge(YAMLValue.at(deployment, "spec", "strategy"), replicas: maximum)
            if surge > 0 && maximum + surge > partitions {
                problems.append(
                    "maxSurge \(surge) at maxReplicaCount \(maximum) starts a replica beyond the \(partitions) partitions: "
                        + "it gets none, never turns ready and stalls the rollout"
                )
            }
        } else {
            problems.append("declare the input topic's partition count in the annotation \(Self.partitionsAnnotation)")
        }

        let triggers = (YAMLValue.sequence(YAMLValue.at(scaled, "spec", "triggers")) ?? []).compactMap(
            YAMLValue.mapping
        )
        guard triggers.count == 1, let trigger = triggers.first, YAMLValue.string(trigger["type"]) == "kafka" else {
            return problems + ["the ScaledObject must have one trigger, of type kafka"]
        }
        let metadata = (YAMLValue.mapping(trigger["metadata"]) ?? [:]).compactMapValues(YAMLValue.string)
        if metadata["topic"] != pipeline.input {
            problems.append(
                "the trigger's topic \(metadata["topic"] ?? "none") is not the pipeline's input \(pipeline.input)"
            )
        }
        if metadata["consumerGroup"] != pipeline.group {
            problems.append(
                "the trigger's consumerGroup \(metadata["consumerGroup"] ?? "none") is not the pipeline's group \(pipeline.group)"
            )
        }
        let brokers = { (text: String?) in
            Set((text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        if brokers(metadata["bootstrapServers"]) != brokers(pipeline.kafkaProperty("bootstrap.servers")) {
            problems.append(
                "the trigger's bootstrapServers \(metadata["bootstrapServers"] ?? "none") are not the pipeline's "
                    + "\(pipeline.kafkaProperty("bootstrap.servers") ?? "none")"
            )
        }
        let reset = pipeline.kafkaProperty("auto.offset.reset") ?? "earliest"  // the service's default
        if (metadata["offsetResetPolicy"] ?? "latest") != reset {
            problems.append(
                "offsetResetPolicy \(metadata["offsetResetPolicy"] ?? "latest (KEDA's default)") is not the service's "
                    + "auto.offset.reset \(reset): KEDA would misjudge a group without offsets"
            )
        }
        let securityProtocol = pipeline.kafkaProperty("security.protocol")?.uppercased() ?? "PLAINTEXT"
        let wantTLS = securityProtocol == "SSL" || securityProtocol == "SASL_SSL" ? "enable" : "disable"
        if (metadata["tls"] ?? "disable") != wantTLS {
            problems.append("the trigger's tls must be \(wantTLS) for security.protocol \(securityProtocol)")
        }
        let mechanism =
            (pipeline.kafkaProperty("sasl.mechanisms") ?? pipeline.kafkaProperty("sasl.mechanism") ?? "GSSAPI")
            .uppercased()
        let wantSASL = securityProtocol.hasPrefix("SASL_") ? Self.kedaSASL[mechanism] ?? "?" : "none"
        if (metadata["sasl"] ?? "none") != wantSASL {
            problems.append("the trigger's sasl must be \(wantSASL) for \(securityProtocol) with \(mechanism)")
        }
        if securityProtocol.hasPrefix("SASL_") {
            problems += try authenticationProblems(trigger)
        }
        return problems
    }

    /// KEDA's username and password are the Secret keys the Deployment gives librdkafka.
    private func authenticationProblems(_ trigger: [String: Any]) throws -> [String] {
        guard let name = YAMLValue.string(YAMLValue.at(trigger, "authenticationRef", "name")) else {
            return ["the kafka trigger needs an authenticationRef for SASL"]
        }
        let authentication = resources.compactMap { objects[$0] }.first {
            YAMLValue.string($0["kind"]) == "TriggerAuthentication"
                && YAMLValue.string(YAMLValue.at($0, "metadata", "name")) == name
        }
        guard let authentication else { return ["authenticationRef \(name): no TriggerAuthentication of that name"] }
        var references: [String: EnvironmentSource] = [:]
        let targets = YAMLValue.sequence(YAMLValue.at(authentication, "spec", "secretTargetRef")) ?? []
        for reference in targets.compactMap(YAMLValue.mapping) {
            if let parameter = YAMLValue.string(reference["parameter"]) {
                references[parameter] = .secret(
                    name: YAMLValue.string(reference["name"]) ?? "",
                    key: YAMLValue.string(reference["key"]) ?? ""
                )
            }
        }
        var problems: [String] = []
        for (parameter, property) in [("username", "sasl.username"), ("password", "sasl.password")] {
            let service = try source(ofKafkaProperty: property)
            if references[parameter] == nil || references[parameter] != service {
                problems.append(
                    "TriggerAuthentication \(name) \(parameter) reads \(references[parameter]?.description ?? "nothing"); "
                        + "the service's \(property) comes from \(service?.description ?? "no Secret")"
                )
            }
        }
        return problems
    }

    /// A rolling update's surge at `replicas` (Kubernetes' default: 25 %, rounded up).
    static func surge(_ strategy: Any?, replicas: Int) -> Int {
        if YAMLValue.string(YAMLValue.at(strategy, "type")) == "Recreate" { return 0 }
        let value = YAMLValue.at(strategy, "rollingUpdate", "maxSurge") ?? "25%"
        if let number = value as? Int { return number }
        guard let text = value as? String else { return 0 }
        if text.hasSuffix("%"), let percent = Double(text.dropLast()) {
            return Int((Double(replicas) * percent / 100).rounded(.up))
        }
        return Int(text) ?? 0
    }
}
