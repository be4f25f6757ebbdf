import Foundation
import Kafka
import TestDatabases
import Testing
import TrackDomain

/// Geolocation, parsed user agents and privacy through `trackstream run` on the real broker, with a
/// MaxMind DB file built for the test and replaced while the service runs.
@Suite("enrichments through the service against the real broker", .serialized)
struct EnrichmentServiceTests {
    static func event(ip: String, email: String) -> [UInt8] {
        Array(
            (#"{"site_id":"s","event_type":"viewed","email":"\#(email)","url":"https://a.example/x","#
                + #""ip":"\#(ip)","user_agent":"Mozilla/5.0 (X11; Linux x86_64) Firefox/124.0"}"#).utf8
        )
    }

    static func produce(_ values: [[UInt8]], to topic: String, broker: Broker) async throws {
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": broker.bootstrap])
        let report = try await producer.send(values.map { ProducerMessage(topic: topic, value: $0) })
        #expect(report.allDelivered, "\(report.failures)")
        await producer.close()
    }

    /// Reads the enriched topic until it holds `count` records (or 60 s pass).
    static func enriched(_ pipeline: TestPipeline, count: Int) async throws -> [JSONObject] {
        let deadline = ContinuousClock.now + .seconds(60)
        var records: [StoredRecord] = []
        while ContinuousClock.now < deadline {
            records = try await readAll(pipeline.enriched, partitions: 1, broker: pipeline.broker)
            if records.count >= count { break }
            try await Task.sleep(for: .milliseconds(300))
        }
        return records.sorted { $0.offset < $1.offset }.compactMap { record in
            guard let value = record.value, case .object(let object)? = try? JSONParser.parse(value) else { return nil }
            return object
        }
    }

    @Test("cities from the database; a replaced file is used after SIGHUP and after the check interval")
    func geolocationReload() async throws {
        let broker = Broker.shared
        let database = try TestDatabases.written(TestDatabases.city)
        let directory = URL(fileURLWithPath: database).deletingLastPathComponent()
        let pipeline = try await TestPipeline.make(
            broker: broker,
            partitions: 1,
            sections: """
                enrichments:
                  geoip: {database: \(database), check_interval: PT2S}
                privacy:
                  ip_anonymize_octets: 1
                  pseudonymize: [email]
                  key: ${EST_PSEUDONYM_KEY}

                """
        )
        let key = "a test key of more than 16 bytes"
        try await Self.produce(
            [Self.event(ip: "81.2.69.160", email: "ann@example.com")],
            to: pipeline.input,
            broker: broker
        )
        let service = try pipeline.startService(environment: ["EST_PSEUDONYM_KEY": key])
        defer { service.signal(SIGKILL) }

        let first = try await Self.enriched(pipeline, count: 1)
        let london = try #require(first.first, "log:\n\(service.log.suffix(2000))")
        #expect(london.at("geolocation.city")?.stringValue == "London")
        #expect(london.at("geolocation.accuracy_radius_km")?.numberValue?.text == "20")
        #expect(london.at("ip")?.stringValue == "81.2.69.x", "anonymized after the look-up")
        #expect(london.at("user_agent_parsed")?.objectValue != nil || london.at("user_agent_parsed")?.isNull == true)
        let pseudonym = try #require(london.at("identity.email")?.stringValue)
        #expect(pseudonym.count == 64 && pseudonym != "ann@example.com")

        // geoipupdate's way: a new file renamed over the old one, then SIGHUP.
        let next = directory.appendingPathComponent("next.mmdb")
        try TestDatabases.write(TestDatabases.updatedCity, to: next)
        #expect(rename(next.path, database) == 0)
        service.signal(SIGHUP)
        #expect(
            await service.waitForLog("geolocation database reloaded", timeout: .seconds(10)),
            "\(service.log.suffix(2000))"
        )
        try await Self.produce(
            [Self.event(ip: "81.2.69.161", email: "ann@example.com")],
            to: pipeline.input,
            broker: broker
        )
        let second = try await Self.enriched(pipeline, count: 2)
        #expect(second.count == 2)
        #expect(second.last?.at("geolocation.city")?.stringValue == "Leeds")
        #expect(second.last?.at("identity.email")?.stringValue == pseudonym, "the same pseudonym for the same email")

        // A broken update is logged and ignored; the next good file is found by the interval check.
        try Data(repeating: 1, count: 4096).write(to: next)
        #expect(rename(next.path, database) == 0)
        #expect(await service.waitForLog("geolocation database not reloaded", timeout: .seconds(10)))
        try TestDatabases.write(TestDatabases.city, to: next)
        #expect(rename(next.path, database) == 0)
        let deadline = ContinuousClock.now + .seconds(10)
        while service.log.components(separatedBy: "geolocation database reloaded").count < 3,
            ContinuousClock.now < deadline
        {
            try await Task.sleep(for: .milliseconds(200))
        }
        try await Self.produce(
            [Self.event(ip: "81.2.69.162", email: "bob@example.com")],
            to: pipeline.input,
            broker: broker
        )
        let third = try await Self.enriched(pipeline, count: 3)
        #expect(third.last?.at("geolocation.city")?.stringValue == "London", "\(service.log.suffix(1500))")
        #expect(service.isRunning, "never stopped by a bad file")
        service.signal(SIGTERM)
        #expect(await service.waitForExit(timeout: .seconds(20)) == 0)
    }

    @Test("SIGHUP without a geolocation database changes nothing: the service keeps running")
    func hangUpWithoutDatabase() async throws {
        let pipeline = try await TestPipeline.make(broker: .shared, partitions: 1)
        let service = try pipeline.startService()
        defer { service.signal(SIGKILL) }
        #expect(await service.waitForLog("pipeline started", timeout: .seconds(20)))
        service.signal(SIGHUP)
        try await Task.sleep(for: .seconds(1))
        #expect(service.isRunning, "\(service.log.suffix(1000))")
        service.signal(SIGTERM)
        #expect(await service.waitForExit(timeout: .seconds(20)) == 0)
    }

    @Test("a missing database or pseudonym key stops run at start-up with exit 1 and says what to do")
    func startupErrors() async throws {
        let broker = Broker.shared
        let missing = try await TestPipeline.make(
            broker: broker,
            partitions: 1,
            sections: "enrichments: {geoip: {database: /nonexistent/City.mmdb}}\n"
        )
        let service = try missing.startService()
        #expect(await service.waitForExit(timeout: .seconds(20)) == 1)
        #expect(service.log.contains("/nonexistent/City.mmdb"))
        #expect(service.log.contains("TRACKSTREAM_GEOIP_DATABASE"))

        let keyless = try await TestPipeline.make(
            broker: broker,
            partitions: 1,
            sections: "privacy: {pseudonymize: [ip], key: \"${EST_ABSENT_KEY}\"}\n"
        )
        let second = try keyless.startService()
        #expect(await second.waitForExit(timeout: .seconds(20)) == 1)
        #expect(second.log.contains("EST_ABSENT_KEY is not set"), "\(second.log.suffix(1000))")
        let checked = try CommandResult.run(trackstreamBinary, ["check-config", keyless.file])
        #expect(checked.status == 1, "check-config refuses what run refuses")
        #expect(checked.errors.contains("EST_ABSENT_KEY is not set"))
    }
}

extension JSONObject {
    /// The value at a dotted path (`geolocation.city`).
    fileprivate func at(_ path: String) -> JSONValue? {
        var current: JSONValue = .object(self)
        for component in path.split(separator: ".") {
            guard case .object(let object) = current, let next = object[String(component)] else { return nil }
            current = next
        }
        return current
    }
}
