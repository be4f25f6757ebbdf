/// One line of a `purchased` / `updated_cart` event, normalized (contract §3 "Items").
public struct PurchaseItem: Sendable, Hashable {
    public var resourceID: String
    public var price: NumericValue
    public var quantity: Int64
    /// Passed through as given (any JSON value other than null).
    public var currency: JSONValue?
    public var resourceType: String?
}

/// The `items` and `total` rules of `purchased` and `updated_cart`.
enum ItemsNormalizer {
    /// `maxItems` is `limits.max_items`: more items are rejected before any is read.
    static func details(_ properties: JSONObject, path: String, maxItems: Int) throws(Rejection) -> EventDetails {
        var items: [PurchaseItem]? = nil
        var total: NumericValue? = nil
        if let itemsValue = properties.present("items") {
            guard case .array(let elements) = itemsValue else {
                throw Rejection(.invalidItems, field: "\(path).items", "items must be an array of objects")
            }
            guard elements.count <= maxItems else {
                throw Rejection(
                    .invalidItems,
                    field: "\(path).items",
                    "items has \(elements.count) entries, more than limits.max_items (\(maxItems))"
                )
            }
            let parsed = try elements.enumerated().map { (index, element) throws(Rejection) in
                try item(element, path: "\(path).items[\(index)]")
            }
            items = parsed
            guard let sum = computedTotal(parsed) else {
                throw Rejection(
                    .invalidItems,
                    field: "\(path).items",
                    "the items' total (the sum of price × quantity) is too large to represent"
                )
            }
            total = sum
        }
        if let given = properties.present("total") {
            guard let number = nonNegativeNumber(given) else {
                throw Rejection(.invalidItems, field: "\(path).total", "total must be a number >= 0")
            }
            total = number
        }
        if items == nil && total == nil { return .plain }
        return .items(items: items, total: total)
    }

    private static func item(_ value: JSONValue, path: String) throws(Rejection) -> PurchaseItem {
        guard case .object(let object) = value else {
            throw Rejection(.invalidItems, field: path, "each item must be an object, not \(value.kindDescription)")
        }
        let identifier = ["resource_id", "item_id", "sku", "id"].lazy.compactMap { object.present($0) }.first
        guard case .string(let resourceID) = identifier, !resourceID.isEmpty else {
            throw Rejection(
                .invalidItems,
                field: "\(path).resource_id",
                "an item needs a non-empty resource_id (or item_id, sku, id) string"
            )
        }
        guard let priceValue = object.present("price") else {
            throw Rejection(.invalidItems, field: "\(path).price", "an item needs a price")
        }
        guard let price = nonNegativeNumber(priceValue) else {
            throw Rejection(.invalidItems, field: "\(path).price", "price must be a number or numeric string >= 0")
        }
        let quantityField =
            object.present("quantity") == nil && object.present("item_qty") != nil ? "item_qty" : "quantity"
        var quantity: Int64 = 1
        if let quantityValue = object.present(quantityField) {
            guard case .number(let number) = quantityValue, case .integer(let integer) = number.integralValue,
                integer >= 1
            else {
                throw Rejection(
                    .invalidItems,
                    field: "\(path).\(quantityField)",
                    "\(quantityField) must be an integer >= 1"
                )
            }
            quantity = integer
        }
        return PurchaseItem(
            resourceID: resourceID,
            price: price,
            quantity: quantity,
            currency: object.present("currency"),
            resourceType: object.present("resource_type")?.stringValue
        )
    }

    /// A JSON number, or a string holding a decimal number, that is finite and >= 0.
    ///
    /// Integer literals stay integers; a numeric string that is integral becomes an integer ("12" → 12).
    static func nonNegativeNumber(_ value: JSONValue) -> NumericValue? {
        switch value {
        case .number(let number):
            if number.isIntegerLiteral, let integer = Int64(number.text) {
                return integer >= 0 ? .integer(integer) : nil
            }
            guard let double = number.doubleValue, double >= 0 else { return nil }
            return .double(double)
        case .string(let text):
            let trimmed = TextNormalization.trimmed(text)
            guard isDecimalNumber(trimmed), let double = Double(trimmed), double.isFinite, double >= 0 else {
                return nil
            }
            if double.rounded(.towardZero) == double, let integer = Int64(exactly: double) {
                return .integer(integer)
            }
            return .double(double)
        default:
            return nil
        }
    }

    /// `[+-]?(digits[.digits?] | .digits)([eE][+-]?digits)?`: plain decimal text, no hex, inf or nan.
    private static func isDecimalNumber(_ text: String) -> Bool {
        var bytes = Substring(text).utf8[...]
        if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        let isDigit = { (byte: UInt8) in byte &- UInt8(ascii: "0") < 10 }
        let integerDigits = bytes.prefix(while: isDigit).count
        bytes = bytes.dropFirst(integerDigits)
        var fractionDigits = 0
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            fractionDigits = bytes.prefix(while: isDigit).count
            bytes = bytes.dropFirst(fractionDigits)
        }
        guard integerDigits + fractionDigits > 0 else { return false }
        if let marker = bytes.first, marker == UInt8(ascii: "e") || marker == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                bytes = bytes.dropFirst()
            }
            let exponentDigits = bytes.prefix(while: isDigit).count
            guard exponentDigits > 0 else { return false }
            bytes = bytes.dropFirst(exponentDigits)
        }
        return bytes.isEmpty
    }

    /// Σ price × quantity: exact while every term is an integer, else a double rounded to 6 decimals;
    /// nil when the sum overflows to infinity (no output may carry a number JSON cannot write).
    static func computedTotal(_ items: [PurchaseItem]) -> NumericValue? {
        var integerTotal: Int64 = 0
        var doubleTotal = 0.0
        var isExact = true
        for item in items {
            switch item.price {
            case .integer(let price) where isExact:
                let (product, productOverflow) = price.multipliedReportingOverflow(by: item.quantity)
                let (sum, sumOverflow) = integerTotal.addingReportingOverflow(product)
                if productOverflow || sumOverflow {
                    isExact = false
                    doubleTotal = Double(integerTotal) + Double(price) * Double(item.quantity)
                } else {
                    integerTotal = sum
                }
            case .integer(let price):
                doubleTotal += Double(price) * Double(item.quantity)
            case .double(let price):
                if isExact {
                    isExact = false
                    doubleTotal = Double(integerTotal)
                }
                doubleTotal += price * Double(item.quantity)
            }
        }
        if isExact { return .integer(integerTotal) }
        guard doubleTotal.isFinite else { return nil }
        let rounded = (doubleTotal * 1_000_000).rounded(.toNearestOrEven) / 1_000_000
        guard rounded.isFinite else { return .double(doubleTotal) }
        if rounded.rounded(.towardZero) == rounded, let integer = Int64(exactly: rounded) {
            return .integer(integer)
        }
        return .double(rounded)
    }
}
