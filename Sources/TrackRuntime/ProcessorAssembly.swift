public import Foundation
public import TrackDomain
public import TrackEnrichment
public import TrackPipeline

/// Builds the ``EventProcessor`` a pipeline describes, with its look-ups: the crawler list and the
/// user agent parser from uap-core, the geolocation database, and the pseudonym key from the
/// environment. Every command that processes events builds it here, so `check-config` refuses what
/// `run` would refuse, with the same message.
public struct ProcessorAssembly: Sendable {
    public var processor: EventProcessor
    /// The open geolocation database, for ``GeoDatabaseWatcher``; nil without `enrichments.geoip`.
    public var geoDatabase: GeoDatabaseSource?
    /// Problems that do not stop the service (a missing uap-core file), to log once.
    public var warnings: [String]
    /// One line per enrichment saying what is in use, for `check-config` and the start-up log.
    public var summary: [String]

    /// Why the processor cannot be built: each says what is wrong and what to do.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Builds it; throws when a configured database or key cannot be used.
    public static func assemble(
        _ pipeline: PipelineConfiguration,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        uapCorePath: String = BotDetectorLoader.defaultPath
    ) throws(Failure) -> ProcessorAssembly {
        var warnings: [String] = []
        var summary: [String] = []
        let bots = BotDetectorLoader.load(path: uapCorePath)
        if let warning = bots.warning { warnings.append(warning) }
        summary.append("is_bot: \(bots.detector.sourceDescription)")

        var userAgentParser: (any UserAgentParsing)?
        if pipeline.enrichments.userAgent {
            let loaded = UserAgentParserLoader.load(path: uapCorePath)
            userAgentParser = loaded.parser
            warnings += loaded.warnings
            summary.append("user_agent_parsed: \(loaded.description)")
        } else {
            summary.append("user_agent_parsed: off (enrichments.user_agent: false)")
        }

        var geoDatabase: GeoDatabaseSource?
        if let geoIP = pipeline.enrichments.geoIP {
            do {
                geoDatabase = try GeoDatabaseSource(path: geoIP.database)
            } catch {
                throw Failure(description: error.description)
            }
            let metadata = geoDatabase?.current.metadata
            summary.append(
                "geolocation: \(geoIP.database): \(metadata.map(Self.describe) ?? ""), "
                    + "checked every \(Double(geoIP.checkIntervalMilliseconds) / 1000) s and on SIGHUP"
            )
        } else {
            summary.append("geolocation: off (no enrichments.geoip.database)")
        }

        let privacy = pipeline.privacy
        var pseudonymizer: (any Pseudonymizing)?
        do {
            if let key = try privacy.key(from: environment) {
                pseudonymizer = HMACPseudonymizer(key: key)
            }
        } catch {
            throw Failure(description: error.description)
        }
        summary.append("privacy: \(Self.describe(privacy))")

        let enrichments = Enrichments(
            userAgentParser: userAgentParser,
            geoLocator: geoDatabase.map { MaxMindGeoLocator(source: $0) },
            privacy: privacy.settings,
            pseudonymizer: pseudonymizer
        )
        let processor = EventProcessor(
            configuration: pipeline.processingConfiguration(),
            botDetector: bots.detector,
            enrichments: enrichments
        )
        return ProcessorAssembly(processor: processor, geoDatabase: geoDatabase, warnings: warnings, summary: summary)
    }

    /// `GeoLite2-City, built 2023-11-14, IPv4 and IPv6`.
    static func describe(_ metadata: MaxMindDatabase.Metadata) -> String {
        let built = Date(timeIntervalSince1970: TimeInterval(metadata.buildEpoch))
        let day = built.formatted(.iso8601.year().month().day())
        let versions = metadata.ipVersion == 6 ? "IPv4 and IPv6" : "IPv4 only"
        return "\(metadata.databaseType), built \(day), \(versions)"
    }

    static func describe(_ privacy: PipelineConfiguration.Privacy) -> String {
        var parts: [String] = []
        if privacy.ipAnonymizeOctets > 0 { parts.append("last \(privacy.ipAnonymizeOctets) IPv4 octets hidden") }
        if privacy.ipAnonymizeSegments > 0 { parts.append("last \(privacy.ipAnonymizeSegments) IPv6 groups hidden") }
        if !privacy.pseudonymize.isEmpty {
            let fields = privacy.pseudonymize.map(\.rawValue).joined(separator: ", ")
            parts.append("\(fields) pseudonymized with HMAC-SHA256 (key from $\(privacy.keyVariable ?? "?"))")
        }
        return parts.isEmpty ? "off (values shown as they came)" : parts.joined(separator: "; ")
    }
}
