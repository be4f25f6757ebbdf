import Testing
import TrackDomain
import TrackEnrichment

@Suite struct PlaceholderTests {
    @Test func unknown() {
        let parser = UnknownUserAgentParser()
        let details = Array("x".utf8).withUnsafeBufferPointer { parser.parse($0) }
        #expect(details == .unknown)
    }
}
