public import TrackDomain

/// A parser that recognises nothing (every family `"Other"`): for when user agent parsing is disabled or
/// uap-core's regexes are missing, and for tests.
public struct UnknownUserAgentParser: UserAgentParsing {
    public init() {}
    public func parse(_ userAgent: UnsafeBufferPointer<UInt8>) -> UserAgentDetails { .unknown }
}
