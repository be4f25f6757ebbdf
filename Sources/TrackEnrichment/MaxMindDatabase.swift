import CMaxMindDB
import Glibc
import Synchronization
public import TrackDomain

/// One opened MaxMind DB file (GeoIP2 / GeoLite2 City or Country, DB-IP's compatible files),
/// memory-mapped once and read by every worker without a lock.
///
/// The file must be replaced by renaming a new one over it (as `geoipupdate` does), never rewritten
/// in place: the mapping keeps the old file readable until the last reader lets this value go.
public final class MaxMindDatabase: @unchecked Sendable {
    // @unchecked: after MMDB_open the MMDB_s and the mapping are only read; libmaxminddb documents
    // lookups as thread-safe. The pointer is freed only in deinit, when no reader is left.
    private let handle: UnsafeMutablePointer<MMDB_s>

    /// What the file says about itself, for `check-config` and the start-up log.
    public struct Metadata: Sendable, Equatable {
        /// `GeoLite2-City`, `GeoIP2-Country`, `DBIP-City-Lite`, …
        public var databaseType: String
        /// When the database was built, seconds since 1970.
        public var buildEpoch: UInt64
        /// 4, or 6 for a database that also holds IPv4 (as every current MaxMind file does).
        public var ipVersion: Int
        public var nodeCount: Int
        public var languages: [String]
    }

    public let path: String
    public let metadata: Metadata
    /// A number no other database opened by this process has: locations remembered from an older
    /// database are never mistaken for this one's.
    public let number: UInt64
    /// The file as it was when opened, to notice a replaced file.
    let identity: FileIdentity

    private static let counter = Atomic<UInt64>(0)

    /// Opens and maps `path`; throws when it is missing, unreadable or not a MaxMind DB.
    public init(path: String) throws(GeoDatabaseError) {
        guard let identity = FileIdentity(path: path) else {
            throw GeoDatabaseError(path: path, problem: "cannot read the file (\(String(cString: strerror(errno))))")
        }
        let handle = UnsafeMutablePointer<MMDB_s>.allocate(capacity: 1)
        let status = MMDB_open(path, UInt32(MMDB_MODE_MMAP), handle)
        guard status == MMDB_SUCCESS else {
            handle.deallocate()
            let reason = String(cString: MMDB_strerror(status))
            throw GeoDatabaseError(path: path, problem: "not a usable MaxMind DB file (\(reason))")
        }
        let meta = handle.pointee.metadata
        var languages: [String] = []
        if let names = meta.languages.names {
            for index in 0..<Int(meta.languages.count) {
                if let name = names[index] { languages.append(String(cString: name)) }
            }
        }
        self.handle = handle
        self.path = path
        self.identity = identity
        self.metadata = Metadata(
            databaseType: meta.database_type.map { String(cString: $0) } ?? "",
            buildEpoch: meta.build_epoch,
            ipVersion: Int(meta.ip_version),
            nodeCount: Int(meta.node_count),
            languages: languages
        )
        self.number = Self.counter.add(1, ordering: .relaxed).newValue
    }

    deinit {
        MMDB_close(handle)
        handle.deallocate()
    }

    /// The data-section offset of the record holding `address`, nil when the database has none
    /// (including an IPv6 address asked of an IPv4-only database).
    public func recordOffset(for address: IPAddress) -> UInt64? {
        lookup(address).offset
    }

