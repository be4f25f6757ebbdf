import FuzzSupport
import StrictJSON
import TrackDomain

/// The whole record path: raw values through `EventProcessor` into one `OutputBuffer`, as the runtime
/// writes a batch.
///
/// Input: a control byte, then the values, one per line (at most ``maximumRecords``). The control byte
/// picks the Kafka timestamp (its low 3 bits: none, `Int64.min`, `Int64.max`, 0, -1, eight more input
/// bytes, a 2026 time, or that time minus one input byte of days); its bit 3 replaces every number of
/// the values by a limit value (``limitNumbers``); when its top four bits are all set, the first record
/// is a tombstone (no value).
///
/// Properties checked for every record:
/// - exactly one of "enriched events written" and "a rejection written", and the buffer's records
///   agree with the outcome's counts, kinds and keys (a rejection has none, the others do);
/// - every output value is one strict JSON object (``StrictJSON``, not TrackDomain's parser);
/// - the verdict matches the input: an accepted record or a rule rejection had a strict JSON object,
///   `invalid_json` had no strict JSON (or no value), `not_an_object` had strict JSON that is not one;
/// - the ids of one record's outputs (enriched `event_id`, `signal_id`, rejection `event_id`) are unique;
/// - one record's outputs, keys included, fit `limits.max_output_bytes` (a rejection: a record);
/// - the same values give byte-identical outputs again: on the same processor (its bot verdicts warm),
///   on a fresh one, and one by one through `process(value:source:)`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let control = input.byte()
    let timestamp = kafkaTimestamp(control & 7, &input)
    var values: [[UInt8]?] = input.rest.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        .prefix(maximumRecords).map { Array($0) }
    if control & 0x08 != 0 { values = values.map { $0.map(withLimitNumbers) } }
    if control & 0xF0 == 0xF0, !values.isEmpty { values[0] = nil }
    let sources = values.indices.map {
        SourceCoordinates(topic: "track.raw", partition: 3, offset: 1000 + Int64($0), timestamp: timestamp)
    }

    let first = run(values, sources, on: &longLived)
    if printOutputs {
        for (index, record) in first.enumerated() {
            printError("record \(index): \(record.outcome)")
            for output in record.outputs { printError("  \(output.kind): \(excerpt(output.value, limit: 4000))") }
        }
    }
    for (index, record) in first.enumerated() {
        check(record, value: values[index])
    }
    let again = run(values, sources, on: &longLived)
    guard again == first else { violation("a second run on the same processor wrote other bytes") }
    var fresh = makeProcessor()
    guard run(values, sources, on: &fresh) == first else {
        violation("a fresh processor wrote other bytes than a used one")
    }
    for (index, value) in values.enumerated() {
        var single = makeProcessor()
        let outcome = single.process(value: value, source: sources[index])
        let outputs =
            outcome.enriched.map { Output(kind: .enriched, key: $0.key, value: $0.value) }
            + outcome.signals.map { Output(kind: .signal, key: $0.key, value: $0.value) }
            + (outcome.rejection.map { [Output(kind: .rejection, key: $0.key, value: $0.value)] } ?? [])
        guard outputs == first[index].outputs, outcome.rejectionReason == first[index].outcome.rejectionReason else {
            violation("record \(index) processed alone differs from the same record in a batch")
        }
    }
    return 0
}

/// Numbers at the limits of `Double` and `Int64`, where conversions overflow, lose precision or
/// underflow. Random mutation rarely writes them digit by digit; ``withLimitNumbers(_:)`` puts them
/// where the input has numbers, as AFL puts its "interesting values" into integers.
let limitNumbers: [String] = [
    "0", "-1", "1e308", "-1e308", "1.7976931348623157e308", "1e309", "5e-324", "1e-400",
    "9007199254740992", "9007199254740993", "4611686018427387904", "4611686018427387905",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808", "100000000000", "99999999999.9995",
]

