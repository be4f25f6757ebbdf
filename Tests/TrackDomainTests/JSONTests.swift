import Synchronization
import Testing
import TrackDomain

@Suite("JSON parser and writer")
struct JSONTests {
    private func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    private func written(_ value: JSONValue) -> String {
        var writer = JSONWriter()
        writer.value(value)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test(arguments: [
        (#"{"a":[1,-2.5e+3,0,true,false,null,"x"],"b":{}}"#, #"{"a":[1,-2.5e+3,0,true,false,null,"x"],"b":{}}"#),
        (" \t\r\n{ \"a\" : 1 } \n", #"{"a":1}"#),
        (#""\u00e9\ud83d\ude00\/\b\f\n\r\t\"\\""#, "\"é😀/\\b\\f\\n\\r\\t\\\"\\\\\""),
        (#""\u0001\u001f""#, #""\u0001\u001f""#),
        ("\"caf\u{e9} \u{1F600}\"", "\"caf\u{e9} \u{1F600}\""),
        ("-0", "-0"),
        ("1E308", "1E308"),
        ("-1e-400", "-1e-400"),
        ("[]", "[]"),
    ])
    func roundTrip(_ input: String, _ expected: String) throws {
        #expect(written(try parse(input)) == expected)
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "{\"a\"}", "{\"a\":}", "{,}", "01", "1.", ".5", "1e", "+1", "-", "--1",
        "tru", "nul", "True", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\uZZZZ\"", "[1 2]", "{\"a\":1 \"b\":2}",
        "\"\\ud800\\u0041\"", "\"\\udfff\"", "{\"a\":1,\"a\":2}", "{\"a\":1,\"\\u0061\":2}", "{\"\\u0061\":1,\"a\":2}",
        "NaN", "Infinity", "[1]x",
    ])
    func rejects(_ input: String) {
        #expect(throws: JSONParseError.self) { try parse(input) }
    }

    /// The event reader must accept and refuse exactly what the full parser does, with the same error.
    @Test(arguments: [
        #"{"a":"x","b":{"c":[1,2]}}"#, " {\"a\" : \"x\" } ", "{}", "{\"a\":1,\"a\":2}", "{\"a\":\"\\u12\"}",
        "{\"a\":\"x\"", "{\"a\":\"x\"} 1", "{\"a\":\"\u{1}\"}", "{\"a\":[1,]}", "{\"s\":\"\\ud800\"}",
        "{\"a\":\"\u{e9}\",\"\\u0061\":1}", "{\"a\":\"x\"\"b\":1}",
    ])
    func eventReaderAgreesWithTheParser(_ input: String) {
        let bytes = Array(input.utf8)
        let full = Result { () throws(JSONParseError) in try JSONParser.parse(bytes) }
        let event = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) in try JSONParser.parseEventObject(buffer)?.count }
        }
        switch (full, event) {
        case (.success, .success(let count)): #expect(count != nil)
        case (.failure(let expected), .failure(let actual)): #expect(actual == expected)
        default: Issue.record("parse: \(full), parseEventObject: \(event)")
        }
    }

    @Test("the event reader keeps plain strings as input ranges and knows which values are compact")
    func eventReaderMembers() throws {
        let text = #"{"a":"plain","b":"esc\/aped","c":{"d":[1,"x"]},"e": {"f": 1},"g":{"h":"\u0041"},"i":null}"#
        let bytes = Array(text.utf8)
        let parsed = try bytes.withUnsafeBytes { buffer throws(JSONParseError) in
            try JSONParser.parseEventObject(buffer)
        }
        let members = try #require(parsed)
        #expect(members.map(\.key) == ["a", "b", "c", "e", "g", "i"])
        bytes.withUnsafeBytes { input in
            guard case .text(let plain) = members[0].value, case .verbatim = plain else {
                Issue.record("a plain string is read as its input bytes")
                return
            }
            #expect(plain.string(in: input) == "plain")
            guard case .text(let escaped) = members[1].value, case .decoded(let decoded) = escaped else {
                Issue.record("an escaped string is decoded")
                return
            }
            #expect(decoded == "esc/aped")
        }
        #expect(members.map(\.isCompact) == [true, false, true, false, false, true])
        #expect(String(decoding: bytes[members[2].extent], as: UTF8.self) == #"{"d":[1,"x"]}"#)
    }

    @Test("nesting up to the limit is accepted, one level more is rejected")
    func depthLimit() throws {
        let limit = JSONParser.maximumDepth
        let accepted = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        _ = try parse(accepted)
        let rejected = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(throws: JSONParseError.self) { try parse(rejected) }
        let deepObjects = String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        #expect(throws: JSONParseError.self) { try parse(deepObjects) }
    }

    @Test("duplicate keys in large objects are found too")
    func duplicateKeysInLargeObject() {
        let members = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(throws: JSONParseError.self) { try parse("{\(members),\"k7\":0}") }
    }

    /// Every placement of a repeated key among up to 40 other members, at the top level and nested,
    /// through both readers: past 16 members the check switches from comparing to a set, and a set
    /// built at the first fingerprint collision once missed the keys read after it.
    @Test(arguments: [0, 1, 15, 16, 17, 18, 33, 40])
    func duplicateKeysAtAnyPosition(fillers: Int) {
        let names = ["site_id", "q", "a0", "é"]
        for name in names {
            for first in 0...fillers {
                for second in (first + 1)...(fillers + 1) {
                    var members = (0..<fillers).map { "\"a\($0 + 1)\":\($0)" }
                    members.insert("\"\(name)\":\"A\"", at: first)
                    members.insert("\"\(name)\":\"B\"", at: second)
                    let object = "{\(members.joined(separator: ","))}"
                    let placement = "\(name) at \(first) and \(second) of \(fillers + 2)"
                    #expect((try? parse(object)) == nil, "accepted \(placement)")
                    #expect((try? parse("{\"properties\":\(object)}")) == nil, "accepted nested \(placement)")
                    #expect((try? parse("[1,\(object)]")) == nil, "accepted in an array \(placement)")
                    let rejected = Array(object.utf8).withUnsafeBytes { bytes in
                        (try? JSONParser.parseEventObject(bytes)) == nil
                    }
                    #expect(rejected, "the event reader accepted \(placement)")
                }
            }
        }
    }

    @Test("keys are compared by their bytes: two spellings of one canonically equivalent text are two keys")
    func keysComparedByBytes() throws {
        let precomposed = "\"\u{E9}\":1"
        let decomposed = "\"e\u{301}\":2"
        _ = try parse("{\(precomposed),\(decomposed)}")
        let many = (0..<20).map { "\"k\($0)\":0" }.joined(separator: ",")
        _ = try parse("{\(many),\(precomposed),\(decomposed)}")
        #expect(throws: JSONParseError.self) { try parse("{\(many),\(precomposed),\"\\u00e9\":3}") }
    }

    @Test(arguments: [
        [0x22, 0xC3, 0x22] as [UInt8],  // truncated two-byte sequence
        [0x22, 0xE0, 0x80, 0x80, 0x22],  // overlong three-byte form
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
        [0x22, 0xED, 0xB0, 0x80, 0x22],  // encoded low surrogate
        [0x22, 0x80, 0x22],  // lone continuation byte
        [0x22, 0xFF, 0x22],
    ])
    func rejectsInvalidUTF8(_ bytes: [UInt8]) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
    }

