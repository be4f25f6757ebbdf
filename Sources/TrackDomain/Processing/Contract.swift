/// The output contract (docs/contract.md) as the code knows it.
public enum Contract {
    /// The version of the output schemas in docs/schemas/ (enriched event, signal, rejection), which
    /// each schema's `$id` ends with (`urn:trackstream:schema:signal:1`).
    ///
    /// It changes whenever an output's members or their values change, additions included: the
    /// schemas are closed (`additionalProperties: false`), so a reader that validates with them must
    /// know which version wrote a record. Every output names it in its `trackstream-schema` header,
    /// so consumers can branch on it rather than on the binary's version. A test ties the schemas'
    /// ids to this constant.
    public static let schemaVersion = "1"
}
