/// A preference of one user for one resource, derived from one raw event (contract §4).
public struct PreferenceSignal: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// From a like or a rating.
        case explicit
        /// From behaviour (views, comments, shares, purchases, cart updates) through configured weights.
        case implicit
    }

    public var resourceID: String
    public var resourceType: String?
    public var kind: Kind
    /// The preference in -1...1.
    public var value: Double
    /// The rating the value came from, for explicit signals with a score.
    public var score: Int64?
}

/// Stage 3: derives the preference signals of a normalized event.
///
/// - `liked`: explicit; no score → +1.0, score -1 → -1.0, score s on min...max → `2·(s−min)/(max−min) − 1`.
/// - other types: implicit with the configured weight; a type without a weight gives no signal.
/// - one signal per distinct resource of the raw event: a share's resources (not its targets), a
///   purchase's distinct items (none for `items: []`), else the event's resource; an event without
///   any resource gives no signal.
public struct SignalDeriver: Sendable {
    public let implicitWeights: [String: Double]
    /// The same weights as a list: a handful of short names is found faster by comparing than by hashing.
    private let weightList: [(eventType: String, weight: Double)]

    public init(implicitWeights: [String: Double]) {
        self.implicitWeights = implicitWeights
        weightList = implicitWeights.map { ($0.key, $0.value) }
    }

    private func implicitWeight(of eventType: String) -> Double? {
        guard weightList.count <= 16 else { return implicitWeights[eventType] }
        return weightList.first { $0.eventType == eventType }?.weight
    }

    public func signals(for event: NormalizedEvent) -> [PreferenceSignal] {
        let kind: PreferenceSignal.Kind
        let value: Double
        var score: Int64? = nil
        if case .like(let likeScore, let scale) = event.details {
            kind = .explicit
            score = likeScore
            switch likeScore {
            case nil: value = 1.0
            case -1: value = -1.0
            case let rated?: value = scale.preference(of: rated)
            }
        } else if let weight = implicitWeight(of: event.event.eventType) {
            kind = .implicit
            value = weight
        } else {
            return []
        }
        func signal(_ resourceID: String, _ resourceType: String?) -> PreferenceSignal {
            PreferenceSignal(resourceID: resourceID, resourceType: resourceType, kind: kind, value: value, score: score)
        }
        switch event.details {
        case .share(let resources, _):
            return resources.compactMap { $0.map { signal($0, event.resourceType) } }
        case .items(let items?, _):
            return items.firstOccurrences { $0.resourceID }.map { signal($0.resourceID, $0.resourceType) }
        default:
            guard let resourceID = event.resourceID else { return [] }
            return [signal(resourceID, event.resourceType)]
        }
    }
}
