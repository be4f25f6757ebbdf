import Foundation
import Testing

/// The real `trackstream` binary, built next to the test bundle by `swift build --build-tests` /
/// `swift test`: its own help and check-config, against what the deployment files use.
@Suite("the trackstream binary accepts what the deployment uses")
struct BinaryTests {
    let deployment: Deployment

    init() throws {
        deployment = try Deployment.load()
    }

    @Test("every flag of every Compose command and of the image's CMD is in the binary's usage line")
    func deploymentFlags() throws {
        let binary = try #require(TrackstreamBinary.locate(), "build the package first: swift build --build-tests")
        var invocations: [(String, Invocation)] = try deployment.compose.trackstreamServices.map {
            ($0.name, try deployment.invocation(of: $0))
        }
        invocations.append(("Dockerfile CMD", try CommandContract.parse(try #require(deployment.imageCommand))))
        for (name, invocation) in invocations {
            let usage = try #require(
                try binary.usage(invocation.path),
                "\(name): the binary has no `\(invocation.subcommand)`"
            )
            let used = Set(invocation.options.keys).union(invocation.flags)
            #expect(
                used.subtracting(usage.flags).isEmpty,
                "\(name): not in `\(invocation.subcommand) --help`: \(used.subtracting(usage.flags).sorted())"
            )
            #expect(invocation.positionals.count <= usage.positionals, "\(name): too many arguments")
        }
    }

    @Test("the contract's options exist in the binary for every subcommand it already has")
    func contractAgreesWithBinary() throws {
        let binary = try #require(TrackstreamBinary.locate(), "build the package first: swift build --build-tests")
        var checked = 0
        for contract in CommandContract.all {
            // Subcommands still being built (offsets, replay) print the root help: nothing to compare yet.
            guard let usage = try binary.usage(contract.path) else { continue }
            checked += 1
            let promised = Set(contract.options.keys).union(contract.flags)
            #expect(
                promised.subtracting(usage.flags).isEmpty,
                "`trackstream \(contract.path.joined(separator: " "))` lacks \(promised.subtracting(usage.flags).sorted())"
            )
            #expect(contract.maximumPositionals == usage.positionals, "\(contract.path): positional arguments")
        }
        #expect(checked >= 4, "run, topics create, generate and check-config at least")
    }

    @Test("check-config accepts the image's pipeline with the trackstream service's environment")
    func checkConfig() throws {
        let binary = try #require(TrackstreamBinary.locate(), "build the package first: swift build --build-tests")
        let service = try #require(deployment.compose.services["trackstream"])
        let relative = try #require(
            deployment.repositoryPath(ofImagePath: try deployment.invocation(of: service).pipeline)
        )
        let result = try binary.run(["check-config", relative], environment: service.environment)
        #expect(result.status == 0, "check-config: \(result.output)")
        #expect(result.output.contains("kafka-1:9092,kafka-2:9092,kafka-3:9092"), "\(result.output)")
        #expect(result.output.contains("trackstream-track"))
    }

    @Test("check-config never prints a secret: passwords, keys and tokens are redacted")
    func checkConfigRedacts() throws {
        let binary = try #require(TrackstreamBinary.locate(), "build the package first: swift build --build-tests")
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("deployment-secrets-\(UUID().uuidString).yml")
        try """
        name: track
        kafka:
          bootstrap.servers: b:9096
          security.protocol: SASL_SSL
          sasl.mechanisms: SCRAM-SHA-512
          sasl.username: trackstream
          sasl.password: "hunter2-password"
          ssl.key.password: "hunter2-key"
          sasl.oauthbearer.client.secret: "hunter2-token"

        """.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try binary.run(["check-config", file.path], environment: [:])
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.output.contains("hunter2"), "\(result.output)")
        #expect(result.output.contains("sasl.password: \"<redacted>\""))
        #expect(result.output.contains("sasl.username: trackstream"), "what is not secret is shown")
    }

    @Test("check-config refuses a broken pipeline, so the test above can fail")
    func checkConfigRefuses() throws {
        let binary = try #require(TrackstreamBinary.locate(), "build the package first: swift build --build-tests")
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("deployment-broken-\(UUID().uuidString).yml")
        try "name: track\nmetrcs: {listen: 0.0.0.0:9464}\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try binary.run(["check-config", file.path], environment: [:])
        #expect(result.status == 1)
        #expect(result.output.contains("metrcs"))
    }
}

/// The built executable and what its help says.
struct TrackstreamBinary {
    var url: URL

    /// `trackstream` in the directory of the running test bundle (`.build/debug/`), if built.
    static func locate() -> TrackstreamBinary? {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let url = directory.appendingPathComponent("trackstream")
        return FileManager.default.isExecutableFile(atPath: url.path) ? TrackstreamBinary(url: url) : nil
    }

    struct Usage {
        var flags: Set<String>
        var positionals: Int
    }

    /// The options and positional arguments `trackstream PATH --help` lists (its OPTIONS and
    /// ARGUMENTS sections: the USAGE line collapses to `[<options>]` for commands with many); nil
    /// when the binary has no such subcommand (ArgumentParser then prints the parent's help).
    func usage(_ path: [String]) throws -> Usage? {
        let result = try run(path + ["--help"], environment: [:])
        let prefix = "USAGE: trackstream " + path.joined(separator: " ")
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        guard let line = lines.first(where: { $0.hasPrefix(prefix) }),
            line.dropFirst(prefix.count).first.map({ $0 == " " }) ?? true,
            let flag = try? Regex(#"--[a-z0-9][a-z0-9-]*"#)
        else { return nil }
        var flags: Set<String> = ["--help", "--version"]
        var positionals = 0
        var section = ""
        for line in lines {
            if !line.hasPrefix(" "), line.hasSuffix(":") {
                section = String(line)
                continue
            }
            // The name part of an entry ends where its description starts (two spaces), if on one line.
            let name = line.dropFirst(2).split(separator: "  ", maxSplits: 1).first ?? ""
            switch section {
            case "OPTIONS:" where line.hasPrefix("  -"):
                let expanded = name.replacing("--[no-]", with: "--no-X --").replacing("X --", with: "")
                flags.formUnion(expanded.matches(of: flag).map { String(expanded[$0.range]) })
                if name.contains("--[no-]") {
                    let plain = name.replacing("--[no-]", with: "--")
                    flags.formUnion(plain.matches(of: flag).map { String(plain[$0.range]) })
                }
            case "ARGUMENTS:" where line.hasPrefix("  <"):
                positionals += 1
            default:
                continue
            }
        }
        return Usage(flags: flags, positionals: positionals)
    }

    /// Runs the binary with `arguments` in the repository root, stdout and stderr together.
    func run(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.currentDirectoryURL = Repository.root
        var merged = ProcessInfo.processInfo.environment
        merged["TRACKSTREAM_BROKERS"] = nil
        merged["TRACKSTREAM_GROUP"] = nil
        merged.merge(environment) { _, new in new }
        process.environment = merged
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