    /// ``recordOffset(for:)`` and the length of the network prefix the answer holds for: every
    /// address sharing that prefix gets the same answer. For an IPv4 address the prefix counts IPv4
    /// bits (0–32), whatever the database's tree.
    public func lookup(_ address: IPAddress) -> (offset: UInt64?, prefixLength: Int) {
        var error: Int32 = 0
        let result: MMDB_lookup_result_s
        switch address {
        case .v4(let value):
            var socket = sockaddr_in()
            socket.sin_family = sa_family_t(AF_INET)
            socket.sin_addr.s_addr = value.bigEndian
            result = withUnsafePointer(to: &socket) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { MMDB_lookup_sockaddr(handle, $0, &error) }
            }
        case .v6(let value):
            var socket = sockaddr_in6()
            socket.sin6_family = sa_family_t(AF_INET6)
            var big = value.bigEndian
            withUnsafeBytes(of: &big) { bytes in
                withUnsafeMutableBytes(of: &socket.sin6_addr) { $0.copyMemory(from: bytes) }
            }
            result = withUnsafePointer(to: &socket) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { MMDB_lookup_sockaddr(handle, $0, &error) }
            }
        }
        guard error == MMDB_SUCCESS else { return (nil, 0) }
        var prefix = Int(result.netmask)
        // libmaxminddb counts an IPv4 address's prefix from the root of an IPv6 tree.
        if case .v4 = address, metadata.ipVersion == 6 { prefix = max(0, prefix - 96) }
        return (result.found_entry ? UInt64(result.entry.offset) : nil, prefix)
    }

    /// The location in the record at `offset` (from ``recordOffset(for:)``). `country` falls back to
    /// `registered_country` when the database has no country for the network; the region is the
    /// first (largest) subdivision.
    public func location(atOffset offset: UInt64) -> Geolocation {
        var entry = MMDB_entry_s(mmdb: handle, offset: UInt32(truncatingIfNeeded: offset))
        let paths = GeoPaths.shared
        return Geolocation(
            countryCode: string(&entry, paths.countryCode) ?? string(&entry, paths.registeredCountryCode),
            country: string(&entry, paths.country) ?? string(&entry, paths.registeredCountry),
            regionCode: string(&entry, paths.regionCode),
            region: string(&entry, paths.region),
            city: string(&entry, paths.city),
            postalCode: string(&entry, paths.postalCode),
            latitude: double(&entry, paths.latitude),
            longitude: double(&entry, paths.longitude),
            timeZone: string(&entry, paths.timeZone),
            accuracyRadiusKm: integer(&entry, paths.accuracyRadius)
        )
    }

    private func value(_ entry: inout MMDB_entry_s, _ path: GeoPaths.Path) -> MMDB_entry_data_s? {
        var data = MMDB_entry_data_s()
        guard MMDB_aget_value(&entry, &data, path.pointer) == MMDB_SUCCESS, data.has_data else { return nil }
        return data
    }

    private func string(_ entry: inout MMDB_entry_s, _ path: GeoPaths.Path) -> String? {
        guard let data = value(&entry, path), data.type == UInt32(MMDB_DATA_TYPE_UTF8_STRING),
            let start = data.utf8_string
        else { return nil }
        let bytes = UnsafeRawBufferPointer(start: start, count: Int(data.data_size))
        // The file is not trusted: invalid UTF-8 is repaired, never passed on.
        let text = String(decoding: bytes, as: UTF8.self)
        return text.isEmpty ? nil : text
    }

    private func double(_ entry: inout MMDB_entry_s, _ path: GeoPaths.Path) -> Double? {
        guard let data = value(&entry, path) else { return nil }
        let number: Double? =
            switch Int32(data.type) {
            case MMDB_DATA_TYPE_DOUBLE: data.double_value
            case MMDB_DATA_TYPE_FLOAT: Double(data.float_value)
            default: nil
            }
        return number.flatMap { $0.isFinite ? $0 : nil }
    }

    private func integer(_ entry: inout MMDB_entry_s, _ path: GeoPaths.Path) -> Int? {
        guard let data = value(&entry, path) else { return nil }
        switch Int32(data.type) {
        case MMDB_DATA_TYPE_UINT16: return Int(data.uint16)
        case MMDB_DATA_TYPE_UINT32: return Int(data.uint32)
        case MMDB_DATA_TYPE_INT32: return Int(data.int32)
        case MMDB_DATA_TYPE_UINT64: return data.uint64 <= UInt64(Int.max) ? Int(data.uint64) : nil
        default: return nil
        }
    }
}

/// The look-up paths of the GeoIP2 schema as C string arrays, built once for the process.
private final class GeoPaths: @unchecked Sendable {
    // @unchecked: the arrays are written once in init and only read after; never freed (one per
    // process).
    struct Path {
        let pointer: UnsafePointer<UnsafePointer<CChar>?>
    }

    static let shared = GeoPaths()

    let countryCode = path("country", "iso_code")
    let country = path("country", "names", "en")
    let registeredCountryCode = path("registered_country", "iso_code")
    let registeredCountry = path("registered_country", "names", "en")
    let regionCode = path("subdivisions", "0", "iso_code")
    let region = path("subdivisions", "0", "names", "en")
    let city = path("city", "names", "en")
    let postalCode = path("postal", "code")
    let latitude = path("location", "latitude")
    let longitude = path("location", "longitude")
    let timeZone = path("location", "time_zone")
    let accuracyRadius = path("location", "accuracy_radius")

    private static func path(_ parts: String...) -> Path {
        let array = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: parts.count + 1)
        for (index, part) in parts.enumerated() { array[index] = UnsafePointer(strdup(part)) }
        array[parts.count] = nil
        return Path(pointer: UnsafePointer(array))
    }
}

/// A file's device, inode, size and modification time: a different value means a different file.
struct FileIdentity: Sendable, Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int
    var modifiedNanoseconds: Int

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modifiedSeconds = info.st_mtim.tv_sec
        modifiedNanoseconds = info.st_mtim.tv_nsec
    }
}
