import NetrunConfig

/// A JSON value written with keys in the order given, so output is stable and diffable.
indirect enum JSON {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    case array([JSON])
    case object([(String, JSON)])

    /// Compact JSON, except that array elements that are objects go one per line when `pretty`.
    func text(pretty: Bool = false, indent: String = "") -> String {
        switch self {
        case .string(let s): return s.doubleQuoted
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? "\(d)" : "null"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items):
            if pretty, items.contains(where: { if case .object = $0 { return true } else { return false } }) {
                let inner = indent + "  "
                return "[\n" + items.map { inner + $0.text(pretty: true, indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
            }
            return "[" + items.map { $0.text(pretty: pretty, indent: indent) }.joined(separator: ", ") + "]"
        case .object(let pairs):
            return "{" + pairs.map { $0.0.doubleQuoted + ": " + $0.1.text(pretty: pretty, indent: indent) }.joined(separator: ", ") + "}"
        }
    }
}
