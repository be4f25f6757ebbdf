/// A JSON Schema (draft 2020-12), compiled once to check many values fast: the subset of the
/// vocabulary that the output schemas in docs/schemas/ use.
///
/// Keywords: `type`, `enum`, `const`, `properties`, `required`, `additionalProperties`,
/// `dependentRequired`, `items`, `minimum`, `maximum`, `minLength`, `maxLength`, `pattern` (see
/// ``SchemaPattern``), `format: date-time` (asserted, see ``DateTimeFormat``), `allOf`, `anyOf`,
/// `oneOf`, `not`, `if`/`then`/`else`, and `$ref` to a JSON pointer in the same document (`#/$defs/…`);
/// `$schema`, `$id`, `$defs`, `title`, `description`, `$comment` and `examples` are read or ignored
/// as the specification says. Any other keyword is refused when the schema loads, so that a schema
/// never relies on a rule this validator would skip.
///
/// Its answers are compared with the reference implementation (Python's `jsonschema`) over the
/// golden fixtures and a table of broken outputs (`OutputSchemaTests`). The rules follow Python's
/// where the specification leaves room: a number is an integer when its value is integral (`4.0`
/// is), numbers compare as doubles, string lengths count Unicode scalars, strings and member names
/// compare by their scalars (not by Swift's canonical equivalence).
public struct JSONSchema: Sendable {
    /// The schema's `$id`.
    public let id: String
    private let root: Node

    /// Why a schema could not be loaded: where in it (a JSON pointer) and what is wrong.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var pointer: String
        public var reason: String

        public var description: String { "schema at #\(pointer): \(reason)" }
    }

    /// A value that does not conform: where in it (a JSON pointer, "" for the whole value), by which
    /// keyword, and why.
    public struct Violation: Sendable, CustomStringConvertible {
        public var instancePath: String
        public var keyword: String
        public var message: String

        public var description: String {
            "\(instancePath.isEmpty ? "the value" : instancePath): \(message) (\(keyword))"
        }

        /// What a check returns when no one will read why: valid values are far more common than
        /// invalid ones, and the branches of `if`, `not`, `anyOf` and `oneOf` fail as a matter of
        /// course, so messages are only written when asked for.
        static let unexplained = Violation(instancePath: "", keyword: "", message: "")

        func inside(_ component: String, _ explain: Bool) -> Violation {
            guard explain else { return self }
            let escaped = component.replacing("~", with: "~0").replacing("/", with: "~1")
            return Violation(instancePath: "/" + escaped + instancePath, keyword: keyword, message: message)
        }
    }

    /// Compiles `document`, a draft 2020-12 schema whose root has `$schema` and `$id`.
    public init(_ document: JSONTree) throws(LoadError) {
        guard case .object(let members) = document else { throw LoadError(pointer: "", reason: "not an object") }
        guard case .string(let dialect)? = members.first(where: { $0.key == "$schema" })?.value,
            dialect == "https://json-schema.org/draft/2020-12/schema"
        else {
            throw LoadError(pointer: "", reason: "$schema must be https://json-schema.org/draft/2020-12/schema")
        }
        guard case .string(let id)? = members.first(where: { $0.key == "$id" })?.value, !id.isEmpty else {
            throw LoadError(pointer: "", reason: "$id is missing")
        }
        var compiler = Compiler(document: document)
        self.id = id
        root = try compiler.compile(document, at: "")
    }

    /// Compiles the schema in `bytes` (strict JSON).
    public init(bytes: [UInt8]) throws(LoadError) {
        switch JSONTree.parse(bytes) {
        case .success(let document): try self.init(document)
        case .failure(let failure): throw LoadError(pointer: "", reason: "not strict JSON: \(failure)")
        }
    }

    /// The first rule `instance` breaks, or nil when it conforms.
    public func violation(in instance: JSONTree) -> Violation? {
        guard root.violation(in: instance, explain: false) != nil else { return nil }
        return root.violation(in: instance, explain: true)
    }
}

// MARK: - Compiled form

/// A compiled schema: every check must pass (an empty list is the schema `true`).
private struct Node: Sendable {
    var checks: [Check] = []

    /// The first check `instance` fails, explained (where and why) only when `explain` is set.
    func violation(in instance: JSONTree, explain: Bool) -> JSONSchema.Violation? {
        for check in checks {
            if let violation = check.violation(in: instance, explain: explain) { return violation }
        }
        return nil
    }

    func accepts(_ instance: JSONTree) -> Bool { violation(in: instance, explain: false) == nil }
}

