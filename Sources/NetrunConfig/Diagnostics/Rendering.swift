import Foundation

/// Prints diagnostics like a compiler: `file:line:col: error: message`, the source line, and
/// a caret under the column; notes likewise. Source lines are read once per file.
public struct DiagnosticRenderer {
    private var lines: [String: [Substring]] = [:]

    public init() {}

    public mutating func render(_ d: Diagnostic) -> String {
        var out = "\(d.location): \(d.severity.rawValue): \(d.message)\n"
        out += excerpt(d.location)
        for note in d.notes {
            out += "\(note.location): note: \(note.message)\n"
            out += excerpt(note.location)
        }
        return out
    }

    /// The source line and a caret line, or the empty string when the line is not available.
    mutating func excerpt(_ at: SourceLocation) -> String {
        if at.isOverride {
            let text = String(at.file.dropFirst("--set ".count))
            return "    | --set \(text)\n    | \(String(repeating: " ", count: 6 + max(at.column - 1, 0)))^\n"
        }
        guard at.line >= 1, let raw = sourceLine(at.file, at.line) else { return "" }
        // Control characters (a binary file, a stray escape) are shown as '?', one for one, so
        // the caret still lines up; a long line is cut to a window around the column.
        var chars = raw.map { c -> Character in
            guard c != "\t", let a = c.asciiValue, a < 0x20 || a == 0x7F else { return c }
            return "?"
        }
        var column = max(at.column - 1, 0)
        let width = 120
        if chars.count > width {
            let start = max(0, min(column - width / 2, chars.count - width))
            let end = min(chars.count, start + width)
            chars = (start > 0 ? ["…"] : []) + Array(chars[start..<end]) + (end < chars.count ? ["…"] : [])
            column = column - start + (start > 0 ? 1 : 0)
        }
        let line = String(chars)
        let number = String(at.line)
        let gutter = String(repeating: " ", count: number.count)
        // Keep tabs in the caret's indent so it lines up under the column in any terminal.
        let prefix = chars.prefix(column).map { $0 == "\t" ? "\t" : " " }.joined()
        return " \(number) | \(line)\n \(gutter) | \(prefix)^\n"
    }

    private mutating func sourceLine(_ file: String, _ n: Int) -> Substring? {
        if lines[file] == nil {
            guard let data = FileManager.default.contents(atPath: file), data.count <= YAMLLimits().maxBytes else { return nil }
            let text = String(decoding: data, as: UTF8.self)
            // "\r\n" is one Character in Swift: a file with Windows line endings splits on it too.
            lines[file] = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        }
        guard let all = lines[file], n <= all.count else { return nil }
        return all[n - 1]
    }
}
