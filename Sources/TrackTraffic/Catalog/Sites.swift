/// One tenant of the synthetic traffic: its `site_id`, web host and share of the events.
struct Site: Sendable {
    var id: String
    var host: String
    var weight: Double
    /// The site's own rating scale for `liked` scores; nil: the contract's default 1...5.
    var scoreScale: ClosedRange<Int>?
}

/// The tenants, sections and vocabulary the generated pages and texts are drawn from.
enum Catalog {
    static let sites: [Site] = [
        Site(id: "acme", host: "www.acme.example", weight: 18),
        Site(id: "acme-news", host: "news.acme.example", weight: 12, scoreScale: 0...10),
        Site(id: "globex-shop", host: "shop.globex.example", weight: 14),
        Site(id: "initech-blog", host: "blog.initech.example", weight: 8),
        Site(id: "umbrella-recipes", host: "recipes.umbrella.example", weight: 8),
        Site(id: "hooli-video", host: "video.hooli.example", weight: 10),
        Site(id: "stark-mag", host: "mag.stark.example", weight: 6),
        Site(id: "wayne-books", host: "books.wayne.example", weight: 6),
        Site(id: "tyrell-travel", host: "travel.tyrell.example", weight: 5),
        Site(id: "soylent-food", host: "soylent.example", weight: 5),
        Site(id: "cyberdyne-dev", host: "dev.cyberdyne.example", weight: 4),
        Site(id: "wonka-sweets", host: "wonka.example", weight: 4),
    ]

    /// First path segment of a page; also the `section` property and, for some, the resource type.
    static let sections = [
        "news", "sports", "politics", "tech", "culture", "recipes", "travel", "reviews", "opinion", "science",
    ]

    /// Plain words for slugs, titles, comments and search queries.
    static let words = [
        "river", "market", "garden", "winter", "summer", "city", "budget", "launch", "review", "recipe",
        "storm", "season", "final", "growth", "energy", "school", "travel", "coffee", "bread", "island",
        "mountain", "festival", "election", "council", "startup", "robot", "planet", "ocean", "forest", "music",
        "film", "novel", "kitchen", "soup", "pasta", "salad", "team", "match", "goal", "league",
        "score", "record", "history", "future", "health", "doctor", "study", "science", "climate", "rain",
        "sun", "light", "night", "morning", "weekend", "holiday", "family", "house", "street", "bridge",
        "train", "flight", "hotel", "beach", "museum", "gallery", "artist", "design", "phone", "laptop",
        "update", "release", "version", "price", "deal", "shop", "order", "guide", "tips", "best",
        "new", "old", "big", "small", "quick", "easy", "simple", "great", "local", "global",
        "how", "why", "what", "when", "where", "the", "a", "of", "and", "to",
        "in", "for", "with", "on", "at", "from", "your", "our", "this", "that",
    ]

    static let emailHosts = ["example.com", "mail.example", "Example.ORG", "inbox.example.net"]

    static let referers = [
        "https://www.google.com/", "https://www.facebook.com/", "https://t.co/", "https://duckduckgo.com/",
    ]

    static let locales = ["en-US", "en-GB", "fr-FR", "de-DE", "es-ES", "pt-BR"]

    /// Client clock offsets from UTC in minutes, for ISO-8601 times written in local time.
    static let utcOffsets = [60, 120, -300, -240, -420, 330, 540, -180, 600]
}
