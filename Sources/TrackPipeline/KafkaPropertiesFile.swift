import Foundation

/// `--kafka-file client.properties`: the Java client properties file a Kafka team already keeps
/// for `kafka-consumer-groups --command-config` and the like (``JavaProperties``), read into
/// librdkafka properties.
///
/// Most client settings have the same name in both clients and pass through. The Java-only ones
/// this file commonly holds are translated where librdkafka has the same thing under another name,
/// and refused otherwise, naming what to set instead (a setting dropped silently could weaken the
/// connection's security):
///
/// | Java client | here |
/// |---|---|
/// | `sasl.jaas.config` with `PlainLoginModule` or `ScramLoginModule` | `sasl.username`, `sasl.password` |
/// | `sasl.jaas.config` with another module (OAuth, Kerberos) | refused: `sasl.oauthbearer.*`, `sasl.kerberos.*` |
/// | `ssl.truststore.location` with `ssl.truststore.type=PEM` | `ssl.ca.location` |
/// | `ssl.truststore.*` of a JKS or PKCS12 store, `ssl.truststore.password` | refused: export the CA to PEM for `ssl.ca.location` |
/// | `ssl.truststore.certificates` | `ssl.ca.pem` |
/// | `ssl.keystore.type=PKCS12` | dropped: `ssl.keystore.location` is read as PKCS#12 |
/// | `ssl.keystore.type` JKS or PEM | refused: convert to PKCS#12, or use `ssl.certificate.location` and `ssl.key.location` |
/// | `ssl.keystore.certificate.chain`, `ssl.keystore.key` | `ssl.certificate.pem`, `ssl.key.pem` |
/// | `ssl.endpoint.identification.algorithm=` (empty: no host name check) | `none` |
/// | JSSE settings (`ssl.protocol`, `ssl.enabled.protocols`, `ssl.provider`, …) and `*.class` | refused |
///
/// Everything else passes through, and librdkafka refuses what it does not know, naming the key.
/// No value is ever part of an error.
public enum KafkaPropertiesFile {
    /// A librdkafka property and the line of the file it came from.
    public struct Entry: Sendable, Equatable {
        public var property: PipelineConfiguration.KafkaProperty
        public var line: Int

        public init(property: PipelineConfiguration.KafkaProperty, line: Int) {
            self.property = property
            self.line = line
        }
    }

