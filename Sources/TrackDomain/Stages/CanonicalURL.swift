/// The canonical form of a page URL, used as `resource_id` when an event names no resource (contract §3).
///
/// - scheme and host are lowercased (ASCII; hosts reach us in punycode), user info and path keep case;
/// - a default port (`:80` for http, `:443` for https) and an empty port are removed;
/// - the fragment is removed;
/// - query parameters named `utm_*`, `gclid` or `fbclid` are removed, empty parameters dropped, the
///   rest kept in their order with their original encoding; an emptied query loses its `?`.
/// A string without `scheme://` is treated as a relative reference: only fragment and query rules apply.
///
/// Works on UTF-8 bytes (every delimiter is ASCII) and returns the input unchanged, without copying,
/// when it is already canonical — the common case.
public enum CanonicalURL {
    public static func canonicalize(_ url: String) -> String {
        var url = url
        let canonical: [UInt8]? = url.withUTF8 { canonicalBytes($0) }
        guard let canonical else { return url }
        return String(decoding: canonical, as: UTF8.self)
    }

    /// The canonical form of a URL of the raw event `input`.
    public static func canonicalize(_ url: InputText, in input: UnsafeRawBufferPointer) -> String {
        url.withUTF8(in: input) { bytes in
            guard let canonical = canonicalBytes(bytes) else { return String(decoding: bytes, as: UTF8.self) }
            return String(decoding: canonical, as: UTF8.self)
        }
    }

    /// The canonical bytes, or nil when `url` is canonical already.
    private static func canonicalBytes(_ url: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let end = url.firstIndex(of: UInt8(ascii: "#")) ?? url.count
        let queryStart = url[..<end].firstIndex(of: UInt8(ascii: "?"))
        let baseEnd = queryStart ?? end
        let authority = authorityLayout(url, baseEnd: baseEnd)
        let queryNeedsRewrite = queryStart.map { queryHasRemovals(url, from: $0 + 1, to: end) } ?? false
        guard end != url.count || authority?.needsRewrite == true || queryNeedsRewrite else { return nil }

        var output: [UInt8] = []
        output.reserveCapacity(end)
        if let authority {
            appendSchemeAndHost(url, authority, into: &output)
            output.append(contentsOf: url[authority.portEnd..<baseEnd])
        } else {
            output.append(contentsOf: url[..<baseEnd])
        }
        if let queryStart {
            appendFilteredQuery(url, from: queryStart + 1, to: end, into: &output)
        }
        return output
    }

    /// Where scheme, host and port sit in an absolute URL, and whether any of them needs rewriting.
    private struct AuthorityLayout {
        var schemeEnd: Int
        var hostStart: Int
        var hostEnd: Int
        var portEnd: Int
        var dropPort: Bool
        var needsRewrite: Bool
    }

    private static func authorityLayout(_ url: UnsafeBufferPointer<UInt8>, baseEnd: Int) -> AuthorityLayout? {
        guard let schemeEnd = firstSchemeSeparator(url, before: baseEnd), isSchemeName(url[..<schemeEnd]) else {
            return nil
        }
        let authorityStart = schemeEnd + 3
        let authorityEnd = url[authorityStart..<baseEnd].firstIndex(of: UInt8(ascii: "/")) ?? baseEnd
        let hostStart =
            (url[authorityStart..<authorityEnd].lastIndex(of: UInt8(ascii: "@")).map { $0 + 1 }) ?? authorityStart
        var hostEnd = authorityEnd
        // A host with a colon of its own (outside brackets) is no `host[:port]`: RFC 3986 allows none.
        // Its port is kept as it is: dropping what follows the last colon would leave a colon that the
        // next pass takes for an empty port (`a://::` → `a://:` → `a://`), and a canonical form must
        // be its own canonical form.
        var hasPort = true
        if hostStart < authorityEnd && url[hostStart] == UInt8(ascii: "[") {
            if let close = url[hostStart..<authorityEnd].firstIndex(of: UInt8(ascii: "]")) { hostEnd = close + 1 }
        } else if let colon = url[hostStart..<authorityEnd].lastIndex(of: UInt8(ascii: ":")) {
            hostEnd = colon
            hasPort = !url[hostStart..<colon].contains(UInt8(ascii: ":"))
        }
        let port = url[hostEnd..<authorityEnd]
        let scheme = url[..<schemeEnd]
        let dropPort =
            hasPort
            && (TextNormalization.equals(port, ":")
                || (TextNormalization.equals(scheme, "http", ignoringCase: true)
                    && TextNormalization.equals(port, ":80"))
                || (TextNormalization.equals(scheme, "https", ignoringCase: true)
                    && TextNormalization.equals(port, ":443")))
        let hasUppercase =
            url[..<schemeEnd].contains(where: TextNormalization.isUppercaseASCII)
            || url[hostStart..<hostEnd].contains(where: TextNormalization.isUppercaseASCII)
        return AuthorityLayout(
            schemeEnd: schemeEnd,
            hostStart: hostStart,
            hostEnd: hostEnd,
            portEnd: authorityEnd,
            dropPort: dropPort,
            needsRewrite: dropPort || hasUppercase
        )
    }

