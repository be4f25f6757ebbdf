import Testing

/// The CLI contract table itself: it must refuse what the binary would refuse, or the other checks prove
/// nothing.
@Suite("CLI contract")
struct ContractTests {
    @Test(
        "accepts the documented forms",
        arguments: [
            (["run"], "run"),
            (["run", "Pipelines/track.yml", "--brokers", "k:9092", "--group=g", "--until-caught-up"], "run"),
            (["run", "--metrics-listen", "[::]:9464", "--log-level", "debug", "--log-format", "logfmt"], "run"),
            (["run", "--shutdown-timeout", "2.5"], "run"),
            (["topics", "create", "--partitions", "12", "--replication-factor", "3"], "topics create"),
            (["generate", "--count", "1000", "--rate", "500", "--seed", "7", "--topic", "track.raw"], "generate"),
            (["generate", "Pipelines/track.yml", "--count", "0", "--start-time", "now"], "generate"),
            (["topics", "create", "--replication-factor", "-1"], "topics create"),
            (["run", "--batch-size", "500", "--workers", "4", "--no-progress"], "run"),
            (["run", "--batch-size", "100000", "--workers", "64", "--max-in-flight-batches", "64"], "run"),
            (["run", "--shutdown-timeout", "3600"], "run"),
            (["generate", "--rate", "0.001", "--start-time", "253402300799999", "--topic", "a.b_c-D9"], "generate"),
            (["topics", "create", "--partitions", "100000", "--replication-factor", "10000"], "topics create"),
            (["check-config", "Pipelines/track.yml"], "check-config"),
            (["offsets", "show", "--group", "g", "--topic", "track.raw"], "offsets show"),
            (
                ["offsets", "reset", "--group", "g", "--topic", "t:0,1", "--shift-by", "-100", "--execute"],
                "offsets reset"
            ),
            (["replay", "--from-datetime", "2026-11-28T00:00:00Z", "--output-prefix", "replay."], "replay"),
        ]
    )
    func accepts(arguments: [String], subcommand: String) throws {
        #expect(try CommandContract.parse(arguments).subcommand == subcommand)
    }

    @Test(
        "refuses unknown subcommands and flags, missing or bad values, extra positionals",
        arguments: [
            ["serve"],
            ["topics"],
            ["run", "--metrics-port", "9464"],
            ["run", "--metrics-listen", "9464"],
            ["run", "--metrics-listen", "0.0.0.0:99999"],
            ["run", "--log-level", "verbose"],
            ["run", "--log-format", "text"],
            ["run", "--shutdown-timeout", "0"],
            ["run", "--until-caught-up=yes"],
            ["run", "a.yml", "b.yml"],
            ["run", "--brokers"],
            ["run", "--group", "a", "--group", "b"],
            ["topics", "create", "--partitions", "0"],
            ["topics", "create", "--partitions", "twelve"],
            ["generate", "a.yml", "b.yml"],
            ["generate", "--rate", "-5"],
            ["generate", "--count", "-1"],
            ["generate", "--start-time", "yesterday"],
            ["topics", "create", "--replication-factor", "0"],
            ["check-config", "--partitions", "3"],
            ["run", "--shutdown-timeout", "nan"],
            ["run", "--shutdown-timeout", "inf"],
            ["run", "--shutdown-timeout", "3601"],
            ["run", "--batch-size", "1000000000000"],
            ["run", "--workers", "65"],
            ["run", "--max-in-flight-batches", "1"],
            ["generate", "--rate", "inf"],
            ["generate", "--rate", "nan"],
            ["generate", "--rate", "1e-300"],
            ["generate", "--start-time", "9223372036854775807"],
            ["generate", "--topic", String(repeating: "t", count: 250)],
            ["generate", "--topic", ".."],
            ["topics", "create", "--partitions", "100001"],
            ["topics", "create", "--replication-factor", "10001"],
            ["replay", "--from-offset", "0", "--to-offset=-5"],
            ["run", "--kafka", "session.timeout.ms"],
            ["run", "--kafka", "=6000"],
        ]
    )
    func refuses(arguments: [String]) {
        #expect(throws: DeploymentFileError.self) { try CommandContract.parse(arguments) }
    }

    @Test("a command's pipeline is its argument, else the binary's default")
    func pipelineArgument() throws {
        #expect(try CommandContract.parse(["run"]).pipeline == "Pipelines/track.yml")
        #expect(try CommandContract.parse(["run", "/config/p.yml"]).pipeline == "/config/p.yml")
    }

    @Test("--kafka may be given again; its values are kept in order")
    func repeatedKafka() throws {
        let invocation = try CommandContract.parse(["run", "--kafka", "a=1", "--kafka=b=", "--kafka", "a=2"])
        #expect(invocation.repeated["--kafka"] == ["a=1", "b=", "a=2"])
        #expect(invocation.options["--kafka"] == nil)
    }
}
