/// Which librdkafka properties hold secrets, so that no message, log line or printed configuration
/// shows their values.
///
/// A key is secret when, ignoring case, it contains `password` or `secret`, is `ssl.key.pem`,
/// `ssl.keystore.key` (the Java client's name for it) or `sasl.jaas.config`, or starts with
/// `sasl.oauthbearer.` (client secrets, tokens and their configuration). Erring on the side of hiding: a redacted value that was not secret costs nothing.
public enum SecretProperty {
    /// What is shown instead of a secret value.
    public static let redacted = "<redacted>"

    public static func isSecret(_ key: String) -> Bool {
        let key = key.lowercased()
        return key.contains("password") || key.contains("secret") || key == "ssl.key.pem"
            || key == "ssl.keystore.key" || key == "sasl.jaas.config" || key.hasPrefix("sasl.oauthbearer.")
    }

    /// `value`, or ``redacted`` when `key` is secret.
    public static func shown(_ value: String, for key: String) -> String {
        isSecret(key) ? redacted : value
    }

    /// `text` with every occurrence of a secret `value` replaced: for messages that may quote it.
    public static func scrubbed(_ text: String, value: String, for key: String) -> String {
        guard isSecret(key), !value.isEmpty else { return text }
        return text.replacing(value, with: redacted)
    }
}
