// Darknet's .cfg files: INI-like sections (`[convolutional]`) of `key=value` lines, `#` and
// `;` comments. Darknet strips all white space from a line before reading it (src/parser.c,
// read_cfg); so does this reader, keeping the column where each key and value start. Lines
// end with LF or CRLF (a cfg saved on Windows). A key given twice in a section keeps its
// first value, as darknet's option_find does (it reports the second as unused): a warning here.
import NetrunConfig

public struct DarknetOption: Hashable, Sendable {
    public var key: Located<String>
    public var value: Located<String>
}

public struct DarknetSection: Hashable, Sendable {
    /// The name inside the brackets, lowercased as darknet compares it.
    public var name: Located<String>
    public var options: [DarknetOption]

    public func option(_ key: String) -> DarknetOption? { options.first { $0.key.value == key } }
}

public enum DarknetCfg {
    /// The sections of `text`, and the warnings about it (a key given twice); errors throw.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> (sections: [DarknetSection], warnings: Diagnostics) {
        var sections: [DarknetSection] = []
        var problems = Diagnostics()
        // "\r\n" is one Character in Swift: split on it and on "\n" alike.
        for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            // Column of each non-blank character, white space removed.
            var chars: [(Character, Int)] = []
            for (i, c) in line.enumerated() where !c.isWhitespace { chars.append((c, i + 1)) }
            guard let first = chars.first else { continue }
            let at = SourceLocation(file: file, line: n + 1, column: first.1)
            switch first.0 {
            case "#", ";": continue
            case "[":
                guard let close = chars.firstIndex(where: { $0.0 == "]" }), close > 1 else {
                    problems.error("expected a section name: [name]", at: at)
                    continue
                }
                if close != chars.count - 1 { problems.error("unexpected text after the section name", at: SourceLocation(file: file, line: n + 1, column: chars[close + 1].1)) }
                let name = String(chars[1 ..< close].map(\.0)).lowercased()
                sections.append(DarknetSection(name: Located(name, at: SourceLocation(file: file, line: n + 1, column: chars[1].1)), options: []))
            default:
                guard let eq = chars.firstIndex(where: { $0.0 == "=" }) else {
                    problems.error("expected key=value or [section]", at: at)
                    continue
                }
                guard eq > 0, eq < chars.count - 1 else {
                    problems.error(eq == 0 ? "a value without a key" : "the key '\(String(chars[..<eq].map(\.0)))' has no value", at: at)
                    continue
                }
                guard !sections.isEmpty else {
                    problems.error("key=value before the first [section]", at: at)
                    continue
                }
                let key = Located(String(chars[..<eq].map(\.0)), at: at)
                let value = Located(String(chars[(eq + 1)...].map(\.0)), at: SourceLocation(file: file, line: n + 1, column: chars[eq + 1].1))
                let section = sections[sections.count - 1]
                if let earlier = section.option(key.value) {
                    problems.warning("'\(key.value.clipped())' is given twice in [\(section.name.value.clipped())]; darknet uses the first, "
                                     + "\(earlier.value.value.clipped()) (line \(earlier.key.location.line)), and ignores this one", at: at)
                    continue
                }
                sections[sections.count - 1].options.append(DarknetOption(key: key, value: value))
            }
        }
        if problems.hasErrors { throw ConfigError(problems) }
        return (sections, problems)
    }
}
