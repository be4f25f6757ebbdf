import Foundation
import Synchronization

/// A dedicated OS thread that runs a librdkafka poll loop until stopped.
///
/// librdkafka delivers delivery reports, rebalances and messages from inside blocking poll calls;
/// running them here keeps them off Swift concurrency's cooperative threads.
final class PollThread: Sendable {
    private let isRunning = Atomic<Bool>(true)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts `iteration` in a loop on a new thread; `iteration` should block for a short poll
    /// timeout. `finally` runs on the same thread after the loop ends.
    init(name: String, iteration: @escaping @Sendable () -> Void, finally: @escaping @Sendable () -> Void = {}) {
        let thread = Thread { [self] in
            while shouldRun { iteration() }
            finally()
            finished.signal()
        }
        thread.name = name
        thread.start()
    }

    var shouldRun: Bool { isRunning.load(ordering: .acquiring) }

    /// Asks the loop to end after its current iteration, without waiting (for a `deinit`).
    func requestStop() {
        isRunning.store(false, ordering: .releasing)
    }

    /// Asks the loop to end after its current iteration and waits for it (off the cooperative pool).
    func stop() async {
        guard isRunning.exchange(false, ordering: .acquiringAndReleasing) else { return }
        await BlockingCall.run { [finished] in finished.wait() }
    }
}