    /// Reads and translates the file at `path`.
    public static func load(path: String) throws(KafkaFileError) -> [Entry] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KafkaFileError(
                file: path,
                line: nil,
                key: nil,
                problem: "cannot read the file",
                remedy: "check the path and that this user may read it"
            )
        }
        return try translate(JavaProperties.parse(Array(data), file: path), file: path)
    }

    /// The librdkafka properties for a parsed file, in file order.
    public static func translate(_ entries: [JavaProperties.Entry], file: String) throws(KafkaFileError) -> [Entry] {
        let trustStoreType = entries.last { $0.key == "ssl.truststore.type" }?.value.uppercased()
        var result: [Entry] = []
        for entry in entries {
            func refuse(_ problem: String, _ remedy: String) -> KafkaFileError {
                KafkaFileError(file: file, line: entry.line, key: entry.key, problem: problem, remedy: remedy)
            }
            func add(_ key: String, _ value: String) {
                result.append(Entry(property: .init(key: key, value: value), line: entry.line))
            }
            switch entry.key {
            case "sasl.jaas.config":
                for (key, value) in try credentials(fromJAAS: entry.value, refuse: refuse) { add(key, value) }
            case "ssl.truststore.location" where trustStoreType == "PEM":
                add("ssl.ca.location", entry.value)
            case "ssl.truststore.type" where trustStoreType == "PEM":
                continue
            case "ssl.truststore.location", "ssl.truststore.type", "ssl.truststore.password":
                throw refuse(
                    "librdkafka does not read Java trust stores (JKS or PKCS12)",
                    "export the CA certificates to a PEM file (keytool -exportcert -rfc -keystore STORE -alias CA) "
                        + "and set ssl.ca.location to it, without a password"
                )
            case "ssl.truststore.certificates":
                add("ssl.ca.pem", entry.value)
            case "ssl.keystore.type" where entry.value.uppercased() == "PKCS12":
                continue
            case "ssl.keystore.type":
                throw refuse(
                    "librdkafka reads ssl.keystore.location as PKCS#12 only",
                    "convert the key store (keytool -importkeystore -srckeystore STORE -destkeystore STORE.p12 "
                        + "-deststoretype PKCS12) and remove ssl.keystore.type, or set ssl.certificate.location "
                        + "and ssl.key.location to PEM files"
                )
            case "ssl.keystore.certificate.chain":
                add("ssl.certificate.pem", entry.value)
            case "ssl.keystore.key":
                add("ssl.key.pem", entry.value)
            case "ssl.endpoint.identification.algorithm" where entry.value.isEmpty:
                add(entry.key, "none")
            case "ssl.protocol", "ssl.enabled.protocols", "ssl.provider", "ssl.keymanager.algorithm",
                "ssl.trustmanager.algorithm", "ssl.secure.random.implementation":
                throw refuse(
                    "a setting of Java's TLS implementation, which librdkafka (OpenSSL) does not have",
                    "remove it; librdkafka negotiates the newest TLS version both sides support, and "
                        + "ssl.cipher.suites and ssl.curves.list tune it"
                )
            case let key where key.hasSuffix(".class"):
                throw refuse("names a Java class, which librdkafka cannot load", "remove it")
            default:
                add(entry.key, entry.value)
            }
        }
        return result
    }

    /// `sasl.username` and `sasl.password` from a PLAIN or SCRAM `sasl.jaas.config`.
    private static func credentials(
        fromJAAS text: String,
        refuse: (String, String) -> KafkaFileError
    ) throws(KafkaFileError) -> [(String, String)] {
        guard let module = JAASLoginModule(parsing: text) else {
            throw refuse(
                "cannot be read as one JAAS login module",
                "write it as org.apache.kafka.common.security.scram.ScramLoginModule required "
                    + "username=\"NAME\" password=\"PASSWORD\"; (or PlainLoginModule), or set sasl.username and "
                    + "sasl.password instead"
            )
        }
        switch module.simpleClassName {
        case "PlainLoginModule", "ScramLoginModule":
            let unknown = module.options.map(\.name).filter { $0 != "username" && $0 != "password" }
            guard unknown.isEmpty else {
                throw refuse(
                    "\(module.simpleClassName) option(s) \(unknown.joined(separator: ", ")) have no librdkafka "
                        + "equivalent (it takes a username and a password, and no delegation tokens)",
                    "keep only username and password"
                )
            }
            guard let username = module.option("username"), let password = module.option("password") else {
                throw refuse(
                    "\(module.simpleClassName) needs both username and password",
                    "add the missing option, or set sasl.username and sasl.password instead"
                )
            }
            return [("sasl.username", username), ("sasl.password", password)]
        case "OAuthBearerLoginModule":
            throw refuse(
                "librdkafka configures OAUTHBEARER with its own properties, not a JAAS module",
                "remove sasl.jaas.config and set sasl.oauthbearer.method=oidc, sasl.oauthbearer.client.id, "
                    + "sasl.oauthbearer.client.secret, sasl.oauthbearer.token.endpoint.url and, if needed, "
                    + "sasl.oauthbearer.scope"
            )
        case "Krb5LoginModule":
            throw refuse(
                "librdkafka runs kinit itself instead of a Kerberos JAAS module",
                "remove sasl.jaas.config and set sasl.kerberos.principal, sasl.kerberos.keytab and "
                    + "sasl.kerberos.service.name"
            )
        default:
            throw refuse(
                "the login module \(module.className) has no librdkafka equivalent",
                "use PlainLoginModule or ScramLoginModule with username and password, or set librdkafka's sasl.* "
                    + "properties instead"
            )
        }
    }
}
