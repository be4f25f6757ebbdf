import Foundation

/// The manifests of deploy/kubernetes as `kubectl apply -k` reads them: the kustomization, the
/// objects of the files it lists, and the Secret template it leaves out on purpose. Each file holds
/// one object.
struct KubernetesManifests {
    static let directory = "deploy/kubernetes"
    static let kustomizationFile = "kustomization.yaml"
    /// Placeholders only; not a kustomization resource (applying it would reset real credentials).
    static let secretTemplateFile = "secret.template.yaml"
    /// What every value of the Secret template must contain, so that no real credential is committed.
    static let placeholderMarker = "CHANGE-ME"

    var kustomization: [String: Any]
    /// File name (relative to the directory) → its object, for every resource and the Secret template.
    var objects: [String: [String: Any]]
    /// The raw text of each file, for the claims its comments make.
    var texts: [String: String]

    /// Reads the directory; `replacing` swaps a file's text (for tests that check a broken copy).
    static func load(replacing: [String: String] = [:]) throws -> KubernetesManifests {
        func text(_ file: String) throws -> String {
            try replacing[file] ?? Repository.text("\(directory)/\(file)")
        }
        let kustomization = try YAMLValue.document(try text(kustomizationFile), name: kustomizationFile)
        let resources = YAMLValue.strings(kustomization["resources"]) ?? []
        var objects: [String: [String: Any]] = [:]
        var texts: [String: String] = [:]
        for file in resources + [secretTemplateFile] {
            let content = try text(file)
            objects[file] = try YAMLValue.document(content, name: "\(directory)/\(file)")
            texts[file] = content
        }
        return KubernetesManifests(kustomization: kustomization, objects: objects, texts: texts)
    }

    /// The kustomization's `resources`, in order.
    var resources: [String] { YAMLValue.strings(kustomization["resources"]) ?? [] }

    /// The YAML files of the directory on disk (other than the kustomization).
    static func filesOnDisk() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Repository.path(directory))
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .filter { $0 != kustomizationFile }
            .sorted()
    }

    /// The one object of `kind` among the resources.
    func object(_ kind: String) throws(DeploymentFileError) -> [String: Any] {
        let matching = resources.compactMap { objects[$0] }.filter { YAMLValue.string($0["kind"]) == kind }
        guard matching.count == 1, let object = matching.first else {
            throw DeploymentFileError("\(Self.directory) must have exactly one \(kind), found \(matching.count)")
        }
        return object
    }

    /// The file an object of `kind` is in.
    func file(of kind: String) -> String? {
        resources.first { YAMLValue.string(objects[$0]?["kind"]) == kind }
    }

    var secretTemplate: [String: Any]? { objects[Self.secretTemplateFile] }

    // MARK: The Deployment's pod

    var deployment: [String: Any] {
        get throws(DeploymentFileError) { try object("Deployment") }
    }

    var podSpec: [String: Any] {
        get throws(DeploymentFileError) {
            let deployment = try deployment
            guard let spec = YAMLValue.mapping(YAMLValue.at(deployment, "spec", "template", "spec")) else {
                throw DeploymentFileError("the Deployment has no spec.template.spec")
            }
            return spec
        }
    }

    /// The trackstream container (the Deployment must run exactly one).
    var container: [String: Any] {
        get throws(DeploymentFileError) {
            let podSpec = try podSpec
            let containers = (YAMLValue.sequence(podSpec["containers"]) ?? []).compactMap(YAMLValue.mapping)
            guard containers.count == 1, let container = containers.first else {
                throw DeploymentFileError("the Deployment must run one container, found \(containers.count)")
            }
            return container
        }
    }

    /// Where an environment variable of the container gets its value.
    enum EnvironmentSource: Equatable, CustomStringConvertible {
        case literal(String)
        case secret(name: String, key: String)
        case configMap(name: String, key: String)
        /// Another `valueFrom` (field or resource references).
        case other

        var description: String {
            switch self {
            case .literal(let value): "the value \(value)"
            case .secret(let name, let key): "Secret \(name) key \(key)"
            case .configMap(let name, let key): "ConfigMap \(name) key \(key)"
            case .other: "a field or resource reference"
            }
        }
    }

    /// The container's `env`, by name.
    var environment: [String: EnvironmentSource] {
        get throws(DeploymentFileError) {
            let container = try container
            var result: [String: EnvironmentSource] = [:]
            for entry in (YAMLValue.sequence(container["env"]) ?? []).compactMap(YAMLValue.mapping) {
                guard let name = YAMLValue.string(entry["name"]) else { continue }
                if let value = YAMLValue.string(entry["value"]) {
                    result[name] = .literal(value)
                } else if let secret = YAMLValue.mapping(YAMLValue.at(entry, "valueFrom", "secretKeyRef")) {
                    result[name] = .secret(
                        name: YAMLValue.string(secret["name"]) ?? "",
                        key: YAMLValue.string(secret["key"]) ?? ""
                    )
                } else if let map = YAMLValue.mapping(YAMLValue.at(entry, "valueFrom", "configMapKeyRef")) {
                    result[name] = .configMap(
                        name: YAMLValue.string(map["name"]) ?? "",
                        key: YAMLValue.string(map["key"]) ?? ""
                    )
                } else {
                    result[name] = .other
                }
            }
            return result
        }
    }

    /// `containerPort` of the container's port called `name`, or the number itself.
    func containerPort(_ port: Any?) throws(DeploymentFileError) -> Int? {
        if let number = port as? Int { return number }
        guard let name = YAMLValue.string(port) else { return nil }
        let container = try container
        let ports = (YAMLValue.sequence(container["ports"]) ?? []).compactMap(YAMLValue.mapping)
        return ports.first { YAMLValue.string($0["name"]) == name }.flatMap { $0["containerPort"] as? Int }
    }

    /// A pod label selector's `matchLabels` (or a Service's plain selector).
    static func labels(_ value: Any?) -> [String: String] {
        let mapping = YAMLValue.mapping(value) ?? [:]
        let source = YAMLValue.mapping(mapping["matchLabels"]) ?? mapping
        return source.compactMapValues(YAMLValue.string)
    }
}

extension YAMLValue {
    /// The value under a path of mapping keys; a key that is a number indexes a sequence.
    static func at(_ value: Any?, _ path: String...) -> Any? {
        var current = value
        for key in path {
            if let items = sequence(current), let index = Int(key) {
                current = items.indices.contains(index) ? items[index] : nil
            } else {
                current = mapping(current)?[key]
            }
        }
        return current
    }

    /// A whole number, written as a YAML integer or as a quoted one.
    static func integer(_ value: Any?) -> Int? {
        if let number = value as? Int { return number }
        return (value as? String).flatMap { Int($0) }
    }
}
