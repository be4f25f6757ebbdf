import CPCRE2

/// One regular expression compiled once by PCRE2 (8-bit library) and, where PCRE2 has a JIT, JIT-compiled.
///
/// Patterns are compiled in UTF mode with `PCRE2_MATCH_INVALID_UTF`: a subject is never validated up front
/// and invalid UTF-8 in it is never an error, it just cannot be part of a match (so captures are always
/// valid UTF-8). Without it, PCRE2 would either refuse such a subject (`PCRE2_ERROR_UTF8_*`) or, with
/// `PCRE2_NO_UTF_CHECK`, have undefined behaviour on it.
///
/// `@unchecked Sendable`: the `pcre2_code` is written only here, by `pcre2_compile_8` and
/// `pcre2_jit_compile_8`, before the instance is shared; after that `pcre2_match_8` only reads it, which
/// PCRE2 documents as safe from any number of threads at once (pcre2api, "Multithreading"). The mutable
/// per-match state lives in a ``PCRE2MatchData`` that each caller owns.
final class PCRE2Pattern: @unchecked Sendable {
    /// Why PCRE2 refused a pattern.
    struct CompileError: Error, CustomStringConvertible {
        var message: String
        /// The offset in the pattern (in bytes) where PCRE2 gave up.
        var offset: Int
        var description: String { "\(message) at offset \(offset)" }
    }

    /// How one match attempt ended.
    enum Outcome: Equatable {
        case match
        case noMatch
        /// PCRE2 stopped before an answer (match, depth or heap limit, JIT stack exhausted, or another
        /// error): callers treat it as no match.
        case gaveUp(code: Int32)
    }

    private let code: OpaquePointer
    /// The number of capturing groups: `$1` … `$captureCount` exist.
    let captureCount: Int
    /// Whether `pcre2_match_8` runs JIT code for this pattern (false when PCRE2 has no JIT or it refused).
    let isJITCompiled: Bool

    init(_ pattern: String, caseInsensitive: Bool = false) throws(CompileError) {
        var options = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF
        if caseInsensitive { options |= PCRE2_CASELESS }
        var errorCode: Int32 = 0
        var errorOffset = 0
        var pattern = pattern
        let compiled = pattern.withUTF8 { bytes in
            pcre2_compile_8(bytes.baseAddress, bytes.count, options, &errorCode, &errorOffset, nil)
        }
        guard let compiled else {
            throw CompileError(message: Self.message(for: errorCode), offset: errorOffset)
        }
        code = compiled
        var count: UInt32 = 0
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &count)
        captureCount = Int(count)
        isJITCompiled = Self.jitAvailable && pcre2_jit_compile_8(compiled, PCRE2_JIT_COMPLETE) == 0
    }

    deinit { pcre2_code_free_8(code) }

    /// Looks for the pattern anywhere in `subject` (unanchored). On ``Outcome/match`` the captures are in
    /// `matchData` until its next use; `matchData` must have room for ``captureCount`` groups.
    func match(
        _ subject: UnsafeBufferPointer<UInt8>,
        into matchData: borrowing PCRE2MatchData,
        context: PCRE2MatchContext
    ) -> Outcome {
        precondition(matchData.groupCapacity >= captureCount, "match data too small for \(captureCount) groups")
        let result = withSubject(subject) { pointer in
            pcre2_match_8(code, pointer, subject.count, 0, 0, matchData.pointer, context.pointer)
        }
        if result >= 0 { return .match }
        return result == Self.errorNoMatch ? .noMatch : .gaveUp(code: result)
    }

    /// The bytes of capture group `index` (0: the whole match) after ``match(_:into:context:)`` returned
    /// ``Outcome/match`` for `subject`; nil when the group did not take part or this pattern has no such group
    /// (the match data may be larger than this pattern needs, and PCRE2 leaves the pairs past its groups
    /// as an earlier match set them).
    func group(
        _ index: Int,
        in subject: UnsafeBufferPointer<UInt8>,
        matchData: borrowing PCRE2MatchData
    ) -> UnsafeBufferPointer<UInt8>? {
        guard index >= 0, index <= captureCount else { return nil }
        return matchData.group(index, in: subject)
    }

    /// PCRE2's message for an error code.
    static func message(for errorCode: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = pcre2_get_error_message_8(errorCode, &buffer, buffer.count)
        return length > 0 ? String(decoding: buffer[..<Int(length)], as: UTF8.self) : "PCRE2 error \(errorCode)"
    }

    static let errorNoMatch: Int32 = PCRE2_ERROR_NOMATCH
    static let errorMatchLimit: Int32 = PCRE2_ERROR_MATCHLIMIT

    /// Whether this libpcre2-8 was built with a JIT for this CPU (`PCRE2_CONFIG_JIT`).
    static let jitAvailable: Bool = {
        var available: UInt32 = 0
        return pcre2_config_8(UInt32(PCRE2_CONFIG_JIT), &available) >= 0 && available == 1
    }()

    /// PCRE2 before 10.43 wants a non-null subject even when it is empty.
    private func withSubject<R>(_ subject: UnsafeBufferPointer<UInt8>, _ body: (UnsafePointer<UInt8>) -> R) -> R {
        if let base = subject.baseAddress { return body(base) }
        var empty: UInt8 = 0
        return withUnsafePointer(to: &empty) { body($0) }
    }
}
