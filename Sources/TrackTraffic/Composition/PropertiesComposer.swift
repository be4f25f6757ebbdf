/// The page an event happened on.
struct Page: Sendable {
    /// As the browser reports it: sometimes with tracking parameters, a fragment or an uppercase host.
    var url: String
    var section: String

    /// The resource type a content id on this page has.
    var resourceType: String {
        switch section {
        case "recipes": "recipe"
        case "reviews": "review"
        default: "article"
        }
    }
}

/// Builds the `properties` of one event: the type's special attributes (seed) plus free metadata.
enum PropertiesComposer {
    static func properties(
        for eventType: String,
        site: Site,
        page: Page,
        using random: inout SeededRandom
    ) -> OrderedObject {
        var properties = OrderedObject()
        switch eventType {
        case "viewed":
            addContent(page, to: &properties, using: &random)
            if random.chance(0.4) {
                properties["doc_referrer"] = .string(random.element(of: Catalog.referers + [""]))
            }
            if random.chance(0.5) { properties["autoTrack"] = .bool(true) }
            if random.chance(0.3) {
                properties["tags"] = .strings(
                    (0..<random.int(in: 1...4)).map { _ in random.element(of: Catalog.words) }
                )
            }
        case "liked":
            addContent(page, to: &properties, using: &random)
            addScore(site: site, to: &properties, using: &random)
        case "shared":
            addShare(to: &properties, using: &random)
        case "commented":
            addContent(page, to: &properties, using: &random)
            properties["comment_text"] = .string(commentText(using: &random))
        case "purchased", "updated_cart":
            properties["items"] = .array(items(count: random.int(in: 1...4), using: &random).map(JSONFragment.object))
            properties["currency"] = .string("USD")
            if eventType == "purchased" {
                properties["order_id"] = .string("A-\(String(zeroPadded: random.below(10_000_000), width: 7))")
                if random.chance(0.2) { properties["total"] = .number(decimal(cents: random.int(in: 500...50_000))) }
            }
        case "started_membership":
            properties["plan"] = .string(random.element(of: ["free", "premium", "family", "student"]))
            if random.chance(0.3) { properties["trial_days"] = .integer(random.element(of: [7, 14, 30])) }
        case "searched":
            properties["query"] = .string(words(1...4, using: &random))
            properties["results"] = .integer(random.below(200))
        case "video:play":
            properties["resource_id"] = .string("v-\(random.below(30_000))")
            properties["resource_type"] = .string("video")
            properties["seconds"] = .integer(random.int(in: 1...3599))
            if random.chance(0.3) { properties["autoplay"] = .bool(random.chance(0.5)) }
        default:
            properties["step"] = .integer(random.int(in: 1...4))
            if random.chance(0.5) { properties["list"] = .string(random.element(of: ["weekly", "daily", "deals"])) }
        }
        return properties
    }

    /// `purchased` / `updated_cart` lines with the `item_id` / `sku` / `id` / `item_qty` aliases and string prices.
    static func items(count: Int, using random: inout SeededRandom) -> [OrderedObject] {
        (0..<count).map { _ in
            var item = OrderedObject()
            let idKey = random.element(of: [
                "resource_id", "resource_id", "resource_id", "resource_id", "item_id", "sku", "id",
            ])
            item[idKey] = .string("sku-\(String(zeroPadded: random.below(50_000), width: 5))")
            if random.chance(0.4) { item["name"] = .string(words(2...4, using: &random).capitalizedFirst) }
            let price = decimal(cents: random.int(in: 50...25_000))
            item["price"] = random.chance(0.2) ? .string(price) : .number(price)
            let quantity = random.element(of: [1, 1, 1, 2, 3])
            if quantity > 1 || random.chance(0.5) {
                item[random.chance(0.85) ? "quantity" : "item_qty"] = .integer(quantity)
            }
            if random.chance(0.3) { item["currency"] = .string("USD") }
            return item
        }
    }

    /// `count` words separated by spaces.
    static func words(_ count: ClosedRange<Int>, using random: inout SeededRandom) -> String {
        (0..<random.int(in: count)).map { _ in random.element(of: Catalog.words) }.joined(separator: " ")
    }

    /// `cents` as a decimal with two fraction digits, e.g. `12.50`.
    static func decimal(cents: Int) -> String {
        "\(cents / 100).\(String(zeroPadded: cents % 100, width: 2))"
    }

    /// An explicit resource (sometimes under the legacy `id` / `model` names), a section and a title.
    private static func addContent(_ page: Page, to properties: inout OrderedObject, using random: inout SeededRandom) {
        if random.chance(0.6) {
            let resourceType = page.resourceType
            let resourceID = "\(resourceType.prefix(2))-\(random.below(100_000))"
            if random.chance(0.1) {
                properties["model"] = .string(resourceType)
                properties["id"] = .string(resourceID)
            } else {
                properties["resource_id"] = .string(resourceID)
                properties["resource_type"] = .string(resourceType)
            }
        }
        if random.chance(0.5) { properties["section"] = .string(page.section) }
        if random.chance(0.4) { properties["title"] = .string(words(2...6, using: &random).capitalizedFirst) }
    }

    /// A plain like, a score on the site's scale (or 1...5), a -1 dislike, or a score on a per-event scale.
    private static func addScore(site: Site, to properties: inout OrderedObject, using random: inout SeededRandom) {
        let draw = random.unit()
        if draw < 0.55 {
            if random.chance(0.08) {
                properties["score"] = .integer(-1)
            } else {
                properties["score"] = .integer(random.int(in: site.scoreScale ?? 1...5))
            }
        } else if draw < 0.62 {
            properties["score_min"] = .integer(1)
            properties["score_max"] = .integer(10)
            properties["score"] = .integer(random.int(in: 1...10))
        }
    }

    /// One or two resources, and no target, one target, or 2–6 targets (sometimes with a duplicate).
    private static func addShare(to properties: inout OrderedObject, using random: inout SeededRandom) {
        if random.chance(0.85) {
            if random.chance(0.9) {
                properties["resource_id"] = .string("ar-\(random.below(100_000))")
            } else {
                properties["resource_id"] = .strings((0..<2).map { _ in "ar-\(random.below(100_000))" })
            }
            properties["resource_type"] = .string("article")
        }
        let draw = random.unit()
        if draw < 0.4 {
            properties["target_user_id"] = .string("u-" + random.hex(digits: 10))
        } else if draw < 0.9 {
            var targets = (0..<random.int(in: 2...6)).map { _ in "u-" + random.hex(digits: 10) }
            if random.chance(0.1), let first = targets.first { targets.append(first) }
            properties["target_user_id"] = .strings(targets)
        }
        properties["channel"] = .string(random.element(of: ["email", "facebook", "copy_link", "whatsapp", "sms"]))
    }

    /// A comment, sometimes with non-ASCII text, quotes or line breaks (which the writer escapes).
    private static func commentText(using random: inout SeededRandom) -> String {
        var text = words(5...25, using: &random).capitalizedFirst
        text += random.element(of: [".", "!", "?", " 👍", " — très bien", " «super»", "..."])
        if random.chance(0.1) { text += "\n\n" + words(3...8, using: &random).capitalizedFirst + "." }
        if random.chance(0.05) { text = "\"\(text)\" \\o/" }
        return text
    }
}
