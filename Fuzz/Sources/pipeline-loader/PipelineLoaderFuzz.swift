import FuzzSupport
import TrackPipeline

/// The pipeline loader (`PipelineLoader.parse(yaml:file:)`) on any text, and its writer
/// (`renderedYAML()`).
///
/// Properties: no text traps the loader; a configuration that loads renders to YAML that loads back
/// to an equal configuration, and rendering that again gives the same text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let configuration = try? PipelineLoader.parse(yaml: text, file: "fuzz.yml") else { return 0 }
    let rendered = configuration.renderedYAML()
    let reloaded: PipelineConfiguration
    do {
        reloaded = try PipelineLoader.parse(yaml: rendered, file: "rendered.yml")
    } catch {
        violation("the rendered configuration does not load (\(error)):\n\(rendered)")
    }
    guard reloaded == configuration else {
        violation("render → load changed the configuration:\n\(rendered)\nloaded back as\n\(reloaded.renderedYAML())")
    }
    guard reloaded.renderedYAML() == rendered else { violation("rendering the reloaded configuration differs") }
    return 0
}