/// The JSON types of `type`, as bits.
private struct TypeSet: OptionSet, Sendable {
    let rawValue: UInt8
    static let null = TypeSet(rawValue: 1)
    static let boolean = TypeSet(rawValue: 2)
    static let object = TypeSet(rawValue: 4)
    static let array = TypeSet(rawValue: 8)
    static let number = TypeSet(rawValue: 16)
    static let integer = TypeSet(rawValue: 32)
    static let string = TypeSet(rawValue: 64)

    static let names: [(String, TypeSet)] = [
        ("null", .null), ("boolean", .boolean), ("object", .object), ("array", .array), ("number", .number),
        ("integer", .integer), ("string", .string),
    ]

    var description: String { Self.names.filter { contains($0.1) }.map(\.0).joined(separator: " or ") }
}

/// A member name compared and hashed by its Unicode scalars, as JSON readers compare names.
private struct ExactName: Hashable, Sendable {
    var text: String

    static func == (left: ExactName, right: ExactName) -> Bool { ObjectRules.same(left.text, right.text) }

    func hash(into hasher: inout Hasher) {
        let hashed: Void? = text.utf8.withContiguousStorageIfAvailable {
            hasher.combine(bytes: UnsafeRawBufferPointer($0))
        }
        if hashed == nil {
            for byte in text.utf8 { hasher.combine(byte) }
        }
    }
}

/// `properties`, `additionalProperties`, `required` and `dependentRequired` of one schema object,
/// checked in one pass over the members.
private struct ObjectRules: Sendable {
    /// `properties` in schema order; with `required`'s names flagged.
    var properties: [(name: String, node: Node, required: Bool)] = []
    var table: [ExactName: Int] = [:]
    /// nil when members outside `properties` are unconstrained.
    var additional: Node?
    /// `additionalProperties: false`: no member outside `properties`.
    var additionalForbidden = false
    /// `required` names that `properties` does not list.
    var otherRequired: [String] = []
    var requiredInTable = 0
    var dependentRequired: [(name: String, needs: [String])] = []

    /// With few properties and no rule for the others, scanning the members per property is cheaper
    /// than hashing every member name.
    var scansPerProperty: Bool { additional == nil && properties.count <= 4 }

    func violation(in members: [JSONTree.Member], explain: Bool) -> JSONSchema.Violation? {
        var requiredSeen = 0
        if scansPerProperty {
            for property in properties {
                guard let member = members.first(where: { Self.same($0.key, property.name) }) else { continue }
                if property.required { requiredSeen += 1 }
                if let violation = property.node.violation(in: member.value, explain: explain) {
                    return violation.inside(member.key, explain)
                }
            }
        } else {
            for member in members {
                if let index = table[ExactName(text: member.key)] {
                    let property = properties[index]
                    if property.required { requiredSeen += 1 }
                    if let violation = property.node.violation(in: member.value, explain: explain) {
                        return violation.inside(member.key, explain)
                    }
                } else if additionalForbidden {
                    guard explain else { return .unexplained }
                    return JSONSchema.Violation(
                        instancePath: "",
                        keyword: "additionalProperties",
                        message: "member \"\(member.key)\" is not allowed here"
                    )
                } else if let additional, let violation = additional.violation(in: member.value, explain: explain) {
                    return violation.inside(member.key, explain)
                }
            }
        }
        if requiredSeen < requiredInTable {
            guard explain else { return .unexplained }
            let missing = properties.first { property in
                property.required && !members.contains { Self.same($0.key, property.name) }
            }
            return Self.missing(missing?.name ?? "?")
        }
        for name in otherRequired where !members.contains(where: { Self.same($0.key, name) }) {
            return explain ? Self.missing(name) : .unexplained
        }
        for rule in dependentRequired where members.contains(where: { Self.same($0.key, rule.name) }) {
            for name in rule.needs where !members.contains(where: { Self.same($0.key, name) }) {
                guard explain else { return .unexplained }
                return JSONSchema.Violation(
                    instancePath: "",
                    keyword: "dependentRequired",
                    message: "member \"\(name)\" is required with \"\(rule.name)\""
                )
            }
        }
        return nil
    }

    /// Whether two names have the same scalars (Swift's `==` would also equate canonically
    /// equivalent spellings, which JSON does not).
    static func same(_ left: String, _ right: String) -> Bool {
        guard left.utf8.count == right.utf8.count else { return false }
        let compared = left.utf8.withContiguousStorageIfAvailable { leftBytes in
            right.utf8.withContiguousStorageIfAvailable { rightBytes in leftBytes.elementsEqual(rightBytes) }
        }
        return (compared ?? nil) ?? left.utf8.elementsEqual(right.utf8)
    }

