import NetrunConfig
import Testing
@testable import NetrunLSP

@Suite struct TextDocumentTests {
    @Test func positionsAreUTF16AndLocationsCountScalars() {
        // "é" is one UTF-16 unit, "😀" two; libyaml's column counts each as one.
        let doc = TextDocument(uri: "u", version: 1, text: "a: é😀x\r\nb: 1\rc")
        #expect(doc.lineCount == 3)
        #expect(doc.position(line: 1, column: 6) == Position(line: 0, character: 6))   // 'x'
        #expect(doc.position(line: 2, column: 4) == Position(line: 1, character: 3))
        #expect(doc.position(line: 3, column: 1) == Position(line: 2, character: 0))
        #expect(doc.lineColumn(Position(line: 0, character: 6))! == (1, 6))
        #expect(doc.index(of: Position(line: 0, character: 8)) == nil)   // past the line's end
        #expect(doc.index(of: Position(line: 3, character: 0)) == nil)   // past the last line
        #expect(doc.index(of: Position(line: -1, character: 0)) == nil)
    }

    @Test func incrementalEditsReplaceTheirRange() {
        var doc = TextDocument(uri: "u", version: 1, text: "ab😀cd\nef\n")
        doc.apply(Range(start: Position(line: 0, character: 2), end: Position(line: 0, character: 4)), "X")
        #expect(doc.text == "abXcd\nef\n")
        doc.apply(Range(start: Position(line: 0, character: 4), end: Position(line: 1, character: 1)), "")
        #expect(doc.text == "abXcf\n")
        // Past the end: clamped, as LSP asks.
        doc.apply(Range(start: Position(line: 7, character: 0), end: Position(line: 9, character: 3)), "z")
        #expect(doc.text == "abXcf\nz")
        doc.apply(Range(start: Position(line: 0, character: 99), end: Position(line: 0, character: 99)), "!")
        #expect(doc.text == "abXcf!\nz")
    }
}
