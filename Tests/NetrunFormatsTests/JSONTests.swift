import Foundation
import Testing
@testable import NetrunFormats

@Suite struct JSONTests {
    func parse(_ text: String) throws -> JSON {
        try Array(text.utf8).withUnsafeBytes { try JSON.parse($0) }
    }

    @Test func objectMembersKeepFileOrderAndDuplicates() throws {
        let value = try parse(#" {"b": 1, "a": [true, false, null], "b": "x"} "#)
        #expect(value == .object([("b", .number("1")), ("a", .array([.bool(true), .bool(false), .null])), ("b", .string("x"))]))
    }

    @Test(arguments: ["0", "-0", "12", "-3.25", "1e5", "2.5E-3", "1E+2"])
    func validNumbersKeepTheirText(text: String) throws {
        #expect(try parse(text) == .number(text))
    }

    @Test(arguments: ["01", "-", "1.", ".5", "1e", "+1", "0x10", "NaN", "Infinity", "[1,]", "{\"a\":1,}", "tru", "\"a", "'a'", ""])
    func invalidJSONIsRefused(text: String) {
        #expect(throws: JSON.SyntaxError.self) { try parse(text) }
    }

    @Test func escapesAndSurrogatePairsAreDecoded() throws {
        #expect(try parse(#""a\"\\\/\b\f\n\r\t\u00e9\ud83e\udde0""#) == .string("a\"\\/\u{08}\u{0C}\n\r\té🧠"))
    }

    @Test func stringsAreWrittenLikePythonJsonDumps() {
        var out: [UInt8] = []
        JSON.appendString("a\"\\\n\u{01}é🧠\u{7F}/", to: &out)
        #expect(String(decoding: out, as: UTF8.self) == #""a\"\\\n\u0001\u00e9\ud83e\udde0\u007f/""#)
    }

    @Test func writtenStringsParseBackToTheSameText() throws {
        for text in ["", "conv1.weight", "inception_3a/1x1", "日本語 \u{0} \u{1F600}", "\t\"'"] {
            var out: [UInt8] = []
            JSON.appendString(text, to: &out)
            #expect(try out.withUnsafeBytes { try JSON.parse($0) } == .string(text))
        }
    }
}
