/// A JSON value as the generator builds it: objects keep their members in insertion order.
///
/// Raw events are assembled field by field and then, for malformed traffic, edited (a member
/// removed, renamed or replaced) before being written; order matters because real collectors emit
/// fields in a stable order and because the same seed must give the same bytes.
enum JSONFragment: Sendable, Hashable {
    case string(String)
    case integer(Int64)
    /// A number written verbatim, e.g. `"12.50"` or `"1772359200.123"`; the text must be valid JSON.
    case number(String)
    case bool(Bool)
    case null
    case array([JSONFragment])
    case object(OrderedObject)

    static func integer(_ value: Int) -> JSONFragment { .integer(Int64(value)) }

    static func strings(_ values: [String]) -> JSONFragment { .array(values.map(JSONFragment.string)) }
}

/// A JSON object with ordered members and dictionary-like access by key.
struct OrderedObject: Sendable, Hashable {
    private(set) var members: [Member] = []

    /// One `"key": value` pair.
    struct Member: Sendable, Hashable {
        var key: String
        var value: JSONFragment
    }

    init() {}

    /// The value for `key`; assigning replaces it in place, appends a new member, or (nil) removes it.
    subscript(key: String) -> JSONFragment? {
        get { members.first { $0.key == key }?.value }
        set {
            let index = members.firstIndex { $0.key == key }
            switch (index, newValue) {
            case (let index?, let value?): members[index].value = value
            case (let index?, nil): members.remove(at: index)
            case (nil, let value?): members.append(Member(key: key, value: value))
            case (nil, nil): break
            }
        }
    }

    func contains(_ key: String) -> Bool {
        members.contains { $0.key == key }
    }

    /// Replaces the member named `oldKey` by `newKey: value` at the same position (appends when absent).
    mutating func replace(_ oldKey: String, with newKey: String, value: JSONFragment) {
        guard let index = members.firstIndex(where: { $0.key == oldKey }) else {
            self[newKey] = value
            return
        }
        members[index] = Member(key: newKey, value: value)
    }
}
