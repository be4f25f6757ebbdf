import TrackDomain
import Yams

/// Reads the `enrichments:` and `privacy:` sections.
extension PipelineReader {
    func enrichments(_ node: Node) throws(PipelineConfigurationError) -> PipelineConfiguration.Enrichment {
        var enrichment = PipelineConfiguration.Enrichment()
        for (key, value) in try members(node, path: "enrichments", allowed: ["geoip", "user_agent"]) {
            switch key.name {
            case "geoip": enrichment.geoIP = try geoIP(value)
            case "user_agent": enrichment.userAgent = try boolean(value, path: "enrichments.user_agent")
            default: break
            }
        }
        return enrichment
    }

    private func geoIP(_ node: Node) throws(PipelineConfigurationError) -> PipelineConfiguration.GeoIP {
        var database: String?
        var interval = PipelineConfiguration.GeoIP.defaultCheckIntervalMilliseconds
        for (key, value) in try members(node, path: "enrichments.geoip", allowed: ["database", "check_interval"]) {
            switch key.name {
            case "database":
                database = try nonEmptyString(value, path: "enrichments.geoip.database")
            case "check_interval":
                let text = try nonEmptyString(value, path: "enrichments.geoip.check_interval")
                let minimum = PipelineConfiguration.GeoIP.minimumCheckIntervalMilliseconds
                guard let milliseconds = try? ISODuration.milliseconds(text), milliseconds >= minimum else {
                    throw error(
                        .invalidValue,
                        value,
                        "enrichments.geoip.check_interval",
                        "\"\(text)\" is not a duration of at least one second",
                        "write an ISO 8601 duration such as PT1M or PT30S"
                    )
                }
                interval = milliseconds
            default: break
            }
        }
        guard let database else {
            throw error(
                .invalidValue,
                node,
                "enrichments.geoip",
                "no database is named",
                "add `database: /path/to/GeoLite2-City.mmdb`, or remove `geoip:` to run without geolocation"
            )
        }
        return PipelineConfiguration.GeoIP(database: database, checkIntervalMilliseconds: interval)
    }

    func privacy(_ node: Node) throws(PipelineConfigurationError) -> PipelineConfiguration.Privacy {
        var privacy = PipelineConfiguration.Privacy()
        var keyNode: Node?
        let allowed = ["ip_anonymize_octets", "ip_anonymize_segments", "pseudonymize", "key"]
        for (key, value) in try members(node, path: "privacy", allowed: allowed) {
            let path = "privacy.\(key.name)"
            switch key.name {
            case "ip_anonymize_octets": privacy.ipAnonymizeOctets = try count(value, path: path, upTo: 4)
            case "ip_anonymize_segments": privacy.ipAnonymizeSegments = try count(value, path: path, upTo: 8)
            case "pseudonymize": privacy.pseudonymize = try fields(value, path: path)
            case "key":
                keyNode = value
                privacy.keyVariable = try keyVariable(value)
            default: break
            }
        }
        if !privacy.pseudonymize.isEmpty, privacy.keyVariable == nil {
            throw error(
                .invalidValue,
                node,
                "privacy.key",
                "pseudonyms need a secret key",
                "add `key: ${TRACKSTREAM_PSEUDONYM_KEY}` and set that environment variable"
            )
        }
        if privacy.pseudonymize.isEmpty, privacy.keyVariable != nil {
            throw error(
                .invalidValue,
                keyNode,
                "privacy.key",
                "a key is given but nothing is pseudonymized",
                "add `pseudonymize: [email, user_id, ip]` (any of them), or remove the key"
            )
        }
        return privacy
    }

    /// `key: ${NAME}`: only the name of an environment variable, so that no secret is written in a
    /// pipeline file (and in version control) or printed by `check-config`.
    private func keyVariable(_ node: Node) throws(PipelineConfigurationError) -> String {
        let text = try nonEmptyString(node, path: "privacy.key")
        let name = text.hasPrefix("${") && text.hasSuffix("}") ? String(text.dropFirst(2).dropLast()) : ""
        let isName =
            !name.isEmpty && name.utf8.first.map { !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } == true
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                    true
                default: false
                }
            }
        guard isName else {
            // The text may be the secret itself: never repeat it.
            throw error(
                .invalidValue,
                node,
                "privacy.key",
                "the key must be given as ${VARIABLE}, the name of an environment variable holding it",
                "write `key: ${TRACKSTREAM_PSEUDONYM_KEY}` and put the secret in that variable, not in the file"
            )
        }
        return name
    }

    private func fields(_ node: Node, path: String) throws(PipelineConfigurationError) -> [PrivacySettings.Field] {
        let names = PrivacySettings.Field.allCases.map(\.rawValue).joined(separator: ", ")
        guard case .sequence(let sequence) = node else {
            throw error(.wrongType, node, path, "expected a list", "write `\(path): [\(names)]` or a subset")
        }
        var fields: [PrivacySettings.Field] = []
        for item in sequence {
            guard let text = item.string, let field = PrivacySettings.Field(rawValue: text) else {
                throw error(
                    .invalidValue,
                    item,
                    path,
                    "\"\(item.string ?? "?")\" cannot be pseudonymized",
                    "list any of \(names)"
                )
            }
            if !fields.contains(field) { fields.append(field) }
        }
        return fields
    }

    private func count(_ node: Node, path: String, upTo maximum: Int) throws(PipelineConfigurationError) -> Int {
        guard let integer = node.int, node.bool == nil, node.scalar?.string.contains(".") != true,
            (0...maximum).contains(integer)
        else {
            throw error(
                .invalidValue,
                node,
                path,
                "expected a whole number from 0 to \(maximum)",
                "write 0 to \(maximum)"
            )
        }
        return integer
    }

    private func boolean(_ node: Node, path: String) throws(PipelineConfigurationError) -> Bool {
        guard let value = node.bool, node.scalar != nil else {
            throw error(.wrongType, node, path, "expected true or false", "write `\(path): true` or `false`")
        }
        return value
    }
}
