import Synchronization
public import TrackDomain

/// The current geolocation database of a file, replaced when the file changes.
///
/// Workers read ``current`` through their own ``MaxMindGeoLocator``, which compares one atomic
/// number per look-up and takes the lock only when a reload happened. A reload opens the new file
/// completely before swapping it in; a file that cannot be opened leaves the previous database in
/// use, so a half-written update never stops the service.
public final class GeoDatabaseSource: Sendable {
    /// What a check of the file found.
    public enum CheckResult: Sendable, Equatable {
        /// The file is the one already open.
        case unchanged
        /// A new file was opened and is now in use.
        case reloaded(MaxMindDatabase.Metadata)
        /// The file changed or vanished but could not be opened; the previous database stays.
        case failed(GeoDatabaseError)
    }

    public let path: String
    private let state: Mutex<MaxMindDatabase>
    /// The ``MaxMindDatabase/number`` of ``current``.
    private let currentNumber: Atomic<UInt64>

    /// Opens `path`; throws when it cannot be used (at start-up, a clear error).
    public init(path: String) throws(GeoDatabaseError) {
        let database = try MaxMindDatabase(path: path)
        self.path = path
        state = Mutex(database)
        currentNumber = Atomic(database.number)
    }

    /// The database in use.
    public var current: MaxMindDatabase { state.withLock { $0 } }

    /// The number of the database in use, read without a lock.
    var currentDatabaseNumber: UInt64 { currentNumber.load(ordering: .acquiring) }

    /// Reopens the file when it is not the one in use (another inode, size or modification time).
    public func reloadIfChanged() -> CheckResult {
        let inUse = current
        guard FileIdentity(path: path) != inUse.identity else { return .unchanged }
        let database: MaxMindDatabase
        do {
            database = try MaxMindDatabase(path: path)
        } catch {
            return .failed(error)
        }
        state.withLock { $0 = database }
        currentNumber.store(database.number, ordering: .releasing)
        return .reloaded(database.metadata)
    }
}

/// One worker's view of a ``GeoDatabaseSource``: switches to a reloaded database at its next look-up.
///
/// It remembers, per /24, the answers for IPv4 networks of /24 or larger (most of a City database's
/// IPv4 space): visitors of one network share it, and a remembered answer skips the walk down the
/// database's tree, a few dozen reads scattered over the mapped file. The memory is a fixed table,
/// emptied when the database changes.
public struct MaxMindGeoLocator: GeoLocating {
    private let source: GeoDatabaseSource
    private var database: MaxMindDatabase
    private var networks: [NetworkSlot]

    /// A /24 and its answer; `key` is the /24's top 24 bits plus one (0: empty).
    private struct NetworkSlot {
        var key: UInt32 = 0
        var offset: UInt64? = nil
    }

    /// Slots of the /24 table: a power of two.
    static let networkSlots = 4096

    public init(source: GeoDatabaseSource) {
        self.source = source
        self.database = source.current
        self.networks = Array(repeating: NetworkSlot(), count: Self.networkSlots)
    }

    public mutating func record(for address: IPAddress) -> GeoRecord? {
        if source.currentDatabaseNumber != database.number {
            database = source.current
            for index in networks.indices { networks[index] = NetworkSlot() }
        }
        guard case .v4(let value) = address else {
            return database.recordOffset(for: address).map { GeoRecord(database: database.number, offset: $0) }
        }
        let key = (value >> 8) + 1
        let slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B1) >> 20) & (Self.networkSlots - 1)
        if networks[slot].key == key {
            return networks[slot].offset.map { GeoRecord(database: database.number, offset: $0) }
        }
        let answer = database.lookup(address)
        if answer.prefixLength <= 24 { networks[slot] = NetworkSlot(key: key, offset: answer.offset) }
        return answer.offset.map { GeoRecord(database: database.number, offset: $0) }
    }

    public func location(of record: GeoRecord) -> Geolocation {
        database.location(atOffset: record.offset)
    }
}
