import Foundation

/// scripts/validate-manifests, run once over many files: Kubernetes' own JSON schemas (PyPI's
/// kubernetes-validate, strict) for built-in kinds, deploy/schemas' KEDA subset for KEDA's.
enum ManifestValidation {
    /// The Kubernetes version whose schemas the manifests must pass: older than the newest one
    /// kubernetes-validate (pinned in scripts/deps) ships, so that the manifests use no field only
    /// the newest clusters accept. Raise it as clusters move on.
    static let kubernetesVersion = "1.35.0"
    static let crdSchemas = "deploy/schemas/keda.sh-v1alpha1.json"

    /// One document's verdict.
    struct Result: Decodable, Sendable {
        var file: String
        var document: Int
        var kind: String?
        var name: String?
        /// Which schema checked it, or nil when none could.
        var schema: String?
        var errors: [String]
    }

    /// The project's virtualenv Python (scripts/deps), or TRACKSTREAM_PYTHON.
    static var python: String {
        ProcessInfo.processInfo.environment["TRACKSTREAM_PYTHON"] ?? Repository.path(".deps/venv/bin/python3")
    }

    /// Validates `paths` (absolute, or relative to the repository) in one process.
    static func run(_ paths: [String]) throws -> [Result] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments =
            [
                Repository.path("scripts/validate-manifests"), "--kubernetes-version", kubernetesVersion,
                "--crd-schemas", Repository.path(crdSchemas),
            ] + paths
        process.currentDirectoryURL = Repository.root
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw DeploymentFileError("cannot run \(python) (run scripts/deps to create the virtualenv): \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let diagnostics = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // 1 means "a document has errors", with a line for each; anything else (2: usage, 1 with no
        // output: an import failed) is the tool's failure, not the manifests'.
        guard process.terminationStatus == 0 || (process.terminationStatus == 1 && !data.isEmpty) else {
            throw DeploymentFileError(
                "scripts/validate-manifests exited \(process.terminationStatus) (run scripts/deps for "
                    + "kubernetes-validate and jsonschema): \(diagnostics)"
            )
        }
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).map { line in
            do {
                return try decoder.decode(Result.self, from: Data(line))
            } catch {
                throw DeploymentFileError("scripts/validate-manifests printed \(String(decoding: line, as: UTF8.self))")
            }
        }
    }
}
