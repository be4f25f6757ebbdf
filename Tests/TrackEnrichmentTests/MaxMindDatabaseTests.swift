import Foundation
import TestDatabases
import Testing
import TrackDomain
import TrackEnrichment

@Suite("MaxMind databases")
struct MaxMindDatabaseTests {
    static func locate(_ text: String, in database: MaxMindDatabase) -> Geolocation? {
        let address = IPAddress(text)!.unmapped
        return database.recordOffset(for: address).map { database.location(atOffset: $0) }
    }

    static let london = Geolocation(
        countryCode: "GB",
        country: "United Kingdom",
        regionCode: "ENG",
        region: "England",
        city: "London",
        postalCode: "SW1A",
        latitude: 51.5142,
        longitude: -0.0931,
        timeZone: "Europe/London",
        accuracyRadiusKm: 20
    )

    @Test(
        "every field, for IPv4, IPv6 and IPv4-mapped IPv6",
        arguments: [
            ("81.2.69.160", Optional(london)),
            ("::ffff:81.2.69.1", Optional(london)),
            ("2a02:cf47:1::5", Optional(Geolocation(countryCode: "NO", country: "Norway"))),
            ("89.160.20.113", Optional(Geolocation(countryCode: "SE", country: "Sweden"))),
            (
                "2001:218:ffff::1",
                Optional(
                    Geolocation(
                        countryCode: "JP",
                        country: "Japan",
                        regionCode: "13",
                        region: "Tokyo",
                        city: "Tokyo",
                        latitude: 35.685,
                        longitude: 139.7514,
                        timeZone: "Asia/Tokyo",
                        accuracyRadiusKm: 100
                    )
                )
            ),
            ("81.2.70.1", nil),
            ("2a03::1", nil),
        ]
    )
    func fields(_ ip: String, _ expected: Geolocation?) throws {
        let directory = try TestDatabases.directory()
        let path = directory.appendingPathComponent("city.mmdb")
        try TestDatabases.write(TestDatabases.city, to: path)
        let database = try MaxMindDatabase(path: path.path)
        #expect(Self.locate(ip, in: database) == expected)
    }

