import Foundation
import Yams

/// uap-core's `regexes.yaml` as typed rules, before any regex is compiled.
///
/// Each of the three lists is tried in order and its first matching rule wins. A rule's replacements are
/// kept in the order of ``List/replacementKeys``; nil where the rule has none (the field then falls back to
/// a capture group, see ``UAPCoreParser``).
public struct UAPCoreRules: Sendable, Hashable {
    /// The three parser lists of `regexes.yaml`.
    public enum List: String, Sendable, CaseIterable {
        case userAgent = "user_agent_parsers"
        case os = "os_parsers"
        case device = "device_parsers"

        /// The replacement keys a rule of this list may have, in field order: family, major, minor, patch,
        /// patch_minor (user agent, OS) or family, brand, model (device).
        public var replacementKeys: [String] {
            switch self {
            case .userAgent:
                ["family_replacement", "v1_replacement", "v2_replacement", "v3_replacement", "v4_replacement"]
            case .os:
                ["os_replacement", "os_v1_replacement", "os_v2_replacement", "os_v3_replacement", "os_v4_replacement"]
            case .device: ["device_replacement", "brand_replacement", "model_replacement"]
            }
        }
    }

    /// One `regex` entry with its `regex_flag` and replacements.
    public struct Rule: Sendable, Hashable {
        public var regex: String
        /// `regex_flag: 'i'`.
        public var caseInsensitive: Bool
        /// Indexed like the list's ``List/replacementKeys``; `$1`…`$9` in them stand for capture groups.
        public var replacements: [String?]

        public init(regex: String, caseInsensitive: Bool = false, replacements: [String?] = []) {
            self.regex = regex
            self.caseInsensitive = caseInsensitive
            self.replacements = replacements
        }
    }

    public var userAgent: [Rule]
    public var os: [Rule]
    public var device: [Rule]

    public init(userAgent: [Rule], os: [Rule], device: [Rule]) {
        self.userAgent = userAgent
        self.os = os
        self.device = device
    }

    public subscript(list: List) -> [Rule] {
        switch list {
        case .userAgent: userAgent
        case .os: os
        case .device: device
        }
    }

    /// Reads and decodes a `regexes.yaml` file.
    public init(contentsOf path: String) throws(UAPCoreLoadError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw UAPCoreLoadError(file: path, reason: "cannot read: \(error.localizedDescription)")
        }
        try self.init(yaml: text, file: path)
    }

    /// Decodes the text of a `regexes.yaml`; `file` names it in errors. Keys other than `regex`,
    /// `regex_flag` and the list's replacement keys are ignored (uap-core may add some); a missing list, a
    /// rule without a string `regex`, a non-string replacement or a `regex_flag` other than `i` is an error.
    public init(yaml: String, file: String) throws(UAPCoreLoadError) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw UAPCoreLoadError(file: file, reason: "not YAML: \(error)")
        }
        guard let root, case .mapping = root else {
            throw UAPCoreLoadError(file: file, reason: "not a uap-core regexes file: the top level is not a mapping")
        }
        func rules(_ list: List) throws(UAPCoreLoadError) -> [Rule] {
            guard let node = root[list.rawValue] else {
                throw UAPCoreLoadError(file: file, reason: "not a uap-core regexes file: no \(list.rawValue)")
            }
            guard case .sequence(let entries) = node else {
                throw UAPCoreLoadError(file: file, rule: list.rawValue, reason: "not a list")
            }
            var rules: [Rule] = []
            rules.reserveCapacity(entries.count)
            for (index, entry) in entries.enumerated() {
                let fail = { (reason: String) in
                    UAPCoreLoadError(
                        file: file,
                        rule: "\(list.rawValue)[\(index)] (line \(entry.mark?.line ?? 0))",
                        reason: reason
                    )
                }
                guard case .mapping = entry else { throw fail("not a mapping") }
                guard let regexNode = entry["regex"], case .scalar(let regex) = regexNode, regexNode.null == nil else {
                    throw fail("no regex string")
                }
                var caseInsensitive = false
                if let flag = entry["regex_flag"], flag.null == nil {
                    guard flag.string == "i" else { throw fail("regex_flag is not 'i'") }
                    caseInsensitive = true
                }
                var replacements: [String?] = []
                for key in list.replacementKeys {
                    guard let value = entry[key], value.null == nil else {
                        replacements.append(nil)
                        continue
                    }
                    guard case .scalar(let scalar) = value else { throw fail("\(key) is not a string") }
                    replacements.append(scalar.string)
                }
                rules.append(Rule(regex: regex.string, caseInsensitive: caseInsensitive, replacements: replacements))
            }
            return rules
        }
        self.init(userAgent: try rules(.userAgent), os: try rules(.os), device: try rules(.device))
    }
}