    @Test("numbers: integral reading and overflow")
    func numbers() throws {
        #expect(JSONNumber(text: "4.0", isIntegerLiteral: false).integralValue == .integer(4))
        #expect(JSONNumber(text: "4e0", isIntegerLiteral: false).integralValue == .integer(4))
        #expect(JSONNumber(text: "4.5", isIntegerLiteral: false).integralValue == .notIntegral)
        #expect(JSONNumber(text: "1e30", isIntegerLiteral: false).integralValue == .outOfRange)
        #expect(JSONNumber(text: "99999999999999999999", isIntegerLiteral: true).integralValue == .outOfRange)
        #expect(JSONNumber(text: "1e400", isIntegerLiteral: false).doubleValue == nil)
    }

    @Test("computed doubles use the shortest round-trip form")
    func doubles() {
        var writer = JSONWriter()
        writer.beginArray()
        for value in [0.1, 1.0, -1.0, 0.3999999999999999, 1e16, 5e-324] { writer.double(value) }
        writer.endArray()
        #expect(String(decoding: writer.bytes, as: UTF8.self) == "[0.1,1.0,-1.0,0.3999999999999999,1e+16,5e-324]")
    }
}

@Suite("Event time")
struct EventTimeTests {
    @Test(arguments: [
        ("2026-03-01T10:00:00Z", Int64(1_772_359_200_000)),
        ("2026-03-01t10:00:00z", 1_772_359_200_000),
        ("2026-03-01T10:00:00.5Z", 1_772_359_200_500),
        ("2026-03-01T10:00:00.999999Z", 1_772_359_200_999),
        ("2026-03-01T11:00:00+01:00", 1_772_359_200_000),
        ("2026-03-01T11:00:00+0100", 1_772_359_200_000),
        ("2026-03-01T09:00:00-01", 1_772_359_200_000),
        ("2026-03-01T10:00", 1_772_359_200_000),
        ("2026-03-01", 1_772_323_200_000),
        ("2024-02-29T00:00:00Z", 1_709_164_800_000),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59.999Z", -1),
        ("0001-01-01T00:00:00Z", EventTime.minimumMilliseconds),
        ("9999-12-31T23:59:59.999Z", EventTime.maximumMilliseconds),
    ])
    func parsesISO8601(_ text: String, _ milliseconds: Int64) throws {
        #expect(try EventTime.parseISO8601(text) == milliseconds)
    }

