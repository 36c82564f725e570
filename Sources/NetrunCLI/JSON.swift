/// A JSON value written with keys in the order given, so output is stable and diffable.
indirect enum JSON {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    case array([JSON])
    case object([(String, JSON)])

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// Compact JSON, except that array elements that are objects go one per line when `pretty`.
    func text(pretty: Bool = false, indent: String = "") -> String {
        switch self {
        case .string(let s): return Self.quote(s)
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
            return "{" + pairs.map { Self.quote($0.0) + ": " + $0.1.text(pretty: pretty, indent: indent) }.joined(separator: ", ") + "}"
        }
    }
}
