// What the two SVG charts (curves.svg and `netrun schedule --svg`) share: tick spacing and
// text escaping, one rule each.
import Foundation

public enum SVGText {
    /// The smallest of 1, 2 or 5 times a power of ten that is at least `raw`: ticks spaced
    /// by it over a span of `count * raw` number at most `count` (plus the one at the start).
    public static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(raw)))
        let m = raw / magnitude
        return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * magnitude
    }

    /// Text for an XML attribute or element: `&`, `<`, `>` and `"` escaped, and control
    /// characters (which XML 1.0 has no place for) shown as spaces.
    public static func escaped(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case _ where c.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }: out += " "
            default: out.append(c)
            }
        }
        return out
    }
}
