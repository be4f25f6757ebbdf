/// The canonical form of a page URL, used as `resource_id` when an event names no resource (events.md §3).
///
/// - scheme and host are lowercased (ASCII; hosts reach us in punycode), user info and path keep case;
/// - a default port (`:80` for http, `:443` for https) and an empty port are removed;
/// - the fragment is removed;
/// - query parameters named `utm_*`, `gclid` or `fbclid` are removed, empty parameters dropped, the
///   rest kept in their order with their original encoding; an emptied query loses its `?`.
/// A string without `scheme://` is treated as a relative reference: only fragment and query rules apply.
public enum CanonicalURL {
    public static func canonicalize(_ url: String) -> String {
        var text = Substring(url)
        if let hash = text.utf8.firstIndex(of: UInt8(ascii: "#")) {
            text = text[..<hash]
        }
        var base = text
        var query: Substring? = nil
        if let question = text.utf8.firstIndex(of: UInt8(ascii: "?")) {
            base = text[..<question]
            query = text[text.utf8.index(after: question)...]
        }
        var result = canonicalBase(base)
        if let query {
            let kept = query.split(separator: "&", omittingEmptySubsequences: true).filter { !isTrackingParameter($0) }
            if !kept.isEmpty {
                result += "?"
                result += kept.joined(separator: "&")
            }
        }
        return result
    }

    private static func isTrackingParameter(_ parameter: Substring) -> Bool {
        let name = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return name.hasPrefix("utm_") || name == "gclid" || name == "fbclid"
    }

    private static func canonicalBase(_ base: Substring) -> String {
        guard let schemeEnd = base.firstRange(of: "://"), schemeEnd.lowerBound > base.startIndex else {
            return String(base)
        }
        let scheme = base[..<schemeEnd.lowerBound]
        guard isSchemeName(scheme) else { return String(base) }
        let rest = base[schemeEnd.upperBound...]
        let slash = rest.utf8.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
        let authority = rest[..<slash]
        let path = rest[slash...]
        var userInfo: Substring = ""
        var hostAndPort = authority
        if let at = authority.utf8.lastIndex(of: UInt8(ascii: "@")) {
            userInfo = authority[...at]
            hostAndPort = authority[authority.utf8.index(after: at)...]
        }
        var host = hostAndPort
        var port: Substring = ""
        if hostAndPort.hasPrefix("[") {
            if let close = hostAndPort.utf8.firstIndex(of: UInt8(ascii: "]")) {
                let afterClose = hostAndPort.utf8.index(after: close)
                host = hostAndPort[..<afterClose]
                port = hostAndPort[afterClose...]
            }
        } else if let colon = hostAndPort.utf8.lastIndex(of: UInt8(ascii: ":")) {
            host = hostAndPort[..<colon]
            port = hostAndPort[colon...]
        }
        let lowerScheme = asciiLowercased(scheme)
        if port == ":" || (lowerScheme == "http" && port == ":80") || (lowerScheme == "https" && port == ":443") {
            port = ""
        }
        return lowerScheme + "://" + userInfo + asciiLowercased(host) + port + path
    }

    /// RFC 3986 scheme characters: ASCII letters, digits, `+`, `-`, `.`, at least one alphanumeric.
    private static func isSchemeName(_ scheme: Substring) -> Bool {
        var hasAlphanumeric = false
        for byte in scheme.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                hasAlphanumeric = true
            case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
                continue
            default:
                return false
            }
        }
        return hasAlphanumeric
    }

    static func asciiLowercased(_ text: Substring) -> String {
        guard text.utf8.contains(where: { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) else {
            return String(text)
        }
        return String(
            decoding: text.utf8.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 | 0x20 : $0 },
            as: UTF8.self
        )
    }
}
