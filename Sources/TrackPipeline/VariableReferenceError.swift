/// A `${…}` reference in a pipeline value that cannot be expanded (``VariableExpansion``).
///
/// It says what is wrong and where in the value the reference starts, never the value's text: the
/// text around a reference may be part of a secret. Only an undefined variable's name is shown.
public struct VariableReferenceError: Error, Sendable, Equatable {
    public enum Problem: Sendable, Equatable {
        /// `${NAME}` without a default, and NAME is not set.
        case undefined(name: String)
        /// `${` with no `}` after it.
        case unterminated
        /// `${}` or `${:-x}`.
        case emptyName
        /// A name that starts with a digit or holds a character other than letters, digits and `_`.
        case invalidName
        /// `${` inside a reference: `${A:-${B}}`.
        case nested
        /// A shell operator other than `:-`: `${A-x}`, `${A:?}`, `${A:+x}`, `${A:=x}`.
        case unsupportedOperator
    }

    public var problem: Problem
    /// Where the reference starts in the value, in UTF-8 bytes from 0.
    public var offset: Int

    public init(_ problem: Problem, offset: Int) {
        self.problem = problem
        self.offset = offset
    }

    /// The most of a variable's name an error shows (a hostile file may hold a very long one).
    static let shownNameLength = 64

    /// What is wrong, as a clause after the key path.
    public var summary: String {
        let place =
            offset == 0 ? "the reference at the start of the value" : "the reference at byte \(offset + 1) of the value"
        switch problem {
        case .undefined(let name):
            return "the environment variable \(Self.shown(name)) is not set"
        case .unterminated: return "\(place) has no closing }"
        case .emptyName: return "\(place) names no variable"
        case .invalidName:
            return "\(place) is not a variable name (a letter or _, then letters, digits and _)"
        case .nested: return "\(place) holds another ${ (references cannot be nested)"
        case .unsupportedOperator:
            return "\(place) uses an operator other than :- (only ${NAME} and ${NAME:-default} are expanded)"
        }
    }

    /// What to do about it.
    public var remedy: String {
        switch problem {
        case .undefined(let name):
            let shown = Self.shown(name)
            return "set \(shown) in the environment, give a default with ${\(shown):-value}, "
                + "or write $${ for a literal ${"
        default:
            return "write ${NAME} or ${NAME:-default}, or $${ for a literal ${"
        }
    }

    private static func shown(_ name: String) -> String {
        name.count > shownNameLength ? String(name.prefix(shownNameLength)) + "…" : name
    }
}

extension VariableReferenceError.Problem {
    /// Whether the reference is well formed and only its variable is missing.
    public var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }
}
