import Foundation
import TrackEnrichment
import Yams

/// uap-core's installed regexes and test files (Debian's `uap-core` package, see scripts/deps).
enum UAPCoreFiles {
    static let root = "/usr/share/uap-core"
    static let regexes = UAPCoreParser.defaultPath

    /// Loaded once for all the tests that use the real regexes.
    static let parser: UAPCoreParser = {
        do {
            return try UAPCoreParser(contentsOf: regexes)
        } catch {
            fatalError("cannot load uap-core (install Debian's uap-core package): \(error)")
        }
    }()
}

/// One case of a uap-core test file: the user agent and the expected value of each field it lists (nil
/// for a field listed empty).
struct UAPCoreTestCase: Sendable {
    var userAgent: String
    var expected: [(field: String, value: String?)]
    var line: Int

    /// The cases of a uap-core test file (`test_cases:` list of mappings).
    static func load(_ path: String, fields: [String]) throws -> [UAPCoreTestCase] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let root = try Yams.compose(yaml: text), case .sequence(let cases)? = root["test_cases"] else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path])
        }
        return cases.compactMap { node in
            guard let userAgent = node["user_agent_string"]?.string else { return nil }
            let expected = fields.compactMap { field -> (field: String, value: String?)? in
                guard let value = node[field] else { return nil }
                return (field, value.null == nil ? value.string : nil)
            }
            return UAPCoreTestCase(userAgent: userAgent, expected: expected, line: node.mark?.line ?? 0)
        }
    }
}

extension UAPCoreParsed {
    /// A field by its name in uap-core's test files, for `kind` "ua", "os" or "device".
    func field(_ name: String, of kind: String) -> String? {
        if kind == "device" {
            switch name {
            case "family": return device.family
            case "brand": return device.brand
            case "model": return device.model
            default: return "<unknown field \(name)>"
            }
        }
        let versioned = kind == "os" ? os : userAgent
        switch name {
        case "family": return versioned.family
        case "major": return versioned.major
        case "minor": return versioned.minor
        case "patch": return versioned.patch
        case "patch_minor": return versioned.patchMinor
        default: return "<unknown field \(name)>"
        }
    }
}