/// `value` with numbers outside strings replaced by ``limitNumbers`` entries that each number's own
/// bytes choose (their sum), so that mutating a digit picks another entry; about half the choices keep
/// the number, since one invalid number (a quantity of 0) rejects the whole event.
func withLimitNumbers(_ value: [UInt8]) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(value.count + 64)
    var index = 0
    var inString = false
    while index < value.count {
        let byte = value[index]
        if inString {
            if byte == UInt8(ascii: "\\") {
                output.append(contentsOf: value[index..<min(index + 2, value.count)])
                index += 2
                continue
            }
            if byte == UInt8(ascii: "\"") { inString = false }
        } else if byte == UInt8(ascii: "\"") {
            inString = true
        } else if byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            var end = index + 1
            while end < value.count, "0123456789.eE+-".utf8.contains(value[end]) { end += 1 }
            let choice = value[index..<end].reduce(0) { $0 &+ Int($1) } % (2 * limitNumbers.count)
            if choice < limitNumbers.count {
                output.append(contentsOf: limitNumbers[choice].utf8)
                index = end
                continue
            }
            output.append(contentsOf: value[index..<end])
            index = end
            continue
        }
        output.append(byte)
        index += 1
    }
    return output
}

/// The limits the processor runs with: the outputs of one accepted record fit `maxOutputBytes`, a
/// rejection fits `maxRecordBytes`.
let configuration = ProcessingConfiguration.default

/// Values per fuzz input: enough for a record to follow a rolled-back one in the same buffer.
let maximumRecords = 4

/// A processor kept for the whole run, as a worker keeps one: its bot verdicts accumulate.
nonisolated(unsafe) var longLived = makeProcessor()

func makeProcessor() -> EventProcessor {
    // A cheap detector, so that the run spends its time in the record path rather than in regexes.
    let bots = BotDetector(matchers: [{ $0.contains("bot") || $0.contains("Spider") }], sourceDescription: "fuzz")
    // Every enrichment on, with stand-ins that copy input text into the outputs, so that the fuzzer
    // reaches their encoding with hostile text; and IP anonymization with pseudonyms of user ids.
    let enrichments = Enrichments(
        userAgentParser: EchoParser(),
        geoLocator: EchoLocator(),
        privacy: PrivacySettings(ipAnonymizeOctets: 1, ipAnonymizeSegments: 3, pseudonymized: [.userID]),
        pseudonymizer: ReversingPseudonymizer()
    )
    return EventProcessor(configuration: configuration, botDetector: bots, enrichments: enrichments)
}

/// Families and versions taken from the user agent's own text, invalid UTF-8 repaired.
struct EchoParser: UserAgentParsing {
    func parse(_ userAgent: UnsafeBufferPointer<UInt8>) -> UserAgentDetails {
        let text = String(decoding: userAgent, as: UTF8.self)
        return UserAgentDetails(
            browserFamily: text,
            browserVersion: String(text.prefix(3)),
            deviceModel: text.isEmpty ? nil : "\u{0}"
        )
    }
}

/// A location for every public address, made from the address's text.
struct EchoLocator: GeoLocating {
    mutating func record(for address: IPAddress) -> GeoRecord? {
        switch address {
        case .v4(let value): GeoRecord(database: 1, offset: UInt64(value))
        case .v6(let value): GeoRecord(database: 1, offset: UInt64(truncatingIfNeeded: value ^ (value >> 64)))
        }
    }

    func location(of record: GeoRecord) -> Geolocation {
        Geolocation(
            city: "\"city\\\(record.offset)\u{2028}",
            latitude: Double(record.offset % 180),
            accuracyRadiusKm: Int(record.offset % 1000)
        )
    }
}

/// A stand-in keyed hash: the value reversed.
struct ReversingPseudonymizer: Pseudonymizing {
    func pseudonym(of value: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: value.reversed(), as: UTF8.self)
    }
}

func kafkaTimestamp(_ choice: UInt8, _ input: inout FuzzInput) -> Int64? {
    let realistic: Int64 = 1_772_359_200_000
    switch choice {
    case 0: return nil
    case 1: return .min
    case 2: return .max
    case 3: return 0
    case 4: return -1
    case 5: return input.int64()
    case 6: return realistic
    default: return realistic - Int64(input.byte()) * 86_400_000
    }
}

/// One output record, copied out of the buffer.
struct Output: Equatable {
    var kind: OutputKind
    var key: [UInt8]?
    var value: [UInt8]
}

/// What one input record produced.
struct RecordResult: Equatable {
    var outcome: RecordOutcome
    var outputs: [Output]
}

