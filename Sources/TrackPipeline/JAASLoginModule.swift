/// The one login module of a Java client's `sasl.jaas.config`, e.g.
/// `org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";`.
///
/// Read as Kafka's `JaasConfig` reads it: the module's class, a control flag, `name=value` options
/// whose values are words or double-quoted strings (with backslash escapes), and a `;`; `//` and
/// `/* */` comments are skipped. Kafka's clients take exactly one module.
struct JAASLoginModule: Sendable, Equatable {
    var className: String
    var flag: String
    /// The options in order; values unescaped.
    var options: [(name: String, value: String)]

    static func == (lhs: JAASLoginModule, rhs: JAASLoginModule) -> Bool {
        lhs.className == rhs.className && lhs.flag == rhs.flag
            && lhs.options.elementsEqual(rhs.options) { $0.name == $1.name && $0.value == $1.value }
    }

    /// The class name without its package (`ScramLoginModule`), for matching shaded copies too.
    var simpleClassName: String { String(className.split(separator: ".").last ?? "") }

    /// The value of an option, if given.
    func option(_ name: String) -> String? { options.last { $0.name == name }?.value }

    private static let flags: Set<String> = ["required", "requisite", "sufficient", "optional"]

    /// The module `text` configures, or nil when it is not exactly one well-formed module.
    init?(parsing text: String) {
        guard var tokens = Self.tokens(Array(text.unicodeScalars)) else { return nil }
        guard case .word(let className)? = tokens.first, case .word(let flag)? = tokens.dropFirst().first,
            Self.flags.contains(flag.lowercased())
        else { return nil }
        tokens.removeFirst(2)
        var options: [(name: String, value: String)] = []
        while let token = tokens.first, token != .semicolon {
            guard tokens.count >= 3, case .word(let name) = tokens[0], tokens[1] == .equals else { return nil }
            switch tokens[2] {
            case .word(let value), .quoted(let value): options.append((name, value))
            default: return nil
            }
            tokens.removeFirst(3)
        }
        // One module and its `;`, nothing after it.
        guard tokens == [.semicolon] else { return nil }
        self.className = className
        self.flag = flag
        self.options = options
    }

    private enum Token: Equatable {
        case word(String)
        case quoted(String)
        case equals
        case semicolon
    }

    private static func isWordCharacter(_ character: Unicode.Scalar) -> Bool {
        switch character {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "-", "$", ".": true
        default: false
        }
    }

    /// The tokens of `text`, or nil at a character that belongs to none, or an unterminated string
    /// or comment.
    private static func tokens(_ text: [Unicode.Scalar]) -> [Token]? {
        var tokens: [Token] = []
        var index = 0
        func starts(_ prefix: String) -> Bool {
            let scalars = Array(prefix.unicodeScalars)
            return index + scalars.count <= text.count && Array(text[index..<index + scalars.count]) == scalars
        }
        while index < text.count {
            let character = text[index]
            if character.properties.isWhitespace {
                index += 1
            } else if starts("//") {
                while index < text.count, text[index] != "\n", text[index] != "\r" { index += 1 }
            } else if starts("/*") {
                index += 2
                while index < text.count, !starts("*/") { index += 1 }
                guard index < text.count else { return nil }
                index += 2
            } else if character == "=" {
                tokens.append(.equals)
                index += 1
            } else if character == ";" {
                tokens.append(.semicolon)
                index += 1
            } else if character == "\"" {
                index += 1
                var value = String.UnicodeScalarView()
                while true {
                    guard index < text.count else { return nil }
                    let next = text[index]
                    index += 1
                    if next == "\"" { break }
                    guard next == "\\" else {
                        value.append(next)
                        continue
                    }
                    guard index < text.count else { return nil }
                    let escape = text[index]
                    index += 1
                    switch escape {
                    case "n": value.append("\n")
                    case "t": value.append("\t")
                    case "r": value.append("\r")
                    case "f": value.append("\u{0C}")
                    case "b": value.append("\u{08}")
                    default: value.append(escape)
                    }
                }
                tokens.append(.quoted(String(value)))
            } else if isWordCharacter(character) {
                var word = String.UnicodeScalarView()
                while index < text.count, isWordCharacter(text[index]) {
                    word.append(text[index])
                    index += 1
                }
                tokens.append(.word(String(word)))
            } else {
                return nil
            }
        }
        return tokens
    }
}