    static func missing(_ name: String) -> JSONSchema.Violation {
        JSONSchema.Violation(instancePath: "", keyword: "required", message: "member \"\(name)\" is missing")
    }
}

/// One keyword's check (or a group of object keywords).
private enum Check: Sendable {
    /// The schema `false`.
    case never
    case types(TypeSet)
    case enumeration([JSONTree])
    case constant(JSONTree)
    case object(ObjectRules)
    case items(Node)
    case minimum(Double)
    case maximum(Double)
    case minLength(Int)
    case maxLength(Int)
    case pattern(SchemaPattern)
    case dateTime
    case allOf([Node])
    case anyOf([Node])
    case oneOf([Node])
    case not(Node)
    case conditional(if: Node, then: Node?, else: Node?)

    func violation(in instance: JSONTree, explain: Bool) -> JSONSchema.Violation? {
        func failed(_ keyword: String, _ message: @autoclosure () -> String) -> JSONSchema.Violation {
            explain ? JSONSchema.Violation(instancePath: "", keyword: keyword, message: message()) : .unexplained
        }
        switch self {
        case .never:
            return failed("false", "no value is allowed here")
        case .types(let allowed):
            return Self.matches(instance, allowed)
                ? nil : failed("type", "expected \(allowed.description), found \(Self.describe(instance))")
        case .enumeration(let values):
            return values.contains { Self.equal($0, instance) }
                ? nil : failed("enum", "\(Self.describe(instance)) is not one of the allowed values")
        case .constant(let value):
            return Self.equal(value, instance)
                ? nil : failed("const", "\(Self.describe(instance)) is not the required value")
        case .object(let rules):
            guard case .object(let members) = instance else { return nil }
            return rules.violation(in: members, explain: explain)
        case .items(let node):
            guard case .array(let elements) = instance else { return nil }
            for (index, element) in elements.enumerated() {
                if let violation = node.violation(in: element, explain: explain) {
                    return violation.inside(String(index), explain)
                }
            }
            return nil
        case .minimum(let bound):
            guard case .number(let text) = instance, let value = Double(text) else { return nil }
            return value >= bound ? nil : failed("minimum", "\(text) is less than \(bound)")
        case .maximum(let bound):
            guard case .number(let text) = instance, let value = Double(text) else { return nil }
            return value <= bound ? nil : failed("maximum", "\(text) is greater than \(bound)")
        case .minLength(let length):
            guard case .string(let text) = instance else { return nil }
            return text.unicodeScalars.count >= length
                ? nil : failed("minLength", "\(Self.describe(instance)) is shorter than \(length) characters")
        case .maxLength(let length):
            guard case .string(let text) = instance else { return nil }
            return text.unicodeScalars.count <= length
                ? nil : failed("maxLength", "\(Self.describe(instance)) is longer than \(length) characters")
        case .pattern(let pattern):
            guard case .string(let text) = instance else { return nil }
            return pattern.matches(text)
                ? nil : failed("pattern", "\(Self.describe(instance)) does not match \(pattern)")
        case .dateTime:
            guard case .string(let text) = instance else { return nil }
            return DateTimeFormat.isValid(text)
                ? nil : failed("format", "\(Self.describe(instance)) is not an RFC 3339 date-time")
        case .allOf(let nodes):
            for node in nodes {
                if let violation = node.violation(in: instance, explain: explain) { return violation }
            }
            return nil
        case .anyOf(let nodes):
            guard !nodes.contains(where: { $0.accepts(instance) }) else { return nil }
            return failed(
                "anyOf",
                "matches none of the alternatives; the first says: \(nodes[0].violation(in: instance, explain: true)?.description ?? "")"
            )
        case .oneOf(let nodes):
            let matching = nodes.indices.filter { nodes[$0].accepts(instance) }
            guard matching.count != 1 else { return nil }
            return failed(
                "oneOf",
                matching.isEmpty
                    ? "matches none of the alternatives"
                    : "matches alternatives \(matching) where exactly one may match"
            )
        case .not(let node):
            return node.accepts(instance) ? failed("not", "matches a schema it must not match") : nil
        case .conditional(let condition, let then, let otherwise):
            let branch = condition.accepts(instance) ? then : otherwise
            return branch?.violation(in: instance, explain: explain)
        }
    }

