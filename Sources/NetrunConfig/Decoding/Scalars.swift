/// Upper bounds on the sizes and counts a config may give: far beyond any real network or
/// run, so that shape and schedule arithmetic cannot overflow, and named in the error.
public enum Limits {
    /// Channels, output sizes, groups, classes, input height and width.
    public static let size = 1 << 24
    /// Kernel, stride, padding and dilation.
    public static let window = 1 << 20
    /// Images in a training or evaluation batch.
    public static let batch = 65_536
    /// Epochs of training, and any duration given in epochs.
    public static let epochs = 1_000_000
    /// Steps of training, and any duration given in steps.
    public static let steps = 1_000_000_000
    /// Images of a synthetic data set.
    public static let samples = 100_000_000
    /// Evaluations a plateau schedule waits without improvement.
    public static let patience = 10_000
    /// Periodic checkpoints kept.
    public static let keep = 10_000
}

/// Typed reads of YAML scalars. Each failure becomes an error at the value's position saying
/// what was expected and what was found; the read returns nil and decoding goes on.
struct Reader {
    var diagnostics = Diagnostics()
    /// Notes added to every diagnostic (the block instances of the layer being read).
    var notes: [Diagnostic.Note] = []

    mutating func error(_ message: String, at location: SourceLocation) {
        diagnostics.error(message, at: location, notes: notes)
    }

    mutating func warning(_ message: String, at location: SourceLocation) {
        diagnostics.warning(message, at: location, notes: notes)
    }

    /// A plain (unquoted, or tagged !!int/!!float) scalar's text, or an error naming `what`.
    private mutating func plainText(_ node: YAMLNode, _ what: String) -> String? {
        guard let s = node.scalar, !node.isNull, s.isPlain || s.tag == .int || s.tag == .float, s.tag != .str else {
            error("expected \(what), found \(node.kindDescription)", at: node.location)
            return nil
        }
        return s.text
    }

    mutating func int(_ node: YAMLNode, min: Int? = nil, max: Int? = nil, what: String = "a whole number") -> Located<Int>? {
        guard let text = plainText(node, what) else { return nil }
        let cleaned = text.replacingOccurrences(of: "_", with: "")
        guard let v = Int(cleaned, radix: 10) else {
            let unsigned = cleaned.first == "-" || cleaned.first == "+" ? cleaned.dropFirst() : Substring(cleaned)
            if !unsigned.isEmpty, unsigned.allSatisfy({ ("0"..."9").contains($0) }) {
                // Digits beyond Int's range: what is wrong is the size, not the type.
                error("expected \(what) \(cleaned.hasPrefix("-") ? "of at least \(min ?? Int.min)" : "of at most \(max ?? Int.max)"), found \(text)", at: node.location)
            } else {
                error("expected \(what), found '\(text)'", at: node.location)
            }
            return nil
        }
        if let min, v < min {
            error("expected \(what) of at least \(min), found \(v)", at: node.location)
            return nil
        }
        if let max, v > max {
            error("expected \(what) of at most \(max), found \(v)", at: node.location)
            return nil
        }
        return Located(v, at: node.location)
    }

    mutating func double(_ node: YAMLNode, min: Double? = nil, max: Double? = nil, minExclusive: Bool = false, what: String = "a number") -> Located<Double>? {
        guard let text = plainText(node, what) else { return nil }
        let cleaned = text.replacingOccurrences(of: "_", with: "")
        if YAMLNode.isNonFinite(cleaned) {
            error("expected \(what), found \(text), which is not a finite number", at: node.location)
            return nil
        }
        guard YAMLNode.numberType(cleaned) != nil, let v = Double(cleaned) else {
            error("expected \(what), found '\(text)'", at: node.location)
            return nil
        }
        // Every number a config gives ends up in float32 (weights, rates, epsilons).
        if Float(v).isInfinite {
            error("\(text) is beyond float32's range (about 3.4e38)", at: node.location)
            return nil
        }
        if v != 0, Float(v) == 0 {
            error("\(text) is too small for float32, where it would be 0 (the smallest is about 1.4e-45)", at: node.location)
            return nil
        }
        if let min, minExclusive ? v <= min : v < min {
            error("expected \(what) \(minExclusive ? "greater than" : "of at least") \(min), found \(text)", at: node.location)
            return nil
        }
        if let max, v > max {
            error("expected \(what) of at most \(max), found \(text)", at: node.location)
            return nil
        }
        return Located(v, at: node.location)
    }

    mutating func bool(_ node: YAMLNode) -> Located<Bool>? {
        guard let s = node.scalar, s.isPlain || s.tag == .bool else {
            error("expected true or false, found \(node.kindDescription)", at: node.location)
            return nil
        }
        switch s.text {
        case "true", "True", "TRUE": return Located(true, at: node.location)
        case "false", "False", "FALSE": return Located(false, at: node.location)
        case "yes", "Yes", "on", "On", "y", "Y":
            error("expected true or false, found '\(s.text)'; write 'true' (YAML 1.1 readers disagree on '\(s.text)')", at: node.location)
        case "no", "No", "off", "Off", "n", "N":
            error("expected true or false, found '\(s.text)'; write 'false' (YAML 1.1 readers disagree on '\(s.text)')", at: node.location)
        default:
            error("expected true or false, found \(node.kindDescription)", at: node.location)
        }
        return nil
    }

    mutating func string(_ node: YAMLNode, what: String = "a name") -> Located<String>? {
        guard let s = node.scalar, !node.isNull, !s.text.isEmpty else {
            error("expected \(what), found \(node.kindDescription)", at: node.location)
            return nil
        }
        return Located(s.text, at: node.location)
    }