    @Test(arguments: [
        "2026-3-01", "2026-03-01T10", "2026-03-01T10:00:60Z", "2025-02-29", "2026-13-01", "2026-03-01T10:00:00+24:00",
        "0000-01-01", "2026-03-01T10:00:00.Z", "2026-03-01T10:00:00 Z", "", "now",
    ])
    func rejectsMalformedISO8601(_ text: String) {
        #expect(throws: EventTime.ParseFailure.self) { try EventTime.parseISO8601(text) }
    }

    @Test(arguments: [
        ("1772359200", Int64(1_772_359_200_000)),
        ("1772359200000", 1_772_359_200_000),
        ("1772359200.0005", 1_772_359_200_000),
        ("1772359200.0015", 1_772_359_200_002),
        ("99999999999", 99_999_999_999_000),
        ("100000000000", 100_000_000_000),
        ("-5", -5_000),
    ])
    func parsesEpochNumbers(_ text: String, _ milliseconds: Int64) throws {
        let number = JSONNumber(text: text, isIntegerLiteral: !text.contains("."))
        #expect(try EventTime.milliseconds(from: .number(number)) == milliseconds)
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (1_772_359_200_123, "2026-03-01T10:00:00.123Z"),
        (EventTime.minimumMilliseconds, "0001-01-01T00:00:00.000Z"),
        (EventTime.maximumMilliseconds, "9999-12-31T23:59:59.999Z"),
    ])
    func formatsRFC3339(_ milliseconds: Int64, _ text: String) {
        #expect(EventTime.rfc3339(milliseconds) == text)
    }
}

