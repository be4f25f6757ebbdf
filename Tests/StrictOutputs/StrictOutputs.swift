import StrictJSON
public import Testing
public import TrackDomain

extension EventProcessor {
    /// ``process(value:source:)`` with every output checked by ``StrictJSON`` and against its schema
    /// in docs/schemas/: a violation is recorded as a test issue at the caller. Tests use this
    /// instead of `process` so that no output a strict reader would refuse, or that breaks the
    /// contract's schemas, can pass unnoticed.
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

/// Test issues for outputs that are not strict JSON (``StrictJSON``) or do not conform to their
/// output schema (``OutputSchema``); the schema reads the tree built once from the checked text
/// (``JSONTree``).
public enum StrictOutputs {
    /// Records a test issue for every output of `outcome` that is not strict JSON or breaks its
    /// schema.
    public static func expectStrict(_ outcome: ProcessingOutcome, sourceLocation: SourceLocation = #_sourceLocation) {
        for record in outcome.enriched {
            expectStrict(record.value, conformingTo: .enrichedEvent, sourceLocation: sourceLocation)
        }
        for record in outcome.signals {
            expectStrict(record.value, conformingTo: .signal, sourceLocation: sourceLocation)
        }
        if let rejection = outcome.rejection {
            expectStrict(rejection.value, conformingTo: .rejection, sourceLocation: sourceLocation)
        }
    }

    /// Records a test issue when the output `value` is not strict JSON, or does not conform to
    /// `schema`; without a schema, to the one its members claim (``OutputSchema/init(inferredFrom:)``).
    public static func expectStrict(
        _ value: [UInt8],
        conformingTo schema: OutputSchema? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        switch JSONTree.parse(value) {
        case .failure(let violation):
            Issue.record(
                "not strict JSON (\(violation)): \(String(decoding: value.prefix(300), as: UTF8.self))",
                sourceLocation: sourceLocation
            )
        case .success(let tree):
            let schema = schema ?? OutputSchema(inferredFrom: tree)
            if let problem = schema.violation(in: tree) {
                Issue.record(
                    "does not conform to \(schema): \(problem): \(String(decoding: value.prefix(300), as: UTF8.self))",
                    sourceLocation: sourceLocation
                )
            }
        }
    }
}
