import CPCRE2

/// A PCRE2 match context carrying the limits that bound one match attempt, so that a user agent built to
/// make a pattern backtrack catastrophically costs a bounded amount of work (`pcre2_match_8` then returns
/// `PCRE2_ERROR_MATCHLIMIT`, which callers treat as no match). No JIT stack is assigned: JIT code uses
/// PCRE2's 32 KiB block on the calling thread's stack and reports `PCRE2_ERROR_JIT_STACKLIMIT` past it.
///
/// `@unchecked Sendable`: the context is only written by the initializer; `pcre2_match_8` reads it, and
/// PCRE2 allows one unchanging match context to be used by many threads at once (a JIT stack, which
/// would be per thread, is deliberately not assigned).
final class PCRE2MatchContext: @unchecked Sendable {
    let pointer: OpaquePointer
    let matchLimit: UInt32
    let depthLimit: UInt32

    /// - Parameters:
    ///   - matchLimit: the most backtracking steps per attempt (`pcre2_set_match_limit`, honoured by JIT too).
    ///   - depthLimit: the deepest backtracking nesting for the interpreter (`pcre2_set_depth_limit`; JIT
    ///     ignores it and is bounded by its stack instead).
    init(matchLimit: UInt32, depthLimit: UInt32) {
        guard let pointer = pcre2_match_context_create_8(nil) else {
            fatalError("pcre2_match_context_create_8: out of memory")
        }
        pcre2_set_match_limit_8(pointer, matchLimit)
        pcre2_set_depth_limit_8(pointer, depthLimit)
        self.pointer = pointer
        self.matchLimit = matchLimit
        self.depthLimit = depthLimit
    }

    deinit { pcre2_match_context_free_8(pointer) }
}