    static func matches(_ instance: JSONTree, _ allowed: TypeSet) -> Bool {
        switch instance {
        case .null: allowed.contains(.null)
        case .bool: allowed.contains(.boolean)
        case .object: allowed.contains(.object)
        case .array: allowed.contains(.array)
        case .string: allowed.contains(.string)
        case .number(let text): allowed.contains(.number) || (allowed.contains(.integer) && isIntegral(text))
        }
    }

    /// An integer is a number whose value is integral, written `4`, `4.0` or `4e0`.
    static func isIntegral(_ text: String) -> Bool {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }) else {
            return true
        }
        guard let value = Double(text) else { return false }
        return value.rounded(.towardZero) == value
    }

    /// JSON equality: numbers by value, strings by scalars, objects whatever their member order.
    static func equal(_ left: JSONTree, _ right: JSONTree) -> Bool {
        switch (left, right) {
        case (.null, .null):
            return true
        case (.bool(let a), .bool(let b)):
            return a == b
        case (.number(let a), .number(let b)):
            return a == b || Double(a) == Double(b)
        case (.string(let a), .string(let b)):
            return ObjectRules.same(a, b)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count
                && a.allSatisfy { member in
                    b.contains { ObjectRules.same($0.key, member.key) && equal($0.value, member.value) }
                }
        default:
            return false
        }
    }

    /// A short description of a value for a message.
    static func describe(_ instance: JSONTree) -> String {
        switch instance {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .number(let text): "the number \(text.prefix(40))"
        case .string(let text): "the string \"\(text.prefix(60))\(text.count > 60 ? "…" : "")\""
        case .array(let elements): "an array of \(elements.count)"
        case .object(let members): "an object of \(members.count) members"
        }
    }
}

// MARK: - Compiler

/// Turns the schema document into ``Node``s, resolving `$ref`s (and refusing cycles).
private struct Compiler {
    let document: JSONTree
    var resolved: [String: Node] = [:]
    var resolving: Set<String> = []

    static let annotations: Set<String> = ["title", "description", "$comment", "examples", "$defs"]
    static let objectKeywords: Set<String> = ["properties", "additionalProperties", "required", "dependentRequired"]

    init(document: JSONTree) { self.document = document }

    mutating func compile(_ schema: JSONTree, at pointer: String) throws(JSONSchema.LoadError) -> Node {
        switch schema {
        case .bool(true):
            return Node()
        case .bool(false):
            return Node(checks: [.never])
        case .object(let members):
            return try compile(members, at: pointer)
        default:
            throw JSONSchema.LoadError(pointer: pointer, reason: "a schema must be an object or a boolean")
        }
    }

