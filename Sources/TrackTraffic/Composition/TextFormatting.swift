/// Small text helpers shared by the composers.
extension String {
    /// `value` in decimal, left-padded with zeros to `width` digits (`7` → `"007"` for width 3).
    init(zeroPadded value: Int, width: Int) {
        let digits = String(value)
        self = String(repeating: "0", count: Swift.max(0, width - digits.count)) + digits
    }

    /// The string with its first character uppercased (`"market"` → `"Market"`).
    var capitalizedFirst: String {
        guard let first else { return self }
        return first.uppercased() + dropFirst()
    }
}
