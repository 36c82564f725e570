import NetrunConfig

/// Writes an `ImportedConfig` as a netrun YAML config, the way the hand-written configs in
/// Configs/ look: one flow mapping per layer, op keywords aligned, `from:` only where a layer
/// does not read the one before it. Also returns, for each written line, the foreign file's
/// position it came from.
struct ConfigWriter {
    private(set) var lines: [String] = []
    /// Line number (1-based) -> origin.
    private(set) var origins: [Int: SourceLocation] = [:]

    static func write(_ c: ImportedConfig) -> (text: String, origins: [Int: SourceLocation]) {
        var w = ConfigWriter()
        w.config(c)
        return (w.lines.joined(separator: "\n") + "\n", w.origins)
    }

    private mutating func emit(_ line: String, origin: SourceLocation? = nil) {
        lines.append(line)
        if let origin { origins[lines.count] = origin }
    }

    private mutating func config(_ c: ImportedConfig) {
        for h in c.header { emit(h.isEmpty ? "#" : "# " + h) }
        emit("name: \(Self.render(.word(c.name)))", origin: c.origin)
        emit("")
        emit("model:", origin: c.origin)
        emit("  input: \(Self.render(.list(c.input.map { .int($0) })))", origin: c.origin)
        emit("  classes: \(c.classes)", origin: c.origin)
        if !c.initializer.isEmpty { emit("  init: \(Self.render(.map(c.initializer)))", origin: c.origin) }
        if let output = c.output { emit("  output: \(Self.render(.word(output)))", origin: c.origin) }
        if !c.blocks.isEmpty {
            emit("  blocks:")
            for b in c.blocks {
                if let comment = b.comment { emit("    # \(comment)") }
                emit("    \(b.name):", origin: b.layers.first?.origin)
                if !b.params.isEmpty { emit("      params: \(Self.render(.list(b.params.map { .word($0) })))", origin: b.layers.first?.origin) }
                emit("      layers:")
                layerList(b.layers, indent: "        ")
            }
        }
        emit("  layers:")
        layerList(c.layers, indent: "    ")
        section("train", c.train)
        section("eval", c.eval)
    }

    private mutating func section(_ key: String, _ section: [SectionLine]) {
        guard !section.isEmpty else { return }
        emit("")
        emit("\(key):", origin: section.first?.origin)
        for line in section {
            let text: String
            if case .list(let items) = line.entry.value, items.contains(where: { if case .map = $0 { return true } else { return false } }) {
                text = "  \(line.entry.key):"
                emit(text + (line.comment.map { "  # \($0)" } ?? ""), origin: line.origin)
                for item in items { emit("    - \(Self.listItem(item))", origin: line.origin) }
                continue
            }
            text = "  \(line.entry.key): \(Self.render(line.entry.value))"
            emit(text + (line.comment.map { "  # \($0)" } ?? ""), origin: line.origin)
        }
    }

    /// `- mirror: {p: 0.5}` for a one-key mapping in a list.
    private static func listItem(_ v: ConfigValue) -> String {
        if case .map(let entries) = v, entries.count == 1 { return "\(key(entries[0].key)): \(render(entries[0].value))" }
        return render(v)
    }

    /// Layers with `from:` left out where the layer reads the previous one.
    private mutating func layerList(_ layers: [ImportedLayer], indent: String) {
        let width = layers.map(\.op.keyword.count).max() ?? 0
        var previous = "input"
        for l in layers {
            var entries = [ConfigEntry("name", .word(l.name))]
            if l.inputs != [previous] {
                entries.append(ConfigEntry("from", l.inputs.count == 1 ? .word(l.inputs[0]) : .list(l.inputs.map { .word($0) })))
            }
            entries += l.settings
            let pad = String(repeating: " ", count: width - l.op.keyword.count)
            if let comment = l.comment { emit("\(indent)# \(comment)") }
            emit("\(indent)- \(Self.key(l.op.keyword)):\(pad) \(Self.render(.map(entries)))", origin: l.origin)
            previous = l.name
        }
    }

    /// A value in YAML flow style.
    static func render(_ v: ConfigValue) -> String {
        switch v {
        case .int(let n): return String(n)
        case .number(let x): return number(x)
        case .bool(let b): return b ? "true" : "false"
        case .word(let s): return word(s)
        case .list(let items): return "[" + items.map(render).joined(separator: ", ") + "]"
        case .map(let entries): return "{" + entries.map { "\(key($0.key)): \(render($0.value))" }.joined(separator: ", ") + "}"
        }
    }

    /// The shortest text that reads back as the same float32-representable number.
    static func number(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        return String(x)
    }

    static func key(_ s: String) -> String { word(s) }

    /// A plain scalar when YAML reads it back as this string in a flow mapping, else quoted.
    static func word(_ s: String) -> String {
        let plainSafe = !s.isEmpty && s.unicodeScalars.allSatisfy { c in
            c.isASCII && (c.properties.isAlphabetic || ("0" ... "9").contains(c) || "_-./$+ ".unicodeScalars.contains(c))
        } && s.first != " " && s.last != " "
        let special: Set<String> = ["true", "false", "True", "False", "TRUE", "FALSE", "null", "Null", "NULL", "~", "yes", "no", "on", "off"]
        let first = s.unicodeScalars.first
        let looksNumeric = Double(s) != nil || first == "-" || first == "." || first == "+" || s.lowercased().hasPrefix("0x") || s.lowercased().hasPrefix("0o")
        if plainSafe, !special.contains(s), !looksNumeric { return s }
        // YAML reads a JSON string as a double-quoted scalar: the one escaper.
        return s.doubleQuoted
    }
}
