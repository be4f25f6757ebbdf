/// Environment variable references in a pipeline file's values, replaced before the values are
/// typed, so that a secret (a SASL password, an OAuth client secret) can live in the environment,
/// filled from a secret store, instead of in the file and in version control.
///
/// The rules (docs/operations.md, "Secrets"):
/// - `${NAME}` is the variable's value; a variable that is not set is an error, one set to the
///   empty string gives the empty string.
/// - `${NAME:-default}` is the default when the variable is unset or empty. The default is the
///   literal text up to the first `}` and may be empty.
/// - `$${` is a literal `${`. A `$` anywhere else is itself, so `pa$$word` and `cost$` need no
///   escaping.
/// - NAME is a shell variable name: a letter or `_`, then letters, digits and `_`.
/// - One pass: the text a variable or a default brings in is never expanded again, so a value
///   that itself holds `${X}` arrives as written.
/// - Anything else that starts with `${` is an error rather than literal text: an unterminated
///   reference, `${}`, a name that is not a name, a reference inside a reference, and the shell's
///   other operators (`${X-d}`, `${X:?}`, `${X:+v}`, `${X:=v}`). A typo in a reference then fails
///   the file instead of sending `${PASWORD}` to the broker as a password.
///
/// Errors never quote the text around a reference: it may be part of a secret.
public struct VariableExpansion: Sendable {
    /// The variables references are looked up in: the process environment, or a test's table.
    public var environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// `text` with every reference replaced.
    public func expand(_ text: String) throws(VariableReferenceError) -> String {
        let bytes = Array(text.utf8)
        guard let first = bytes.firstIndex(of: Self.dollar) else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        output.append(contentsOf: bytes[..<first])
        var index = first
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == Self.dollar else {
                output.append(byte)
                index += 1
                continue
            }
            if Self.starts(bytes, at: index, with: "$${") {
                output.append(contentsOf: "${".utf8)
                index += 3
            } else if Self.starts(bytes, at: index, with: "${") {
                let reference = try Self.reference(in: bytes, at: index)
                output.append(contentsOf: try value(of: reference, in: bytes))
                index = reference.end
            } else {
                output.append(byte)
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// What a reference stands for.
    private func value(of reference: Reference, in bytes: [UInt8]) throws(VariableReferenceError) -> [UInt8] {
        let name = String(decoding: bytes[reference.name], as: UTF8.self)
        let variable = environment[name]
        if let defaultText = reference.defaultText {
            if let variable, !variable.isEmpty { return Array(variable.utf8) }
            return Array(bytes[defaultText])
        }
        guard let variable else { throw VariableReferenceError(.undefined(name: name), offset: reference.start) }
        return Array(variable.utf8)
    }

    /// One `${…}`: where its name and default are, and the index just past its `}`.
    private struct Reference {
        var start: Int
        var name: Range<Int>
        var defaultText: Range<Int>?
        var end: Int
    }

    /// Reads the reference that starts with `${` at `start`.
    private static func reference(in bytes: [UInt8], at start: Int) throws(VariableReferenceError) -> Reference {
        let nameStart = start + 2
        var index = nameStart
        while index < bytes.count, isNameByte(bytes[index]) { index += 1 }
        let name = nameStart..<index
        func fail(_ problem: VariableReferenceError.Problem) -> VariableReferenceError {
            VariableReferenceError(problem, offset: start)
        }
        guard index < bytes.count else { throw fail(.unterminated) }
        switch bytes[index] {
        case UInt8(ascii: "}"):
            try checkName(bytes, name, start: start)
            return Reference(start: start, name: name, defaultText: nil, end: index + 1)
        case UInt8(ascii: ":") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"):
            try checkName(bytes, name, start: start)
            let defaultStart = index + 2
            var end = defaultStart
            while end < bytes.count, bytes[end] != UInt8(ascii: "}") {
                if starts(bytes, at: end, with: "${") { throw fail(.nested) }
                end += 1
            }
            guard end < bytes.count else { throw fail(.unterminated) }
            return Reference(start: start, name: name, defaultText: defaultStart..<end, end: end + 1)
        case UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: "+"), UInt8(ascii: "="):
            try checkName(bytes, name, start: start)
            throw fail(.unsupportedOperator)
        case Self.dollar where starts(bytes, at: index, with: "${"):
            throw fail(.nested)
        default:
            // A character that cannot be in a name: `${A.B}`, `${A B}`, `${ A}`.
            if !bytes[index...].contains(UInt8(ascii: "}")) { throw fail(.unterminated) }
            throw fail(.invalidName)
        }
    }

    private static func checkName(_ bytes: [UInt8], _ name: Range<Int>, start: Int) throws(VariableReferenceError) {
        guard let first = name.first else { throw VariableReferenceError(.emptyName, offset: start) }
        guard !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[first]) else {
            throw VariableReferenceError(.invalidName, offset: start)
        }
    }

    private static let dollar = UInt8(ascii: "$")

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            true
        default: false
        }
    }

    private static func starts(_ bytes: [UInt8], at index: Int, with prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        return prefix.withUTF8Buffer { buffer in
            (0..<count).allSatisfy { bytes[index + $0] == buffer[$0] }
        }
    }
}
