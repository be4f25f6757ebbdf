import Synchronization

/// The bytes of outputs alive in the service, produced by the processing workers and not yet
/// acknowledged, and the rule that keeps them bounded without a deadlock.
///
/// A worker asks for room before each chunk it writes (``waitForRoom(sequence:)``) and reports the
/// chunk's size once written (``produced(_:)``); the publish stage reports chunks handed to the
/// producer (``published(_:)``) and acknowledged or dropped (``released(_:published:)``).
///
/// The rule: a chunk may start while fewer than ``limit`` bytes are alive. Chunks are published in
/// consumption order, though, so the chunks of later batches can fill the budget while the oldest
/// batch, which they wait behind, still has chunks to write: the oldest batch not yet released may
/// therefore also start a chunk while fewer than ``limit`` bytes are *published* (those are freed by
/// the broker's acknowledgements alone). So at most about twice the limit, plus one chunk per worker,
/// is ever alive, and the oldest batch can always make progress.
final class OutputBudget: Sendable {
    /// The bytes alive above which new chunks wait.
    let limit: Int
    private let state: Mutex<State>

    private struct State {
        var alive = 0
        var published = 0
        /// The oldest batch whose chunks are not all released by the sequencer.
        var oldestOpen: UInt64 = 1
        /// Set on shutdown: nobody waits any more.
        var isOpen = false
        var waiters: [(sequence: UInt64, continuation: CheckedContinuation<Void, Never>)] = []

        func mayStart(_ sequence: UInt64, limit: Int) -> Bool {
            isOpen || alive < limit || (sequence <= oldestOpen && published < limit)
        }

        /// Removes and returns the waiters that may start now.
        mutating func takeStartable(limit: Int) -> [CheckedContinuation<Void, Never>] {
            var ready: [CheckedContinuation<Void, Never>] = []
            var remaining: [(sequence: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
            for waiter in waiters {
                if mayStart(waiter.sequence, limit: limit) {
                    ready.append(waiter.continuation)
                } else {
                    remaining.append(waiter)
                }
            }
            waiters = remaining
            return ready
        }
    }

    init(limit: Int) {
        self.limit = max(1, limit)
        state = Mutex(State())
    }

    /// The size at which a worker ends a chunk and starts the next: an eighth of the limit.
    var chunkBytes: Int { max(64 * 1024, limit / 8) }

    /// Returns when a chunk of batch `sequence` may be written.
    func waitForRoom(sequence: UInt64) async {
        let limit = self.limit
        let startsNow = state.withLock { $0.mayStart(sequence, limit: limit) }
        if startsNow { return }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.mayStart(sequence, limit: limit) { return true }
                state.waiters.append((sequence, continuation))
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// A chunk of `bytes` was written.
    func produced(_ bytes: Int) {
        state.withLock { $0.alive += bytes }
    }

    /// A chunk of `bytes` was handed to the producer.
    func published(_ bytes: Int) {
        state.withLock { $0.published += bytes }
    }

    /// A chunk of `bytes` is gone: acknowledged, or dropped (`published` says whether it had been
    /// handed to the producer).
    func released(_ bytes: Int, published wasPublished: Bool) {
        resume { state in
            state.alive -= bytes
            if wasPublished { state.published -= bytes }
        }
    }

    /// Every chunk of batches before `sequence` has been released by the sequencer.
    func setOldestOpen(_ sequence: UInt64) {
        resume { $0.oldestOpen = sequence }
    }

    /// Ends every wait, now and later: for a shutdown, when nothing more will be acknowledged.
    func open() {
        resume { $0.isOpen = true }
    }

    /// Bytes alive now.
    var alive: Int { state.withLock { $0.alive } }

    private func resume(after change: (inout State) -> Void) {
        let limit = self.limit
        let ready = state.withLock { state in
            change(&state)
            return state.takeStartable(limit: limit)
        }
        for continuation in ready { continuation.resume() }
    }
}
