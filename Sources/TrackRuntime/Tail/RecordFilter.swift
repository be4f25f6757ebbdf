public import TrackDomain

/// The `--where NAME=VALUE` conditions of `tail`: which records to show.
///
/// `NAME` is a member of the record's JSON value, a dotted path for nested members (`source.topic`,
/// `identity.user_id`), or `key` for the record's key. `site` is short for `site_id`. A condition
/// holds when the member is a string equal to `VALUE`, or a number, boolean or `null` written exactly
/// as `VALUE`. Several values of one name (`reason=a,b`, or the name given twice) are alternatives;
/// different names must all hold. A record whose value is not a JSON object matches only `key`.
public struct RecordFilter: Sendable, Hashable {
    /// One name and the values it may have.
    public struct Condition: Sendable, Hashable {
        public var name: String
        public var values: Set<String>
    }

    /// The accepted values of each name, in the order the names were first given.
    public private(set) var conditions: [Condition]

    /// Parses the `--where` arguments.
    public init(_ arguments: [String]) throws(RecordFilterError) {
        conditions = []
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                throw RecordFilterError(argument: argument)
            }
            var name = String(argument[..<equals])
            if name == "site" { name = "site_id" }
            let values = argument[argument.index(after: equals)...].split(
                separator: ",",
                omittingEmptySubsequences: false
            )
            .map(String.init)
            if let index = conditions.firstIndex(where: { $0.name == name }) {
                conditions[index].values.formUnion(values)
            } else {
                conditions.append(Condition(name: name, values: Set(values)))
            }
        }
    }

    /// True when there are no conditions.
    public var isEmpty: Bool { conditions.isEmpty }

    /// Whether a record with this key and parsed value (nil when the value is not JSON) is shown.
    public func matches(key: String?, value: JSONValue?) -> Bool {
        for condition in conditions {
            let actual: String?
            if condition.name == "key" {
                actual = key
            } else {
                actual = value.flatMap { Self.member(condition.name, of: $0) }
            }
            guard let actual, condition.values.contains(actual) else { return false }
        }
        return true
    }

    /// The scalar at a dotted path, as text; nil when absent or not a scalar.
    static func member(_ path: String, of value: JSONValue) -> String? {
        var current = value
        for component in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let object = current.objectValue, let next = object[String(component)] else { return nil }
            current = next
        }
        switch current {
        case .string(let text): return text
        case .number(let number): return number.text
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .array, .object: return nil
        }
    }
}

/// A `--where` argument that is not `NAME=VALUE`.
public struct RecordFilterError: Error, Sendable, CustomStringConvertible {
    public var argument: String

    public var description: String {
        "--where \"\(argument)\": want NAME=VALUE[,VALUE…], e.g. --where reason=invalid_json or --where site=acme"
    }
}
