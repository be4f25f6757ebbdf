import Foundation

/// deploy/grafana/trackstream.json, an exported Grafana dashboard: its datasource input, template
/// variables and the PromQL of every panel, with the checks that tie it to the series the runtime
/// registers.
struct GrafanaDashboard {
    static let path = "deploy/grafana/trackstream.json"
    /// The datasource input Grafana asks for on import.
    static let datasourceInput = "DS_PROMETHEUS"

    struct Panel {
        var id: Int?
        var title: String
        var type: String
        var datasourceUID: String?
        var targets: [Target]
    }

    struct Target {
        var expression: String
        var datasourceUID: String?
    }

    var document: [String: Any]
    /// Every panel that is not a row, rows' nested panels included, in order.
    var panels: [Panel]

    init(json: String) throws(DeploymentFileError) {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(json.utf8))
        } catch {
            throw DeploymentFileError("\(Self.path) is not valid JSON: \(error.localizedDescription)")
        }
        guard let document = parsed as? [String: Any] else {
            throw DeploymentFileError("\(Self.path): the document is not an object")
        }
        self.document = document
        var panels: [Panel] = []
        func collect(_ items: [[String: Any]]) {
            for item in items {
                if item["type"] as? String == "row" {
                    collect(item["panels"] as? [[String: Any]] ?? [])
                    continue
                }
                let targets = (item["targets"] as? [[String: Any]] ?? []).map { target in
                    Target(
                        expression: target["expr"] as? String ?? "",
                        datasourceUID: (target["datasource"] as? [String: Any])?["uid"] as? String
                    )
                }
                panels.append(
                    Panel(
                        id: item["id"] as? Int,
                        title: item["title"] as? String ?? "",
                        type: item["type"] as? String ?? "",
                        datasourceUID: (item["datasource"] as? [String: Any])?["uid"] as? String,
                        targets: targets
                    )
                )
            }
        }
        collect(document["panels"] as? [[String: Any]] ?? [])
        self.panels = panels
    }

    static func load(replacing text: String? = nil) throws -> GrafanaDashboard {
        try GrafanaDashboard(json: try text ?? Repository.text(path))
    }

    var expressions: [String] { panels.flatMap { $0.targets.map(\.expression) } }

    /// The names of the template variables (`$job`).
    var variables: Set<String> {
        let list = (document["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        return Set(list.compactMap { $0["name"] as? String })
    }

    // MARK: Checks

    /// Imports anywhere: the datasource is an input, every panel and query uses it, ids are unique,
    /// every variable a query uses is defined.
    func structureProblems() -> [String] {
        var problems: [String] = []
        let inputs = document["__inputs"] as? [[String: Any]] ?? []
        let input = inputs.first { $0["name"] as? String == Self.datasourceInput }
        if input?["type"] as? String != "datasource" || input?["pluginId"] as? String != "prometheus" {
            problems.append("__inputs needs \(Self.datasourceInput), a prometheus datasource, for import")
        }
        let uid = "${\(Self.datasourceInput)}"
        var ids: Set<Int> = []
        for panel in panels {
            if panel.datasourceUID != uid { problems.append("panel \"\(panel.title)\": datasource uid must be \(uid)") }
            if let id = panel.id {
                if !ids.insert(id).inserted { problems.append("panel id \(id) is used twice") }
            } else {
                problems.append("panel \"\(panel.title)\" has no id")
            }
            if panel.targets.isEmpty || panel.targets.contains(where: { $0.expression.isEmpty }) {
                problems.append("panel \"\(panel.title)\" has a query without an expression")
            }
            for target in panel.targets where target.datasourceUID != uid {
                problems.append("panel \"\(panel.title)\": a query's datasource uid must be \(uid)")
            }
        }
        let used = Set(
            expressions.flatMap { expression in
                expression.matches(of: /\$([a-z_]+)/).map { String($0.output.1) }
            }
        ).filter { !$0.hasPrefix("__") }
        for name in used.subtracting(variables).sorted() {
            problems.append("queries use $\(name), which templating does not define")
        }
        return problems
    }

    /// Every series is one the runtime registers, read as its type allows: counters through
    /// `rate`/`increase`, histograms through `histogram_quantile` over `_bucket` by `le`, gauges as
    /// they are; every selector filters by the `job` and `instance` variables.
    func queryProblems(emitted: Set<String>) -> [String] {
        var problems: [String] = []
        for panel in panels {
            for target in panel.targets {
                let expression = target.expression
                let context = "panel \"\(panel.title)\": \(expression)"
                let unknown = Monitoring.metricNames(in: expression).subtracting(emitted)
                if !unknown.isEmpty {
                    problems.append("\(context) uses series the runtime does not register: \(unknown.sorted())")
                }
                for match in expression.matches(of: /(\w+)?\(?\s*(trackstream_[a-z_]+)(\{[^}]*\})?/) {
                    let function = match.output.1.map(String.init) ?? ""
                    let name = String(match.output.2)
                    let windowed = ["rate", "increase", "irate"].contains(function)
                    if (name.hasSuffix("_total") || name.hasSuffix("_bucket")) && !windowed {
                        problems.append("\(context): \(name) is a counter; read it through rate() or increase()")
                    }
                    if !(name.hasSuffix("_total") || name.hasSuffix("_bucket")) && windowed {
                        problems.append("\(context): \(name) is a gauge; rate() of it means nothing")
                    }
                    let selector = match.output.3.map(String.init) ?? ""
                    if !selector.contains(#"job=~"$job""#) || !selector.contains(#"instance=~"$instance""#) {
                        problems.append("\(context): filter \(name) by job=~\"$job\" and instance=~\"$instance\"")
                    }
                }
                problems += Self.quantileProblems(expression).map { "\(context): \($0)" }
            }
        }
        return problems
    }

    /// `histogram_quantile(φ, sum by (le, …) (rate(X_bucket…)))`: the argument is over buckets and keeps `le`.
    static func quantileProblems(_ expression: String) -> [String] {
        var problems: [String] = []
        var rest = Substring(expression)
        while let start = rest.range(of: "histogram_quantile(") {
            var depth = 1
            var index = start.upperBound
            while index < rest.endIndex && depth > 0 {
                if rest[index] == "(" { depth += 1 }
                if rest[index] == ")" { depth -= 1 }
                index = rest.index(after: index)
            }
            let argument = rest[start.upperBound..<index]
            if !argument.contains("_bucket") { problems.append("histogram_quantile over something other than _bucket") }
            let grouping = argument.firstMatch(of: /by\s*\(([^)]*)\)/).map { String($0.output.1) }
            let labels = Set((grouping ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            if !labels.contains("le") { problems.append("histogram_quantile must aggregate `by (le, …)`") }
            rest = rest[index...]
        }
        return problems
    }

    /// The panels the operations guide asks for: what goes in and out, lag in records and in seconds,
    /// stage latency, rejections by reason, rebalances, backpressure and geolocation reloads.
    static let requiredFamilies: [(name: String, matches: @Sendable (String) -> Bool)] = [
        ("input rate", { $0.contains("rate(trackstream_events_consumed_total") }),
        (
            "output rate by topic",
            { $0.contains("rate(trackstream_records_produced_total") && grouped($0, by: "topic") }
        ),
        ("lag in records", { $0.contains("trackstream_consumer_lag_messages") }),
        ("lag in seconds", { $0.contains("trackstream_consumer_lag_seconds") }),
        (
            "stage latency quantiles",
            {
                $0.contains("histogram_quantile(") && $0.contains("trackstream_stage_duration_seconds_bucket")
                    && grouped($0, by: "stage")
            }
        ),
        ("rejections by reason", { $0.contains("trackstream_events_rejected_total") && grouped($0, by: "reason") }),
        ("rebalances", { $0.contains("trackstream_rebalances_total") }),
        ("batches in flight", { $0.contains("trackstream_in_flight_batches") }),
        ("stalled", { $0.contains("trackstream_stalled") }),
        ("geolocation reloads", { $0.contains("trackstream_geoip_reloads_total") }),
    ]

    /// Whether some `by (…)` of the expression keeps `label`.
    static func grouped(_ expression: String, by label: String) -> Bool {
        expression.matches(of: /by\s*\(([^)]*)\)/).contains { match in
            match.output.1.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == label }
        }
    }

    func missingFamilies() -> [String] {
        Self.requiredFamilies.filter { family in !expressions.contains(where: family.matches) }.map(\.name)
    }
}
