/// The binary's version: `trackstream --version`, every rejection's `processor.version` and every
/// output's `trackstream-version` header. The one place it is written.
public let trackstreamVersion = "0.1.0"

/// An inclusive integer rating scale `min...max` with `min < max` (contract §4).
public struct ScoreScale: Sendable, Hashable, CustomStringConvertible {
    public var min: Int64
    public var max: Int64

    /// Nil unless `min < max`: a scale with no width cannot map scores to -1...1.
    public init?(min: Int64, max: Int64) {
        guard min < max else { return nil }
        self.min = min
        self.max = max
    }

    /// The contract's default 1...5 stars.
    public static let fiveStars = ScoreScale(uncheckedMin: 1, max: 5)

    private init(uncheckedMin min: Int64, max: Int64) {
        self.min = min
        self.max = max
    }

    public func contains(_ score: Int64) -> Bool { (min...max).contains(score) }

    /// Maps `score` linearly onto -1...1: `2·(s−min)/(max−min) − 1`; always finite, and within -1...1
    /// for a score on the scale.
    ///
    /// The differences are taken exactly as `UInt64` (two's complement wraps back to the true value
    /// for `min ≤ s ≤ max`) and only then converted: converting the bounds first rounds two bounds
    /// near 2⁶² to one double, a width of 0, and a `nan`. Rounding is monotonic, so `s − min` never
    /// exceeds `max − min` after conversion, and the width is at least 1. For realistic scales the
    /// result is the same as with the bounds converted first.
    public func preference(of score: Int64) -> Double {
        let offset = UInt64(bitPattern: score &- min)
        let width = UInt64(bitPattern: max &- min)
        return 2.0 * Double(offset) / Double(width) - 1.0
    }

    public var description: String { "\(min)..\(max)" }
}

/// Everything the stages need to know beyond the raw record; resolved once from a pipeline file.
public struct ProcessingConfiguration: Sendable {
    /// Values larger than this many bytes are rejected as `too_large`.
    public var maxEventBytes: Int
    /// A share expanding into more events than this is rejected as `fanout_limit`.
    public var maxFanout: Int
    /// A `purchased` / `updated_cart` event with more items than this is rejected as `invalid_items`:
    /// every distinct item becomes a signal.
    public var maxItems: Int
    /// The most bytes (keys and values) the enriched events and signals of one input may take; an
    /// event whose outputs would take more is rejected as `output_too_large`. Bounds what one record
    /// can cost downstream, a share's children included.
    public var maxOutputBytes: Int
    /// The largest record the producer may send, key, value and headers together: no output record
    /// may be larger, and a rejection that would be goes without its payload, then without the
    /// input's key and headers (see ``RejectionOmissions``).
    public var maxRecordBytes: Int
    /// The default scale for `liked` scores.
    public var scoreScale: ScoreScale
    /// Per-site scales replacing ``scoreScale`` for that `site_id`.
    public var siteScoreScales: [String: ScoreScale]
    /// Implicit signal weight per event type; a type without a weight gives no implicit signal.
    public var implicitWeights: [String: Double]
    /// The `processor.version` stamped on rejections.
    public var processorVersion: String

    public init(
        maxEventBytes: Int = 65_536,
        maxFanout: Int = 100,
        maxItems: Int = ProcessingConfiguration.defaultMaxItems,
        maxOutputBytes: Int = ProcessingConfiguration.defaultMaxOutputBytes,
        maxRecordBytes: Int = ProcessingConfiguration.defaultMaxRecordBytes,
        scoreScale: ScoreScale = .fiveStars,
        siteScoreScales: [String: ScoreScale] = [:],
        implicitWeights: [String: Double] = ProcessingConfiguration.defaultImplicitWeights,
        processorVersion: String = trackstreamVersion
    ) {
        self.maxEventBytes = maxEventBytes
        self.maxFanout = maxFanout
        self.maxItems = maxItems
        self.maxOutputBytes = maxOutputBytes
        self.maxRecordBytes = maxRecordBytes
        self.scoreScale = scoreScale
        self.siteScoreScales = siteScoreScales
        self.implicitWeights = implicitWeights
        self.processorVersion = processorVersion
    }

    /// Far above any real basket, low enough that one event's signals stay cheap.
    public static let defaultMaxItems = 1000
    /// 1 MiB: no single input costs downstream more than this.
    public static let defaultMaxOutputBytes = 1 << 20
    /// librdkafka's default `message.max.bytes` (1,000,000) less room for its per-record framing.
    public static let defaultMaxRecordBytes = producerRecordBytes(messageMaxBytes: 1_000_000)

    /// The room for one record's key, value and headers under librdkafka's `message.max.bytes`,
    /// which also counts the record's framing (a few dozen bytes; 512 leave a margin).
    public static func producerRecordBytes(messageMaxBytes: Int) -> Int {
        max(0, messageMaxBytes - 512)
    }

    /// contract §4 defaults.
    public static let defaultImplicitWeights: [String: Double] = [
        "viewed": 0.1, "commented": 0.3, "shared": 0.5, "purchased": 1.0, "updated_cart": 0.2,
    ]

    /// The contract's defaults: 64 KiB events, fan-out 100, 1,000 items, 1 MiB of outputs per input,
    /// 1...5 scores, the standard weights.
    public static let `default` = ProcessingConfiguration()

    /// The scale that applies to `siteID` before any per-event `score_min`/`score_max`.
    public func scoreScale(forSite siteID: String) -> ScoreScale {
        siteScoreScales[siteID] ?? scoreScale
    }
}
