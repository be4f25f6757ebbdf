/// What happens to an output the broker did not take (docs/domain.md, "Outputs that cannot be
/// delivered"): a pure decision, so that every case is a row of a table.
///
/// - A fatal client error stops the service.
/// - A transient error (a timeout, a leader change) or one about the destination (authorization, a
///   missing topic) says nothing against the record: it is sent again, unchanged, and the service
///   reports itself stalled meanwhile.
/// - A record the broker refuses as such (too large, malformed, a timestamp or policy it does not
///   accept) can never be delivered as it is. An enriched event or signal turns its input into one
///   `processing_error` rejection; a rejection is sent again leaving out the next part
///   (``RejectionOmissions``); a rejection with nothing left to leave out stops the service, which
///   then never commits its input.
public enum UndeliveredOutputPolicy {
    /// Why the output was not delivered.
    public enum Failure: Sendable, Hashable, CaseIterable {
        case transient
        case destination
        case refused
        case fatal
    }

    /// What the runtime does about it.
    public enum Action: Sendable, Hashable {
        /// Send the same record again after a backoff.
        case retry
        /// Give up the input's outputs and send its `processing_error` rejection instead.
        case rejectInput
        /// Send the rejection again without these parts.
        case stripRejection(RejectionOmissions)
        /// Stop the service without committing the input.
        case stop
    }

    /// The action for an output of `kind` that failed with `failure`; `omitted` is what a rejection
    /// already goes without.
    public static func action(
        for failure: Failure,
        of kind: OutputKind,
        omitted: RejectionOmissions = []
    ) -> Action {
        switch failure {
        case .fatal:
            return .stop
        case .transient, .destination:
            return .retry
        case .refused:
            guard kind == .rejection else { return .rejectInput }
            return omitted.next.map(Action.stripRejection) ?? .stop
        }
    }
}
