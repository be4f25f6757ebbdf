/// Why a geolocation database could not be used, with the file and what to do.
public struct GeoDatabaseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        "geolocation database \(path): \(problem); set enrichments.geoip.database (or "
            + "TRACKSTREAM_GEOIP_DATABASE) to a readable MaxMind DB file such as GeoLite2-City.mmdb, "
            + "or remove the setting to run without geolocation"
    }
}
