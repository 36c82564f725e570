// netrun's one JSON writer: `--format json` reports, the schema, and metrics.jsonl's lines.
// Strings are written with `doubleQuoted` (Quoting.swift), the one escaper. The one reader
// is NetrunFormats' `JSON`.

/// A JSON value written with keys in the order given, so output is stable and diffable.
public indirect enum JSONValue: Sendable {
    case string(String)
    case int(Int)
    case double(Double)
    /// Written as the shortest text that reads back as the same float32.
    case float(Float)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    /// JSON text. Spaced (`"a": 1, "b": 2`) by default, with array elements that are objects one
    /// per line when `pretty`; `compact` writes no spaces at all (one line of metrics.jsonl).
    /// A number that is not finite is written `null`.
    public func text(pretty: Bool = false, compact: Bool = false, indent: String = "") -> String {
        let comma = compact ? "," : ", ", colon = compact ? ":" : ": "
        switch self {
        case .string(let s): return s.doubleQuoted
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? d.description : "null"
        case .float(let f): return f.isFinite ? f.description : "null"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items):
            if pretty, !compact, items.contains(where: { if case .object = $0 { return true } else { return false } }) {
                let inner = indent + "  "
                return "[\n" + items.map { inner + $0.text(pretty: true, indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
            }
            return "[" + items.map { $0.text(pretty: pretty, compact: compact, indent: indent) }.joined(separator: comma) + "]"
        case .object(let pairs):
            return "{" + pairs.map { $0.0.doubleQuoted + colon + $0.1.text(pretty: pretty, compact: compact, indent: indent) }
                .joined(separator: comma) + "}"
        }
    }
}
