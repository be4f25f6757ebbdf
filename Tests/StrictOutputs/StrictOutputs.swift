public import StrictJSON
public import Testing
public import TrackDomain

extension EventProcessor {
    /// ``process(value:source:)`` with every output checked by ``StrictJSON``: a violation is
    /// recorded as a test issue at the caller. Tests use this instead of `process` so that no output
    /// a strict reader would refuse can pass unnoticed.
    public mutating func processStrictly(
        value: [UInt8]?,
        source: SourceCoordinates,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> ProcessingOutcome {
        let outcome = process(value: value, source: source)
        StrictOutputs.expectStrict(outcome, sourceLocation: sourceLocation)
        return outcome
    }
}

/// Test issues for outputs that are not strict JSON (``StrictJSON``).
public enum StrictOutputs {
    /// Records a test issue for every output of `outcome` that is not strict JSON.
    public static func expectStrict(_ outcome: ProcessingOutcome, sourceLocation: SourceLocation = #_sourceLocation) {
        let records = outcome.enriched + outcome.signals + (outcome.rejection.map { [$0] } ?? [])
        for record in records {
            expectStrict(record.value, sourceLocation: sourceLocation)
        }
    }

    /// Records a test issue when `value` is not strict JSON.
    public static func expectStrict(_ value: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        if let violation = StrictJSON.violation(in: value) {
            Issue.record(
                "not strict JSON (\(violation)): \(String(decoding: value.prefix(300), as: UTF8.self))",
                sourceLocation: sourceLocation
            )
        }
    }
}
