extension String {
    /// The string in double quotes with `"`, `\` and control characters escaped (`\n`, `\t`,
    /// `\r`, `\u00XX`): valid both as a JSON string and as a YAML double-quoted scalar.
    public var doubleQuoted: String {
        var out = "\""
        for u in unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}

extension StringProtocol {
    /// The text as a message quotes it: whole up to `limit` characters, else its start, an
    /// ellipsis and its length ("aaaa… (1048576 characters)"), so that a megabyte key in a
    /// hostile file does not become a megabyte message.
    public func clipped(_ limit: Int = 64) -> String {
        guard count > limit else { return String(self) }
        return String(prefix(limit)) + "… (\(count) characters)"
    }
}
