import Foundation
import Testing
@testable import NetrunConfig

/// The first diagnostic of a failed parse.
func parseFailure(_ text: String, limits: YAMLLimits = YAMLLimits()) -> Diagnostic? {
    do {
        _ = try YAMLReader.parse(text, file: "t.yaml", limits: limits)
        return nil
    } catch {
        return error.diagnostics.all.first
    }
}

func parseFailure(bytes: [UInt8]) -> Diagnostic? {
    do {
        _ = try YAMLReader.parse(bytes, file: "t.yaml")
        return nil
    } catch {
        return error.diagnostics.all.first
    }
}

@Suite struct YAMLReaderTests {
    @Test func everyNodeRemembersItsLineAndColumn() throws {
        let node = try YAMLReader.parse("""
        model:
          input: [3, 227, 227]
          name:   "quoted"
        """, file: "t.yaml")
        let model = try #require(node["model"])
        #expect(model.location == SourceLocation(file: "t.yaml", line: 2, column: 3))
        let input = try #require(model["input"]?.items)
        #expect(input[1].location == SourceLocation(file: "t.yaml", line: 2, column: 14))
        #expect(input[1].text == "227")
        let name = try #require(model["name"])
        #expect(name.location.column == 11)
        #expect(name.scalar?.isPlain == false)
    }

    @Test func aliasesShareTheAnchoredValueAndMergeKeysFillMissingKeys() throws {
        let node = try YAMLReader.parse("""
        base: &b {size: 5, alpha: 1, beta: 2}
        copy: *b
        over: {<<: *b, alpha: 9}
        """, file: "t.yaml")
        #expect(node["copy"]?["size"]?.text == "5")
        #expect(node["copy"]?.location.line == 2)
        let over = try #require(node["over"])
        #expect(over["alpha"]?.text == "9")
        #expect(over["beta"]?.text == "2")
        #expect(over.pairs?.count == 3)
    }

    @Test func aMergeKeyTakesAListOfMappingsEarlierOnesWinning() throws {
        let node = try YAMLReader.parse("""
        a: &a {x: 1}
        b: &b {x: 2, y: 2}
        c: {<<: [*a, *b], z: 3}
        """, file: "t.yaml")
        #expect(node["c"]?["x"]?.text == "1")
        #expect(node["c"]?["y"]?.text == "2")
    }

    @Test func aDuplicateKeyNamesBothPositions() throws {
        let d = try #require(parseFailure("""
        train:
          batch: 64
          epochs: 3
          batch: 128
        """))
        #expect(d.message == "duplicate key 'batch' in this mapping")
        #expect(d.location == SourceLocation(file: "t.yaml", line: 4, column: 3))
        #expect(d.notes.first?.location == SourceLocation(file: "t.yaml", line: 2, column: 3))
    }

    @Test func aTabInTheIndentationIsRefusedAtTheTab() throws {
        let d = try #require(parseFailure("model:\n  input: 3\n \tclasses: 10\n"))
        #expect(d.message.contains("tab character used for indentation"))
        #expect(d.location == SourceLocation(file: "t.yaml", line: 3, column: 2))
    }

    @Test func invalidUTF8IsRefusedAtTheBadByte() throws {
        var bytes = Array("model:\n  name: caf".utf8)
        bytes += [0xC3, 0x28]  // a lead byte followed by a non-continuation byte
        bytes += Array("\n".utf8)
        let d = try #require(parseFailure(bytes: bytes))
        #expect(d.message.contains("invalid UTF-8"))
        #expect(d.location == SourceLocation(file: "t.yaml", line: 2, column: 12))
    }

    @Test func wellFormedMultibyteTextIsAccepted() throws {
        let node = try YAMLReader.parse("name: résumé 日本\n", file: "t.yaml")
        #expect(node["name"]?.text == "résumé 日本")
    }

    @Test func anExplicitTagOtherThanTheCoreOnesIsRefused() throws {
        let d = try #require(parseFailure("""
        model:
          input: !!python/object:os.system [3, 3, 3]
        """))
        #expect(d.message.contains("tag '!!python/object:os.system' is not allowed"))
        #expect(d.location == SourceLocation(file: "t.yaml", line: 2, column: 10))
        let local = try #require(parseFailure("x: !custom 3\n"))
        #expect(local.message.contains("tag '!custom' is not allowed"))
    }

    @Test func coreTagsAreAccepted() throws {
        let node = try YAMLReader.parse("a: !!str 12\nb: !!int 3\n", file: "t.yaml")
        #expect(node["a"]?.scalar?.tag == .str)
        #expect(node["b"]?.text == "3")
    }

    @Test func anAliasBombIsRefusedAtTheAliasThatCrossesTheLimit() throws {
        // Nine levels of ten: a billion strings if expanded.
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 {
            let refs = Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ")
            text += "a\(i): &a\(i) [\(refs)]\n"
        }
        let start = ContinuousClock.now
        let d = try #require(parseFailure(text))
        let elapsed = ContinuousClock.now - start
        #expect(d.message.contains("through aliases"))
        #expect(d.location.line <= 10)
        // Not a timing test: the refusal happens after a bounded amount of work; the figure
        // is printed for the record.
        print("alias bomb refused in \(elapsed)")
    }

    @Test func nestingBeyondTheLimitIsRefused() throws {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        let d = try #require(parseFailure("x: " + deep))
        #expect(d.message == "nesting deeper than 64 levels")
        #expect(d.location == SourceLocation(file: "t.yaml", line: 1, column: 4 + 63))
    }

    @Test func aFileOverTheSizeLimitIsRefusedBeforeParsing() throws {
        var limits = YAMLLimits()
        limits.maxBytes = 100
        let d = try #require(parseFailure(String(repeating: "a: 1\n", count: 30), limits: limits))
        #expect(d.message.contains("larger than 100 bytes"))
    }

    @Test func brokenIndentationIsReportedWhereLibyamlStops() throws {
        let d = try #require(parseFailure("""
        model:
          input: [1, 28, 28]
           classes: 10
        """))
        #expect(d.message.hasPrefix("indentation does not line up"))
        #expect(d.location == SourceLocation(file: "t.yaml", line: 3, column: 4))
        let colon = try #require(parseFailure("model:\n  name: a: b\n"))
        #expect(colon.message.contains("mapping values are not allowed"))
        #expect(colon.location == SourceLocation(file: "t.yaml", line: 2, column: 10))
    }

    @Test func aSecondDocumentIsRefused() throws {
        let d = try #require(parseFailure("a: 1\n---\nb: 2\n"))
        #expect(d.message.contains("one YAML document"))
        #expect(d.location.line == 2)
    }

    @Test func anUnknownAnchorIsAnError() throws {
        let d = try #require(parseFailure("a: &base 1\nb: *bsae\n"))
        #expect(d.message.contains("unknown anchor 'bsae'") || d.message.contains("undefined alias"))
        #expect(d.location.line == 2)
    }

    @Test func aCollectionAsAKeyIsRefused() throws {
        let d = try #require(parseFailure("? [a, b]\n: 1\n"))
        #expect(d.message.contains("mapping key must be a plain value"))
    }

    @Test func aMissingFileIsAnErrorNotACrash() throws {
        #expect(throws: ConfigError.self) { try YAMLReader.read(file: "/nonexistent/x.yaml") }
    }
}
