import NetrunConfig

/// An open document: its text and version, with conversions between LSP positions (0-based
/// line, UTF-16 character) and netrun's `SourceLocation` (1-based line, 1-based column in
/// Unicode scalars, as libyaml counts them). Lines end at `\n`, `\r\n` or `\r`, as in LSP.
public struct TextDocument: Sendable {
    public let uri: String
    public var version: Int
    public private(set) var text: String
    /// Each line's content, without its terminator.
    private(set) var lines: [Swift.Range<String.Index>] = []

    public init(uri: String, version: Int, text: String) {
        self.uri = uri
        self.version = version
        self.text = text
        lines = Self.lineRanges(text)
    }

    public var lineCount: Int { lines.count }

    func line(_ i: Int) -> Substring? {
        guard i >= 0, i < lines.count else { return nil }
        return text[lines[i]]
    }

    static func lineRanges(_ text: String) -> [Swift.Range<String.Index>] {
        var out: [Swift.Range<String.Index>] = []
        let scalars = text.unicodeScalars
        var lineStart = scalars.startIndex
        var i = scalars.startIndex
        while i < scalars.endIndex {
            let c = scalars[i]
            if c == "\n" || c == "\r" {
                out.append(lineStart..<i)
                var next = scalars.index(after: i)
                if c == "\r", next < scalars.endIndex, scalars[next] == "\n" { next = scalars.index(after: next) }
                lineStart = next
                i = next
            } else {
                i = scalars.index(after: i)
            }
        }
        out.append(lineStart..<scalars.endIndex)
        return out
    }

    // MARK: - Edits

    /// Replaces the whole text (a change without a range).
    public mutating func replaceAll(with newText: String) {
        text = newText
        lines = Self.lineRanges(text)
    }

    /// Applies an incremental change; positions past a line's end or the document's end are
    /// clamped to them, as LSP asks.
    public mutating func apply(_ range: Range, _ newText: String) {
        var a = index(clamping: range.start), b = index(clamping: range.end)
        if b < a { swap(&a, &b) }
        text.unicodeScalars.replaceSubrange(a..<b, with: newText.unicodeScalars)
        lines = Self.lineRanges(text)
    }

    // MARK: - Positions

    /// The text index of a position, or nil when it is outside the document (a line past the
    /// last, a character past the line's end, anything negative).
    public func index(of p: Position) -> String.Index? {
        guard p.line >= 0, p.line < lines.count, p.character >= 0 else { return nil }
        return scalarIndex(line: p.line, utf16: p.character, clamp: false)
    }

    func index(clamping p: Position) -> String.Index {
        if p.line < 0 { return text.startIndex }
        if p.line >= lines.count { return text.endIndex }
        return scalarIndex(line: p.line, utf16: max(0, p.character), clamp: true) ?? lines[p.line].upperBound
    }

    /// Walks the line's scalars to `utf16` code units; inside a surrogate pair, the scalar's start.
    private func scalarIndex(line: Int, utf16: Int, clamp: Bool) -> String.Index? {
        let r = lines[line]
        var units = 0
        var i = r.lowerBound
        let scalars = text.unicodeScalars
        while i < r.upperBound {
            let w = scalars[i].utf16.count
            if units + w > utf16 { return i }
            units += w
            i = scalars.index(after: i)
        }
        return units == utf16 || clamp ? r.upperBound : nil
    }

    /// The position of a text index.
    public func position(of index: String.Index) -> Position {
        // Binary search for the line holding the index.
        var lo = 0, hi = lines.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lines[mid].lowerBound <= index { lo = mid } else { hi = mid - 1 }
        }
        let r = lines[lo]
        let end = min(index, r.upperBound)
        return Position(line: lo, character: text.unicodeScalars[r.lowerBound..<end].reduce(0) { $0 + $1.utf16.count })
    }

    /// The LSP position of a netrun location in this document (1-based line, column in
    /// scalars), clamped into the document.
    public func position(line: Int, column: Int) -> Position {
        guard !lines.isEmpty else { return Position(line: 0, character: 0) }
        let l = min(max(line - 1, 0), lines.count - 1)
        let r = lines[l]
        var i = r.lowerBound, units = 0, col = 1
        let scalars = text.unicodeScalars
        while col < column, i < r.upperBound {
            units += scalars[i].utf16.count
            i = scalars.index(after: i)
            col += 1
        }
        return Position(line: l, character: units)
    }

    public func position(_ at: SourceLocation) -> Position { position(line: at.line, column: at.column) }

    /// 1-based line and scalar column of a position inside the document; nil outside it.
    func lineColumn(_ p: Position) -> (line: Int, column: Int)? {
        guard let i = index(of: p) else { return nil }
        return (p.line + 1, text.unicodeScalars[lines[p.line].lowerBound..<i].count + 1)
    }

    /// The range of the token starting at `at`: a quoted scalar to its closing quote, a plain
    /// word to the next space or flow indicator. An empty token covers one character, so that
    /// the editor still shows the diagnostic.
    public func tokenRange(at: SourceLocation) -> Range {
        let start = position(at)
        guard let s = index(of: start) else { return Range(start: start, end: start) }
        let scalars = text.unicodeScalars
        var i = s
        let end = lines[start.line].upperBound
        if i < end, scalars[i] == "\"" || scalars[i] == "'" {
            let quote = scalars[i]
            i = scalars.index(after: i)
            while i < end, scalars[i] != quote { i = scalars.index(after: i) }
            if i < end { i = scalars.index(after: i) }
        } else {
            while i < end, !Self.stopsWord(scalars[i]) { i = scalars.index(after: i) }
        }
        if i == s, i < end { i = scalars.index(after: i) }
        return Range(start: start, end: position(of: i))
    }

    static func stopsWord(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\t" || c == "," || c == "{" || c == "}" || c == "[" || c == "]" || c == ":" || c == "#"
    }
}
