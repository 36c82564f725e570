/// A fixed-width text table: every column as wide as its widest cell, numeric columns
/// right-aligned, a rule under the header and after the last row; no trailing spaces.
struct TextTable {
    var header: [String]
    /// Indices of the right-aligned columns.
    var numeric: Set<Int>
    var rows: [[String]] = []

    init(header: [String], numeric: Set<Int>) {
        self.header = header
        self.numeric = numeric
    }

    mutating func append(_ cells: [String]) { rows.append(cells) }

    var text: String {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                numeric.contains(i) ? String(repeating: " ", count: widths[i] - c.count) + c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").replacing(/\s+$/, with: "")
        }
        let rule = String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))
        return line(header) + "\n" + rule + "\n" + rows.map { line($0) + "\n" }.joined() + rule + "\n"
    }
}