    private static func appendSchemeAndHost(
        _ url: UnsafeBufferPointer<UInt8>,
        _ layout: AuthorityLayout,
        into output: inout [UInt8]
    ) {
        for byte in url[..<layout.schemeEnd] { output.append(TextNormalization.lowercasedASCII(byte)) }
        output.append(contentsOf: url[layout.schemeEnd..<layout.hostStart])
        for byte in url[layout.hostStart..<layout.hostEnd] { output.append(TextNormalization.lowercasedASCII(byte)) }
        if !layout.dropPort { output.append(contentsOf: url[layout.hostEnd..<layout.portEnd]) }
    }

    private static func firstSchemeSeparator(_ url: UnsafeBufferPointer<UInt8>, before end: Int) -> Int? {
        var index = 1
        while index + 2 < end {
            if url[index] == UInt8(ascii: ":") {
                return url[index + 1] == UInt8(ascii: "/") && url[index + 2] == UInt8(ascii: "/") ? index : nil
            }
            index += 1
        }
        return nil
    }

    /// RFC 3986 scheme characters: ASCII letters, digits, `+`, `-`, `.`, at least one alphanumeric.
    private static func isSchemeName(_ scheme: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        var hasAlphanumeric = false
        for byte in scheme {
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

    private static func queryHasRemovals(_ url: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var removes = false
        forEachParameter(url, from: start, to: end) { range in
            if range.isEmpty || isTrackingParameter(url[range]) { removes = true }
        }
        return removes
    }

    private static func appendFilteredQuery(
        _ url: UnsafeBufferPointer<UInt8>,
        from start: Int,
        to end: Int,
        into output: inout [UInt8]
    ) {
        var first = true
        forEachParameter(url, from: start, to: end) { range in
            guard !range.isEmpty, !isTrackingParameter(url[range]) else { return }
            output.append(first ? UInt8(ascii: "?") : UInt8(ascii: "&"))
            output.append(contentsOf: url[range])
            first = false
        }
    }

    private static func forEachParameter(
        _ url: UnsafeBufferPointer<UInt8>,
        from start: Int,
        to end: Int,
        _ body: (Range<Int>) -> Void
    ) {
        var parameterStart = start
        for index in start..<end where url[index] == UInt8(ascii: "&") {
            body(parameterStart..<index)
            parameterStart = index + 1
        }
        if parameterStart < end || start == end { body(parameterStart..<end) }
    }

    private static func isTrackingParameter(_ parameter: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        let nameEnd = parameter.firstIndex(of: UInt8(ascii: "=")) ?? parameter.endIndex
        let name = parameter[parameter.startIndex..<nameEnd]
        return (name.count >= 4 && TextNormalization.equals(name.prefix(4), "utm_"))
            || TextNormalization.equals(name, "gclid") || TextNormalization.equals(name, "fbclid")
    }
}
