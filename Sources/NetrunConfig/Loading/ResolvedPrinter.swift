import Foundation

extension YAMLNode {
    /// YAML text of the tree with each value's origin as a trailing comment
    /// (`# Configs/alexnet.yaml:14:20` or `# --set train.batch=64`), for `netrun config`.
    public func resolvedText() -> String {
        var lines: [(text: String, origin: String)] = []
        emit(indent: 0, into: &lines)
        let width = min(72, (lines.map(\.text.count).max() ?? 0) + 2)
        return lines.map { line in
            guard !line.origin.isEmpty else { return line.text }
            return line.text.padding(toLength: max(width, line.text.count + 2), withPad: " ", startingAt: 0) + "# " + line.origin
        }.joined(separator: "\n") + "\n"
    }

    private static func origin(_ at: SourceLocation) -> String {
        at.isOverride ? at.file : at.description
    }

    /// A scalar as YAML: plain when it reads back as the same value, double-quoted otherwise.
    private var scalarText: String { scalarText(flow: false) }

    /// A scalar as YAML, plain when it reads back as the same value and double-quoted
    /// otherwise; in `flow` style (inside `[...]` or `{...}`) a comma or bracket anywhere
    /// needs the quotes too.
    func scalarText(flow: Bool) -> String {
        guard let s = scalar else { return "" }
        if isNull { return "null" }
        let special = s.text.isEmpty || s.text.contains(": ") || s.text.contains(" #") || s.text.hasSuffix(":")
            || "-?:,[]{}#&*!|>'\"%@`".contains(s.text.first ?? " ") || s.text != s.text.trimmingCharacters(in: .whitespaces)
            || s.text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
            || (flow && s.text.contains { ",[]{}".contains($0) })
        if s.isPlain && !special { return s.text }
        return s.text.doubleQuoted
    }

    /// The tree on one line in YAML's flow style: `{p: 0.5, scale: [0.02, 0.33]}`, `[1, 5]`, `0.05`.
    public var flowText: String {
        switch kind {
        case .scalar: return scalarText(flow: true)
        case .sequence(let items): return "[" + items.map(\.flowText).joined(separator: ", ") + "]"
        case .mapping(let pairs): return "{" + pairs.map { $0.key.flowText + ": " + $0.value.flowText }.joined(separator: ", ") + "}"
        }
    }

    /// A list of scalars printed on one line, `[3, 227, 227]`.
    private var inlineList: String? {
        guard let items, !items.isEmpty, items.allSatisfy({ $0.scalar != nil }), items.count <= 8 else { return nil }
        return "[" + items.map(\.scalarText).joined(separator: ", ") + "]"
    }

    private func emit(indent: Int, into lines: inout [(text: String, origin: String)]) {
        let pad = String(repeating: " ", count: indent)
        switch kind {
        case .scalar:
            lines.append((pad + scalarText, Self.origin(location)))
        case .sequence(let items):
            for item in items {
                if item.scalar != nil || item.inlineList != nil {
                    lines.append((pad + "- " + (item.inlineList ?? item.scalarText), Self.origin(item.location)))
                } else {
                    var sub: [(text: String, origin: String)] = []
                    item.emit(indent: indent + 2, into: &sub)
                    if var first = sub.first {
                        first.text = pad + "- " + first.text.dropFirst(indent + 2)
                        sub[0] = first
                    }
                    lines += sub
                }
            }
            if items.isEmpty { lines.append((pad + "[]", Self.origin(location))) }
        case .mapping(let pairs):
            for pair in pairs {
                let key = pair.key.scalarText
                let v = pair.value
                if v.scalar != nil {
                    lines.append((pad + key + ": " + v.scalarText, Self.origin(v.location)))
                } else if let inline = v.inlineList {
                    lines.append((pad + key + ": " + inline, Self.origin(v.location)))
                } else if (v.items?.isEmpty ?? false) || (v.pairs?.isEmpty ?? false) {
                    lines.append((pad + key + (v.items != nil ? ": []" : ": {}"), Self.origin(v.location)))
                } else {
                    lines.append((pad + key + ":", ""))
                    v.emit(indent: indent + 2, into: &lines)
                }
            }
            if pairs.isEmpty { lines.append((pad + "{}", Self.origin(location))) }
        }
    }
}
