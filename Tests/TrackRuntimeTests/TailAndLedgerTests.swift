import Testing
import TrackDomain
import TrackRuntime

/// The pure parts of `tail` and `redrive`: filters, display, the ledger's offset sets.
@Suite("tail filters and redrive ledger (in memory)")
struct TailAndLedgerTests {
    struct FilterCase: Sendable, CustomTestStringConvertible {
        var conditions: [String]
        var key: String?
        var value: String
        var matches: Bool
        var testDescription: String { "\(conditions) on \(value)" }
    }

    @Test(
        "--where conditions",
        arguments: [
            FilterCase(conditions: [], key: nil, value: "1", matches: true),
            FilterCase(
                conditions: ["reason=invalid_json"],
                key: nil,
                value: #"{"reason":"invalid_json"}"#,
                matches: true
            ),
            FilterCase(conditions: ["reason=a,b"], key: nil, value: #"{"reason":"b"}"#, matches: true),
            FilterCase(conditions: ["reason=a", "reason=b"], key: nil, value: #"{"reason":"b"}"#, matches: true),
            FilterCase(
                conditions: ["reason=a", "site=s"],
                key: nil,
                value: #"{"reason":"a","site_id":"t"}"#,
                matches: false
            ),
            FilterCase(conditions: ["site=s"], key: nil, value: #"{"site_id":"s"}"#, matches: true),
            FilterCase(
                conditions: ["source.partition=3"],
                key: nil,
                value: #"{"source":{"partition":3}}"#,
                matches: true
            ),
            FilterCase(
                conditions: ["identity.user_id=null"],
                key: nil,
                value: #"{"identity":{"user_id":null}}"#,
                matches: true
            ),
            FilterCase(conditions: ["is_bot=true"], key: nil, value: #"{"is_bot":true}"#, matches: true),
            FilterCase(conditions: ["properties=x"], key: nil, value: #"{"properties":{}}"#, matches: false),
            FilterCase(conditions: ["key=acme:b-1"], key: "acme:b-1", value: "not json", matches: true),
            FilterCase(conditions: ["reason=a"], key: nil, value: "not json", matches: false),
            FilterCase(conditions: ["reason="], key: nil, value: #"{"reason":""}"#, matches: true),
        ]
    )
    func filters(_ row: FilterCase) throws {
        let filter = try RecordFilter(row.conditions)
        let value = try? JSONParser.parse(Array(row.value.utf8))
        #expect(filter.matches(key: row.key, value: value) == row.matches)
    }

    @Test("--where arguments without NAME=VALUE are refused", arguments: ["reason", "=x", ""])
    func badFilters(_ argument: String) {
        #expect(throws: RecordFilterError.self) { try RecordFilter([argument]) }
    }

    @Test("pretty lines never carry a control character or a bidirectional override from the data")
    func printable() {
        let record = TailRecord(
            topic: "t",
            partition: 0,
            offset: 1,
            timestamp: nil,
            key: Array("k\u{1B}]0;x\u{07}".utf8),
            headers: [],
            value: Array(#"{"event_type":"v\u001b[2J\u202e","site_id":"s\r\n","bsin":"\u0085"}"#.utf8)
        )
        let value = try? JSONParser.parse(record.value!)
        for colour in [false, true] {
            let line = TailFormatter(format: .pretty, colour: colour).line(for: record, value: value)
            let scalars = line.unicodeScalars.filter {
                $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{202E}"
            }
            // Colour adds ESC only as the start of its own SGR sequences.
            #expect(scalars.allSatisfy { colour && $0.value == 0x1B }, "\(line.debugDescription)")
            #expect(line.contains("\\u{1B}[2J"))
        }
        let notUTF8 = TailRecord(
            topic: "t",
            partition: 0,
            offset: 1,
            timestamp: 0,
            key: [0xFF],
            headers: [],
            value: [0xFE, 0x41]
        )
        let json = TailFormatter(format: .json, colour: false).line(for: notUTF8, value: nil)
        #expect(json.contains(#""key_base64":"/w==""#) && json.contains(#""value_base64":"/kE=""#), "\(json)")
    }

    @Test("offset sets merge ranges, answer membership, and survive the ledger's markers")
    func intervals() throws {
        var set = OffsetIntervals()
        for offset: Int64 in [5, 6, 7, 1, 9, 8, 3, 2, 100] { set.insert(offset) }
        #expect(set.ranges == [1..<4, 5..<10, 100..<101])
        set.insert(4..<5)
        #expect(set.ranges == [1..<10, 100..<101])
        set.insert(0..<200)
        #expect(set.ranges == [0..<200])
        #expect(set.contains(0) && set.contains(199) && !set.contains(200) && !set.contains(-1))

        var published = OffsetIntervals()
        for offset in stride(from: Int64(0), to: 50_000, by: 2) { published.insert(offset) }
        let ledger = RedriveLedger(topic: "r.redriven", rejectedTopic: "r", destination: "e")
        let markers = ledger.markers(for: [3: published], pipeline: "p", at: 0, maximumRanges: 10_000)
        #expect(markers.count == 3)
        var reloaded = RedriveLedger(topic: "r.redriven", rejectedTopic: "r", destination: "e")
        var elsewhere = RedriveLedger(topic: "r.redriven", rejectedTopic: "r", destination: "prefix.e")
        for marker in markers {
            reloaded.apply(markerValue: try #require(marker.value))
            elsewhere.apply(markerValue: try #require(marker.value))
        }
        #expect(reloaded.published[3] == published)
        #expect(elsewhere.published.isEmpty, "a redrive into other topics does not count")
        #expect(reloaded.contains(partition: 3, offset: 49_998) && !reloaded.contains(partition: 3, offset: 49_999))
    }
}
