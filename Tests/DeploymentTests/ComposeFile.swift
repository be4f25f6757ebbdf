/// The parts of a Compose file (compose-spec) that the deployment checks read.
struct ComposeFile {
    var services: [String: ComposeService]
    var namedVolumes: Set<String>

    init(yaml: String) throws(DeploymentFileError) {
        let document = try YAMLValue.document(yaml, name: "docker-compose.yml")
        guard let services = YAMLValue.mapping(document["services"]) else {
            throw DeploymentFileError("docker-compose.yml has no services mapping")
        }
        var parsed: [String: ComposeService] = [:]
        for (name, value) in services {
            guard let mapping = YAMLValue.mapping(value) else {
                throw DeploymentFileError("service \(name) is not a mapping")
            }
            parsed[name] = try ComposeService(name: name, mapping)
        }
        self.services = parsed
        namedVolumes = Set(YAMLValue.mapping(document["volumes"])?.keys.map { $0 } ?? [])
    }

    /// Services running the image this repository's Dockerfile builds.
    var trackstreamServices: [ComposeService] {
        let builtImages = Set(services.values.filter(\.builds).compactMap(\.image))
        return services.values.filter { $0.builds || ($0.image.map(builtImages.contains) ?? false) }
            .sorted { $0.name < $1.name }
    }

    /// Apache Kafka nodes.
    var kafkaServices: [ComposeService] {
        services.values.filter { $0.image?.hasPrefix("apache/kafka:") ?? false }.sorted { $0.name < $1.name }
    }
}

struct ComposeService {
    var name: String
    var image: String?
    var builds: Bool
    var buildContext: String?
    var buildDockerfile: String?
    /// The command as an argument vector (a string command is split on spaces, as Compose does).
    var command: [String]?
    var environment: [String: String]
    var ports: [PortMapping]
    var profiles: [String]
    /// Service name → condition (`service_started` for the list form).
    var dependsOn: [String: String]
    var replicas: Int
    var restart: String?
    var stopGracePeriod: Duration?
    var hostname: String?
    var volumes: [String]
    var healthcheckDisabled: Bool

    /// The name other containers reach it by.
    var networkName: String { hostname ?? name }

    init(name: String, _ mapping: [String: Any]) throws(DeploymentFileError) {
        self.name = name
        image = YAMLValue.string(mapping["image"])
        if let build = YAMLValue.mapping(mapping["build"]) {
            builds = true
            buildContext = YAMLValue.string(build["context"])
            buildDockerfile = YAMLValue.string(build["dockerfile"]) ?? "Dockerfile"
        } else if let context = YAMLValue.string(mapping["build"]) {
            builds = true
            buildContext = context
            buildDockerfile = "Dockerfile"
        } else {
            builds = false
        }
        if let text = YAMLValue.string(mapping["command"]) {
            command = text.split(separator: " ").map(String.init)
        } else if mapping["command"] != nil {
            guard let arguments = YAMLValue.strings(mapping["command"]) else {
                throw DeploymentFileError("\(name).command must be a string or a list of strings")
            }
            command = arguments
        }
        environment = try Self.environment(mapping["environment"], service: name)
        ports = try (YAMLValue.sequence(mapping["ports"]) ?? []).map { item throws(DeploymentFileError) in
            guard let text = YAMLValue.string(item), let port = PortMapping(parsing: text) else {
                throw DeploymentFileError("\(name).ports: \(item) is not HOST:CONTAINER or CONTAINER")
            }
            return port
        }
        profiles = YAMLValue.strings(mapping["profiles"]) ?? []
        if let list = YAMLValue.strings(mapping["depends_on"]) {
            dependsOn = Dictionary(uniqueKeysWithValues: list.map { ($0, "service_started") })
        } else if let map = YAMLValue.mapping(mapping["depends_on"]) {
            dependsOn = map.mapValues { YAMLValue.string(YAMLValue.mapping($0)?["condition"]) ?? "service_started" }
        } else {
            dependsOn = [:]
        }
        let deploy = YAMLValue.mapping(mapping["deploy"])
        replicas = (deploy?["replicas"] as? Int) ?? 1
        restart = YAMLValue.string(mapping["restart"])
        if let text = YAMLValue.string(mapping["stop_grace_period"]) {
            guard let duration = ComposeDuration.parse(text) else {
                throw DeploymentFileError("\(name).stop_grace_period \(text) is not a duration")
            }
            stopGracePeriod = duration
        }
        hostname = YAMLValue.string(mapping["hostname"])
        volumes = YAMLValue.strings(mapping["volumes"]) ?? []
        healthcheckDisabled = YAMLValue.mapping(mapping["healthcheck"])?["disable"] as? Bool ?? false
    }

    private static func environment(_ value: Any?, service: String) throws(DeploymentFileError) -> [String: String] {
        if value == nil { return [:] }
        if let map = YAMLValue.mapping(value) {
            var result: [String: String] = [:]
            for (key, element) in map {
                guard let text = YAMLValue.string(element) else {
                    throw DeploymentFileError("\(service).environment.\(key) must be a scalar")
                }
                result[key] = text
            }
            return result
        }
        if let list = YAMLValue.strings(value) {
            var result: [String: String] = [:]
            for item in list {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                result[parts[0]] = parts.count == 2 ? parts[1] : ""
            }
            return result
        }
        throw DeploymentFileError("\(service).environment must be a mapping or a list of KEY=VALUE")
    }
}

/// `[IP:][HOST[-HOST]:]CONTAINER[/PROTOCOL]`.
struct PortMapping: Equatable {
    var hostPorts: ClosedRange<Int>?
    var containerPort: Int

    init(hostPorts: ClosedRange<Int>?, containerPort: Int) {
        self.hostPorts = hostPorts
        self.containerPort = containerPort
    }

    init?(parsing text: String) {
        let withoutProtocol = text.split(separator: "/").first.map(String.init) ?? text
        let parts = withoutProtocol.split(separator: ":").map(String.init)
        guard let last = parts.last, let container = Int(last), (1...65_535).contains(container) else { return nil }
        containerPort = container
        guard parts.count >= 2 else {
            hostPorts = nil
            return
        }
        let bounds = parts[parts.count - 2].split(separator: "-").compactMap { Int($0) }
        switch bounds.count {
        case 1: hostPorts = bounds[0]...bounds[0]
        case 2 where bounds[0] <= bounds[1]: hostPorts = bounds[0]...bounds[1]
        default: return nil
        }
    }
}

/// Compose durations: `30s`, `1m30s`, `1h`, `500ms`.
enum ComposeDuration {
    static func parse(_ text: String) -> Duration? {
        var total = Duration.zero
        var number = ""
        var unit = ""
        func flush() -> Bool {
            guard let value = Int(number) else { return false }
            switch unit {
            case "ms": total += .milliseconds(value)
            case "s": total += .seconds(value)
            case "m": total += .seconds(value * 60)
            case "h": total += .seconds(value * 3600)
            default: return false
            }
            number = ""
            unit = ""
            return true
        }
        for character in text {
            if character.isNumber {
                if !unit.isEmpty {
                    guard flush() else { return nil }
                }
                number.append(character)
            } else {
                unit.append(character)
            }
        }
        guard flush() else { return nil }
        return total
    }
}
