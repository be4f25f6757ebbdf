import CPCRE2

/// A PCRE2 match-data block: where `pcre2_match_8` writes the captures (and the interpreter keeps its
/// backtracking frames between matches). Mutable state, so never shared between threads: ``UAPCoreParser``
/// makes one per parse, sized for the largest capture count of all its patterns, and reuses it for every
/// pattern it tries in that parse. One allocation per parse costs far less than the ~1,000 pattern
/// attempts of that parse, and needs neither thread-local storage nor a pool.
struct PCRE2MatchData: ~Copyable {
    let pointer: OpaquePointer
    /// How many capturing groups (besides the whole match) it can hold.
    let groupCapacity: Int

    init(groupCapacity: Int) {
        guard let pointer = pcre2_match_data_create_8(UInt32(groupCapacity + 1), nil) else {
            fatalError("pcre2_match_data_create_8: out of memory")
        }
        self.pointer = pointer
        self.groupCapacity = groupCapacity
    }

    deinit { pcre2_match_data_free_8(pointer) }

    /// The bytes of group `index` (0 is the whole match) of the last successful match on `subject`, nil
    /// when unset. Pairs past the matching pattern's groups keep older values: ask
    /// ``PCRE2Pattern/group(_:in:matchData:)``, which knows how many groups the pattern has.
    func group(_ index: Int, in subject: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        guard index >= 0, index < Int(pcre2_get_ovector_count_8(pointer)) else { return nil }
        let ovector = pcre2_get_ovector_pointer_8(pointer)!
        let start = ovector[2 * index]
        let end = ovector[2 * index + 1]
        guard start != Self.unset, start <= end, end <= subject.count else { return nil }
        return UnsafeBufferPointer(rebasing: subject[start..<end])
    }

    /// `PCRE2_UNSET`, `~(PCRE2_SIZE)0`: a cast expression Swift does not import.
    static let unset = Int(bitPattern: UInt.max)
}