    @Test("metadata: type, build date, IP version")
    func metadata() throws {
        let directory = try TestDatabases.directory()
        let city = directory.appendingPathComponent("city.mmdb")
        let country = directory.appendingPathComponent("country.mmdb")
        try TestDatabases.write(TestDatabases.city, to: city)
        try TestDatabases.write(TestDatabases.countryV4, to: country)
        let cityMeta = try MaxMindDatabase(path: city.path).metadata
        #expect(cityMeta.databaseType == "GeoLite2-City")
        #expect(cityMeta.buildEpoch == 1_700_000_000)
        #expect(cityMeta.ipVersion == 6)
        #expect(cityMeta.languages == ["en"])
        let countryDatabase = try MaxMindDatabase(path: country.path)
        #expect(countryDatabase.metadata.databaseType == "GeoLite2-Country")
        #expect(countryDatabase.metadata.ipVersion == 4)
        #expect(
            Self.locate("81.2.69.9", in: countryDatabase) == Geolocation(countryCode: "GB", country: "United Kingdom")
        )
        #expect(Self.locate("2a02:cf40::1", in: countryDatabase) == nil, "IPv6 in an IPv4 database: not found")
    }

    @Test("missing, empty, corrupt and non-database files are clear errors")
    func badFiles() throws {
        let directory = try TestDatabases.directory()
        let empty = directory.appendingPathComponent("empty.mmdb")
        try Data().write(to: empty)
        let garbage = directory.appendingPathComponent("garbage.mmdb")
        try Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }).write(to: garbage)
        let truncated = directory.appendingPathComponent("truncated.mmdb")
        let good = directory.appendingPathComponent("good.mmdb")
        try TestDatabases.write(TestDatabases.city, to: good)
        let bytes = try Data(contentsOf: good)
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        for path in [directory.appendingPathComponent("absent.mmdb"), empty, garbage, truncated, directory] {
            #expect(throws: GeoDatabaseError.self) { try MaxMindDatabase(path: path.path) }
            do {
                _ = try MaxMindDatabase(path: path.path)
            } catch {
                #expect(error.description.contains(path.path))
                #expect(error.description.contains("enrichments.geoip.database"), "says what to do")
            }
        }
    }

    @Test("a replaced file is picked up; an unusable replacement keeps the old database")
    func reload() throws {
        let directory = try TestDatabases.directory()
        let path = directory.appendingPathComponent("city.mmdb")
        try TestDatabases.write(TestDatabases.city, to: path)
        let source = try GeoDatabaseSource(path: path.path)
        var locator = MaxMindGeoLocator(source: source)
        let address = IPAddress("81.2.69.160")!
        func city(_ locator: inout MaxMindGeoLocator) -> String? {
            locator.record(for: address).map { locator.location(of: $0) }?.city
        }
        #expect(city(&locator) == "London")
        #expect(source.reloadIfChanged() == .unchanged)

        // geoipupdate's way: write a new file next to it, rename it over the old one.
        let next = directory.appendingPathComponent("city.mmdb.new")
        try TestDatabases.write(TestDatabases.updatedCity, to: next)
        #expect(rename(next.path, path.path) == 0)
        guard case .reloaded(let metadata) = source.reloadIfChanged() else {
            Issue.record("the replaced file was not reloaded")
            return
        }
        #expect(metadata.buildEpoch == 1_800_000_000)
        #expect(city(&locator) == "Leeds", "the worker's locator switches at its next look-up")

        // A broken update: the old database stays in use; the next good file is picked up.
        try Data(repeating: 7, count: 1000).write(to: next)
        #expect(rename(next.path, path.path) == 0)
        guard case .failed(let error) = source.reloadIfChanged() else {
            Issue.record("a corrupt file was not reported")
            return
        }
        #expect(error.path == path.path)
        #expect(city(&locator) == "Leeds")
        try FileManager.default.removeItem(at: path)
        guard case .failed = source.reloadIfChanged() else {
            Issue.record("a vanished file was not reported")
            return
        }
        #expect(city(&locator) == "Leeds")
        try TestDatabases.write(TestDatabases.city, to: next)
        #expect(rename(next.path, path.path) == 0)
        guard case .reloaded = source.reloadIfChanged() else {
            Issue.record("the good file was not reloaded")
            return
        }
        #expect(city(&locator) == "London")
    }

    @Test("workers look up while the file is reloaded: every answer is one database's")
    func concurrentReload() async throws {
        let directory = try TestDatabases.directory()
        let path = directory.appendingPathComponent("city.mmdb")
        try TestDatabases.write(TestDatabases.city, to: path)
        let other = directory.appendingPathComponent("updated.mmdb")
        try TestDatabases.write(TestDatabases.updatedCity, to: other)
        let original = try Data(contentsOf: path)
        let updated = try Data(contentsOf: other)
        let source = try GeoDatabaseSource(path: path.path)
        let address = IPAddress("81.2.69.160")!
        let answers = try await withThrowingTaskGroup(of: Set<String>.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var locator = MaxMindGeoLocator(source: source)
                    var seen = Set<String>()
                    for _ in 0..<20_000 {
                        let city = locator.record(for: address).map { locator.location(of: $0) }?.city
                        seen.insert(city ?? "none")
                    }
                    return seen
                }
            }
            for round in 0..<20 {
                let next = directory.appendingPathComponent("next-\(round).mmdb")
                try (round.isMultiple(of: 2) ? updated : original).write(to: next)
                #expect(rename(next.path, path.path) == 0)
                _ = source.reloadIfChanged()
            }
            var all = Set<String>()
            for try await seen in group { all.formUnion(seen) }
            return all
        }
        #expect(answers.isSubset(of: ["London", "Leeds"]), "\(answers)")
    }

    @Test("a worker's remembered networks give exactly the database's answers, small networks included")
    func rememberedNetworks() throws {
        let path = try TestDatabases.written(TestDatabases.city)
        let source = try GeoDatabaseSource(path: path)
        let database = source.current
        var locator = MaxMindGeoLocator(source: source)
        // A /28 inside a /24 that is otherwise empty: neither answer may stand for the whole /24.
        for text in ["89.160.20.1", "89.160.20.113", "89.160.20.1", "89.160.20.127", "89.160.20.128"] {
            let address = IPAddress(text)!
            #expect(locator.record(for: address)?.offset == database.recordOffset(for: address), "\(text)")
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let network = [UInt32(0x5102_4500), 0x59A0_1400, 0x5102_4600].randomElement(using: &generator)!
            let address = IPAddress.v4(network | UInt32.random(in: 0...255, using: &generator))
            #expect(locator.record(for: address)?.offset == database.recordOffset(for: address), "\(address)")
        }
        let prefixes = [("81.2.69.160", 24), ("89.160.20.113", 28)].map { (IPAddress($0.0)!, $0.1) }
        for (address, length) in prefixes { #expect(database.lookup(address).prefixLength == length) }
    }

    @Test("the 2018 GeoLite2 City file that make run uses, when installed")
    func realGeoLite2() throws {
        let path = TestDatabases.root.appendingPathComponent(
            ".deps/venv/lib/python3.11/site-packages/_maxminddb_geolite2/GeoLite2-City.mmdb"
        ).path
        guard FileManager.default.fileExists(atPath: path) else { return }
        let database = try MaxMindDatabase(path: path)
        #expect(database.metadata.databaseType == "GeoLite2-City")
        let google = try #require(Self.locate("8.8.8.8", in: database))
        #expect(google.countryCode == "US")
        #expect(google.latitude != nil && google.longitude != nil)
        let london = try #require(Self.locate("81.2.69.160", in: database))
        #expect(london.countryCode == "GB")
        #expect(london.city != nil, "a city for MaxMind's own test address")
    }
}