@Suite("Canonical page URLs")
struct CanonicalURLTests {
    @Test(arguments: [
        ("https://Example.COM/Path?b=1#frag", "https://example.com/Path?b=1"),
        ("HTTP://example.com:80/", "http://example.com/"),
        ("https://example.com:443", "https://example.com"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("http://example.com:443/x", "http://example.com:443/x"),
        ("https://example.com:/x", "https://example.com/x"),
        ("https://x.com/?utm_source=a&utm_medium=b", "https://x.com/"),
        ("https://x.com/?a=1&&utm_x=2&gclid=3&fbclid=4&b", "https://x.com/?a=1&b"),
        ("https://x.com/?gclidx=1&UTM_source=2", "https://x.com/?gclidx=1&UTM_source=2"),
        ("https://User:Pw@Host.com/p", "https://User:Pw@host.com/p"),
        ("https://[2001:DB8::1]:443/p", "https://[2001:db8::1]/p"),
        ("/relative/Path?utm_source=x&q=1#h", "/relative/Path?q=1"),
        ("mailto:someone", "mailto:someone"),
    ])
    func canonicalizes(_ input: String, _ expected: String) {
        #expect(CanonicalURL.canonicalize(input) == expected)
    }

    /// Found by the canonical-url fuzz target: a host with colons of its own lost one colon per pass.
    /// Such a port (after a host that is no RFC 3986 host) is kept, so the result is a fixed point.
    @Test(
        "a canonical URL is its own canonical form",
        arguments: [
            ("a://:://", "a://:://"),
            ("HTTP://H::/p", "http://h::/p"),
            ("http://h:80:80/", "http://h:80:80/"),
            ("https://h:443:/x?utm_a=1", "https://h:443:/x"),
            ("http://u:p@H:80/", "http://u:p@h/"),
        ]
    )
    func isAFixedPoint(_ input: String, _ expected: String) {
        let canonical = CanonicalURL.canonicalize(input)
        #expect(canonical == expected)
        #expect(CanonicalURL.canonicalize(canonical) == canonical)
    }
}

@Suite("Event ids")
struct EventIDTests {
    @Test("BLAKE2b-128 matches the reference (Python hashlib)")
    func knownDigests() {
        #expect(EventID(messageID: "abc").base == "a020942655b7dea5c5249c561fec4f39")
        let source = SourceCoordinates(topic: "track.raw", partition: 3, offset: 42)
        #expect(EventID(source: source).base == "007acb285f6d310529eeb2971f5cb4ac")
        #expect(EventID(source: source).child(2) == "007acb285f6d310529eeb2971f5cb4ac:2")
        #expect(EventID(source: source).signal(0) == "007acb285f6d310529eeb2971f5cb4ac:s0")
    }

    @Test("inputs longer than one block")
    func multiBlock() {
        let long = String(repeating: "x", count: 198)
        #expect(EventID(messageID: long).base == EventID(messageID: long).base)
        #expect(EventID(messageID: long).base != EventID(messageID: long + "y").base)
    }
}

@Suite("Bot detection")
struct BotDetectorTests {
    @Test(arguments: [
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", true),
        ("Mozilla/5.0 (compatible; bingbot/2.0)", true),
        ("python-requests/2.31", true),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36", false),
        ("", false),
    ])
    func builtInList(_ userAgent: String, _ isBot: Bool) {
        let detector = BotDetector.builtIn()
        var cache = UserAgentCache()
        let first = cache.isBot(userAgent: userAgent, detector: detector)
        let second = cache.isBot(userAgent: userAgent, detector: detector)
        #expect(detector.isBot(userAgent: userAgent) == isBot)
        #expect(first == isBot)
        #expect(second == isBot, "cached answer")
        #expect(cache.count == (userAgent.isEmpty ? 0 : 1))
    }

    @Test("patterns that do not compile are reported, not fatal")
    func skipsBadPatterns() {
        let detector = BotDetector(
            patterns: [
                .init(regex: "(unclosed", caseInsensitive: false), .init(regex: "Spider", caseInsensitive: true),
            ],
            sourceDescription: "test"
        )
        #expect(detector.skippedPatterns.count == 1)
        #expect(detector.isBot(userAgent: "my spider"))
        #expect(!detector.isBot(userAgent: nil))
    }

    @Test("the cache stays bounded")
    func boundedCache() {
        let detector = BotDetector(patterns: [.init(regex: "bot", caseInsensitive: false)], sourceDescription: "t")
        var cache = UserAgentCache(capacity: 4)
        for index in 0..<20 {
            _ = cache.isBot(userAgent: "agent \(index)", detector: detector)
            #expect(cache.count <= 4)
        }
        let verdict = cache.isBot(userAgent: "a bot", detector: detector)
        #expect(verdict)
    }

