extension PipelineConfiguration {
    /// The resolved configuration as a pipeline file: every key, defaults included, in schema order.
    ///
    /// Feeding the output back to ``PipelineLoader/parse(yaml:file:)`` gives the same configuration,
    /// unless `redacting` hides `kafka:` values: the values of the keys it answers true for are shown
    /// as `<redacted>` (`check-config` passes Kafka's `SecretProperty.isSecret`).
    public func renderedYAML(redacting isSecret: (String) -> Bool = { _ in false }) -> String {
        var lines: [String] = []
        lines.append("name: \(yamlScalar(name))")
        lines.append("kafka:")
        for property in kafka {
            let value = isSecret(property.key) ? "<redacted>" : property.value
            lines.append("  \(yamlKey(property.key)): \(yamlScalar(value))")
        }
        lines.append("group: \(yamlScalar(group))")
        lines.append("input: \(yamlScalar(input))")
        lines.append("outputs:")
        lines.append("  enriched: \(yamlScalar(outputs.enriched))")
        lines.append("  signals: \(yamlScalar(outputs.signals))")
        lines.append("  rejected: \(yamlScalar(outputs.rejected))")
        lines.append("delivery: \(delivery.rawValue)")
        lines.append("limits:")
        lines.append("  max_event_bytes: \(limits.maxEventBytes)")
        lines.append("  max_fanout: \(limits.maxFanout)")
        lines.append("  max_items: \(limits.maxItems)")
        lines.append("  max_output_bytes: \(limits.maxOutputBytes)")
        lines.append("signals:")
        lines.append("  score_scale: {min: \(signals.scoreScale.min), max: \(signals.scoreScale.max)}")
        if signals.implicitWeights.isEmpty {
            lines.append("  implicit_weights: {}")
        } else {
            lines.append("  implicit_weights:")
            for weight in signals.implicitWeights {
                lines.append("    \(yamlKey(weight.eventType)): \(weight.weight)")
            }
        }
        if sites.isEmpty {
            lines.append("sites: {}")
        } else {
            lines.append("sites:")
            for site in sites {
                if let scale = site.scoreScale {
                    lines.append("  \(yamlKey(site.siteID)): {score_scale: {min: \(scale.min), max: \(scale.max)}}")
                } else {
                    lines.append("  \(yamlKey(site.siteID)): {}")
                }
            }
        }
        lines.append("metrics:")
        lines.append("  listen: \(yamlScalar(metrics.listen.description))")
        lines.append("enrichments:")
        if let geoIP = enrichments.geoIP {
            lines.append("  geoip:")
            lines.append("    database: \(yamlScalar(geoIP.database))")
            lines.append("    check_interval: PT\(durationSeconds(geoIP.checkIntervalMilliseconds))S")
        }
        lines.append("  user_agent: \(enrichments.userAgent)")
        lines.append("privacy:")
        lines.append("  ip_anonymize_octets: \(privacy.ipAnonymizeOctets)")
        lines.append("  ip_anonymize_segments: \(privacy.ipAnonymizeSegments)")
        lines.append("  pseudonymize: [\(privacy.pseudonymize.map(\.rawValue).joined(separator: ", "))]")
        if let variable = privacy.keyVariable {
            lines.append("  key: \"${\(variable)}\"")
        }
        lines.append("headers:")
        lines.append("  forward: \(headers.forward.rawValue)")
        lines.append("  allow: [\(headers.allow.map { yamlScalar($0.description) }.joined(separator: ", "))]")
        lines.append("  deny: [\(headers.deny.map { yamlScalar($0.description) }.joined(separator: ", "))]")
        lines.append("  max_bytes: \(headers.maxBytes)")
        lines.append("  trace_context: \(headers.traceContext)")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Milliseconds as ISO 8601 seconds with up to three decimals (`60`, `1.5`).
private func durationSeconds(_ milliseconds: Int64) -> String {
    let seconds = milliseconds / 1000
    let fraction = milliseconds % 1000
    guard fraction != 0 else { return "\(seconds)" }
    var digits = String(fraction)
    digits = String(repeating: "0", count: 3 - digits.count) + digits
    while digits.hasSuffix("0") { digits.removeLast() }
    return "\(seconds).\(digits)"
}

/// A value that reads back as the same string: a literal `${` is written `$${`, which the loader's
/// ``VariableExpansion`` turns back into `${` (a value may hold one when a variable brought it in).
private func yamlScalar(_ text: String) -> String {
    yamlKey(text.replacing("${", with: "$${"))
}

/// A YAML scalar that reads back as the same string: plain when unambiguous, else double-quoted.
/// Keys are never expanded, so they are written as they are.
private func yamlKey(_ text: String) -> String {
    let plainBytes = text.utf8.allSatisfy { byte in
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"),
            UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: ","):
            true
        default:
            false
        }
    }
    let reserved = ["true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"]
    let isAmbiguous =
        text.isEmpty || reserved.contains(text.lowercased()) || text.hasPrefix("-") || text.hasSuffix(":")
        || text.contains(": ")
    if plainBytes && !isAmbiguous { return text }
    var quoted = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": quoted += "\\\""
        case "\\": quoted += "\\\\"
        case "\n": quoted += "\\n"
        case "\t": quoted += "\\t"
        default:
            if needsEscape(scalar) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                quoted += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                quoted.unicodeScalars.append(scalar)
            }
        }
    }
    return quoted + "\""
}

/// Characters a double-quoted YAML scalar must escape beyond quotes and backslashes: what YAML does
/// not count as printable (controls, DEL, C1 controls, U+FFFE/U+FFFF, the byte-order mark) and what
/// it reads as a line break (NEL U+0085, U+2028, U+2029) or would trim around one.
private func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF: true
    default: false
    }
}
