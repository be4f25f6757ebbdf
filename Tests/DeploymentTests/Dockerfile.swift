import Foundation

/// A Dockerfile read into stages and instructions: enough to check what an image contains and runs.
struct Dockerfile {
    struct Instruction: Equatable {
        /// Upper-cased (`RUN`, `COPY` ...).
        var keyword: String
        /// The rest of the logical line, continuations joined.
        var arguments: String
        var line: Int
    }

    struct Stage {
        /// `FROM` with ARG defaults substituted.
        var image: String
        var name: String?
        var instructions: [Instruction]
    }

    /// Global `ARG NAME=default` values (before the first FROM).
    var arguments: [String: String]
    var stages: [Stage]

    init(text: String) throws(DeploymentFileError) {
        var arguments: [String: String] = [:]
        var stages: [Stage] = []
        for instruction in Self.instructions(text) {
            switch instruction.keyword {
            case "FROM":
                let words = instruction.arguments.split(separator: " ").map(String.init)
                    .filter { !$0.hasPrefix("--") }
                guard let image = words.first else {
                    throw DeploymentFileError("Dockerfile:\(instruction.line): FROM without an image")
                }
                let name = words.count == 3 && words[1].uppercased() == "AS" ? words[2] : nil
                stages.append(Stage(image: Self.substitute(image, arguments), name: name, instructions: []))
            case "ARG" where stages.isEmpty:
                let parts = instruction.arguments.split(separator: "=", maxSplits: 1).map(String.init)
                arguments[parts[0]] = parts.count == 2 ? parts[1] : ""
            default:
                guard !stages.isEmpty else {
                    throw DeploymentFileError("Dockerfile:\(instruction.line): \(instruction.keyword) before FROM")
                }
                stages[stages.count - 1].instructions.append(instruction)
            }
        }
        guard !stages.isEmpty else { throw DeploymentFileError("Dockerfile has no FROM") }
        self.arguments = arguments
        self.stages = stages
    }

    /// Logical lines: comments and blank lines dropped, `\` continuations joined.
    static func instructions(_ text: String) -> [Instruction] {
        var result: [Instruction] = []
        var pending = ""
        var pendingLine = 0
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || (line.isEmpty && pending.isEmpty) { continue }
            if pending.isEmpty { pendingLine = index + 1 }
            if line.hasSuffix("\\") {
                pending += line.dropLast().trimmingCharacters(in: .whitespaces) + " "
                continue
            }
            pending += line
            let trimmed = pending.trimmingCharacters(in: .whitespaces)
            pending = ""
            guard !trimmed.isEmpty else { continue }
            let keywordEnd = trimmed.firstIndex(of: " ") ?? trimmed.endIndex
            result.append(
                Instruction(
                    keyword: trimmed[..<keywordEnd].uppercased(),
                    arguments: trimmed[keywordEnd...].trimmingCharacters(in: .whitespaces),
                    line: pendingLine
                )
            )
        }
        return result
    }

    private static func substitute(_ text: String, _ arguments: [String: String]) -> String {
        var result = text
        for (name, value) in arguments {
            result = result.replacingOccurrences(of: "${\(name)}", with: value)
                .replacingOccurrences(of: "$\(name)", with: value)
        }
        return result
    }

    /// A JSON-array (exec form) argument list, or nil for the shell form.
    static func execForm(_ arguments: String) -> [String]? {
        guard arguments.hasPrefix("["),
            let array = try? JSONSerialization.jsonObject(with: Data(arguments.utf8)) as? [Any]
        else { return nil }
        let strings = array.compactMap { $0 as? String }
        return strings.count == array.count ? strings : nil
    }

    var buildStage: Stage { stages[0] }
    var runtimeStage: Stage { stages[stages.count - 1] }
}

/// One `COPY` of a stage, its destination made absolute against the WORKDIR in force.
struct DockerCopy: Equatable {
    var fromStage: String?
    var sources: [String]
    var destination: String
}

extension Dockerfile.Stage {
    func all(_ keyword: String) -> [Dockerfile.Instruction] {
        instructions.filter { $0.keyword == keyword }
    }

    /// The instruction that takes effect (the last one), for USER, ENTRYPOINT, CMD, HEALTHCHECK.
    func effective(_ keyword: String) -> Dockerfile.Instruction? {
        instructions.last { $0.keyword == keyword }
    }

    /// Every shell command the stage runs, one string.
    var runText: String {
        all("RUN").map(\.arguments).joined(separator: " && ")
    }

    /// The simple commands of every RUN (split at `&&`, `||` and `;`), trimmed.
    var shellCommands: [String] {
        runText.components(separatedBy: "&&").flatMap { $0.components(separatedBy: "||") }
            .flatMap { $0.components(separatedBy: ";") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// Packages named after `apt-get install` (options and shell operators skipped).
    var aptPackages: Set<String> {
        var packages: Set<String> = []
        for run in all("RUN") {
            let words = run.arguments.split(whereSeparator: \.isWhitespace).map(String.init)
            var aptGet = false
            var installing = false
            for word in words {
                if ["&&", "||", ";", "|"].contains(word) {
                    aptGet = false
                    installing = false
                } else if word.hasSuffix("apt-get") {
                    aptGet = true
                } else if aptGet && word == "install" {
                    installing = true
                } else if installing && !word.hasPrefix("-") {
                    packages.insert(word)
                }
            }
        }
        return packages
    }

    /// The working directory after the stage's last WORKDIR (`/` without one).
    var workdir: String {
        all("WORKDIR").reduce("/") { current, instruction in
            Self.absolute(instruction.arguments, in: current)
        }
    }

    var copies: [DockerCopy] {
        var directory = "/"
        var result: [DockerCopy] = []
        for instruction in instructions {
            if instruction.keyword == "WORKDIR" {
                directory = Self.absolute(instruction.arguments, in: directory)
            }
            guard instruction.keyword == "COPY" else { continue }
            let words = instruction.arguments.split(separator: " ").map(String.init)
            let from = words.first { $0.hasPrefix("--from=") }.map { String($0.dropFirst("--from=".count)) }
            let paths = words.filter { !$0.hasPrefix("--") }
            guard let destination = paths.last, paths.count >= 2 else { continue }
            result.append(
                DockerCopy(
                    fromStage: from,
                    sources: Array(paths.dropLast()),
                    destination: Self.absolute(destination, in: directory)
                )
            )
        }
        return result
    }

    var exposedPorts: [Int] {
        all("EXPOSE").flatMap { $0.arguments.split(separator: " ") }
            .compactMap { Int($0.split(separator: "/").first ?? "") }
    }

    /// `/a/b` stays, `./c` and `c` are taken relative to `directory`; `.` segments and trailing `/` dropped.
    static func absolute(_ path: String, in directory: String) -> String {
        let joined = path.hasPrefix("/") ? path : directory + "/" + path
        let segments = joined.split(separator: "/").filter { $0 != "." }
        return "/" + segments.joined(separator: "/")
    }
}
