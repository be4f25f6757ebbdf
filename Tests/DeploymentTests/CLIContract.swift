import TrackPipeline

/// The `trackstream` command line the deployment files and docs may use (README "Commands", plus
/// the run options of the container contract). A command in docker-compose.yml, in the Dockerfile's
/// CMD or in docs/operations.md that this table does not accept would fail in the binary too.
struct CommandContract: Sendable {
    /// `["topics", "create"]`.
    var path: [String]
    /// Options that take a value (`--brokers B` or `--brokers=B`), with the check of that value.
    var options: [String: ValueKind]
    /// Options that take no value.
    var flags: Set<String>
    /// How many positional arguments (PIPELINE) may follow.
    var maximumPositionals: Int
    /// Options that may be given more than once (`--kafka KEY=VALUE`); their values are in
    /// ``Invocation/repeated``.
    var repeatable: Set<String> = []

    enum ValueKind: Sendable, Equatable {
        case text
        case nonNegativeInteger
        /// A whole number within these bounds.
        case integerIn(ClosedRange<Int>)
        /// A replication factor: 1 to 10000 (librdkafka's bound), or -1 for the broker's default.
        case replicationFactor
        case integer
        /// A finite number more than 0 and at most this.
        case positiveNumberUpTo(Double)
        /// A finite number within these bounds.
        case numberIn(ClosedRange<Double>)
        case listenAddress
        /// `now` or epoch milliseconds from 1970 to the end of 9999.
        case startTime
        /// A Kafka topic name: 1 to 249 of `a-z A-Z 0-9 . _ -`, not `.` or `..`.
        case topicName
        case choice(Set<String>)
        /// `KEY=VALUE` with a key that is not empty (a librdkafka property for `--kafka`).
        case keyValue
    }

