import Testing

@Suite("the Grafana dashboard")
struct DashboardTests {
    @Test("imports with a Prometheus datasource input; every panel and query uses it; ids unique; variables defined")
    func structure() throws {
        let dashboard = try GrafanaDashboard.load()
        #expect(dashboard.structureProblems() == [])
        #expect(dashboard.variables == ["job", "instance"])
    }

    @Test("every series its PromQL uses is one the runtime registers, read as its type allows")
    func queries() throws {
        let dashboard = try GrafanaDashboard.load()
        #expect(dashboard.expressions.count >= 10)
        #expect(dashboard.queryProblems(emitted: try Monitoring.emittedMetricNames()) == [])
    }

    @Test(
        "covers rates, lag in records and seconds, stage latency, rejections by reason, rebalances, backpressure, geolocation"
    )
    func coverage() throws {
        #expect(try GrafanaDashboard.load().missingFamilies() == [])
    }

    @Test("a file that is not JSON is refused with its path")
    func notJSON() {
        #expect {
            try GrafanaDashboard(json: "{\"panels\": [")
        } throws: { error in
            "\(error)".contains(GrafanaDashboard.path)
        }
    }
}
