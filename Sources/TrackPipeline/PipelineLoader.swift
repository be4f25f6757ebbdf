import Foundation
import TrackDomain
import Yams

/// What was wrong with a pipeline file, where, and what to do about it.
public struct PipelineConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case unreadableFile = "unreadable file"
        case invalidYAML = "invalid YAML"
        case unknownKey = "unknown key"
        case wrongType = "wrong type"
        case invalidValue = "invalid value"
        /// A `${NAME}` whose variable is not set (``VariableExpansion``).
        case undefinedVariable = "undefined variable"
    }

    public var kind: Kind
    /// The pipeline file's path as given.
    public var file: String
    /// The 1-based line of the offending key or value, when known.
    public var line: Int?
    /// The dotted key path (`signals.score_scale.min`), or nil for the whole file.
    public var keyPath: String?
    /// What is wrong.
    public var problem: String
    /// What to do about it.
    public var remedy: String

    public init(kind: Kind, file: String, line: Int?, keyPath: String?, problem: String, remedy: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.keyPath = keyPath
        self.problem = problem
        self.remedy = remedy
    }

    /// `FILE:LINE: KEY.PATH: problem; remedy`.
    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        let key = keyPath.map { " \($0):" } ?? ""
        return "\(location):\(key) \(problem); \(remedy)"
    }
}

/// Values that replace the file's: environment variables first, then command-line flags.
///
/// Within one set of overrides, `kafka:` entries are applied in this order, a later one winning:
/// ``kafkaFile`` (`--kafka-file`), ``brokers`` (`--brokers`), ``kafka`` (`--kafka`).
public struct PipelineOverrides: Sendable, Equatable {
    /// Entries of the `kafka:` map from a client properties file (``KafkaPropertiesFile``).
    public var kafkaFile: [PipelineConfiguration.KafkaProperty]
    /// `kafka.bootstrap.servers`.
    public var brokers: String?
    /// `group`.
    public var group: String?
    /// Entries of the `kafka:` map, applied in order after `brokers`.
    public var kafka: [PipelineConfiguration.KafkaProperty]
    /// `enrichments.geoip.database`.
    public var geoIPDatabase: String?

    public init(
        kafkaFile: [PipelineConfiguration.KafkaProperty] = [],
        brokers: String? = nil,
        group: String? = nil,
        kafka: [PipelineConfiguration.KafkaProperty] = [],
        geoIPDatabase: String? = nil
    ) {
        self.kafkaFile = kafkaFile
        self.brokers = brokers
        self.group = group
        self.kafka = kafka
        self.geoIPDatabase = geoIPDatabase
    }

    /// A `--kafka KEY=VALUE` argument as a `kafka:` entry: split at the first `=`; the key must not be
    /// empty (the value may be). Returns nil, for the caller to refuse, when the text is not of that form.
    public static func kafkaProperty(fromArgument text: String) -> PipelineConfiguration.KafkaProperty? {
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let key = text[..<equals].trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else { return nil }
        return PipelineConfiguration.KafkaProperty(key: key, value: String(text[text.index(after: equals)...]))
    }

    /// `TRACKSTREAM_BROKERS`, `TRACKSTREAM_GROUP` and `TRACKSTREAM_GEOIP_DATABASE` from an
    /// environment (empty values are ignored).
    public static func environment(_ environment: [String: String]) -> PipelineOverrides {
        PipelineOverrides(
            brokers: environment["TRACKSTREAM_BROKERS"].flatMap { $0.isEmpty ? nil : $0 },
            group: environment["TRACKSTREAM_GROUP"].flatMap { $0.isEmpty ? nil : $0 },
            geoIPDatabase: environment["TRACKSTREAM_GEOIP_DATABASE"].flatMap { $0.isEmpty ? nil : $0 }
        )
    }
}

/// Reads pipeline files (docs/domain.md "Pipeline files") strictly: unknown keys and bad values are errors.
public enum PipelineLoader {
    /// The pipeline used when a command names none.
    public static let defaultPath = "Pipelines/track.yml"

    /// Reads `path` with this process's environment (for `${VAR}` references and the overrides),
    /// then applies the flags'.
    public static func load(
        path: String,
        flags: PipelineOverrides = PipelineOverrides()
    ) throws(PipelineConfigurationError) -> PipelineConfiguration {
        try load(path: path, environment: ProcessInfo.processInfo.environment, flags: flags)
    }

