public import Foundation

/// MaxMind DB files built for a test from a description, with `scripts/mmdb-write` (PyPI's
/// mmdb-writer in the project's virtualenv, installed by `scripts/deps`): real files, never
/// downloaded.
public enum TestDatabases {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    public static var python: String {
        ProcessInfo.processInfo.environment["TRACKSTREAM_PYTHON"]
            ?? root.appendingPathComponent(".deps/venv/bin/python3").path
    }

    /// A fresh directory for one test's files.
    public static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("trackstream-geo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes the database `spec` describes (see scripts/mmdb-write) to `path`.
    public static func write(_ spec: [String: Any], to path: URL) throws {
        let specFile = path.deletingPathExtension().appendingPathExtension("json")
        try JSONSerialization.data(withJSONObject: spec).write(to: specFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [root.appendingPathComponent("scripts/mmdb-write").path, specFile.path, path.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw TestDatabaseError(message: "mmdb-write failed (run scripts/deps): \(message)")
        }
    }

    /// A City database: London for 81.2.69.0/24 (every field), a Norwegian IPv6 network with only a
    /// country, an IPv4 network with only a registered country, and Tokyo for 2001:218::/32.
    public static var city: [String: Any] {
        [
            "ip_version": 6, "database_type": "GeoLite2-City", "build_epoch": 1_700_000_000,
            "networks": [
                [
                    "network": "81.2.69.0/24",
                    "record": [
                        "country": [
                            "iso_code": "GB", "names": ["en": "United Kingdom", "de": "Vereinigtes Königreich"],
                        ],
                        "subdivisions": [
                            ["iso_code": "ENG", "names": ["en": "England"]],
                            ["iso_code": "WSM", "names": ["en": "Westminster"]],
                        ],
                        "city": ["names": ["en": "London"]],
                        "postal": ["code": "SW1A"],
                        "location": [
                            "latitude": 51.5142, "longitude": -0.0931, "time_zone": "Europe/London",
                            "accuracy_radius": ["$u16": 20],
                        ],
                    ],
                ],
                ["network": "2a02:cf40::/29", "record": ["country": ["iso_code": "NO", "names": ["en": "Norway"]]]],
                [
                    "network": "89.160.20.112/28",
                    "record": ["registered_country": ["iso_code": "SE", "names": ["en": "Sweden"]]],
                ],
                [
                    "network": "2001:218::/32",
                    "record": [
                        "country": ["iso_code": "JP", "names": ["en": "Japan"]],
                        "subdivisions": [["iso_code": "13", "names": ["en": "Tokyo"]]],
                        "city": ["names": ["en": "Tokyo"]],
                        "location": [
                            "latitude": 35.685, "longitude": 139.7514, "time_zone": "Asia/Tokyo",
                            "accuracy_radius": ["$u16": 100],
                        ],
                    ],
                ],
            ],
        ]
    }

    /// Writes `spec` into a fresh directory as `name`; returns its path.
    public static func written(_ spec: [String: Any], name: String = "city.mmdb") throws -> String {
        let path = try directory().appendingPathComponent(name)
        try write(spec, to: path)
        return path.path
    }

    /// The same networks with other cities: what a database update looks like.
    public static var updatedCity: [String: Any] {
        [
            "ip_version": 6, "database_type": "GeoLite2-City", "build_epoch": 1_800_000_000,
            "networks": [
                [
                    "network": "81.2.69.0/24",
                    "record": [
                        "country": ["iso_code": "GB", "names": ["en": "United Kingdom"]],
                        "city": ["names": ["en": "Leeds"]],
                    ],
                ]
            ],
        ]
    }

    /// A Country database, IPv4 only.
    public static var countryV4: [String: Any] {
        [
            "ip_version": 4, "ipv4_compatible": false, "database_type": "GeoLite2-Country",
            "build_epoch": 1_600_000_000,
            "networks": [
                [
                    "network": "81.2.69.0/24",
                    "record": ["country": ["iso_code": "GB", "names": ["en": "United Kingdom"]]],
                ]
            ],
        ]
    }
}

public struct TestDatabaseError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
