/// Versions of the output contract (docs/contract.md) that outputs name.
public enum Contract {
    /// The version of the output schema, written into every output's `trackstream-schema` header.
    ///
    /// It changes when a field of an output changes its meaning or disappears; added fields keep it
    /// (contract §6: names may be added to, never renamed). Consumers branch on it instead of on the
    /// binary's version.
    public static let schemaVersion = "1"
}
