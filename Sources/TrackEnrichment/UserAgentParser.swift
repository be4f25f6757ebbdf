public import TrackDomain

/// Placeholder until the uap-core parser lands: recognises nothing.
public struct UnknownUserAgentParser: UserAgentParsing {
    public init() {}
    public func parse(_ userAgent: UnsafeBufferPointer<UInt8>) -> UserAgentDetails { .unknown }
}
