import StrictOutputs
import Testing
import TrackDomain

/// Shared helpers: run one raw value through a processor and read its outputs back as JSON.
enum TestSupport {
    static let source = SourceCoordinates(topic: "track.raw", partition: 3, offset: 42, timestamp: 1_772_359_200_000)

    static func processor(
        _ configuration: ProcessingConfiguration = .default,
        bots: BotDetector = .builtIn()
    ) -> EventProcessor {
        EventProcessor(configuration: configuration, botDetector: bots)
    }

    static func run(
        _ json: String,
        configuration: ProcessingConfiguration = .default,
        source: SourceCoordinates = TestSupport.source
    ) -> ProcessingOutcome {
        var processor = processor(configuration)
        return processor.processStrictly(value: Array(json.utf8), source: source)
    }

    /// Parses an output value written by the processor; outputs are always valid JSON objects.
    static func object(_ record: EncodedRecord?) -> JSONObject {
        guard let record, case .object(let object)? = try? JSONParser.parse(record.value) else {
            return JSONObject()
        }
        return object
    }

    static func text(_ record: EncodedRecord?) -> String {
        String(decoding: record?.value ?? [], as: UTF8.self)
    }

    /// A minimal valid event with `fields` appended (JSON members text, without braces).
    static func event(_ fields: String = "", type: String = "viewed") -> String {
        let base = #""site_id":"acme","event_type":"\#(type)","bsin":"b-1","url":"https://acme.example/a""#
        return fields.isEmpty ? "{\(base)}" : "{\(base),\(fields)}"
    }
}

extension JSONObject {
    /// The value at a dotted path (`identity.email`), for assertions.
    func at(_ path: String) -> JSONValue? {
        var current: JSONValue = .object(self)
        for component in path.split(separator: ".") {
            guard case .object(let object) = current, let next = object[String(component)] else { return nil }
            current = next
        }
        return current
    }

    func string(_ path: String) -> String? { at(path)?.stringValue }

    func number(_ path: String) -> String? { at(path)?.numberValue?.text }
}
