import Foundation
import TrackPipeline

extension Deployment {
    /// Packages the runtime stage must install (the bot detector and the user agent parser read
    /// uap-core's regexes; the binary links jemalloc, libmaxminddb and PCRE2).
    static let runtimePackages: Set<String> = [
        "librdkafka1", "libjemalloc2", "libmaxminddb0", "libpcre2-8-0", "uap-core", "ca-certificates",
    ]

    /// The build and runtime stages of the Dockerfile.
    func dockerfileProblems() throws -> [String] {
        var problems: [String] = []
        let pipeline = try PipelineLoader.parse(yaml: Repository.text(PipelineLoader.defaultPath), file: "track.yml")
        let metricsPort = pipeline.metrics.listen.port
        guard dockerfile.stages.count >= 2 else { return ["the Dockerfile needs a build and a runtime stage"] }

        let build = dockerfile.buildStage
        if build.image.range(of: #"^swift:6\.[0-9]+(\.[0-9]+)?-noble$"#, options: .regularExpression) == nil {
            problems.append("build stage FROM \(build.image): want a pinned swift:6.x-noble (Ubuntu 24.04) image")
        }
        for package in ["librdkafka-dev", "libjemalloc-dev", "libmaxminddb-dev", "libpcre2-dev"]
        where !build.aptPackages.contains(package) {
            problems.append("build stage: install \(package)")
        }
        let buildCommand = build.shellCommands.first { $0.hasPrefix("swift build") && $0.contains("--product") } ?? ""
        let buildWords = buildCommand.split(separator: " ").map(String.init)
        for part in [["-c", "release"], ["--static-swift-stdlib"], ["--product", "trackstream"]]
        where !buildWords.contains(part) {
            problems.append("build stage: `swift build` needs \(part.joined(separator: " "))")
        }

        let runtime = dockerfile.runtimeStage
        if runtime.image != "ubuntu:24.04" { problems.append("runtime stage FROM \(runtime.image): want ubuntu:24.04") }
        for package in Self.runtimePackages.subtracting(runtime.aptPackages).sorted() {
            problems.append("runtime stage: install \(package)")
        }
        if runtime.aptPackages.contains(where: { $0.hasSuffix("-dev") }) {
            problems.append("runtime stage: no -dev packages")
        }

        // A non-root user that exists.
        if let user = runtime.effective("USER")?.arguments.split(separator: ":").first.map(String.init) {
            if user == "root" || user == "0" {
                problems.append("runtime stage runs as root")
            } else if Int(user) != nil {
                if !runtime.runText.contains("--uid \(user)") { problems.append("no useradd --uid \(user) for USER") }
            } else if runtime.runText.range(of: #"useradd [^&]* \#(user)( |$)"#, options: .regularExpression) == nil {
                problems.append("USER \(user) is never created with useradd")
            }
        } else {
            problems.append("runtime stage has no USER: it would run as root")
        }

        // Health, ports, entrypoint, command.
        if let health = runtime.effective("HEALTHCHECK")?.arguments {
            if !health.contains("/health/live") { problems.append("HEALTHCHECK must probe /health/live") }
            if !health.contains(":\(metricsPort)/") { problems.append("HEALTHCHECK must use port \(metricsPort)") }
            if health.contains("curl") && !runtime.aptPackages.contains("curl") {
                problems.append("HEALTHCHECK uses curl: install it")
            }
        } else {
            problems.append("runtime stage has no HEALTHCHECK")
        }
        if !runtime.exposedPorts.contains(metricsPort) { problems.append("EXPOSE the metrics port \(metricsPort)") }
        let entrypoint = runtime.effective("ENTRYPOINT").flatMap { Dockerfile.execForm($0.arguments) }
        if let binary = entrypoint?.first, entrypoint?.count == 1, binary.hasSuffix("/trackstream") {
            let installed = runtime.copies.contains { $0.fromStage == build.name && $0.destination == binary }
            if !installed { problems.append("ENTRYPOINT \(binary) is not copied from the build stage") }
        } else {
            problems.append("ENTRYPOINT must be the exec form [\"/…/trackstream\"], found \(entrypoint ?? [])")
        }
        if let command = imageCommand {
            do {
                let invocation = try CommandContract.parse(command)
                if invocation.subcommand != "run" { problems.append("CMD must run the service, not \(command)") }
                let listen = invocation.options["--metrics-listen"].flatMap(ListenAddress.init(parsing:))
                if listen?.host != "0.0.0.0" || listen?.port != metricsPort {
                    problems.append(
                        "CMD must pass --metrics-listen 0.0.0.0:\(metricsPort) so that EXPOSE means something"
                    )
                }
            } catch {
                problems.append("CMD: \(error.description)")
            }
        } else {
            problems.append("CMD must be the exec form [\"run\", …]")
        }

        // The default pipeline (relative to WORKDIR) is the repository's, and check-config accepts it.
        if let relative = repositoryPath(ofImagePath: PipelineLoader.defaultPath) {
            do {
                _ = try readPipeline(relative)
            } catch {
                problems.append("check-config would refuse the image's pipeline: \(error)")
            }
        } else {
            problems.append(
                "\(PipelineLoader.defaultPath) relative to WORKDIR \(runtime.workdir) is not copied into the image"
            )
        }
        return problems
    }

