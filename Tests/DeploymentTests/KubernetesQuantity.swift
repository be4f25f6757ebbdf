/// A Kubernetes resource quantity (`512Mi`, `1.5Gi`, `250m`, `3`) as a number of base units
/// (bytes, cores).
enum KubernetesQuantity {
    private static let suffixes: [(String, Double)] = [
        ("Ki", 1024), ("Mi", 1024 * 1024), ("Gi", 1024 * 1024 * 1024), ("Ti", 1024 * 1024 * 1024 * 1024),
        ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("m", 1e-3),
    ]

    /// Nil for text that is not a quantity.
    static func parse(_ text: String) -> Double? {
        for (suffix, factor) in suffixes where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * factor }
        }
        return Double(text)
    }

    /// A YAML value (a number or a string) as a quantity.
    static func parse(yaml value: Any?) -> Double? {
        if let number = value as? Int { return Double(number) }
        if let number = value as? Double { return number }
        return (value as? String).flatMap { parse($0) }
    }

    static let mebibyte = 1024.0 * 1024.0
}
