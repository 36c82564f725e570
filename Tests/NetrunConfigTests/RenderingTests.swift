import Foundation
import Testing
@testable import NetrunConfig

@Suite struct RenderingTests {
    @Test func anErrorShowsItsLineAndACaretUnderTheColumn() throws {
        let dir = try temporaryDirectory(["a.yaml": "model:\n\tinput: 3\n"])
        var r = DiagnosticRenderer()
        let text = r.render(.error("bad", at: SourceLocation(file: dir + "/a.yaml", line: 2, column: 3)))
        #expect(text == "\(dir)/a.yaml:2:3: error: bad\n 2 | \tinput: 3\n   | \t ^\n")
    }

    @Test func controlCharactersAreShownAsQuestionMarksAndLongLinesAreCut() throws {
        let long = String(repeating: "x", count: 300) + "\u{1B}[31mBAD" + String(repeating: "y", count: 300)
        let dir = try temporaryDirectory(["a.yaml": long + "\n"])
        var r = DiagnosticRenderer()
        let text = r.render(.error("here", at: SourceLocation(file: dir + "/a.yaml", line: 1, column: 301)))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(!text.contains("\u{1B}"))
        #expect(lines[1].contains("?[31mBAD"))
        #expect(lines[1].count < 140)
        // The caret is under the escape character.
        let caret = try #require(lines[2].firstIndex(of: "^"))
        #expect(lines[1][lines[1].index(lines[1].startIndex, offsetBy: lines[2].distance(from: lines[2].startIndex, to: caret))] == "?")
    }

    /// A file saved with Windows line endings: the excerpt is the one line, not the whole file.
    @Test func aFileWithCRLFLineEndingsShowsOnlyTheLine() throws {
        let dir = try temporaryDirectory(["n.cfg": "[net]\r\nheight=8\r\nbogus=1\r\nwidth=8\r\n"])
        var r = DiagnosticRenderer()
        let text = r.render(.error("bad", at: SourceLocation(file: dir + "/n.cfg", line: 3, column: 1)))
        #expect(text == "\(dir)/n.cfg:3:1: error: bad\n 3 | bogus=1\n   | ^\n")
    }

    @Test func anOverrideIsShownWithACaretUnderTheValue() {
        var r = DiagnosticRenderer()
        let text = r.render(.error("bad", at: .override("train.batch=x", column: 13)))
        #expect(text == "--set train.batch=x (column 13): error: bad\n    | --set train.batch=x\n    |                   ^\n")
    }
}
