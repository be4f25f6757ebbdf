/// The type-specific part of a normalized event.
public enum EventDetails: Sendable, Hashable {
    /// A `shared` event: one output per (resource, target) pair, in order of first appearance.
    case share(resources: [String?], targets: [String?])
    /// A `liked` event: `score` is nil for a plain like; `scale` is the one the score was checked against.
    case like(score: Int64?, scale: ScoreScale)
    /// A `commented` event.
    case comment(text: String?)
    /// A `purchased` / `updated_cart` event with `items` and/or `total`.
    case items(items: [PurchaseItem]?, total: NumericValue?)
    /// Any other event, including item events without items or total.
    case plain
}

/// A validated event with its resource, time and type specifics resolved (stage 2: normalize).
public struct NormalizedEvent: Sendable {
    public var event: ValidatedEvent
    /// The derived event time (client clock-skew corrected), epoch milliseconds.
    public var eventTime: Int64?
    /// `received_at`, else the Kafka message timestamp.
    public var receivedAt: Int64?
    /// The event's resource: `resource_id`/`id`, else the canonical page URL.
    public var resourceID: String?
    public var resourceType: String?
    public var details: EventDetails
}

/// Stage 2: resolves resources, shares, scores, items and time, enforcing the property-level rules.
public struct EventNormalizer: Sendable {
    public var configuration: ProcessingConfiguration

    public init(configuration: ProcessingConfiguration) {
        self.configuration = configuration
    }

    /// Resolves the event's time, resource and type specifics, or throws the rule it breaks.
    ///
    /// `kafkaTimestamp` (epoch milliseconds) stands in for a missing `received_at`; `input` is the
    /// raw event the event was validated from.
    public func normalize(
        _ event: consuming ValidatedEvent,
        kafkaTimestamp: Int64?,
        input: UnsafeRawBufferPointer
    ) throws(Rejection) -> NormalizedEvent {
        let properties = event.properties
        let path = event.propertiesField
        let receivedAt = event.receivedAt ?? kafkaTimestamp.flatMap(Self.validTime)
        let eventTime = try Self.eventTime(event, receivedAt: receivedAt)

        let resource = try Self.resolveResource(event, input: input)
        let details: EventDetails
        switch event.eventType {
        case "shared":
            details = try shareDetails(properties, path: path, resources: resource.shareResources)
        case "liked":
            details = try likeDetails(properties, path: path, siteID: event.siteID)
        case "commented":
            details = try commentDetails(properties, path: path)
        case "purchased", "updated_cart":
            details = try ItemsNormalizer.details(properties, path: path, maxItems: configuration.maxItems)
        default:
            details = .plain
        }
        return NormalizedEvent(
            event: event,
            eventTime: eventTime,
            receivedAt: receivedAt,
            resourceID: resource.id,
            resourceType: resource.type,
            details: details
        )
    }

    /// The event's resource: what the properties name, else the page.
    private struct Resource {
        var id: String?
        var type: String?
        /// A share's distinct resources (one, possibly nil, when it names none); empty for other types.
        var shareResources: [String?]
    }

    /// `resource_id` (alias `id`) and `resource_type` (alias `model`) from the properties; without a
    /// resource, the canonical page URL with type `page`; without a page, nothing.
    private static func resolveResource(
        _ event: ValidatedEvent,
        input: UnsafeRawBufferPointer
    ) throws(Rejection) -> Resource {
        let properties = event.properties
        let path = event.propertiesField
        var resourceField = "resource_id"
        var resourceValue = properties.present("resource_id")
        if resourceValue == nil, let alias = properties.present("id") {
            resourceValue = alias
            resourceField = "id"
        }
        let typeField = properties.present("resource_type") == nil ? "model" : "resource_type"
        var resourceType: String? = nil
        if let typeValue = properties.present(typeField) {
            guard case .string(let type) = typeValue else {
                throw Rejection(
                    .invalidField,
                    field: "\(path).\(typeField)",
                    "\(typeField) must be a string, not \(typeValue.kindDescription)"
                )
            }
            resourceType = type
        }
        guard let resourceValue else {
            let page = event.url.flatMap { $0.isEmpty ? nil : $0 } ?? event.href.flatMap { $0.isEmpty ? nil : $0 }
            let pageID = page.map { CanonicalURL.canonicalize($0, in: input) }
            return Resource(
                id: pageID,
                type: pageID == nil ? nil : "page",
                shareResources: event.eventType == "shared" ? [pageID] : []
            )
        }
        if event.eventType == "shared" {
            let resources = try distinctIdentifiers(resourceValue, path: path, name: resourceField)
            return Resource(id: resources.first ?? nil, type: resourceType, shareResources: resources)
        }
        guard case .string(let identifier) = resourceValue, !identifier.isEmpty else {
            throw Rejection(
                .invalidField,
                field: "\(path).\(resourceField)",
                "\(resourceField) must be a non-empty string"
            )
        }
        return Resource(id: identifier, type: resourceType, shareResources: [])
    }

