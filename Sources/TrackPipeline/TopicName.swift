/// Kafka's rules for topic names, checked where a name enters (pipeline files and command-line
/// options) so that a bad one is a configuration error naming the rule, not a broker error later.
public enum TopicName {
    /// The longest topic name Kafka accepts, in characters.
    public static let maximumLength = 249

    /// Kafka's rule, for the remedy of an error.
    public static let rule =
        "a topic name is 1 to \(maximumLength) characters of a-z, A-Z, 0-9, '.', '_' and '-', "
        + "and not '.' or '..'"

    /// Why `name` cannot name a Kafka topic, as a clause quoting it, or nil when it can: 1 to
    /// ``maximumLength`` characters of `a-z A-Z 0-9 . _ -`, and neither `.` nor `..` (``rule``).
    public static func problem(with name: String) -> String? {
        let reason: String
        if name.isEmpty {
            reason = "it is empty"
        } else if name == "." || name == ".." {
            reason = "'.' and '..' are reserved"
        } else if let character = name.unicodeScalars.first(where: { !isAllowed($0) }) {
            reason = "it contains '\(character.escaped(asASCII: true))'"
        } else if name.utf8.count > maximumLength {
            reason = "it has \(name.utf8.count) characters, more than \(maximumLength)"
        } else {
            return nil
        }
        return "'\(shown(name))' is not a valid Kafka topic name: \(reason)"
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": true
        default: false
        }
    }

    /// The name as an error shows it: long ones cut short, so that a message stays one line.
    private static func shown(_ name: String) -> String {
        name.count > 60 ? name.prefix(40) + "…" + name.suffix(10) : name
    }
}
