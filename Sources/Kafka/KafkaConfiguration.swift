import CRdKafka

/// librdkafka properties as ordered string key/value pairs, passed through unchanged.
///
/// Any property librdkafka knows can be set (`security.protocol`, `sasl.*`, `ssl.*`, …); an
/// unknown or invalid one fails when a client is created, with librdkafka's own text and the
/// property's name.
public struct KafkaConfiguration: Sendable, Hashable {
    /// The properties in the order they were set; a later set of the same key replaces its value.
    public private(set) var properties: [Property]

    public struct Property: Sendable, Hashable {
        public var key: String
        public var value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    public init(_ properties: KeyValuePairs<String, String>) {
        self.properties = []
        for (key, value) in properties { self[key] = value }
    }

    public init(properties: [Property]) {
        self.properties = []
        for property in properties { self[property.key] = property.value }
    }

    public subscript(key: String) -> String? {
        get { properties.first { $0.key == key }?.value }
        set {
            if let index = properties.firstIndex(where: { $0.key == key }) {
                if let newValue { properties[index].value = newValue } else { properties.remove(at: index) }
            } else if let newValue {
                properties.append(Property(key: key, value: newValue))
            }
        }
    }

    /// Sets `key` only when the application did not set it: defaults that never override a user.
    public mutating func setDefault(_ key: String, _ value: String) {
        if self[key] == nil { self[key] = value }
    }

    /// Checks every property as a client would set it, without making one: the same errors, early.
    public func validate() throws(KafkaError) {
        rd_kafka_conf_destroy(try makeNativeConfiguration())
    }

    /// A new `rd_kafka_conf_t` holding every property; the caller owns it.
    func makeNativeConfiguration() throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(code: RD_KAFKA_RESP_ERR__FAIL, context: "allocating a librdkafka configuration")
        }
        var errorText = [CChar](repeating: 0, count: 512)
        for property in properties {
            let result = rd_kafka_conf_set(conf, property.key, property.value, &errorText, errorText.count)
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                let reason = errorText.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                throw KafkaError.invalidProperty(property.key, value: property.value, reason: reason)
            }
            if let stored = Self.differentlyStoredNumber(conf, property) {
                rd_kafka_conf_destroy(conf)
                throw KafkaError.invalidProperty(
                    property.key,
                    value: property.value,
                    reason: "the number is out of the property's range: librdkafka would store it as \(stored)"
                )
            }
        }
        return conf
    }

    /// The value librdkafka holds for `property` when the property was given as a whole number and
    /// librdkafka holds another one: it parses integer properties into a C `int`, so that 2^32 + 1000
    /// silently becomes 1000. Nil when the numbers agree or either is not a whole number.
    private static func differentlyStoredNumber(_ conf: OpaquePointer, _ property: Property) -> String? {
        guard let requested = Int64(property.value) else { return nil }
        var size = 0
        guard rd_kafka_conf_get(conf, property.key, nil, &size) == RD_KAFKA_CONF_OK, size > 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: size)
        guard rd_kafka_conf_get(conf, property.key, &buffer, &size) == RD_KAFKA_CONF_OK else { return nil }
        let stored = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard let number = Int64(stored), number != requested else { return nil }
        return stored
    }
}

extension KafkaConfiguration: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(properties: elements.map { Property(key: $0.0, value: $0.1) })
    }
}
