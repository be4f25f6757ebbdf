/// An `event_type` as the browser library sends it, and the type it normalizes to.
struct WireEventType: Sendable {
    /// The text put on the wire, possibly in mixed case or padded (`" LIKED "`).
    var wire: String
    /// Trimmed and lowercased: the type the contract sees.
    var normalized: String
}

extension Catalog {
    /// The event-type mix in percent (sums to 100): the seed's standard types plus custom ones.
    static let eventTypes = WeightedChoice<WireEventType>([
        (WireEventType(wire: "viewed", normalized: "viewed"), 43),
        (WireEventType(wire: "Viewed", normalized: "viewed"), 1),
        (WireEventType(wire: "liked", normalized: "liked"), 11),
        (WireEventType(wire: " LIKED ", normalized: "liked"), 1),
        (WireEventType(wire: "shared", normalized: "shared"), 8),
        (WireEventType(wire: "commented", normalized: "commented"), 6),
        (WireEventType(wire: "purchased", normalized: "purchased"), 4),
        (WireEventType(wire: "updated_cart", normalized: "updated_cart"), 6),
        (WireEventType(wire: "started_membership", normalized: "started_membership"), 2),
        (WireEventType(wire: "searched", normalized: "searched"), 7),
        (WireEventType(wire: "video:play", normalized: "video:play"), 5),
        (WireEventType(wire: "newsletter_signup", normalized: "newsletter_signup"), 2),
        (WireEventType(wire: "checkout.step-2", normalized: "checkout.step-2"), 2),
    ])
}
