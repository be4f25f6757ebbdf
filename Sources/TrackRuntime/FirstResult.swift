import Synchronization

/// The first of several concurrent results: `race` starts the contenders, each of which may offer
/// a result; the first offered is returned and later ones are ignored. The contenders are not
/// awaited, so one stuck in a blocking call (librdkafka waiting for a broker) cannot hold the
/// caller past its deadline.
enum FirstResult {
    static func race<Result: Sendable>(
        _ start: (@escaping @Sendable (Result) -> Void) -> Void
    ) async -> Result {
        await withCheckedContinuation { continuation in
            let once = ResumeOnce(continuation)
            start { result in once.resume(result) }
        }
    }
}

/// Resumes a continuation on the first call only.
private final class ResumeOnce<Result: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Result, Never>?>

    init(_ continuation: CheckedContinuation<Result, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume(_ result: Result) {
        let taken = continuation.withLock { continuation in
            defer { continuation = nil }
            return continuation
        }
        taken?.resume(returning: result)
    }
}