    /// Reads `path`, expanding `${VAR}` references from `environment`, then applies the overrides of
    /// `environment`, then the flags'.
    public static func load(
        path: String,
        environment: [String: String],
        flags: PipelineOverrides
    ) throws(PipelineConfigurationError) -> PipelineConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PipelineConfigurationError(
                kind: .unreadableFile,
                file: path,
                line: nil,
                keyPath: nil,
                problem: "cannot read the pipeline file (\(error.localizedDescription))",
                remedy: "check the path, or pass another pipeline file"
            )
        }
        var configuration = try parse(yaml: text, file: path, environment: environment)
        configuration.apply(.environment(environment))
        configuration.apply(flags)
        try configuration.checkDeliveryGuarantees(file: path)
        return configuration
    }

    /// Parses pipeline YAML; `file` names it in errors. `${VAR}` references in values are expanded
    /// from `environment` (``VariableExpansion``; none are set by default, so a reference without a
    /// default is an error); no overrides are applied.
    public static func parse(
        yaml: String,
        file: String,
        environment: [String: String] = [:]
    ) throws(PipelineConfigurationError) -> PipelineConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw PipelineConfigurationError(
                kind: .invalidYAML,
                file: file,
                line: Self.line(of: error),
                keyPath: nil,
                problem: "the file is not valid YAML (\(Self.summary(of: error)))",
                remedy: "fix the YAML syntax at that line"
            )
        }
        guard let root else { return .defaults }
        let reader = PipelineReader(file: file)
        return try reader.read(reader.expandingVariables(in: root, VariableExpansion(environment: environment)))
    }

    private static func line(of error: any Error) -> Int? {
        guard let yamlError = error as? YamlError else { return nil }
        switch yamlError {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }

    private static func summary(of error: any Error) -> String {
        guard let yamlError = error as? YamlError else { return "\(error)" }
        switch yamlError {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
            .composer(let context, let problem, _, _):
            return [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        case .duplicatedKeysInMapping(let duplicates, _):
            return "duplicate keys \(duplicates.joined(separator: ", "))"
        default:
            return "\(yamlError)".split(separator: "\n").first.map(String.init) ?? "\(yamlError)"
        }
    }
}

extension PipelineConfiguration {
    /// Replaces `kafka:` entries, brokers and group where the overrides give them.
    public mutating func apply(_ overrides: PipelineOverrides) {
        for property in overrides.kafkaFile { setKafkaProperty(property.key, property.value) }
        if let brokers = overrides.brokers { setKafkaProperty("bootstrap.servers", brokers) }
        if let group = overrides.group { self.group = group }
        for property in overrides.kafka { setKafkaProperty(property.key, property.value) }
        if let database = overrides.geoIPDatabase {
            let interval = enrichments.geoIP?.checkIntervalMilliseconds ?? GeoIP.defaultCheckIntervalMilliseconds
            enrichments.geoIP = GeoIP(database: database, checkIntervalMilliseconds: interval)
        }
    }
}

/// Walks the YAML node tree, checking every key against the schema and every value against its rules.
struct PipelineReader {
    let file: String

    func error(
        _ kind: PipelineConfigurationError.Kind,
        _ node: Node?,
        _ path: String?,
        _ problem: String,
        _ remedy: String
    ) -> PipelineConfigurationError {
        PipelineConfigurationError(
            kind: kind,
            file: file,
            line: node?.mark?.line,
            keyPath: path,
            problem: problem,
            remedy: remedy
        )
    }

    func read(_ root: Node) throws(PipelineConfigurationError) -> PipelineConfiguration {
        var configuration = PipelineConfiguration.defaults
        let topLevel = [
            "name", "kafka", "group", "input", "outputs", "delivery", "limits", "signals", "sites", "metrics",
            "enrichments", "privacy", "headers",
        ]
        for (key, value) in try members(root, path: nil, allowed: topLevel) {
            switch key.name {
            case "name": configuration.name = try nonEmptyString(value, path: "name")
            case "kafka": configuration.kafka = try kafka(value)
            case "group": configuration.group = try nonEmptyString(value, path: "group")
            case "input": configuration.input = try topicName(value, path: "input")
            case "outputs": configuration.outputs = try outputs(value, defaults: configuration.outputs)
            case "delivery": configuration.delivery = try delivery(value)
            case "limits": configuration.limits = try limits(value, defaults: configuration.limits)
            case "signals": configuration.signals = try signals(value, defaults: configuration.signals)
            case "sites": configuration.sites = try sites(value)
            case "metrics": configuration.metrics = try metrics(value, defaults: configuration.metrics)
            case "enrichments": configuration.enrichments = try enrichments(value)
            case "privacy": configuration.privacy = try privacy(value)
            case "headers": configuration.headers = try headers(value)
            default: break
            }
        }
        return configuration
    }

    // MARK: Variables

    /// `node` with the `${VAR}` references of every scalar value expanded (mapping keys are left as
    /// written), before any value is typed: `max_fanout: ${FANOUT}` reads as a number when FANOUT
    /// holds one. `privacy.key` is the exception: it names the variable holding the pseudonym key,
    /// which the service reads itself, so that the key is never in the file.
    func expandingVariables(
        in node: Node,
        _ expansion: VariableExpansion,
        path: [String] = []
    ) throws(PipelineConfigurationError) -> Node {
        switch node {
        case .scalar(let scalar):
            guard scalar.string.utf8.contains(UInt8(ascii: "$")) else { return node }
            let expanded: String
            do {
                expanded = try expansion.expand(scalar.string)
            } catch {
                throw self.error(
                    error.problem.isUndefined ? .undefinedVariable : .invalidValue,
                    node,
                    path.isEmpty ? nil : path.joined(separator: "."),
                    error.summary,
                    error.remedy
                )
            }
            // librdkafka takes text: a `kafka:` value from a variable is passed as it is, so that a
            // password `on` or an empty one is not read as a YAML boolean or null. Elsewhere a plain
            // scalar is typed by its expanded text and a quoted one stays a string, under a new tag
            // (Yams resolves a tag once and keeps the answer).
            if path.first == "kafka" { return .scalar(Node.Scalar(expanded, Tag(.str), .doubleQuoted, scalar.mark)) }
            return .scalar(Node.Scalar(expanded, scalar.tag.copy(), scalar.style, scalar.mark))
        case .mapping(let mapping):
            var pairs: [(Node, Node)] = []
            for (key, value) in mapping {
                let name = key.scalar?.string ?? "?"
                if path == ["privacy"], name == "key" {
                    pairs.append((key, value))
                } else {
                    pairs.append((key, try expandingVariables(in: value, expansion, path: path + [name])))
                }
            }
            return .mapping(Node.Mapping(pairs, mapping.tag.copy(), mapping.style, mapping.mark))
        case .sequence(let sequence):
            var nodes: [Node] = []
            for item in sequence {
                nodes.append(try expandingVariables(in: item, expansion, path: path))
            }
            return .sequence(Node.Sequence(nodes, sequence.tag.copy(), sequence.style, sequence.mark))
        case .alias:
            return node
        }
    }

    // MARK: Sections

    private func kafka(_ node: Node) throws(PipelineConfigurationError) -> [PipelineConfiguration.KafkaProperty] {
        var properties = PipelineConfiguration.defaults.kafka
        var given: [PipelineConfiguration.KafkaProperty] = []
        for (key, value) in try members(node, path: "kafka", allowed: nil) {
            let path = "kafka.\(key.name)"
            guard case .scalar(let scalar) = value, value.null == nil else {
                throw error(
                    .wrongType,
                    value,
                    path,
                    "a librdkafka property must be a single string, number or boolean",
                    "write it as `\(key.name): VALUE`"
                )
            }
            let text = value.bool.map { $0 ? "true" : "false" } ?? scalar.string
            given.append(PipelineConfiguration.KafkaProperty(key: key.name, value: text))
        }
        if given.contains(where: { $0.key == "bootstrap.servers" }) { properties = [] }
        return properties + given
    }

    private func outputs(
        _ node: Node,
        defaults: PipelineConfiguration.Outputs
    ) throws(PipelineConfigurationError) -> PipelineConfiguration.Outputs {
        var outputs = defaults
        for (key, value) in try members(node, path: "outputs", allowed: ["enriched", "signals", "rejected"]) {
            let topic = try topicName(value, path: "outputs.\(key.name)")
            switch key.name {
            case "enriched": outputs.enriched = topic
            case "signals": outputs.signals = topic
            default: outputs.rejected = topic
            }
        }
        return outputs
    }

    private func delivery(_ node: Node) throws(PipelineConfigurationError) -> PipelineConfiguration.Delivery {
        let text = try nonEmptyString(node, path: "delivery")
        guard let delivery = PipelineConfiguration.Delivery(rawValue: text) else {
            throw error(
                .invalidValue,
                node,
                "delivery",
                "\"\(text)\" is not a delivery mode",
                "use at_least_once (exactly_once is not yet supported)"
            )
        }
        return delivery
    }

    private func limits(
        _ node: Node,
        defaults: PipelineConfiguration.Limits
    ) throws(PipelineConfigurationError) -> PipelineConfiguration.Limits {
        var limits = defaults
        let allowed = ["max_event_bytes", "max_fanout", "max_items", "max_output_bytes"]
        for (key, value) in try members(node, path: "limits", allowed: allowed) {
            let number = try positiveInteger(value, path: "limits.\(key.name)")
            switch key.name {
            case "max_event_bytes": limits.maxEventBytes = number
            case "max_fanout": limits.maxFanout = number
            case "max_items": limits.maxItems = number
            default:
                let minimum = PipelineConfiguration.Limits.minimumOutputBytes
                guard number >= minimum else {
                    throw error(
                        .invalidValue,
                        value,
                        "limits.max_output_bytes",
                        "\(number) bytes is too small for the outputs of any event",
                        "use at least \(minimum) (the default is \(ProcessingConfiguration.defaultMaxOutputBytes))"
                    )
                }
                limits.maxOutputBytes = number
            }
        }
        return limits
    }

    private func signals(
        _ node: Node,
        defaults: PipelineConfiguration.Signals
    ) throws(PipelineConfigurationError) -> PipelineConfiguration.Signals {
        var signals = defaults
        for (key, value) in try members(node, path: "signals", allowed: ["score_scale", "implicit_weights"]) {
            if key.name == "score_scale" {
                signals.scoreScale = try scoreScale(value, path: "signals.score_scale")
            } else {
                signals.implicitWeights = try implicitWeights(value)
            }
        }
        return signals
    }

    private func implicitWeights(
        _ node: Node
    ) throws(PipelineConfigurationError) -> [PipelineConfiguration.ImplicitWeight] {
        var weights: [PipelineConfiguration.ImplicitWeight] = []
        for (key, value) in try members(node, path: "signals.implicit_weights", allowed: nil) {
            let path = "signals.implicit_weights.\(key.name)"
            guard let weight = value.float, weight.isFinite, value.bool == nil else {
                throw error(
                    .invalidValue,
                    value,
                    path,
                    "the weight must be a finite number",
                    "write a number such as 0.5"
                )
            }
            guard (-1.0...1.0).contains(weight) else {
                throw error(
                    .invalidValue,
                    value,
                    path,
                    "the weight \(weight) is outside -1...1, the range of signal values",
                    "use a weight between -1 and 1"
                )
            }
            weights.append(PipelineConfiguration.ImplicitWeight(eventType: key.name, weight: weight))
        }
        return weights
    }

    private func sites(_ node: Node) throws(PipelineConfigurationError) -> [PipelineConfiguration.SiteOverride] {
        var sites: [PipelineConfiguration.SiteOverride] = []
        for (key, value) in try members(node, path: "sites", allowed: nil) {
            var site = PipelineConfiguration.SiteOverride(siteID: key.name, scoreScale: nil)
            for (siteKey, siteValue) in try members(value, path: "sites.\(key.name)", allowed: ["score_scale"])
            where siteKey.name == "score_scale" {
                site.scoreScale = try scoreScale(siteValue, path: "sites.\(key.name).score_scale")
            }
            sites.append(site)
        }
        return sites
    }

    private func metrics(
        _ node: Node,
        defaults: PipelineConfiguration.Metrics
    ) throws(PipelineConfigurationError) -> PipelineConfiguration.Metrics {
        var metrics = defaults
        for (_, value) in try members(node, path: "metrics", allowed: ["listen"]) {
            let text = try nonEmptyString(value, path: "metrics.listen")
            guard let address = ListenAddress(parsing: text) else {
                throw error(
                    .invalidValue,
                    value,
                    "metrics.listen",
                    "\"\(text)\" is not a host:port address",
                    "write it as HOST:PORT with a port in 1-65535, e.g. 127.0.0.1:9464 or [::1]:9464"
                )
            }
            metrics.listen = address
        }
        return metrics
    }

    private func scoreScale(_ node: Node, path: String) throws(PipelineConfigurationError) -> ScoreScale {
        var minimum: Int64? = nil
        var maximum: Int64? = nil
        for (key, value) in try members(node, path: path, allowed: ["min", "max"]) {
            guard let integer = value.int, value.bool == nil, value.scalar?.string.contains(".") != true else {
                throw error(
                    .invalidValue,
                    value,
                    "\(path).\(key.name)",
                    "the scale bound must be an integer",
                    "write a whole number"
                )
            }
            guard ScoreScale.boundRange.contains(Int64(integer)) else {
                throw error(
                    .invalidValue,
                    value,
                    "\(path).\(key.name)",
                    "the scale bound \(integer) is outside ±\(ScoreScale.boundRange.upperBound) (2^53), beyond "
                        + "which the preference arithmetic cannot tell neighbouring integers apart",
                    "use a bound between \(ScoreScale.boundRange.lowerBound) and \(ScoreScale.boundRange.upperBound)"
                )
            }
            if key.name == "min" { minimum = Int64(integer) } else { maximum = Int64(integer) }
        }
        guard let minimum, let maximum else {
            throw error(
                .invalidValue,
                node,
                path,
                "a score scale needs both min and max",
                "write it as {min: 1, max: 5}"
            )
        }
        guard let scale = ScoreScale(min: minimum, max: maximum) else {
            throw error(
                .invalidValue,
                node,
                path,
                "min (\(minimum)) must be less than max (\(maximum))",
                "swap or correct the bounds"
            )
        }
        return scale
    }

    // MARK: Primitives

    /// A mapping's members with string keys; `allowed` nil accepts any key.
    func members(
        _ node: Node,
        path: String?,
        allowed: [String]?
    ) throws(PipelineConfigurationError) -> [(key: (name: String, node: Node), value: Node)] {
        guard case .mapping(let mapping) = node else {
            throw error(
                .wrongType,
                node,
                path,
                "expected a mapping of keys to values",
                path == nil
                    ? "write the pipeline as `key: value` lines" : "write `\(path ?? ""):` followed by indented keys"
            )
        }
        var result: [(key: (name: String, node: Node), value: Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw error(.wrongType, keyNode, path, "a key must be a plain string", "write the key as text")
            }
            let name = scalar.string
            let keyPath = path.map { "\($0).\(name)" } ?? name
            if let allowed, !allowed.contains(name) {
                throw error(
                    .unknownKey,
                    keyNode,
                    keyPath,
                    "unknown key \"\(name)\"",
                    "allowed keys here are \(allowed.joined(separator: ", ")); check the spelling"
                )
            }
            result.append(((name, keyNode), value))
        }
        return result
    }

    func nonEmptyString(_ node: Node, path: String) throws(PipelineConfigurationError) -> String {
        guard case .scalar(let scalar) = node, node.null == nil, !scalar.string.isEmpty else {
            throw error(.wrongType, node, path, "expected a non-empty string", "write a value such as `\(path): NAME`")
        }
        return scalar.string
    }

    func positiveInteger(_ node: Node, path: String) throws(PipelineConfigurationError) -> Int {
        guard let integer = node.int, node.bool == nil, node.scalar?.string.contains(".") != true, integer > 0 else {
            throw error(.invalidValue, node, path, "expected a positive integer", "write a whole number greater than 0")
        }
        if let maximum = PipelineConfiguration.Limits.maximums[path], integer > maximum {
            throw error(
                .invalidValue,
                node,
                path,
                "\(integer) is more than \(maximum), the most this limit may be",
                "write a whole number from 1 to \(maximum)"
            )
        }
        return integer
    }

    /// A topic name Kafka accepts (``TopicName``).
    private func topicName(_ node: Node, path: String) throws(PipelineConfigurationError) -> String {
        let name = try nonEmptyString(node, path: path)
        if let problem = TopicName.problem(with: name) {
            throw error(
                .invalidValue,
                node,
                path,
                problem,
                "rename it: \(TopicName.rule)"
            )
        }
        return name
    }
}
