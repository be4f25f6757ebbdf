import Testing
import TrackDomain

/// The table of what becomes of an output the broker did not take (docs/domain.md).
@Suite("Outputs that cannot be delivered")
struct UndeliveredOutputPolicyTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var failure: UndeliveredOutputPolicy.Failure
        var kind: OutputKind
        var omitted: RejectionOmissions
        var action: UndeliveredOutputPolicy.Action

        var testDescription: String { "\(failure) \(kind) omitting [\(omitted.headerValue)] → \(action)" }
    }

    static let rows: [Row] = [
        Row(failure: .transient, kind: .enriched, omitted: [], action: .retry),
        Row(failure: .transient, kind: .signal, omitted: [], action: .retry),
        Row(failure: .transient, kind: .rejection, omitted: .payload, action: .retry),
        Row(failure: .destination, kind: .enriched, omitted: [], action: .retry),
        Row(failure: .destination, kind: .signal, omitted: [], action: .retry),
        Row(failure: .destination, kind: .rejection, omitted: [], action: .retry),
        Row(failure: .refused, kind: .enriched, omitted: [], action: .rejectInput),
        Row(failure: .refused, kind: .signal, omitted: [], action: .rejectInput),
        Row(failure: .refused, kind: .rejection, omitted: [], action: .stripRejection(.payload)),
        Row(
            failure: .refused,
            kind: .rejection,
            omitted: .payload,
            action: .stripRejection([.payload, .keyAndHeaders])
        ),
        Row(
            failure: .refused,
            kind: .rejection,
            omitted: [.payload, .keyAndHeaders],
            action: .stripRejection([.payload, .keyAndHeaders, .timestamp])
        ),
        Row(failure: .refused, kind: .rejection, omitted: [.payload, .keyAndHeaders, .timestamp], action: .stop),
        Row(failure: .fatal, kind: .enriched, omitted: [], action: .stop),
        Row(failure: .fatal, kind: .signal, omitted: [], action: .stop),
        Row(failure: .fatal, kind: .rejection, omitted: [], action: .stop),
    ]

    @Test(arguments: rows)
    func action(_ row: Row) {
        #expect(UndeliveredOutputPolicy.action(for: row.failure, of: row.kind, omitted: row.omitted) == row.action)
    }

    @Test("every failure and kind has a row")
    func complete() {
        for failure in UndeliveredOutputPolicy.Failure.allCases {
            for kind in [OutputKind.enriched, .signal, .rejection] {
                #expect(Self.rows.contains { $0.failure == failure && $0.kind == kind }, "\(failure) \(kind)")
            }
        }
    }
}
