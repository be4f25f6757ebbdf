import StrictJSON
import Testing

/// The checker every test runs outputs through must itself refuse what strict readers refuse.
@Suite("The strict JSON checker of the tests")
struct StrictJSONTests {
    @Test(arguments: [
        "inf", "nan", "NaN", "-Infinity", #"{"total":inf}"#, #"{"value":nan}"#, "1.", "01", ".5", "+1", "[1,]",
        #"{"a":1,}"#, #"{"a":1,"a":2}"#, "1E400", "-2e308", #"{"x":{"a":1,"b":2,"a":3}}"#, #"{"a":1,"\u0061":2}"#,
        #""\ud800""#,
        #""\udc00""#, #""\ud800\u0041""#, "\"\u{01}\"", #"{"a" 1}"#, "[1] [2]", "", "tru", #""\x""#,
        "{" + (0..<17).map { "\"a\($0)\":0," }.joined() + #""q":1,"q":2}"#,
    ])
    func refuses(_ text: String) {
        #expect(StrictJSON.violation(in: Array(text.utf8)) != nil, "accepted \(text)")
    }

    @Test(arguments: [
        [0x22, 0xC3, 0x22] as [UInt8], [0x22, 0xE0, 0x80, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xFF, 0x22],
    ])
    func refusesInvalidUTF8(_ bytes: [UInt8]) {
        #expect(StrictJSON.violation(in: bytes) != nil)
    }

    @Test(arguments: [
        "0", "-0.5e+10", "1E308", "1e-400", #""é\u00e9\ud83d\ude00""#, #"{"é":1,"e\u0301":2}"#, " [ {} , [] , null ] ",
        #"{"a":{"a":{"a":1}}}"#, "{" + (0..<40).map { "\"a\($0)\":0" }.joined(separator: ",") + "}",
    ])
    func accepts(_ text: String) {
        #expect(StrictJSON.violation(in: Array(text.utf8)) == nil, "refused \(text)")
    }
}
