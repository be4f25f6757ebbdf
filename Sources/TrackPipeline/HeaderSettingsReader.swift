import TrackDomain
import Yams

/// Reads the `headers:` section: which input headers enriched events and signals carry
/// (``HeaderPolicy``; docs/contract.md, "Headers").
extension PipelineReader {
    func headers(_ node: Node) throws(PipelineConfigurationError) -> HeaderPolicy {
        var policy = HeaderPolicy.default
        var allowNode: Node?
        let allowed = ["forward", "allow", "deny", "max_bytes", "trace_context"]
        for (key, value) in try members(node, path: "headers", allowed: allowed) {
            let path = "headers.\(key.name)"
            switch key.name {
            case "forward":
                let text = try nonEmptyString(value, path: path)
                guard let forward = HeaderPolicy.Forward(rawValue: text) else {
                    throw error(
                        .invalidValue,
                        value,
                        path,
                        "\"\(text)\" is not a way to forward headers",
                        "write `forward: all` (every header but the denied ones) or `forward: none` (only the allowed ones)"
                    )
                }
                policy.forward = forward
            case "allow":
                allowNode = value
                policy.allow = try patterns(value, path: path)
            case "deny": policy.deny = try patterns(value, path: path)
            case "max_bytes":
                let bytes = try positiveInteger(value, path: path)
                guard bytes <= HeaderPolicy.maximumMaxBytes else {
                    throw error(
                        .invalidValue,
                        value,
                        path,
                        "\(bytes) is more than \(HeaderPolicy.maximumMaxBytes), the most a record may carry by default",
                        "write a whole number from 1 to \(HeaderPolicy.maximumMaxBytes)"
                    )
                }
                policy.maxBytes = bytes
            case "trace_context":
                guard let enabled = value.bool, value.scalar != nil else {
                    throw error(.wrongType, value, path, "expected true or false", "write `\(path): true` or `false`")
                }
                policy.traceContext = enabled
            default: break
            }
        }
        if policy.forward == .all, !policy.allow.isEmpty {
            throw error(
                .invalidValue,
                allowNode,
                "headers.allow",
                "`allow` has no effect with `forward: all`, which forwards every header that is not denied",
                "write `forward: none` to forward only the allowed headers, or list unwanted ones under `deny`"
            )
        }
        return policy
    }

    /// A list of header names or prefixes ending in `*`.
    private func patterns(_ node: Node, path: String) throws(PipelineConfigurationError) -> [HeaderPattern] {
        guard case .sequence(let sequence) = node else {
            throw error(
                .wrongType,
                node,
                path,
                "expected a list of header names",
                "write `\(path): [x-request-id, \"x-b3-*\"]` (a trailing * matches a prefix; quote it)"
            )
        }
        var patterns: [HeaderPattern] = []
        for item in sequence {
            guard let text = item.string, item.scalar != nil, let pattern = HeaderPattern(text) else {
                throw error(
                    .invalidValue,
                    item,
                    path,
                    "\"\(item.string ?? "?")\" is not a header name or a prefix ending in *",
                    "write a header name as Kafka stores it (case matters), or a prefix followed by one *"
                )
            }
            if !patterns.contains(pattern) { patterns.append(pattern) }
        }
        return patterns
    }
}
