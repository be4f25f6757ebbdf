/// Where an IP address is, as a geolocation database says: the enriched event's `geolocation`
/// object. A part the database does not have is nil; names are English.
public struct Geolocation: Sendable, Hashable {
    /// ISO 3166-1 alpha-2 (`"US"`).
    public var countryCode: String?
    public var country: String?
    /// The most specific subdivision's ISO 3166-2 code without the country (`"CA"` for California).
    public var regionCode: String?
    public var region: String?
    public var city: String?
    public var postalCode: String?
    public var latitude: Double?
    public var longitude: Double?
    /// IANA time zone (`"America/Los_Angeles"`).
    public var timeZone: String?
    /// How far from the point the address may be, in kilometres.
    public var accuracyRadiusKm: Int?

    public init(
        countryCode: String? = nil,
        country: String? = nil,
        regionCode: String? = nil,
        region: String? = nil,
        city: String? = nil,
        postalCode: String? = nil,
        latitude: Double? = nil,
        longitude: Double? = nil,
        timeZone: String? = nil,
        accuracyRadiusKm: Int? = nil
    ) {
        self.countryCode = countryCode
        self.country = country
        self.regionCode = regionCode
        self.region = region
        self.city = city
        self.postalCode = postalCode
        self.latitude = latitude
        self.longitude = longitude
        self.timeZone = timeZone
        self.accuracyRadiusKm = accuracyRadiusKm
    }

    /// The object as compact JSON, members in the contract's order; nil parts are `null`.
    public var json: [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.key("country_code")
        writer.string(countryCode)
        writer.key("country")
        writer.string(country)
        writer.key("region_code")
        writer.string(regionCode)
        writer.key("region")
        writer.string(region)
        writer.key("city")
        writer.string(city)
        writer.key("postal_code")
        writer.string(postalCode)
        writer.key("latitude")
        if let latitude { writer.double(latitude) } else { writer.null() }
        writer.key("longitude")
        if let longitude { writer.double(longitude) } else { writer.null() }
        writer.key("time_zone")
        writer.string(timeZone)
        writer.key("accuracy_radius_km")
        if let accuracyRadiusKm { writer.integer(Int64(accuracyRadiusKm)) } else { writer.null() }
        writer.endObject()
        return writer.bytes
    }
}

/// One record of a geolocation database: the same record always holds the same location, so
/// locations can be remembered by record.
public struct GeoRecord: Sendable, Hashable {
    /// Which database (a new number for each one loaded, so that a reload forgets old records).
    public var database: UInt64
    /// Where the record is in that database.
    public var offset: UInt64

    public init(database: UInt64, offset: UInt64) {
        self.database = database
        self.offset = offset
    }
}

/// Looks IP addresses up in a geolocation database. Opening the database is I/O, so implementations
/// live outside the domain (`TrackEnrichment` reads MaxMind DB files); each worker holds its own
/// value and remembers locations by ``GeoRecord``, so ``location(of:)`` runs once per record.
public protocol GeoLocating: Sendable {
    /// The record holding `address`'s location, nil when the database has none. May switch to a
    /// newer database first, hence mutating; never fails.
    mutating func record(for address: IPAddress) -> GeoRecord?
    /// The location in `record`, which the latest ``record(for:)`` returned.
    func location(of record: GeoRecord) -> Geolocation
}
