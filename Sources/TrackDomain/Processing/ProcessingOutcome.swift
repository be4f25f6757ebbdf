/// Where a raw record came from: its Kafka coordinates, or a file's line for `trackstream process`.
public struct SourceCoordinates: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// The Kafka message timestamp in epoch milliseconds; the fallback for `received_at`.
    public var timestamp: Int64?

    public init(topic: String, partition: Int32, offset: Int64, timestamp: Int64? = nil) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
    }
}

/// One output record: the Kafka key (nil: reuse the input record's key) and the JSON value.
public struct EncodedRecord: Sendable, Hashable {
    public var key: [UInt8]?
    public var value: [UInt8]

    public init(key: [UInt8]?, value: [UInt8]) {
        self.key = key
        self.value = value
    }
}

/// Everything one raw record produced: at least one enriched event, or exactly one rejection.
public struct ProcessingOutcome: Sendable {
    /// Enriched events for the enriched topic, keyed `site_id:identity`.
    public var enriched: [EncodedRecord]
    /// Preference signals for the signals topic, keyed `site_id:identity`.
    public var signals: [EncodedRecord]
    /// The rejection for the rejected topic; its key is nil: the runtime sends the original key and headers.
    public var rejection: EncodedRecord?
    /// Why the record was rejected, for metrics; nil when it was accepted.
    public var rejectionReason: RejectionReason?
    /// What the rejection goes without to fit a record (see ``RecordOutcome/omissions``).
    public var omissions: RejectionOmissions = []

    public init(
        enriched: [EncodedRecord] = [],
        signals: [EncodedRecord] = [],
        rejection: EncodedRecord? = nil,
        rejectionReason: RejectionReason? = nil
    ) {
        self.enriched = enriched
        self.signals = signals
        self.rejection = rejection
        self.rejectionReason = rejectionReason
    }

    /// True when the record was rejected rather than enriched.
    public var isRejected: Bool { rejection != nil }
}

/// What one raw record produced, counted; the records themselves are in the ``OutputBuffer``.
public struct RecordOutcome: Sendable, Hashable {
    /// Enriched events written.
    public var enriched: Int
    /// Signals written.
    public var signals: Int
    /// Why the record was rejected (one rejection was written), or nil when it was accepted.
    public var rejectionReason: RejectionReason?
    /// What the rejection goes without to fit a record: with ``RejectionOmissions/keyAndHeaders`` the
    /// runtime sends it without the input's key and headers.
    public var omissions: RejectionOmissions
    /// Whether the enriched events and signals go without the input's forwarded headers
    /// (``OutputHeaderSizes/forwardedBytes``), which would have made them break an output limit.
    public var forwardedHeadersOmitted: Bool

    public init(
        enriched: Int,
        signals: Int,
        rejectionReason: RejectionReason?,
        omissions: RejectionOmissions = [],
        forwardedHeadersOmitted: Bool = false
    ) {
        self.enriched = enriched
        self.signals = signals
        self.rejectionReason = rejectionReason
        self.omissions = omissions
        self.forwardedHeadersOmitted = forwardedHeadersOmitted
    }
}