/// Processes `values` into one buffer, as a batch, and splits the outputs by record.
func run(_ values: [[UInt8]?], _ sources: [SourceCoordinates], on processor: inout EventProcessor) -> [RecordResult] {
    var buffer = OutputBuffer(capacity: 512, expectedRecords: 4)
    var outcomes: [(RecordOutcome, Range<Int>)] = []
    for (index, value) in values.enumerated() {
        let start = buffer.records.count
        let outcome: RecordOutcome
        if let value {
            outcome = value.withUnsafeBytes { processor.process(value: $0, source: sources[index], into: &buffer) }
        } else {
            outcome = processor.process(value: nil, source: sources[index], into: &buffer)
        }
        outcomes.append((outcome, start..<buffer.records.count))
    }
    let encoded = buffer.finish()
    let bytes = encoded.bytes
    return outcomes.map { outcome, range in
        let outputs = encoded.records[range].map { layout in
            Output(
                kind: layout.kind,
                key: layout.key.map { Array(bytes[$0]) },
                value: Array(bytes[layout.value])
            )
        }
        return RecordResult(outcome: outcome, outputs: outputs)
    }
}

func check(_ record: RecordResult, value: [UInt8]?) {
    let outcome = record.outcome
    let rejections = record.outputs.filter { $0.kind == .rejection }
    let enriched = record.outputs.filter { $0.kind == .enriched }
    let signals = record.outputs.filter { $0.kind == .signal }
    guard (outcome.enriched > 0) != (outcome.rejectionReason != nil) else {
        violation("not exactly one of enriched and rejected: \(outcome)")
    }
    guard enriched.count == outcome.enriched, signals.count == outcome.signals,
        rejections.count == (outcome.rejectionReason == nil ? 0 : 1)
    else { violation("the buffer's records do not match the outcome \(outcome)") }
    guard record.outputs.allSatisfy({ ($0.key == nil) == ($0.kind == .rejection) }) else {
        violation("a rejection with a key, or an enriched event or signal without one")
    }

    let inputVerdict = value.map { StrictJSON.validate($0, maximumDepth: 255) }
    checkVerdict(outcome.rejectionReason, inputVerdict, value: value)

    var ids = Set<String>()
    var total = 0
    for output in record.outputs {
        total += output.value.count + (output.key?.count ?? 0)
        let idKey = output.kind == .signal ? "signal_id" : "event_id"
        let id: String
        switch StrictJSON.validate(output.value) {
        case .success(let summary):
            guard summary.isObject else { violation("an output that is not an object: \(excerpt(output.value))") }
            guard let found = summary.string(idKey) else { violation("an output without \(idKey)") }
            id = found
        case .failure(let failure):
            violation("an output that is not strict JSON (\(failure)): \(excerpt(output.value, limit: 2000))")
        }
        guard ids.insert(id).inserted else { violation("the id \(id) twice in the outputs of one record") }
    }
    let cap = outcome.rejectionReason == nil ? configuration.maxOutputBytes : configuration.maxRecordBytes
    guard total <= cap else {
        violation("one record produced \(total) output bytes, more than \(cap)")
    }
}

/// The rejection reason must fit what the strict validator says of the input.
func checkVerdict(
    _ reason: RejectionReason?,
    _ verdict: Result<StrictJSON.Summary, StrictJSON.Failure>?,
    value: [UInt8]?
) {
    guard let verdict, let value else {
        guard reason == .invalidJSON else { violation("a tombstone not rejected as invalid_json") }
        return
    }
    switch (reason, verdict) {
    case (.tooLarge?, _), (.processingError?, _):
        return
    case (.invalidJSON?, .failure):
        return
    case (.invalidJSON?, .success):
        violation("invalid_json for strict JSON: \(excerpt(value))")
    case (.notAnObject?, .success(let summary)) where !summary.isObject:
        return
    case (.notAnObject?, _):
        violation("not_an_object for \(excerpt(value))")
    case (_, .success(let summary)) where summary.isObject:
        return
    case (_, .failure(let failure)):
        violation("\(reason.map { "rejected as \($0)" } ?? "accepted") although not strict JSON (\(failure))")
    case (_, .success):
        violation("\(reason.map { "rejected as \($0)" } ?? "accepted") although not an object")
    }
}
