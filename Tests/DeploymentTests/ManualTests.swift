import Foundation
import Testing

/// The committed man page and the shell completion scripts against the binary's own command tree
/// (`--experimental-dump-help`, what swift-argument-parser's generate-manual reads), so that a
/// command or option added without `make man` fails here instead of going undocumented.
@Suite("man page and shell completion")
struct ManualTests {
    /// One command of the binary: its path below `trackstream` (empty for the root) and the long
    /// names of its displayed options and flags.
    struct Command {
        var path: [String]
        var options: [String]
    }

    /// Every displayed command of the binary, the root first.
    static func commands(_ binary: TrackstreamBinary) throws -> [Command] {
        let result = try binary.run(["--experimental-dump-help"], environment: [:])
        try #require(result.status == 0, "trackstream --experimental-dump-help: \(result.output.prefix(500))")
        let document = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        let root = try #require(document?["command"] as? [String: Any], "no command tree in the dump")
        var commands: [Command] = []
        func walk(_ command: [String: Any], _ path: [String]) {
            guard command["shouldDisplay"] as? Bool ?? true else { return }
            let arguments = command["arguments"] as? [[String: Any]] ?? []
            let options = arguments.filter { $0["shouldDisplay"] as? Bool ?? true }.flatMap { argument in
                (argument["names"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "long" }
                    .compactMap { $0["name"] as? String }
            }
            commands.append(Command(path: path, options: options))
            for case let subcommand as [String: Any] in command["subcommands"] as? [Any] ?? [] {
                walk(subcommand, path + [subcommand["commandName"] as? String ?? "?"])
            }
        }
        walk(root, [])
        return commands
    }

    static func binary() throws -> TrackstreamBinary {
        try #require(TrackstreamBinary.locate(), "build the package first: swift build --build-tests")
    }

    @Test("docs/man/trackstream.1 describes every command and option the binary has")
    func manualIsCurrent() throws {
        let manual = try Repository.text("docs/man/trackstream.1")
        let commands = try Self.commands(Self.binary())
        #expect(commands.count > 8, "the dump lists \(commands.map { $0.path.joined(separator: " ") })")
        var missing: [String] = []
        for command in commands {
            let name = (["trackstream"] + command.path).joined(separator: " ")
            if let last = command.path.last, !manual.contains(".It Em \(last)\n") {
                missing.append("the command \(name)")
            }
            for option in command.options where !manual.contains("Fl -\(option)") {
                missing.append("\(name) --\(option)")
            }
        }
        #expect(
            missing.isEmpty,
            "docs/man/trackstream.1 lacks \(missing.joined(separator: ", ")): run `make man` and commit it"
        )
    }

    @Test(
        "the completion script generates for each shell and completes every command",
        arguments: ["bash", "zsh", "fish"]
    )
    func completion(_ shell: String) throws {
        let binary = try Self.binary()
        let result = try binary.run(["--generate-completion-script", shell], environment: [:])
        #expect(result.status == 0, "\(result.output.prefix(500))")
        for command in try Self.commands(binary) where !command.path.isEmpty {
            // bash has a function per command; zsh and fish list each command by name.
            let expected =
                shell == "bash" ? "_trackstream_\(command.path.joined(separator: "_"))()" : command.path.last!
            #expect(
                result.output.contains(expected),
                "the \(shell) script lacks \(command.path.joined(separator: " "))"
            )
        }
    }
}
