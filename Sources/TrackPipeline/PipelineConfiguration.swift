public import TrackDomain

/// A pipeline file (`Pipelines/*.yml`, docs/domain.md "Pipeline files") resolved into typed values, defaults filled in.
public struct PipelineConfiguration: Sendable, Equatable {
    /// The pipeline's name, used in logs and metrics.
    public var name: String
    /// librdkafka properties in file order, values as strings; `bootstrap.servers` is always present.
    public var kafka: [KafkaProperty]
    /// The consumer group.
    public var group: String
    /// The raw input topic.
    public var input: String
    public var outputs: Outputs
    public var delivery: Delivery
    public var limits: Limits
    public var signals: Signals
    /// Per-site overrides in file order.
    public var sites: [SiteOverride]
    public var metrics: Metrics
    /// Look-ups beyond the contract's flags (``Enrichment``).
    public var enrichments = Enrichment()
    /// What the outputs may show of a person (``Privacy``).
    public var privacy = Privacy()
    /// Which input headers enriched events and signals carry, and the trace context (`headers:`).
    public var headers = HeaderPolicy.default

    /// One librdkafka property, passed through as-is.
    public struct KafkaProperty: Sendable, Equatable {
        public var key: String
        public var value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// The three output topics.
    public struct Outputs: Sendable, Equatable {
        public var enriched: String
        public var signals: String
        public var rejected: String

        public init(enriched: String, signals: String, rejected: String) {
            self.enriched = enriched
            self.signals = signals
            self.rejected = rejected
        }
    }

    /// How outputs and input offsets are committed.
    public enum Delivery: String, Sendable, Equatable, CaseIterable {
        /// An input offset is committed once all its outputs are acknowledged.
        case atLeastOnce = "at_least_once"
        /// Outputs and offsets are committed in one Kafka transaction.
        case exactlyOnce = "exactly_once"
    }

    public struct Limits: Sendable, Equatable {
        public var maxEventBytes: Int
        public var maxFanout: Int
        /// Items per `purchased` / `updated_cart` event.
        public var maxItems: Int
        /// Bytes of enriched events and signals (keys and values) one input may yield.
        public var maxOutputBytes: Int

        public init(
            maxEventBytes: Int,
            maxFanout: Int,
            maxItems: Int = ProcessingConfiguration.defaultMaxItems,
            maxOutputBytes: Int = ProcessingConfiguration.defaultMaxOutputBytes
        ) {
            self.maxEventBytes = maxEventBytes
            self.maxFanout = maxFanout
            self.maxItems = maxItems
            self.maxOutputBytes = maxOutputBytes
        }

        /// The smallest `limits.max_output_bytes` accepted: below it even small events could not pass.
        public static let minimumOutputBytes = 4096
    }

    public struct Signals: Sendable, Equatable {
        public var scoreScale: ScoreScale
        /// Weights per event type in file order; they replace the defaults as a whole.
        public var implicitWeights: [ImplicitWeight]

        public init(scoreScale: ScoreScale, implicitWeights: [ImplicitWeight]) {
            self.scoreScale = scoreScale
            self.implicitWeights = implicitWeights
        }
    }

    public struct ImplicitWeight: Sendable, Equatable {
        public var eventType: String
        public var weight: Double

        public init(eventType: String, weight: Double) {
            self.eventType = eventType
            self.weight = weight
        }
    }

    public struct SiteOverride: Sendable, Equatable {
        public var siteID: String
        public var scoreScale: ScoreScale?

        public init(siteID: String, scoreScale: ScoreScale?) {
            self.siteID = siteID
            self.scoreScale = scoreScale
        }
    }

    public struct Metrics: Sendable, Equatable {
        public var listen: ListenAddress

        public init(listen: ListenAddress) {
            self.listen = listen
        }
    }

    /// The defaults (docs/domain.md, "Pipeline files"), used for every key a file leaves out.
    public static let defaults = PipelineConfiguration(
        name: "track",
        kafka: [KafkaProperty(key: "bootstrap.servers", value: "127.0.0.1:9092")],
        group: "trackstream-track",
        input: "track.raw",
        outputs: Outputs(enriched: "track.enriched", signals: "track.signals", rejected: "track.rejected"),
        delivery: .atLeastOnce,
        limits: Limits(maxEventBytes: 65_536, maxFanout: 100),
        signals: Signals(
            scoreScale: .fiveStars,
            implicitWeights: [
                ImplicitWeight(eventType: "viewed", weight: 0.1),
                ImplicitWeight(eventType: "commented", weight: 0.3),
                ImplicitWeight(eventType: "shared", weight: 0.5),
                ImplicitWeight(eventType: "purchased", weight: 1.0),
                ImplicitWeight(eventType: "updated_cart", weight: 0.2),
            ]
        ),
        sites: [],
        metrics: Metrics(listen: ListenAddress(host: "127.0.0.1", port: 9464))
    )

    /// The value of a librdkafka property, if set.
    public func kafkaProperty(_ key: String) -> String? {
        kafka.last { $0.key == key }?.value
    }

    /// Sets a librdkafka property, replacing it in place when present, else appending it.
    public mutating func setKafkaProperty(_ key: String, _ value: String) {
        if let index = kafka.firstIndex(where: { $0.key == key }) {
            kafka[index].value = value
        } else {
            kafka.append(KafkaProperty(key: key, value: value))
        }
    }

    /// The stage settings the domain needs.
    public func processingConfiguration() -> ProcessingConfiguration {
        var siteScales: [String: ScoreScale] = [:]
        for site in sites {
            if let scale = site.scoreScale { siteScales[site.siteID] = scale }
        }
        var weights: [String: Double] = [:]
        for weight in signals.implicitWeights { weights[weight.eventType] = weight.weight }
        let messageMaxBytes = kafkaProperty("message.max.bytes").flatMap { Int($0) }
        return ProcessingConfiguration(
            maxEventBytes: limits.maxEventBytes,
            maxFanout: limits.maxFanout,
            maxItems: limits.maxItems,
            maxOutputBytes: limits.maxOutputBytes,
            maxRecordBytes: messageMaxBytes.map(ProcessingConfiguration.producerRecordBytes)
                ?? ProcessingConfiguration.defaultMaxRecordBytes,
            scoreScale: signals.scoreScale,
            siteScoreScales: siteScales,
            implicitWeights: weights
        )
    }
}

/// A `host:port` to listen on; IPv6 hosts are written in brackets (`[::1]:9464`).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`; nil when the port is missing or outside 1...65535 or the host is empty.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            return nil
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace),
            let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port)
        else { return nil }
        self.host = host
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
