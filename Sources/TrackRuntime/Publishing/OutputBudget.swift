import Synchronization

/// The bytes of outputs alive in the service, written by the processing workers and not yet
/// acknowledged, and the rule that keeps them bounded without a deadlock.
///
/// A worker asks for room before each chunk it writes (``waitForRoom(sequence:)``), which reserves a
/// chunk's worth, and reports the chunk's size once written (``produced(_:)``); the publish stage
/// reports chunks the sequencer released in order (``sequenced(_:)``), whether handed to the producer
/// yet or waiting behind a retry, and chunks acknowledged or dropped (``finished(_:sequenced:)``).
///
/// The rule: a chunk may start while fewer than ``limit`` bytes are alive. Chunks are published in
/// consumption order, though, so the chunks of later batches can fill the budget while the oldest
/// batch, which they wait behind, still has chunks to write: the oldest batch not yet released may
/// therefore also start a chunk while fewer than ``limit`` bytes are *sequenced* (those are freed by
/// the broker's acknowledgements alone). Waiters are admitted one at a time, each reserving a chunk.
/// So at most about twice the limit plus a chunk is ever alive, and the oldest batch can always make
/// progress.
final class OutputBudget: Sendable {
    /// The bytes alive above which new chunks wait.
    let limit: Int
    /// The size at which a worker ends a chunk and starts the next: an eighth of the limit.
    let chunkBytes: Int
    private let state: Mutex<State>

    private struct State {
        var alive = 0
        var sequenced = 0
        /// The oldest batch whose chunks are not all released by the sequencer.
        var oldestOpen: UInt64 = 1
        /// Set on shutdown: nobody waits any more.
        var isOpen = false
        var waiters: [(sequence: UInt64, continuation: CheckedContinuation<Void, Never>)] = []

        func mayStart(_ sequence: UInt64, limit: Int) -> Bool {
            isOpen || alive < limit || (sequence <= oldestOpen && sequenced < limit)
        }

        /// Admits the waiters that may start now, in order, reserving a chunk for each.
        mutating func admit(limit: Int, chunk: Int) -> [CheckedContinuation<Void, Never>] {
            var admitted: [CheckedContinuation<Void, Never>] = []
            var remaining: [(sequence: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
            for waiter in waiters {
                if mayStart(waiter.sequence, limit: limit) {
                    alive += chunk
                    admitted.append(waiter.continuation)
                } else {
                    remaining.append(waiter)
                }
            }
            waiters = remaining
            return admitted
        }
    }

    init(limit: Int) {
        self.limit = max(1, limit)
        chunkBytes = max(64 * 1024, self.limit / 8)
        state = Mutex(State())
    }

    /// Returns when a chunk of batch `sequence` may be written, with a chunk's worth reserved.
    func waitForRoom(sequence: UInt64) async {
        let (limit, chunk) = (self.limit, chunkBytes)
        let startsNow = state.withLock { state -> Bool in
            guard state.mayStart(sequence, limit: limit) else { return false }
            state.alive += chunk
            return true
        }
        if startsNow { return }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.mayStart(sequence, limit: limit) {
                    state.alive += chunk
                    return true
                }
                state.waiters.append((sequence, continuation))
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// A chunk of `bytes` was written in the room ``waitForRoom(sequence:)`` reserved.
    func produced(_ bytes: Int) {
        let chunk = chunkBytes
        update { $0.alive += bytes - chunk }
    }

    /// A chunk of `bytes` was released by the sequencer, in order.
    func sequenced(_ bytes: Int) {
        state.withLock { $0.sequenced += bytes }
    }

    /// A chunk of `bytes` is gone: acknowledged, or dropped (`sequenced` says whether the sequencer
    /// had released it).
    func finished(_ bytes: Int, sequenced wasSequenced: Bool) {
        update { state in
            state.alive -= bytes
            if wasSequenced { state.sequenced -= bytes }
        }
    }

    /// Every chunk of batches before `sequence` has been released by the sequencer.
    func setOldestOpen(_ sequence: UInt64) {
        update { $0.oldestOpen = sequence }
    }

    /// Ends every wait, now and later: for a shutdown or a stop, when nothing more will be
    /// acknowledged.
    func open() {
        update { $0.isOpen = true }
    }

    /// Bytes alive now, reservations included.
    var alive: Int { state.withLock { $0.alive } }

    private func update(_ change: (inout State) -> Void) {
        let (limit, chunk) = (self.limit, chunkBytes)
        let admitted = state.withLock { state in
            change(&state)
            return state.admit(limit: limit, chunk: chunk)
        }
        for continuation in admitted { continuation.resume() }
    }
}