    private mutating func compile(
        _ members: [JSONTree.Member],
        at pointer: String
    ) throws(JSONSchema.LoadError) -> Node {
        var node = Node()
        var rules = ObjectRules()
        var hasObjectRules = false
        var requiredNames: [String] = []
        let keyword = { (name: String) in members.first { $0.key == name }?.value }
        func fail(_ name: String, _ reason: String) -> JSONSchema.LoadError {
            JSONSchema.LoadError(pointer: pointer + "/" + name, reason: reason)
        }
        for member in members {
            let name = member.key
            let value = member.value
            let at = pointer + "/" + name
            switch name {
            case "$schema", "$id":
                guard pointer.isEmpty else { throw fail(name, "\(name) is only read at the root") }
            case _ where Self.annotations.contains(name):
                continue
            case "$ref":
                guard case .string(let target) = value, target.hasPrefix("#") else {
                    throw fail(name, "only references within the document (#/...) are supported")
                }
                node.checks.append(.allOf([try reference(String(target.dropFirst()))]))
            case "type":
                node.checks.append(.types(try Self.types(value, fail: { fail(name, $0) })))
            case "enum":
                guard case .array(let values) = value, !values.isEmpty else {
                    throw fail(name, "expected a non-empty array")
                }
                node.checks.append(.enumeration(values))
            case "const":
                node.checks.append(.constant(value))
            case "properties":
                guard case .object(let properties) = value else { throw fail(name, "expected an object") }
                for property in properties {
                    let compiled = try compile(property.value, at: at + "/" + property.key)
                    rules.table[ExactName(text: property.key)] = rules.properties.count
                    rules.properties.append((property.key, compiled, false))
                }
                hasObjectRules = true
            case "additionalProperties":
                rules.additional = try compile(value, at: at)
                rules.additionalForbidden = value == .bool(false)
                hasObjectRules = true
            case "required":
                requiredNames = try Self.names(value, fail: { fail(name, $0) })
                hasObjectRules = true
            case "dependentRequired":
                guard case .object(let dependencies) = value else { throw fail(name, "expected an object") }
                for dependency in dependencies {
                    let needs = try Self.names(dependency.value, fail: { fail(name, $0) })
                    rules.dependentRequired.append((dependency.key, needs))
                }
                hasObjectRules = true
            case "items":
                node.checks.append(.items(try compile(value, at: at)))
            case "minimum", "maximum":
                guard case .number(let text) = value, let bound = Double(text) else {
                    throw fail(name, "expected a number")
                }
                node.checks.append(name == "minimum" ? .minimum(bound) : .maximum(bound))
            case "minLength", "maxLength":
                guard case .number(let text) = value, let length = Int(text), length >= 0 else {
                    throw fail(name, "expected a non-negative integer")
                }
                node.checks.append(name == "minLength" ? .minLength(length) : .maxLength(length))
            case "pattern":
                guard case .string(let source) = value else { throw fail(name, "expected a string") }
                do {
                    node.checks.append(.pattern(try SchemaPattern(source)))
                } catch {
                    throw fail(name, error.description)
                }
            case "format":
                guard case .string("date-time") = value else {
                    throw fail(name, "only the format date-time is implemented")
                }
                node.checks.append(.dateTime)
            case "allOf", "anyOf", "oneOf":
                guard case .array(let schemas) = value, !schemas.isEmpty else {
                    throw fail(name, "expected a non-empty array")
                }
                var nodes: [Node] = []
                for (index, schema) in schemas.enumerated() {
                    nodes.append(try compile(schema, at: at + "/\(index)"))
                }
                node.checks.append(name == "allOf" ? .allOf(nodes) : name == "anyOf" ? .anyOf(nodes) : .oneOf(nodes))
            case "not":
                node.checks.append(.not(try compile(value, at: at)))
            case "if":
                var then: Node?
                var otherwise: Node?
                if let schema = keyword("then") { then = try compile(schema, at: pointer + "/then") }
                if let schema = keyword("else") { otherwise = try compile(schema, at: pointer + "/else") }
                node.checks.append(.conditional(if: try compile(value, at: at), then: then, else: otherwise))
            case "then", "else":
                guard keyword("if") != nil else { throw fail(name, "\(name) without if") }
            default:
                throw fail(
                    name,
                    "the keyword \(name) is not implemented by the tests' validator (Tests/StrictOutputs/JSONSchema.swift)"
                )
            }
        }
        if hasObjectRules {
            for name in requiredNames {
                if let index = rules.table[ExactName(text: name)] {
                    if !rules.properties[index].required { rules.requiredInTable += 1 }
                    rules.properties[index].required = true
                } else {
                    rules.otherRequired.append(name)
                }
            }
            node.checks.insert(.object(rules), at: 0)
        }
        return node
    }

    /// The schema at JSON pointer `pointer` of the document, compiled once.
    private mutating func reference(_ pointer: String) throws(JSONSchema.LoadError) -> Node {
        if let node = resolved[pointer] { return node }
        guard resolving.insert(pointer).inserted else {
            throw JSONSchema.LoadError(pointer: pointer, reason: "a $ref cycle (recursive schemas are not supported)")
        }
        var target = document
        for component in pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let name = component.replacing("~1", with: "/").replacing("~0", with: "~")
            guard case .object(let members) = target, let next = members.first(where: { $0.key == name }) else {
                throw JSONSchema.LoadError(pointer: pointer, reason: "$ref points at nothing")
            }
            target = next.value
        }
        let node = try compile(target, at: pointer)
        resolving.remove(pointer)
        resolved[pointer] = node
        return node
    }

    private static func types(
        _ value: JSONTree,
        fail: (String) -> JSONSchema.LoadError
    ) throws(JSONSchema.LoadError) -> TypeSet {
        let names: [JSONTree]
        switch value {
        case .string: names = [value]
        case .array(let elements) where !elements.isEmpty: names = elements
        default: throw fail("expected a type name or a non-empty array of them")
        }
        var set: TypeSet = []
        for name in names {
            guard case .string(let text) = name, let type = TypeSet.names.first(where: { $0.0 == text })?.1 else {
                throw fail("unknown type \(name)")
            }
            set.insert(type)
        }
        return set
    }

    private static func names(
        _ value: JSONTree,
        fail: (String) -> JSONSchema.LoadError
    ) throws(JSONSchema.LoadError) -> [String] {
        guard case .array(let elements) = value else { throw fail("expected an array of names") }
        var names: [String] = []
        for element in elements {
            guard case .string(let name) = element else { throw fail("expected an array of names") }
            names.append(name)
        }
        return names
    }
}
