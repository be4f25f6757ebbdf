/// Tunables of the synthetic traffic; ``default`` matches the bench workload.
public struct TrafficConfiguration: Sendable, Hashable {
    /// The share of values deliberately broken, 0...1 (default 0.05).
    public var malformedShare: Double
    /// The share of events sent by crawlers, 0...1 (default 0.03).
    public var botShare: Double
    /// The mean gap between two events' collector times in milliseconds (default 20); each gap is
    /// drawn uniformly from `0...2·mean`, so timestamps never go backwards. Clamped to 0...3 600 000.
    public var meanIntervalMilliseconds: Int64
    /// One value in every this many events is over 64 KiB (`too_large`), at a random position within
    /// each block; nil (or below 1): never. Default 20 000, so the first 20 000 events, and every
    /// block of 20 000 after them, hold exactly one.
    public var oversizedInterval: Int?
    /// How many distinct users the traffic comes from (default 20 000).
    public var userCount: Int

    public init(
        malformedShare: Double = 0.05,
        botShare: Double = 0.03,
        meanIntervalMilliseconds: Int64 = 20,
        oversizedInterval: Int? = 20_000,
        userCount: Int = 20_000
    ) {
        self.malformedShare = malformedShare
        self.botShare = botShare
        self.meanIntervalMilliseconds = meanIntervalMilliseconds
        self.oversizedInterval = oversizedInterval
        self.userCount = userCount
    }

    /// The bench workload: 5 % malformed, 3 % bots, an event every 20 ms on average.
    public static let `default` = TrafficConfiguration()
}
