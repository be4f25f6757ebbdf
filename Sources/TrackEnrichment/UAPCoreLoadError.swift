/// Why uap-core's regexes could not be loaded: the file, the rule when one is to blame
/// (`"os_parsers[12]"`), and the reason.
public struct UAPCoreLoadError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var rule: String?
    public var reason: String

    public init(file: String, rule: String? = nil, reason: String) {
        self.file = file
        self.rule = rule
        self.reason = reason
    }

    public var description: String {
        if let rule { return "\(file): \(rule): \(reason)" }
        return "\(file): \(reason)"
    }
}
