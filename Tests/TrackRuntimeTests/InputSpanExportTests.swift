import Testing

@testable import TrackRuntime

/// When the OTLP export is asked for by the environment (docs/operations.md, "Headers and tracing").
@Suite("OTLP export: switched on by OTEL_* variables")
struct InputSpanExportTests {
    static let rows: [([String: String], Bool)] = [
        ([:], false),
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"], true),
        (["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"], true),
        (["OTEL_EXPORTER_OTLP_ENDPOINT": ""], false),
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "TRUE"], false),
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "false"], true),
        (["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_TRACES_EXPORTER": "none"], false),
        (["OTEL_SERVICE_NAME": "trackstream"], false),
    ]

    @Test("requested or not", arguments: rows)
    func requested(_ row: ([String: String], Bool)) {
        #expect(InputSpanExport.isRequested(by: row.0) == row.1, "\(row.0)")
    }
}
