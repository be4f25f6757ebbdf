/// What is wrong with a `--kafka-file` (a Java client properties file), where, and what to do.
///
/// It never holds a property's value: the file is where passwords and JAAS configurations live.
public struct KafkaFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file's path as given.
    public var file: String
    /// The 1-based line of the offending property (its first line when continued), when known.
    public var line: Int?
    /// The property's name, when the problem is about one.
    public var key: String?
    /// What is wrong.
    public var problem: String
    /// What to do about it.
    public var remedy: String

    public init(file: String, line: Int?, key: String?, problem: String, remedy: String) {
        self.file = file
        self.line = line
        self.key = key
        self.problem = problem
        self.remedy = remedy
    }

    /// `FILE:LINE: KEY: problem; remedy`.
    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        let key = key.map { " \($0):" } ?? ""
        return "\(location):\(key) \(problem); \(remedy)"
    }
}
