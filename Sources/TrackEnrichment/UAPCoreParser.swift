import CPCRE2
import Foundation
public import TrackDomain

/// Parses user agents with uap-core's `regexes.yaml`, every regex compiled once by PCRE2 (JIT where
/// available), following uap-core's specification (docs/specification.md in uap-core):
///
/// - each list (user agent, OS, device) is tried in order, unanchored; its first matching rule wins;
/// - a field with a replacement gets it with `$1`…`$9` replaced by the capture groups (a group that did
///   not take part, or does not exist, counts as empty), trimmed of surrounding whitespace;
/// - a field without one takes its default group: family `$1`, versions `$2`…`$5`, device model `$1`,
///   device brand none;
/// - an empty value is nil; a nil or unmatched family is `"Other"`.
///
/// Safe to share between threads: the compiled patterns and the match context are read-only, and each
/// parse makes its own match-data block (one allocation per parse, reused for every pattern it tries).
/// Invalid UTF-8 never fails a parse (it just matches nothing); a pattern that would backtrack
/// catastrophically gives up at the match limit and counts as not matching.
public final class UAPCoreParser: UserAgentParsing {
    /// Where Debian's `uap-core` package installs the regexes.
    public static let defaultPath = "/usr/share/uap-core/regexes.yaml"

    /// The default most backtracking steps per pattern attempt (PCRE2's own default is 10 million, about
    /// 20 ms). All 30,000 of uap-core's test user agents parse the same with a limit of 3,000; this one
    /// leaves a margin of three and stops a pattern attempt within about 0.02 ms. A parse tries every
    /// pattern of a list until one matches, so this bounds what a crafted user agent can cost.
    public static let defaultMatchLimit: UInt32 = 10_000

    /// A rule whose regex PCRE2 refused: it never matches. Log these once as a warning.
    public struct SkippedPattern: Sendable, Hashable, CustomStringConvertible {
        public var list: UAPCoreRules.List
        public var index: Int
        public var regex: String
        public var reason: String
        public var description: String { "\(list.rawValue)[\(index)] '\(regex.prefix(80))': \(reason)" }
    }

    /// Patterns PCRE2 refused (empty with uap-core 0.16 and PCRE2 10.42).
    public let skippedPatterns: [SkippedPattern]
    /// How many rules of each list were compiled.
    public let compiledCounts: [UAPCoreRules.List: Int]
    /// How many compiled patterns run as JIT code (all of them where PCRE2 has a JIT).
    public let jitCompiledCount: Int

    private let userAgentRules: [CompiledRule]
    private let osRules: [CompiledRule]
    private let deviceRules: [CompiledRule]
    private let context: PCRE2MatchContext
    /// The largest capture count of all patterns: the size of each parse's match data.
    private let groupCapacity: Int

    /// Loads and compiles a `regexes.yaml`. Throws when the file cannot be read or is not uap-core's shape;
    /// regexes PCRE2 refuses are only listed in ``skippedPatterns``.
    public convenience init(
        contentsOf path: String = UAPCoreParser.defaultPath,
        matchLimit: UInt32 = UAPCoreParser.defaultMatchLimit
    ) throws(UAPCoreLoadError) {
        self.init(rules: try UAPCoreRules(contentsOf: path), matchLimit: matchLimit)
    }

    /// Compiles `rules`; ones PCRE2 refuses are listed in ``skippedPatterns``.
    public init(rules: UAPCoreRules, matchLimit: UInt32 = UAPCoreParser.defaultMatchLimit) {
        var skipped: [SkippedPattern] = []
        var counts: [UAPCoreRules.List: Int] = [:]
        var jitCount = 0
        var groupCapacity = 0
        func compile(_ list: UAPCoreRules.List) -> [CompiledRule] {
            var compiled: [CompiledRule] = []
            for (index, rule) in rules[list].enumerated() {
                do {
                    let pattern = try PCRE2Pattern(rule.regex, caseInsensitive: rule.caseInsensitive)
                    compiled.append(CompiledRule(pattern: pattern, replacements: rule.replacements))
                    groupCapacity = max(groupCapacity, pattern.captureCount)
                    if pattern.isJITCompiled { jitCount += 1 }
                } catch {
                    skipped.append(SkippedPattern(list: list, index: index, regex: rule.regex, reason: "\(error)"))
                }
            }
            counts[list] = compiled.count
            return compiled
        }
        userAgentRules = compile(.userAgent)
        osRules = compile(.os)
        deviceRules = compile(.device)
        skippedPatterns = skipped
        compiledCounts = counts
        jitCompiledCount = jitCount
        self.groupCapacity = groupCapacity
        // The depth limit only binds the interpreter (patterns JIT refused); JIT is bounded by its stack.
        context = PCRE2MatchContext(matchLimit: matchLimit, depthLimit: 10_000)
    }