    /// `received_at − (sent_at − timestamp)` when all three are known, else `timestamp`, else `received_at`.
    private static func eventTime(_ event: ValidatedEvent, receivedAt: Int64?) throws(Rejection) -> Int64? {
        guard let timestamp = event.timestamp else { return receivedAt }
        guard let sentAt = event.sentAt, let receivedAt else { return timestamp }
        let corrected = receivedAt - (sentAt - timestamp)
        guard validTime(corrected) != nil else {
            throw Rejection(
                .invalidField,
                field: "sent_at",
                "the clock-skew corrected event time is outside the years 1 to 9999"
            )
        }
        return corrected
    }

    private static func validTime(_ milliseconds: Int64) -> Int64? {
        (EventTime.minimumMilliseconds...EventTime.maximumMilliseconds).contains(milliseconds) ? milliseconds : nil
    }

    private func shareDetails(
        _ properties: JSONObject,
        path: String,
        resources: [String?]
    ) throws(Rejection) -> EventDetails {
        var targets: [String?] = [nil]
        if let target = properties.present("target_user_id") {
            targets = try Self.distinctIdentifiers(target, path: path, name: "target_user_id")
        }
        let fanout = resources.count * targets.count
        guard fanout <= configuration.maxFanout else {
            throw Rejection(
                .fanoutLimit,
                field: "\(path).target_user_id",
                "the share expands to \(fanout) events, more than limits.max_fanout (\(configuration.maxFanout))"
            )
        }
        return .share(resources: resources, targets: targets)
    }

    /// A non-empty string, or a non-empty array of non-empty strings, as distinct values in first-seen
    /// order; `name` is the property under `path`, for the rejection.
    private static func distinctIdentifiers(
        _ value: JSONValue,
        path: String,
        name: String
    ) throws(Rejection) -> [String?] {
        func invalid() -> Rejection {
            Rejection(
                .invalidTarget,
                field: "\(path).\(name)",
                "\(name) must be a non-empty string or a non-empty array of them"
            )
        }
        switch value {
        case .string(let identifier) where !identifier.isEmpty:
            return [identifier]
        case .array(let elements) where !elements.isEmpty:
            let identifiers = try elements.map { (element) throws(Rejection) -> String? in
                guard case .string(let identifier) = element, !identifier.isEmpty else { throw invalid() }
                return identifier
            }
            return identifiers.firstOccurrences { $0 }
        default:
            throw invalid()
        }
    }

    private func likeDetails(_ properties: JSONObject, path: String, siteID: String) throws(Rejection) -> EventDetails {
        let siteScale = configuration.scoreScale(forSite: siteID)
        guard let scoreValue = properties.present("score") else { return .like(score: nil, scale: siteScale) }
        guard case .number(let number) = scoreValue else {
            throw Rejection(
                .invalidScore,
                field: "\(path).score",
                "score must be an integer, not \(scoreValue.kindDescription)"
            )
        }
        let score: Int64
        switch number.integralValue {
        case .integer(let integer):
            score = integer
        case .outOfRange:
            throw Rejection(
                .invalidScore,
                field: "\(path).score",
                "score \(number.text.prefix(32)) is outside the scale \(siteScale)"
            )
        case .notIntegral:
            throw Rejection(
                .invalidScore,
                field: "\(path).score",
                "score must be an integer, not \(number.text.prefix(32))"
            )
        }
        if score == -1 { return .like(score: -1, scale: siteScale) }
        let scale = try Self.eventScale(properties, path: path, default: siteScale)
        guard scale.contains(score) else {
            throw Rejection(.invalidScore, field: "\(path).score", "score \(score) is outside the scale \(scale)")
        }
        return .like(score: score, scale: scale)
    }

    /// The per-event `score_min` / `score_max` applied over the site's scale.
    private static func eventScale(
        _ properties: JSONObject,
        path: String,
        default siteScale: ScoreScale
    ) throws(Rejection) -> ScoreScale {
        let minimum = properties.present("score_min")
        let maximum = properties.present("score_max")
        guard minimum != nil || maximum != nil else { return siteScale }
        let invalid = Rejection(
            .invalidField,
            field: "\(path).score_min",
            "score_min and score_max must be integers with score_min < score_max"
        )
        func integer(_ value: JSONValue?, default fallback: Int64) throws(Rejection) -> Int64 {
            guard let value else { return fallback }
            guard case .number(let number) = value, case .integer(let integer) = number.integralValue else {
                throw invalid
            }
            return integer
        }
        let lower = try integer(minimum, default: siteScale.min)
        let upper = try integer(maximum, default: siteScale.max)
        guard let scale = ScoreScale(min: lower, max: upper) else { throw invalid }
        return scale
    }

    private func commentDetails(_ properties: JSONObject, path: String) throws(Rejection) -> EventDetails {
        guard let value = properties.present("comment_text") else { return .comment(text: nil) }
        guard case .string(let text) = value else {
            throw Rejection(
                .invalidField,
                field: "\(path).comment_text",
                "comment_text must be a string, not \(value.kindDescription)"
            )
        }
        return .comment(text: text)
    }
}
