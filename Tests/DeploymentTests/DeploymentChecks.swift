import Foundation
import TrackPipeline

/// The deployment files, parsed, and the checks that tie them to each other, to the pipeline file and
/// to the command line. Each check returns the problems it finds (empty when all is well), so that
/// tests can show both that the real files pass and that a broken variant fails.
struct Deployment {
    var compose: ComposeFile
    var dockerfile: Dockerfile
    var dockerignore: [String]
    /// Reads a repository file by relative path (swapped in tests that check a broken pipeline).
    var readPipeline: @Sendable (String) throws(PipelineConfigurationError) -> PipelineConfiguration

    static let composePath = "docker-compose.yml"
    static let dockerfilePath = "Dockerfile"

    static func load(
        compose: String? = nil,
        dockerfile: String? = nil,
        dockerignore: String? = nil
    ) throws -> Deployment {
        Deployment(
            compose: try ComposeFile(yaml: try compose ?? Repository.text(composePath)),
            dockerfile: try Dockerfile(text: try dockerfile ?? Repository.text(dockerfilePath)),
            dockerignore: (try dockerignore ?? Repository.text(".dockerignore"))
                .split(separator: "\n")
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") },
            readPipeline: { relative throws(PipelineConfigurationError) in
                try PipelineLoader.load(path: Repository.path(relative), environment: [:], flags: PipelineOverrides())
            }
        )
    }

    // MARK: Shared facts

    /// The parsed argument vector of a trackstream-image service: its `command`, else the image's CMD.
    func invocation(of service: ComposeService) throws(DeploymentFileError) -> Invocation {
        guard let arguments = service.command ?? imageCommand else {
            throw DeploymentFileError("\(service.name) has no command and the image has no exec-form CMD")
        }
        do {
            return try CommandContract.parse(arguments)
        } catch {
            throw DeploymentFileError("\(service.name): \(error.description)")
        }
    }

    var imageCommand: [String]? {
        dockerfile.runtimeStage.effective("CMD").flatMap { Dockerfile.execForm($0.arguments) }
    }

    /// Maps a path inside the image (relative to WORKDIR, or absolute) to the repository file copied there.
    func repositoryPath(ofImagePath path: String) -> String? {
        let stage = dockerfile.runtimeStage
        let target = Dockerfile.Stage.absolute(path, in: stage.workdir)
        for copy in stage.copies where copy.fromStage == nil && copy.sources.count == 1 {
            let source = copy.sources[0].hasPrefix("./") ? String(copy.sources[0].dropFirst(2)) : copy.sources[0]
            if target == copy.destination { return source }
            if target.hasPrefix(copy.destination + "/") {
                return source + target.dropFirst(copy.destination.count)
            }
        }
        return nil
    }

    /// The pipeline a service's command reads, as check-config would resolve it with the service's
    /// environment (TRACKSTREAM_BROKERS / TRACKSTREAM_GROUP) and flags.
    func pipeline(for service: ComposeService, _ invocation: Invocation) throws -> PipelineConfiguration {
        guard let relative = repositoryPath(ofImagePath: invocation.pipeline) else {
            throw DeploymentFileError(
                "\(service.name): \(invocation.pipeline) (from WORKDIR \(dockerfile.runtimeStage.workdir)) "
                    + "is not a file the Dockerfile copies into the image"
            )
        }
        var configuration = try readPipeline(relative)
        configuration.apply(.environment(service.environment))
        configuration.apply(
            PipelineOverrides(brokers: invocation.options["--brokers"], group: invocation.options["--group"])
        )
        return configuration
    }

    /// `host:port` of each Kafka node's inter-broker (in-network) advertised listener.
    var inNetworkBootstrap: Set<String> {
        Set(
            compose.kafkaServices.compactMap { service in
                guard let name = service.environment["KAFKA_INTER_BROKER_LISTENER_NAME"] else { return nil }
                return KafkaListener.parseList(service.environment["KAFKA_ADVERTISED_LISTENERS"] ?? "")
                    .first { $0.name == name }?.endpoint
            }
        )
    }

    var brokerCount: Int {
        compose.kafkaServices.filter { roles(of: $0).contains("broker") }.count
    }

    func roles(of service: ComposeService) -> Set<String> {
        Set((service.environment["KAFKA_PROCESS_ROLES"] ?? "").split(separator: ",").map(String.init))
    }

    /// A broker setting that every node must agree on, or its Kafka default.
    func brokerSetting(_ variable: String, default defaultValue: Int) -> (value: Int, problems: [String]) {
        let values = Set(compose.kafkaServices.map { $0.environment[variable] ?? String(defaultValue) })
        guard values.count == 1, let value = values.first.flatMap({ Int($0) }) else {
            return (defaultValue, ["\(variable) must be one integer on every node, found \(values.sorted())"])
        }
        return (value, [])
    }
}

/// `NAME://host:port` from KAFKA_LISTENERS / KAFKA_ADVERTISED_LISTENERS.
struct KafkaListener: Equatable {
    var name: String
    var host: String
    var port: Int

    var endpoint: String { "\(host):\(port)" }

    static func parseList(_ text: String) -> [KafkaListener] {
        text.split(separator: ",").compactMap { item in
            let parts = item.trimmingCharacters(in: .whitespaces).components(separatedBy: "://")
            guard parts.count == 2, let colon = parts[1].lastIndex(of: ":"),
                let port = Int(parts[1][parts[1].index(after: colon)...])
            else { return nil }
            return KafkaListener(name: parts[0], host: String(parts[1][..<colon]), port: port)
        }
    }
}

/// The topic names the pipeline reads and writes, in a fixed order.
extension PipelineConfiguration {
    var topics: [String] { [input, outputs.enriched, outputs.signals, outputs.rejected] }
}