    public func parse(_ userAgent: UnsafeBufferPointer<UInt8>) -> UserAgentDetails {
        parseAll(userAgent).details
    }

    /// ``parse(_:)-(UnsafeBufferPointer<UInt8>)`` for a string.
    public func parse(_ userAgent: String) -> UserAgentDetails {
        parseAll(userAgent).details
    }

    public func parseAll(_ userAgent: String) -> UAPCoreParsed {
        var userAgent = userAgent
        return userAgent.withUTF8 { parseAll($0) }
    }

    /// Every field uap-core's rules give `userAgent` (UTF-8, possibly invalid).
    public func parseAll(_ userAgent: UnsafeBufferPointer<UInt8>) -> UAPCoreParsed {
        let matchData = PCRE2MatchData(groupCapacity: groupCapacity)
        var parsed = UAPCoreParsed()
        if let rule = firstMatch(userAgentRules, userAgent, matchData) {
            parsed.userAgent = versioned(rule, userAgent, matchData)
        }
        if let rule = firstMatch(osRules, userAgent, matchData) {
            parsed.os = versioned(rule, userAgent, matchData)
        }
        if let rule = firstMatch(deviceRules, userAgent, matchData) {
            parsed.device = UAPCoreParsed.Device(
                family: rule.value(0, defaultGroup: 1, userAgent, matchData) ?? "Other",
                brand: rule.value(1, defaultGroup: nil, userAgent, matchData),
                model: rule.value(2, defaultGroup: 1, userAgent, matchData)
            )
        }
        return parsed
    }

    /// The first rule matching `subject`, its captures left in `matchData`. A pattern that gives up (match
    /// limit, JIT stack) counts as not matching.
    private func firstMatch(
        _ rules: [CompiledRule],
        _ subject: UnsafeBufferPointer<UInt8>,
        _ matchData: borrowing PCRE2MatchData
    ) -> CompiledRule? {
        for rule in rules where rule.pattern.match(subject, into: matchData, context: context) == .match {
            return rule
        }
        return nil
    }

    private func versioned(
        _ rule: CompiledRule,
        _ subject: UnsafeBufferPointer<UInt8>,
        _ matchData: borrowing PCRE2MatchData
    ) -> UAPCoreParsed.Versioned {
        UAPCoreParsed.Versioned(
            family: rule.value(0, defaultGroup: 1, subject, matchData) ?? "Other",
            major: rule.value(1, defaultGroup: 2, subject, matchData),
            minor: rule.value(2, defaultGroup: 3, subject, matchData),
            patch: rule.value(3, defaultGroup: 4, subject, matchData),
            patchMinor: rule.value(4, defaultGroup: 5, subject, matchData)
        )
    }
}

/// A rule with its compiled pattern and its replacements split into literal text and group references.
private struct CompiledRule: Sendable {
    /// A replacement: literal UTF-8 bytes and `$n` references, in order.
    enum Piece: Sendable {
        case literal([UInt8])
        case group(Int)
    }

    let pattern: PCRE2Pattern
    let replacements: [[Piece]?]

    init(pattern: PCRE2Pattern, replacements: [String?]) {
        self.pattern = pattern
        self.replacements = replacements.map { $0.map(Self.pieces) }
    }

    /// Field `field` after a match: its replacement with the groups substituted and whitespace trimmed, or
    /// else group `defaultGroup`; nil when that is empty.
    func value(
        _ field: Int,
        defaultGroup: Int?,
        _ subject: UnsafeBufferPointer<UInt8>,
        _ matchData: borrowing PCRE2MatchData
    ) -> String? {
        if field < replacements.count, let pieces = replacements[field] {
            var bytes: [UInt8] = []
            for piece in pieces {
                switch piece {
                case .literal(let literal): bytes += literal
                case .group(let index):
                    if let group = pattern.group(index, in: subject, matchData: matchData) {
                        bytes += group
                    }
                }
            }
            let value = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return value.isEmpty ? nil : value
        }
        guard let defaultGroup, let group = pattern.group(defaultGroup, in: subject, matchData: matchData),
            !group.isEmpty
        else { return nil }
        return String(decoding: group, as: UTF8.self)
    }

    /// Splits a replacement at `$1`…`$9` (`$0`, the whole match, is treated as empty as in uap-python).
    static func pieces(_ replacement: String) -> [Piece] {
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        let bytes = Array(replacement.utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "$"), index + 1 < bytes.count,
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index + 1])
            {
                if !literal.isEmpty { pieces.append(.literal(literal)) }
                literal = []
                let group = Int(bytes[index + 1] - UInt8(ascii: "0"))
                if group > 0 { pieces.append(.group(group)) }
                index += 2
            } else {
                literal.append(bytes[index])
                index += 1
            }
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        return pieces
    }
}