    /// What the build context must leave out and keep.
    func dockerignoreProblems() -> [String] {
        var problems: [String] = []
        for required in [".build", ".deps", ".git"] where !dockerignore.contains(required) {
            problems.append(".dockerignore must exclude \(required)")
        }
        let needed = ["Package.swift", "Sources", "Tests", "Pipelines"]
        for entry in dockerignore where needed.contains(entry) || entry == "*" || entry == "**" {
            problems.append(".dockerignore excludes \(entry), which the build needs")
        }
        return problems
    }
}

/// Prometheus configuration and alert rules of deploy/.
struct Monitoring {
    var prometheus: [String: Any]
    var alerts: [String: Any]

    static func load(prometheus: String? = nil) throws -> Monitoring {
        Monitoring(
            prometheus: try YAMLValue.document(
                try prometheus ?? Repository.text("deploy/prometheus.yml"),
                name: "deploy/prometheus.yml"
            ),
            alerts: try YAMLValue.document(try Repository.text("deploy/alerts.yml"), name: "deploy/alerts.yml")
        )
    }

    /// The `trackstream_*` series named in PromQL text, histogram suffixes removed.
    static func metricNames(in text: String) -> Set<String> {
        guard let expression = try? Regex(#"trackstream_[a-z_]+"#) else { return [] }
        return Set(
            text.matches(of: expression).map { match in
                var name = String(text[match.range])
                for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
                    name.removeLast(suffix.count)
                }
                return name
            }
        )
    }

    /// The series the runtime registers: label literals in Sources/TrackRuntime/PipelineMetrics.swift.
    static func emittedMetricNames() throws -> Set<String> {
        let source = try Repository.text("Sources/TrackRuntime/PipelineMetrics.swift")
        guard let literal = try? Regex(#"label: "(trackstream_[a-z_]+)""#) else { return [] }
        return Set(source.matches(of: literal).compactMap { $0.output[1].substring.map(String.init) })
    }

    /// Every alert's expression.
    var alertExpressions: [(name: String, expression: String)] {
        (YAMLValue.sequence(alerts["groups"]) ?? []).flatMap { group in
            (YAMLValue.sequence(YAMLValue.mapping(group)?["rules"]) ?? []).compactMap { rule in
                let mapping = YAMLValue.mapping(rule)
                guard let name = YAMLValue.string(mapping?["alert"]),
                    let expression = YAMLValue.string(mapping?["expr"])
                else { return nil }
                return (name, expression)
            }
        }
    }

    /// Prometheus scrapes the trackstream service's replicas on the metrics port and loads the rules
    /// that the Compose service mounts.
    func problems(in deployment: Deployment, metricsPort: Int) -> [String] {
        var problems: [String] = []
        guard
            let runService = deployment.compose.trackstreamServices.first(where: {
                (try? deployment.invocation(of: $0))?.subcommand == "run"
            })
        else { return ["no trackstream run service to scrape"] }
        let jobs = (YAMLValue.sequence(prometheus["scrape_configs"]) ?? []).compactMap(YAMLValue.mapping)
        var scraped = false
        for job in jobs {
            for discovery in (YAMLValue.sequence(job["dns_sd_configs"]) ?? []).compactMap(YAMLValue.mapping) {
                let names = YAMLValue.strings(discovery["names"]) ?? []
                guard names.contains(runService.name) else { continue }
                scraped = true
                if (YAMLValue.string(discovery["type"]) ?? "SRV") != "A" {
                    problems.append("dns_sd_configs for \(runService.name) must use type A (Compose DNS has no SRV)")
                }
                if (discovery["port"] as? Int) != metricsPort {
                    problems.append("dns_sd_configs port must be the metrics port \(metricsPort)")
                }
            }
            for group in (YAMLValue.sequence(job["static_configs"]) ?? []).compactMap(YAMLValue.mapping) {
                for target in YAMLValue.strings(group["targets"]) ?? [] where target.hasPrefix(runService.name) {
                    scraped = true
                    if !target.hasSuffix(":\(metricsPort)") { problems.append("target \(target): port \(metricsPort)") }
                }
            }
            if let path = YAMLValue.string(job["metrics_path"]), path != "/metrics" {
                problems.append("metrics_path \(path): the service serves /metrics")
            }
        }
        if !scraped { problems.append("no scrape job targets the \(runService.name) service") }

        guard
            let server = deployment.compose.services.values.first(where: {
                $0.image?.hasPrefix("prom/prometheus:") ?? false
            })
        else { return problems + ["no prom/prometheus service"] }
        if !server.profiles.contains("monitoring") {
            problems.append("\(server.name) must be behind the monitoring profile")
        }
        let mounts = Dictionary(
            server.volumes.compactMap { volume -> (String, String)? in
                let parts = volume.split(separator: ":").map(String.init)
                return parts.count >= 2 ? (parts[1], parts[0]) : nil
            },
            uniquingKeysWith: { first, _ in first }
        )
        let configFile =
            (server.command ?? []).first { $0.hasPrefix("--config.file=") }
            .map { String($0.dropFirst("--config.file=".count)) } ?? "/etc/prometheus/prometheus.yml"
        var needed = [configFile]
        needed += YAMLValue.strings(prometheus["rule_files"]) ?? []
        for path in needed {
            guard let host = mounts[path] else {
                problems.append("\(server.name) does not mount \(path)")
                continue
            }
            let relative = host.hasPrefix("./") ? String(host.dropFirst(2)) : host
            if !Repository.exists(relative) { problems.append("\(server.name) mounts \(host), which does not exist") }
        }
        return problems
    }
}
