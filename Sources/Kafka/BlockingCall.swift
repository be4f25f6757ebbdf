import Dispatch

/// Runs librdkafka's blocking calls (commit, flush, seek, admin requests, close) on Dispatch
/// threads of their own, so that they never occupy Swift concurrency's cooperative threads.
enum BlockingCall {
    private static let queue = DispatchQueue(
        label: "trackstream.kafka.blocking",
        qos: .userInitiated,
        attributes: .concurrent
    )

    static func run<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }

    static func run<Result: Sendable>(
        _ body: @escaping @Sendable () throws(KafkaError) -> Result
    ) async throws(KafkaError) -> Result {
        let outcome: Swift.Result<Result, KafkaError> = await run { () -> Swift.Result<Result, KafkaError> in
            do throws(KafkaError) {
                return .success(try body())
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    /// Suspends for about `milliseconds`, also when the task is cancelled (backoff that must not
    /// turn into a busy loop).
    static func pause(milliseconds: Int) async {
        await withCheckedContinuation { continuation in
            queue.asyncAfter(deadline: .now() + .milliseconds(milliseconds)) { continuation.resume() }
        }
    }

    /// Hands `body` to a Dispatch thread without waiting (for destruction from a `deinit`).
    static func detach(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }
}
