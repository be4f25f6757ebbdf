import Glibc
import Logging

#if OTLP
import OTel
import ServiceLifecycle
import Tracing
#endif

/// The OTLP export of one span per traced input (docs/operations.md, "Headers and tracing"), running beside
/// the service.
///
/// Compiled only with the `OTLP` package trait (`swift build --traits OTLP`); without it
/// ``start(logger:)`` always answers nil and nothing of swift-otel is built or called.
/// With it, export is on when the environment names an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`
/// or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and neither `OTEL_SDK_DISABLED=true` nor
/// `OTEL_TRACES_EXPORTER=none` turns it off; every other `OTEL_*` variable swift-otel reads applies.
final class InputSpanExport: Sendable {
    /// Where the processing workers report their spans.
    let recorder: any InputSpanRecording
    private let stopExport: @Sendable () async -> Void

    private init(recorder: any InputSpanRecording, stop: @escaping @Sendable () async -> Void) {
        self.recorder = recorder
        self.stopExport = stop
    }

    /// Whether this binary was built with the `OTLP` trait.
    static var isCompiledIn: Bool {
        #if OTLP
        true
        #else
        false
        #endif
    }

    /// Whether `environment` asks for an export.
    static func isRequested(by environment: [String: String]) -> Bool {
        let endpoint = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"].contains {
            !(environment[$0] ?? "").isEmpty
        }
        let disabled = environment["OTEL_SDK_DISABLED"]?.lowercased() == "true"
        let noExporter = environment["OTEL_TRACES_EXPORTER"]?.lowercased() == "none"
        return endpoint && !disabled && !noExporter
    }

    /// The variables ``isRequested(by:)`` reads.
    static let variables = [
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SDK_DISABLED",
        "OTEL_TRACES_EXPORTER",
    ]

    /// Starts the export when the binary has it and the process's environment asks for it; nil otherwise.
    static func start(logger: Logger) throws -> InputSpanExport? {
        let environment = Dictionary(
            uniqueKeysWithValues: variables.compactMap { name in getenv(name).map { (name, String(cString: $0)) } }
        )
        guard isRequested(by: environment) else { return nil }
        #if OTLP
        var configuration = OTel.Configuration.default
        configuration.serviceName = "trackstream"
        configuration.diagnosticLogger = .custom(logger)
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: backend.service)], logger: logger)
        )
        let task = Task { try await group.run() }
        logger.info("exporting a span per traced input over OTLP")
        return InputSpanExport(recorder: OTLPInputSpans(tracer: backend.factory)) {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
        }
        #else
        logger.warning(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set, but this binary was built without the OTLP trait: no spans are exported",
            metadata: ["fix": "build with `swift build --traits OTLP` to export spans"]
        )
        return nil
        #endif
    }

    /// Sends what is still queued and stops the export.
    func stop() async { await stopExport() }
}

#if OTLP
/// Records each traced input as a `trackstream.process` span through swift-otel's tracer.
///
/// swift-otel 1.6 keeps its span-id generator internal, so the exported span gets a random span-id:
/// it is the child of the input's span, and names the span-id its outputs' `traceparent` carries in
/// its `trackstream.output_span_id` attribute.
private struct OTLPInputSpans<SpanTracer: Tracer>: InputSpanRecording {
    let tracer: SpanTracer

    func record(_ span: InputSpan) {
        var context = InstrumentationContext.topLevel
        tracer.extract(span.parent.description, into: &context, using: TraceParentExtractor())
        let started = tracer.startSpan(
            "trackstream.process",
            context: context,
            ofKind: .consumer,
            at: EpochInstant(nanosecondsSinceEpoch: span.startNanoseconds)
        )
        started.attributes["messaging.system"] = "kafka"
        started.attributes["messaging.operation.type"] = "process"
        started.attributes["messaging.destination.name"] = span.source.topic
        started.attributes["messaging.destination.partition.id"] = String(span.source.partition)
        started.attributes["messaging.kafka.offset"] = span.source.offset
        started.attributes["trackstream.outcome"] = span.outcome
        started.attributes["trackstream.enriched"] = span.enriched
        started.attributes["trackstream.signals"] = span.signals
        if let reason = span.rejectionReason { started.attributes["trackstream.rejection_reason"] = reason.rawValue }
        started.attributes["trackstream.output_span_id"] = span.child.spanIDHex
        started.end(at: EpochInstant(nanosecondsSinceEpoch: span.endNanoseconds))
    }
}

/// Hands the tracer the input's `traceparent`, already checked (``TraceParent``).
private struct TraceParentExtractor: Extractor {
    func extract(key: String, from carrier: String) -> String? {
        key == "traceparent" ? carrier : nil
    }
}

/// A time as the tracer takes it.
private struct EpochInstant: TracerInstant {
    var nanosecondsSinceEpoch: UInt64

    static func < (left: Self, right: Self) -> Bool { left.nanosecondsSinceEpoch < right.nanosecondsSinceEpoch }
}
#endif
