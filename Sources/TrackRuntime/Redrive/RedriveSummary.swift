/// What a redrive found and did: counts by original reason, what passes now, and a sample.
public struct RedriveSummary: Sendable, Hashable {
    /// The rejections of one original reason that were selected.
    public struct Tally: Sendable, Hashable {
        public var selected = 0
        /// Processed again, they are accepted now.
        public var passing = 0
        /// Processed again, still rejected: by new reason.
        public var stillRejected: [String: Int] = [:]
    }

    /// One rejection processed again, for the sample.
    public struct Sample: Sendable, Hashable {
        public var rejectedPartition: Int32
        public var rejectedOffset: Int64
        public var source: String
        public var originalReason: String
        /// nil when it passes now.
        public var newReason: String?
        /// The outputs it makes now (passing), or the new rejection's message.
        public var detail: String
    }

    /// Records read from the rejected topic's range.
    public var read = 0
    /// Records that are not trackstream rejections (left alone).
    public var unreadable = 0
    /// Rejections the filters left out.
    public var notSelected = 0
    /// Selected rejections an earlier redrive already published.
    public var alreadyRedriven = 0
    /// Selected rejections without their payload (left out to fit a record): they cannot be redriven.
    public var withoutPayload = 0
    public var byReason: [String: Tally] = [:]
    /// Inputs whose outputs were published (with `--execute`).
    public var publishedInputs = 0
    /// Output records published (with `--execute`).
    public var publishedRecords = 0
    /// Output records the passing inputs make.
    public var outputRecords = 0
    public var samples: [Sample] = []

    public init() {}

    /// Selected rejections that pass now.
    public var passing: Int { byReason.values.reduce(0) { $0 + $1.passing } }

    /// The report `redrive` prints.
    public func report(executed: Bool, rejectedTopic: String, destinations: [String]) -> String {
        var lines: [String] = []
        lines.append(
            "read \(read) records of \(rejectedTopic): \(selected) selected, \(notSelected) left out by the filters"
                + (unreadable > 0 ? ", \(unreadable) not trackstream rejections" : "")
        )
        if alreadyRedriven > 0 { lines.append("\(alreadyRedriven) already redriven earlier (skipped)") }
        if withoutPayload > 0 {
            lines.append("\(withoutPayload) without their payload (left out to fit a record): cannot be redriven")
        }
        if !byReason.isEmpty {
            let width = max(6, byReason.keys.map(\.count).max() ?? 0)
            lines.append(Self.column("reason", width) + "  selected  now pass  still rejected")
            for (reason, tally) in byReason.sorted(by: { $0.key < $1.key }) {
                let still = tally.stillRejected.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                    .joined(separator: ", ")
                lines.append(
                    Self.column(reason, width) + "  " + Self.right(tally.selected, 8) + "  "
                        + Self.right(tally.passing, 8)
                        + "  " + (still.isEmpty ? "0" : still)
                )
            }
        }
        if !samples.isEmpty {
            lines.append("sample:")
            for sample in samples {
                let outcome = sample.newReason.map { "still \($0): \(sample.detail)" } ?? "passes: \(sample.detail)"
                lines.append(
                    "  \(rejectedTopic):\(sample.rejectedPartition):\(sample.rejectedOffset) (\(sample.source), \(sample.originalReason)) \(outcome)"
                )
            }
        }
        if executed {
            lines.append(
                "published the outputs of \(publishedInputs) inputs (\(publishedRecords) records) to "
                    + destinations.joined(separator: ", ")
            )
        } else {
            lines.append(
                "dry run: nothing published; --execute publishes the outputs of \(passing) inputs "
                    + "(\(outputRecords) records) to \(destinations.joined(separator: ", "))"
            )
        }
        return lines.joined(separator: "\n")
    }

    /// Rejections the filters selected.
    public var selected: Int { byReason.values.reduce(0) { $0 + $1.selected } + alreadyRedriven + withoutPayload }

    private static func column(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private static func right(_ number: Int, _ width: Int) -> String {
        let text = String(number)
        return text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
