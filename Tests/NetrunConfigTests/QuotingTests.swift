import Foundation
import Testing
@testable import NetrunConfig

@Suite struct QuotingTests {
    @Test func doubleQuotedTextReadsBackAsTheSameStringInJSONAndYAML() throws {
        let text = "a \"b\" \\ c\n\td\u{1}é"
        let quoted = text.doubleQuoted
        #expect(quoted == "\"a \\\"b\\\" \\\\ c\\n\\td\\u0001é\"")
        let json = try JSONSerialization.jsonObject(with: Data("[\(quoted)]".utf8)) as? [String]
        #expect(json == [text])
        let yaml = try YAMLReader.parse("k: \(quoted)\n", file: "t.yaml")
        #expect(yaml["k"]?.text == text)
    }
}