    static let all: [CommandContract] = [
        CommandContract(
            path: ["run"],
            options: [
                "--brokers": .text, "--group": .text, "--metrics-listen": .listenAddress,
                "--log-level": .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]),
                "--log-format": .choice(["json", "logfmt"]), "--shutdown-timeout": .positiveNumberUpTo(3600),
                "--batch-size": .integerIn(1...100_000), "--workers": .integerIn(1...64),
                "--max-in-flight-batches": .integerIn(2...64),
                "--max-in-flight-bytes": .integerIn((16 << 20)...(64 << 30)),
                "--liveness-timeout": .positiveNumberUpTo(86_400), "--kafka": .keyValue, "--kafka-file": .text,
            ],
            flags: ["--until-caught-up", "--progress", "--no-progress"],
            maximumPositionals: 1,
            repeatable: ["--kafka"]
        ),
        CommandContract(
            path: ["topics", "create"],
            options: [
                "--brokers": .text, "--group": .text, "--partitions": .integerIn(1...100_000),
                "--replication-factor": .replicationFactor,
            ],
            flags: [],
            maximumPositionals: 1
        ),
        CommandContract(
            path: ["generate"],
            options: [
                "--brokers": .text, "--group": .text, "--topic": .topicName, "--count": .nonNegativeInteger,
                "--rate": .numberIn(0.001...1_000_000_000), "--seed": .nonNegativeInteger, "--start-time": .startTime,
                "--output": .text,
            ],
            flags: [],
            maximumPositionals: 1
        ),
        CommandContract(
            path: ["check-config"],
            options: ["--brokers": .text, "--group": .text, "--kafka-file": .text],
            flags: [],
            maximumPositionals: 1
        ),
        CommandContract(
            path: ["kafka-check"],
            options: [
                "--brokers": .text, "--group": .text, "--kafka-file": .text, "--timeout": .numberIn(0.5...300),
            ],
            flags: [],
            maximumPositionals: 1
        ),
        CommandContract(
            path: ["offsets", "show"],
            options: ["--brokers": .text, "--group": .text, "--topic": .text],
            flags: [],
            maximumPositionals: 1
        ),
        CommandContract(
            path: ["offsets", "reset"],
            options: [
                "--brokers": .text, "--group": .text, "--topic": .text, "--to-offset": .integer,
                "--shift-by": .integer, "--to-datetime": .text, "--by-duration": .text,
            ],
            flags: ["--to-earliest", "--to-latest", "--execute"],
            maximumPositionals: 1
        ),
        CommandContract(
            path: ["replay"],
            options: [
                "--brokers": .text, "--from-datetime": .text, "--from-offset": .nonNegativeInteger,
                "--to-datetime": .text, "--to-offset": .nonNegativeInteger, "--output-prefix": .text,
            ],
            flags: [],
            maximumPositionals: 1
        ),
        CommandContract(
            path: ["tail"],
            options: [
                "--brokers": .text, "--from": .text, "--count": .integerIn(1...Int.max), "--partitions": .text,
                "--format": .choice(["pretty", "json"]), "--where": .text,
                "--color": .choice(["auto", "always", "never"]), "--kafka": .keyValue, "--kafka-file": .text,
            ],
            flags: ["--follow"],
            maximumPositionals: 2,
            repeatable: ["--where", "--kafka"]
        ),
        CommandContract(
            path: ["redrive"],
            options: [
                "--brokers": .text, "--from-datetime": .text, "--from-offset": .nonNegativeInteger,
                "--to-datetime": .text, "--to-offset": .nonNegativeInteger, "--output-prefix": .text,
                "--partitions": .text, "--reason": .text, "--site": .text, "--ledger-topic": .topicName,
                "--sample": .integerIn(0...1_000), "--kafka": .keyValue, "--kafka-file": .text,
            ],
            flags: ["--execute", "--progress", "--no-progress"],
            maximumPositionals: 1,
            repeatable: ["--reason", "--site", "--kafka"]
        ),
        CommandContract(
            path: ["process"],
            options: [
                "--input": .text, "--output-dir": .text, "--pipeline": .text, "--topic": .text,
                "--bot-regexes": .text,
            ],
            flags: ["--quiet"],
            maximumPositionals: 0
        ),
    ]

    /// Parses the arguments that follow `trackstream`; throws with the reason a binary would refuse them.
    static func parse(_ arguments: [String]) throws(DeploymentFileError) -> Invocation {
        let matching = all.filter { arguments.starts(with: $0.path) }
        guard let contract = matching.max(by: { $0.path.count < $1.path.count }) else {
            let known = all.map { $0.path.joined(separator: " ") }.joined(separator: ", ")
            throw DeploymentFileError("`\(arguments.joined(separator: " "))`: no such subcommand (known: \(known))")
        }
        var invocation = Invocation(path: contract.path, options: [:], flags: [], positionals: [])
        var remaining = arguments.dropFirst(contract.path.count)[...]
        while let argument = remaining.popFirst() {
            guard argument.hasPrefix("-") else {
                invocation.positionals.append(argument)
                continue
            }
            var name = argument
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            if contract.flags.contains(name) {
                guard value == nil else { throw DeploymentFileError("\(name) takes no value") }
                invocation.flags.insert(name)
            } else if let kind = contract.options[name] {
                guard let given = value ?? remaining.popFirst() else {
                    throw DeploymentFileError("\(name) needs a value")
                }
                guard kind.accepts(given) else {
                    throw DeploymentFileError("\(name) \(given): not a valid value (\(kind))")
                }
                if contract.repeatable.contains(name) {
                    invocation.repeated[name, default: []].append(given)
                    continue
                }
                guard invocation.options[name] == nil else { throw DeploymentFileError("\(name) is given twice") }
                invocation.options[name] = given
            } else {
                throw DeploymentFileError(
                    "`trackstream \(contract.path.joined(separator: " "))` has no option \(name)"
                )
            }
        }
        guard invocation.positionals.count <= contract.maximumPositionals else {
            throw DeploymentFileError(
                "`trackstream \(contract.path.joined(separator: " "))` takes at most "
                    + "\(contract.maximumPositionals) positional argument(s), got \(invocation.positionals)"
            )
        }
        return invocation
    }
}

extension CommandContract.ValueKind {
    func accepts(_ value: String) -> Bool {
        switch self {
        case .text: !value.isEmpty
        case .nonNegativeInteger: Int(value).map { $0 >= 0 } ?? false
        case .integerIn(let range): Int(value).map(range.contains) ?? false
        case .replicationFactor: Int(value).map { (1...10_000).contains($0) || $0 == -1 } ?? false
        case .integer: Int(value) != nil
        case .positiveNumberUpTo(let limit): Double(value).map { $0 > 0 && $0 <= limit } ?? false
        case .numberIn(let range): Double(value).map(range.contains) ?? false
        case .listenAddress: ListenAddress(parsing: value) != nil
        case .startTime: value == "now" || Int64(value).map { (0...253_402_300_799_999).contains($0) } ?? false
        case .topicName: TopicName.problem(with: value) == nil
        case .choice(let values): values.contains(value)
        case .keyValue: PipelineOverrides.kafkaProperty(fromArgument: value) != nil
        }
    }
}

/// A command line that the contract accepts.
struct Invocation: Sendable, Equatable {
    var path: [String]
    var options: [String: String]
    var flags: Set<String>
    var positionals: [String]
    /// The values of each repeatable option, in order.
    var repeated: [String: [String]] = [:]

    var subcommand: String { path.joined(separator: " ") }

    /// The pipeline file the command reads: its argument, or the binary's default.
    var pipeline: String { positionals.first ?? PipelineLoader.defaultPath }
}