    @Test("thousands of user agents are remembered and answered as the detector answers them")
    func manyUserAgents() {
        let detector = BotDetector(patterns: [.init(regex: "7bot", caseInsensitive: false)], sourceDescription: "t")
        var cache = UserAgentCache(capacity: 5_000)
        let agents = (0..<4_000).map { "agent/\($0) \($0 % 10 == 7 ? "7bot" : "browser")" }
        for round in 0..<2 {
            for agent in agents {
                #expect(cache.isBot(userAgent: agent, detector: detector) == detector.isBot(userAgent: agent))
            }
            #expect(cache.count <= agents.count, "round \(round)")
        }
        #expect(cache.count >= 3_990, "nearly all remembered; a few may have lost their slot")
    }

    @Test("two spellings of one text are two user agents: a verdict never depends on what was seen first")
    func spellingsAreDistinct() {
        // A matcher that tells the spellings apart: precomposed "ébot" is 5 bytes, "e" + U+0301 + "bot" 6.
        let detector = BotDetector(matchers: [{ $0.utf8.count == 5 }], sourceDescription: "bytes")
        let precomposed = "\u{E9}bot"
        let decomposed = "e\u{301}bot"
        #expect(precomposed == decomposed, "Swift strings compare them as equal")
        for order in [[precomposed, decomposed], [decomposed, precomposed]] {
            var cache = UserAgentCache()
            let verdicts = order.map { cache.isBot(userAgent: $0, detector: detector) }
            #expect(verdicts == order.map { $0.utf8.count == 5 })
            #expect(cache.count == 2)
        }
    }

    @Test("only a user agent's first 1 KiB is examined: long ones are remembered by it and matched once")
    func longUserAgents() {
        let calls = Mutex(0)
        let detector = BotDetector(
            matchers: [
                { userAgent in
                    calls.withLock { $0 += 1 }
                    return userAgent.contains("bot/")
                }
            ],
            sourceDescription: "counting"
        )
        var cache = UserAgentCache()
        // 1,023 bytes, then a two-byte character the cut at 1,024 would split: it is left out.
        let prefix = String(repeating: "a", count: BotDetector.examinedBytes - 1)
        for tail in ["", " bot/1", " and more", String(repeating: "z", count: 1 << 20)] {
            let verdict = cache.isBot(userAgent: prefix + "é" + tail, detector: detector)
            #expect(!verdict)
        }
        let callsForFour = calls.withLock { $0 }
        #expect(callsForFour == 1, "four user agents with the same first 1 KiB, matched once")
        let marked = cache.isBot(userAgent: "x bot/2 " + prefix, detector: detector)
        #expect(marked)
        #expect(!detector.isBot(userAgent: prefix + "é bot/1"))
        let callsInAll = calls.withLock { $0 }
        #expect(callsInAll == 3)
        #expect(cache.count == 2)
    }

    @Test("a user agent read from the input is looked up by its bytes and gets the same verdict")
    func inputUserAgents() {
        let detector = BotDetector.builtIn()
        var cache = UserAgentCache()
        let input = Array("xxGooglebot/2.1yyMozilla/5.0".utf8)
        let verdicts = input.withUnsafeBytes { bytes in
            [
                cache.isBot(userAgent: .verbatim(2..<15), in: bytes, detector: detector),
                cache.isBot(userAgent: .verbatim(17..<28), in: bytes, detector: detector),
                cache.isBot(userAgent: .verbatim(0..<0), in: bytes, detector: detector),
            ]
        }
        #expect(verdicts == [true, false, false])
        #expect(cache.count == 2)
        let byString = cache.isBot(userAgent: "Googlebot/2.1", detector: detector)
        #expect(byString, "the verdict the bytes left")
        #expect(cache.count == 2, "found, not added again")
    }
}
