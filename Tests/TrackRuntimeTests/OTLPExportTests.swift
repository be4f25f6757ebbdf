#if OTLP
import Foundation
import Kafka
import Testing
import TrackDomain

@testable import TrackRuntime

/// The span export of a binary built with the `OTLP` trait, against a small OTLP/HTTP receiver on
/// loopback (Python's http.server, writing each request body to a file). Compiled only with the trait.
@Suite("OTLP span export (OTLP trait)", .serialized)
struct OTLPExportTests {
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"

    /// A receiver that answers every POST with `{}` and keeps its body; killed by the caller.
    static func startReceiver(directory: String, port: Int) throws -> Process {
        let script = """
            import http.server, itertools, sys
            counter = itertools.count()
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                    with open(f'{sys.argv[1]}/{next(counter)}-{self.path.strip("/").replace("/", "_")}.json', 'wb') as f:
                        f.write(body)
                    self.send_response(200)
                    self.send_header('Content-Type', 'application/json')
                    self.send_header('Content-Length', '2')
                    self.end_headers()
                    self.wfile.write(b'{}')
                def log_message(self, *args):
                    pass
            http.server.HTTPServer(('127.0.0.1', int(sys.argv[2])), Handler).serve_forever()
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, directory, "\(port)"]
        // Not the test's own output: a receiver left holding it would keep `swift test` waiting.
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test("one span per sampled traced input, a child of the input's span, with its coordinates and outcome")
    func exportsSpans() async throws {
        #expect(InputSpanExport.isCompiledIn)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "otlp-\(UUID().uuidString.prefix(8))"
        )
        .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let port = 40_000 + Int.random(in: 0..<10_000)
        let receiver = try Self.startReceiver(directory: directory, port: port)
        defer {
            // SIGKILL: the test process may block SIGTERM, and its children inherit the mask.
            kill(receiver.processIdentifier, SIGKILL)
            receiver.waitUntilExit()
        }

        let pipeline = try await TestPipeline.make(broker: .shared)
        func event(_ id: String, _ traceParent: String?) -> ProducerMessage {
            ProducerMessage(
                topic: pipeline.input,
                key: Array(id.utf8),
                value: Array(#"{"site_id":"s","event_type":"viewed","bsin":"b","message_id":"\#(id)"}"#.utf8),
                headers: traceParent.map { [KafkaHeader(name: "traceparent", value: Array($0.utf8))] } ?? []
            )
        }
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": pipeline.broker.bootstrap])
        let report: DeliveryReport = try await producer.send([
            event("sampled", "00-\(Self.traceID)-00f067aa0ba902b7-01"),
            event("not-sampled", "00-\(Self.traceID)-00f067aa0ba902b8-00"),
            event("untraced", nil),
        ])
        await producer.close()
        #expect(report.allDelivered)

        let service = try pipeline.startService(
            ["--until-caught-up"],
            environment: [
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(port)",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
                "OTEL_BSP_SCHEDULE_DELAY": "100",
            ]
        )
        defer { service.signal(SIGKILL) }
        #expect(await service.waitForExit(timeout: .seconds(60)) == 0, "\(service.log.suffix(2000))")

        let bodies = try FileManager.default.contentsOfDirectory(atPath: directory).filter {
            $0.hasSuffix("traces.json")
        }
        .map { try String(contentsOfFile: "\(directory)/\($0)", encoding: .utf8) }
        let text = bodies.joined(separator: "\n")
        #expect(text.components(separatedBy: "trackstream.process").count - 1 == 1, "one span: \(text.prefix(2000))")
        let inputs = try await readAll(
            pipeline.input,
            partitions: pipeline.partitions,
            broker: pipeline.broker,
            strict: false
        )
        let sampled = try #require(inputs.first { $0.key == Array("sampled".utf8) })
        let child = TraceParent.spanID(
            for: SourceCoordinates(topic: pipeline.input, partition: sampled.partition, offset: sampled.offset)
        )
        let childHex = TraceParent(traceIDHigh: 0, traceIDLow: 0, spanID: child, flags: 0).spanIDHex
        #expect(text.contains(childHex), "trackstream.output_span_id")
        for expected in [
            "messaging.kafka.offset", "trackstream.outcome", "accepted", "messaging.destination.name", pipeline.input,
        ] {
            #expect(text.contains(expected), "\(expected)")
        }
        // The parent is the input's span, the trace the input's (hex, or base64 of the bytes).
        #expect(text.contains("00f067aa0ba902b7") || text.contains("APBnqgupArc="), "the parent span-id")
        #expect(text.contains(Self.traceID) || text.contains("S/kvNXezTaajzpKdDg5HNg=="), "the trace-id")
    }
}
#endif
