import Kafka
import TrackDomain

/// Carries out ``UndeliveredOutputPolicy`` for one failed output: the record to send instead, and
/// what the input it came from now counts as.
struct UndeliveredOutputs: Sendable {
    let processor: any RecordProcessing
    let inputTopic: String
    let rejectedTopic: String

    /// Where a failed output came from: an input of the chunk (an index into ``ProcessedWork/inputs``)
    /// and the output's kind.
    struct Origin: Sendable, Hashable {
        var input: Int
        var kind: OutputKind
    }

    /// What to do about one failure.
    enum Resolution: Sendable {
        /// Send this record (the same one again, or one in its place) after a backoff.
        case send(ProducerMessage, Origin)
        /// Nothing more to send: the input's rejection is already on its way.
        case covered
        /// Stop the service without committing the input.
        case stop(KafkaError)
    }

    /// Resolves `failure` of an output from `origin` (nil when no input can be traced), updating the
    /// input's counts in `work` when it turns into a rejection.
    func resolve(_ failure: DeliveryFailure, origin: Origin?, in work: inout ProcessedWork) -> Resolution {
        let kind = origin?.kind ?? .rejection
        // trackstream's own comes last, after the input's headers, which may hold one too.
        let omitted =
            failure.message.headers.last.flatMap { $0.name == RejectionOmissions.headerName ? $0 : nil }
            .map { RejectionOmissions(headerValue: String(decoding: $0.value ?? [], as: UTF8.self)) } ?? []
        let action = UndeliveredOutputPolicy.action(for: failure.error.failure, of: kind, omitted: omitted)
        switch action {
        case .retry:
            guard let origin else { return .stop(failure.error.undeliverable("an output that matches no input")) }
            return .send(failure.message, origin)
        case .stop:
            let what =
                kind == .rejection ? "a rejection, even without its payload, key, headers and timestamp" : "an output"
            return .stop(failure.error.undeliverable(what))
        case .stripRejection(let next):
            guard let origin, let stripped = Self.stripped(failure, to: next) else {
                return .stop(failure.error.undeliverable("a rejection that cannot be rewritten"))
            }
            return .send(stripped, origin)
        case .rejectInput:
            guard let origin else { return .stop(failure.error.undeliverable("an output that matches no input")) }
            return rejectInput(failure, origin: origin, in: &work)
        }
    }

    /// The input's `processing_error` rejection in place of its outputs; `.covered` when the input
    /// has one on its way already.
    private func rejectInput(
        _ failure: DeliveryFailure,
        origin: Origin,
        in work: inout ProcessedWork
    ) -> Resolution {
        switch origin.kind {
        case .enriched: work.inputs[origin.input].enriched -= 1
        case .signal: work.inputs[origin.input].signals -= 1
        case .rejection: break
        }
        let input = work.inputs[origin.input]
        guard input.rejectionReason == nil else { return .covered }
        work.inputs[origin.input].rejectionReason = RejectionReason.processingError.rawValue
        guard let record = work.source.record(partition: input.partition, offset: input.offset) else {
            return .stop(failure.error.undeliverable("an output whose input record cannot be read back"))
        }
        let source = SourceCoordinates(
            topic: inputTopic,
            partition: record.partition,
            offset: record.offset,
            timestamp: record.timestamp
        )
        var output = OutputBuffer(capacity: 1024 + (record.value?.count ?? 0) * 2, expectedRecords: 1)
        let omissions = record.value.withOptionalBytes { value in
            processor.appendProcessingErrorRejection(
                value: value,
                source: source,
                error: "an output to \(failure.message.topic) could not be delivered: \(failure.error.message)",
                carrying: .of(keyBytes: record.key?.count, headers: record.headers),
                into: &output
            )
        }
        var message = ProducerMessage(
            topic: rejectedTopic,
            key: record.key,
            value: output.finish().record(at: 0).value,
            headers: OutputHeaderPlanner.rejectionHeaders(input: record.headers, omissions: []),
            timestamp: record.timestamp
        )
        message.applying(omissions)
        return .send(message, Origin(input: origin.input, kind: .rejection))
    }

    /// A refused rejection rewritten to go without `omissions` (``RejectionOmissions``).
    static func stripped(_ failure: DeliveryFailure, to omissions: RejectionOmissions) -> ProducerMessage? {
        var message = failure.message
        let carried = CarriedFields.of(
            keyBytes: message.key?.count,
            headers: OutputHeaderPlanner.inputHeaders(ofRejection: message.headers)
        )
        guard
            let value = RejectionEncoder.stripped(
                message.value ?? [],
                omitting: omissions,
                carried: carried,
                reason: "the broker refused the rejection with it: \(failure.error.message) (\(failure.error.name))"
            )
        else { return nil }
        message.value = value
        message.applying(omissions)
        return message
    }
}

extension ProducerMessage {
    /// Leaves out of a rejection's record what `omissions` says, and names it in the
    /// `trackstream-omitted` header after the version headers.
    mutating func applying(_ omissions: RejectionOmissions) {
        guard !omissions.isEmpty else { return }
        if omissions.contains(.keyAndHeaders) { key = nil }
        if omissions.contains(.timestamp) { timestamp = nil }
        headers = OutputHeaderPlanner.rejectionHeaders(
            input: OutputHeaderPlanner.inputHeaders(ofRejection: headers),
            omissions: omissions
        )
    }
}

extension KafkaError {
    /// The policy's name for this error's ``DeliveryClass``.
    var failure: UndeliveredOutputPolicy.Failure {
        switch deliveryClass {
        case .transient: .transient
        case .destination: .destination
        case .record: .refused
        case .fatal: .fatal
        }
    }

    /// This error, saying that `what` could not be delivered and the service stops for it.
    func undeliverable(_ what: String) -> KafkaError {
        var error = self
        error.context = "\(what) could not be delivered (\(context)); stopping without committing its input"
        return error
    }
}

extension Optional where Wrapped == [UInt8] {
    /// Calls `body` with the bytes, or with nil when there are none.
    func withOptionalBytes<Result>(_ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
        switch self {
        case .some(let bytes): bytes.withUnsafeBytes { body($0) }
        case .none: body(nil)
        }
    }
}
