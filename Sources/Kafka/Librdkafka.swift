import CRdKafka

/// The librdkafka the process runs on, and the oldest one trackstream accepts.
public enum Librdkafka {
    /// The oldest supported release: older ones mis-read KIP-482 tagged fields and cannot talk to
    /// current brokers (Debian 12 ships 2.0.2).
    public static let minimumVersion = (major: 2, minor: 2, patch: 0)

    /// The loaded library's version as `major.minor.patch`.
    public static var version: String { String(cString: rd_kafka_version_str()) }

    /// Whether the loaded library is at least ``minimumVersion``.
    public static var isSupported: Bool { loaded >= minimumVersion }

    /// Whether the loaded library has DescribeTopics and asks brokers for authorized operations
    /// (KIP-430), which came in 2.3.0. trackstream is built against 2.3 or newer headers; on an
    /// older library at run time those calls are never made, so their symbols are never bound.
    public static var reportsAuthorizedOperations: Bool { loaded >= (2, 3, 0) }

    /// The loaded library's version.
    private static var loaded: (Int, Int, Int) {
        let hex = Int(rd_kafka_version())
        return ((hex >> 24) & 0xff, (hex >> 16) & 0xff, (hex >> 8) & 0xff)
    }

    /// Fails with a message saying how to fix it when the loaded library is too old.
    public static func requireSupportedVersion() throws(UnsupportedLibrdkafkaError) {
        guard isSupported else { throw UnsupportedLibrdkafkaError(loadedVersion: version) }
    }
}

/// The process loaded a librdkafka older than ``Librdkafka/minimumVersion``.
public struct UnsupportedLibrdkafkaError: Error, Sendable, CustomStringConvertible {
    public var loadedVersion: String

    public var description: String {
        let minimum = Librdkafka.minimumVersion
        return """
            librdkafka \(loadedVersion) is loaded, but trackstream needs \(minimum.major).\(minimum.minor) or newer \
            (older releases mis-read Kafka's tagged fields). Run 'make deps' to build librdkafka 2.8 into \
            /opt/rdk28, then rebuild with 'make build' (it links with an rpath to that library), or point \
            LD_LIBRARY_PATH at a librdkafka >= 2.2.
            """
    }
}
