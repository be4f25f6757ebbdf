/// Generates realistic synthetic raw tracking events, deterministically for a seed.
///
/// The traffic models what Boomtrain-style collectors receive (contract §1), for demos, tests and
/// load (`trackstream generate`). By event type: viewed 44 %, liked 12 % (no score, 1...5 scores,
/// -1 dislikes, 0...10 on `acme-news`, some per-event `score_min`/`score_max`), shared 8 % (one to six
/// targets, some duplicated, some two-resource shares), commented 6 %, purchased 4 % and
/// updated_cart 6 % (one to four items with the `item_id`/`sku`/`id`/`item_qty` aliases and string
/// prices), started_membership 2 %, and custom types 18 % (`searched`, `video:play`,
/// `newsletter_signup`, `checkout.step-2`). Across types: the `type` and `attributes` aliases on
/// 10 % each; ISO-8601 (UTC or with an offset), epoch-millisecond and epoch-second times with
/// client delay and clock skew; 10 % without `received_at`; legacy `id`/`model` resources; unknown
/// top-level fields; email identities (some escaped `name:::at:::host`); about 3 % crawler user
/// agents (ones uap-core classifies as `Spider`) among ~160 browser and app agents; and about 5 %
/// malformed values that together hit every rejection reason of contract §2 except
/// `processing_error` (see ``Malformation``). Values average about 570 bytes.
///
/// It is a pure value: no I/O, no clock, no global randomness. The same seed, start time and
/// configuration always give the same events, byte for byte, in the same order, on any platform.
/// It is a `Sendable` struct with a `mutating` ``next()`` rather than a class: a copy continues
/// independently from the copied state, so a producing task owns its generator and nothing locks.
public struct TrafficGenerator: Sendable {
    /// Rating scales the generated sites use instead of the contract's default 1...5: a pipeline that
    /// processes this traffic must configure them (`sites:` in the pipeline file), or those sites'
    /// likes scoring outside 1...5 are rejected as `invalid_score`.
    public static let siteScoreScales: [String: ClosedRange<Int>] = Catalog.sites.reduce(into: [:]) { scales, site in
        scales[site.id] = site.scoreScale
    }

    /// The configuration the generator was created with.
    public let configuration: TrafficConfiguration
    private let composer: EventComposer
    private var random: SeededRandom
    private var clock: Int64
    private var generatedCount = 0
    private var oversizedIndex: Int?

    /// A generator whose first event has collector time `startTime` (epoch milliseconds).
    ///
    /// Building the user and address population draws from the seeded stream, so this costs a few
    /// milliseconds for the default 20 000 users.
    public init(seed: UInt64, startTime: Int64, configuration: TrafficConfiguration = .default) {
        var random = SeededRandom(seed: seed)
        self.configuration = configuration
        self.composer = EventComposer(configuration: configuration, random: &random)
        self.random = random
        self.clock = startTime
    }

    /// The next event; the stream never ends.
    public mutating func next() -> SyntheticEvent {
        let composed = composer.compose(receivedAt: clock, using: &random)
        let malformation = nextMalformation()
        let value =
            malformation.map { Malformer.value(breaking: composed, as: $0, using: &random) }
            ?? JSONBytesWriter.bytes(of: .object(composed.object))
        let event = SyntheticEvent(
            key: Array(composed.key.utf8),
            value: value,
            timestamp: clock,
            eventType: composed.eventType,
            malformation: malformation,
            hasBotUserAgent: composed.hasBotUserAgent
        )
        generatedCount += 1
        let meanInterval = min(max(0, configuration.meanIntervalMilliseconds), 3_600_000)
        clock += Int64(random.below(Int(2 * meanInterval + 1)))
        return event
    }

    /// The scheduled oversized value of this block, else a malformation with ``TrafficConfiguration/malformedShare``.
    private mutating func nextMalformation() -> Malformation? {
        if let interval = configuration.oversizedInterval, interval > 0 {
            if generatedCount % interval == 0 { oversizedIndex = generatedCount + random.below(interval) }
            if generatedCount == oversizedIndex { return .oversized }
        }
        return random.chance(configuration.malformedShare) ? Malformer.kinds.pick(using: &random) : nil
    }
}
