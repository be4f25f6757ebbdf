/// One synthetic visitor: a browser id (`bsin`), and for known users a `user_id` and/or an email.
struct SyntheticUser: Sendable {
    var bsin: String?
    var userID: String?
    /// As the browser sends it: sometimes padded, capitalized or escaped as `name:::at:::host`.
    var email: String?

    /// The identity the Kafka key uses: bsin, else user_id, else the trimmed email.
    var keyIdentity: String {
        bsin ?? userID ?? email.map { String($0.drop { $0 == " " }) } ?? ""
    }
}

/// A fixed population of users, drawn from with a heavy skew so some users are far more active.
struct UserPool: Sendable {
    private let users: [SyntheticUser]

    /// About 35 % of users have a `user_id`, 15 % an email, 1.5 % no browser id at all.
    init(count: Int, random: inout SeededRandom) {
        users = (0..<max(1, count)).map { _ in Self.makeUser(&random) }
    }

    /// A user, with index `⌊u²·n⌋` so low indices are the regulars.
    func pick(using random: inout SeededRandom) -> SyntheticUser {
        let draw = random.unit()
        return users[min(users.count - 1, Int(draw * draw * Double(users.count)))]
    }

    private static func makeUser(_ random: inout SeededRandom) -> SyntheticUser {
        var user = SyntheticUser(bsin: random.hex(digits: 16))
        let profile = random.unit()
        if profile < 0.35 { user.userID = "u-" + random.hex(digits: 10) }
        if profile < 0.12 || profile > 0.97 { user.email = makeEmail(&random) }
        if profile > 0.985 {
            user.bsin = nil
            if user.userID == nil { user.userID = "u-" + random.hex(digits: 10) }
        }
        return user
    }

    private static func makeEmail(_ random: inout SeededRandom) -> String {
        let first = random.element(of: Catalog.words)
        let last = random.element(of: Catalog.words)
        let number = random.below(100)
        let host = random.element(of: Catalog.emailHosts)
        if random.chance(0.2) { return "\(first).\(last)\(number):::at:::\(host)" }
        return " \(first.capitalizedFirst).\(last.capitalizedFirst)\(number)@\(host)"
    }
}
