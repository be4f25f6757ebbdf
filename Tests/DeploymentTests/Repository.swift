import Foundation
import Yams

/// A deployment file that could not be read or parsed.
struct DeploymentFileError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}

/// The repository's files, found from this source file's path (Tests/DeploymentTests/…).
enum Repository {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    static func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: path(relative))
    }

    static func text(_ relative: String) throws -> String {
        do {
            return try String(contentsOfFile: path(relative), encoding: .utf8)
        } catch {
            throw DeploymentFileError("cannot read \(relative): \(error.localizedDescription)")
        }
    }
}

/// Loose views of YAML values as Yams loads them (mappings, sequences and scalars as `Any`).
enum YAMLValue {
    /// The top-level mapping of a YAML document; merge keys (`<<: *anchor`) are resolved.
    static func document(_ text: String, name: String) throws(DeploymentFileError) -> [String: Any] {
        let loaded: Any?
        do {
            loaded = try Yams.load(yaml: text)
        } catch {
            throw DeploymentFileError("\(name) is not valid YAML: \(error)")
        }
        guard let mapping = mapping(loaded) else {
            throw DeploymentFileError("\(name): the document is not a mapping")
        }
        return mapping
    }

    static func mapping(_ value: Any?) -> [String: Any]? {
        guard let dictionary = value as? [AnyHashable: Any] else { return nil }
        var result: [String: Any] = [:]
        for (key, element) in dictionary {
            guard let name = key.base as? String else { return nil }
            result[name] = element
        }
        return result
    }

    static func sequence(_ value: Any?) -> [Any]? {
        value as? [Any]
    }

    /// A scalar as text: strings as they are, numbers and booleans as YAML would print them.
    static func string(_ value: Any?) -> String? {
        switch value {
        case let text as String: text
        case let flag as Bool: flag ? "true" : "false"
        case let integer as Int: String(integer)
        case let number as Double: String(number)
        default: nil
        }
    }

    static func strings(_ value: Any?) -> [String]? {
        guard let items = sequence(value) else { return nil }
        let texts = items.compactMap(string)
        return texts.count == items.count ? texts : nil
    }
}