    /// A file or directory path: a string, so `labels: .nan`, `root: 12` or `dir: true` are
    /// errors (quoted, `"12"` is a path).
    mutating func path(_ node: YAMLNode, what: String = "a path") -> Located<String>? {
        if let type = node.coreType, let text = node.text, type != .str, type != .null {
            error("expected \(what), found the \(type == .bool ? "boolean" : "number") \(text); quote it if it is a name", at: node.location)
            return nil
        }
        return string(node, what: what)
    }

    /// The one rule for null (`~`, `null`, or nothing after the colon) as the value of a key:
    /// refused, not taken for the default. True (with the error) when `pair`'s value is null.
    mutating func refuseNull(_ pair: YAMLNode.Pair) -> Bool {
        guard pair.value.isNull else { return false }
        let key = pair.key.text ?? "this key"
        error("null is not a value for '\(key)': give a value, or leave the key out for its default", at: pair.value.location)
        return true
    }

    /// One of a closed set of words, with a suggestion for a near miss.
    mutating func choice<E: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ type: E.Type, what: String) -> E? where E.RawValue == String {
        guard let word = string(node, what: what)?.value else { return nil }
        if let e = E(rawValue: word) { return e }
        let all = E.allCases.map(\.rawValue)
        error("unknown \(what) '\(word)'\(Suggestion.phrase(for: word, in: all)) (one of: \(all.joined(separator: ", ")))", at: node.location)
        return nil
    }

    /// `3` or `[3, 5]` (height, width).
    mutating func size2(_ node: YAMLNode, min: Int, max: Int = Limits.window, what: String) -> Located<Size2>? {
        if let items = node.items {
            guard items.count == 2 else {
                error("expected \(what) as one number or [height, width], found a list of \(items.count)", at: node.location)
                return nil
            }
            guard let h = int(items[0], min: min, max: max, what: what), let w = int(items[1], min: min, max: max, what: what) else { return nil }
            return Located(Size2(h.value, w.value), at: node.location)
        }
        guard let n = int(node, min: min, max: max, what: what) else { return nil }
        return Located(Size2(square: n.value), at: node.location)
    }

    /// A list of values, or a single value standing for a list of one when `single` is true.
    mutating func list(_ node: YAMLNode, single: Bool = false, what: String) -> [YAMLNode]? {
        if let items = node.items { return items }
        if single, node.scalar != nil, !node.isNull { return [node] }
        error("expected \(what), found \(node.kindDescription)", at: node.location)
        return nil
    }

    /// `8` (epochs), `8 epochs`, `1 epoch`, `500 steps`.
    mutating func duration(_ node: YAMLNode, min: Int = 1, what: String = "a duration") -> Located<DurationConfig>? {
        let full = "\(what) ('8 epochs' or '500 steps')"
        guard let text = plainText(node, full) else { return nil }
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        guard (1...2).contains(words.count), let n = Int(words[0]) else {
            error("expected \(full), found '\(text)'", at: node.location)
            return nil
        }
        var unit = DurationConfig.Unit.epochs
        if words.count == 2 {
            switch words[1] {
            case "epoch", "epochs": unit = .epochs
            case "step", "steps", "iter", "iters", "iterations": unit = .steps
            default:
                error("unknown unit '\(words[1])'\(Suggestion.phrase(for: String(words[1]), in: ["epochs", "steps"])); write '\(n) epochs' or '\(n) steps'", at: node.location)
                return nil
            }
        }
        if n < min {
            error("expected \(what) of at least \(min), found \(n)", at: node.location)
            return nil
        }
        let max = unit == .epochs ? Limits.epochs : Limits.steps
        if n > max {
            error("expected \(what) of at most \(max) \(unit.rawValue), found \(n)", at: node.location)
            return nil
        }
        return Located(DurationConfig(n, unit), at: node.location)
    }
}

/// The keys of one mapping, read one by one; keys outside `allowed` are errors with a
/// suggestion from `allowed`.
struct Fields {
    let node: YAMLNode
    private var values: [String: YAMLNode] = [:]
    /// Keys suggested for misspelled ones, and keys given null: a missing required key that
    /// an error already explains is not reported twice.
    private var explained: Set<String> = []

    /// nil (with an error) when `node` is not a mapping. A null node reads as an empty mapping
    /// (`- flatten:`, `- mirror:`: no settings); a null value of a key is an error.
    init?(_ node: YAMLNode, allowed: [String], what: String, reader: inout Reader) {
        self.node = node
        if node.isNull { return }
        guard let pairs = node.pairs else {
            reader.error("expected \(what) as a mapping of settings, found \(node.kindDescription)", at: node.location)
            return nil
        }
        for pair in pairs {
            guard let key = pair.key.text else { continue }
            guard allowed.contains(key) else {
                let near = Suggestion.nearest(to: key, in: allowed)
                if let near { explained.insert(near) }
                reader.error("unknown key '\(key.clipped())' in \(what)\(Suggestion.phrase(suggesting: near))", at: pair.key.location)
                continue
            }
            if reader.refuseNull(pair) {
                explained.insert(key)
                continue
            }
            values[key] = pair.value
        }
    }

    subscript(key: String) -> YAMLNode? { values[key] }

    /// An error at the mapping when a required key is missing.
    func require(_ key: String, what: String, reader: inout Reader) -> YAMLNode? {
        if let v = self[key] { return v }
        if !explained.contains(key) { reader.error("\(what) needs '\(key)'", at: node.location) }
        return nil
    }
}
