/// A command-line override, `--set model.layers.conv1.out=64`: a dotted path and a YAML
/// value. Path segments name mapping keys; in a list they are an index (from 0) or the
/// name of a layer. The value is parsed as YAML and checked exactly like a value in a file;
/// every error it causes points at the override.
struct Override {
    let text: String
    let path: [String]
    let value: YAMLNode

    static func parse(_ text: String, reader: inout Reader) -> Override? {
        let at = SourceLocation.override(text)
        guard let eq = text.firstIndex(of: "=") else {
            reader.error("an override is written key.path=value", at: at)
            return nil
        }
        let key = String(text[..<eq])
        let path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !key.isEmpty, path.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else {
            reader.error("malformed key path '\(key)'; write section.key=value, e.g. train.batch=64", at: at)
            return nil
        }
        let valueText = String(text[text.index(after: eq)...])
        let offset = key.count + 1
        do {
            let node = try YAMLReader.parse(valueText, file: "<override>")
            let value = node.relocated { .override(text, column: offset + max($0.column, 1)) }
            return Override(text: text, path: path, value: value.isNull && valueText.isEmpty ? .scalar("", at: .override(text, column: offset + 1)) : value)
        } catch {
            for d in error.diagnostics.all {
                reader.error("value of the override: \(d.message)", at: .override(text, column: offset + d.location.column))
            }
            return nil
        }
    }

    /// `tree` with the value set at the path; mappings along the way are created when missing.
    func apply(to tree: YAMLNode, reader: inout Reader) -> YAMLNode {
        set(in: tree, at: path[...], trail: [], reader: &reader) ?? tree
    }

    private func set(in node: YAMLNode, at path: ArraySlice<String>, trail: [String], reader: inout Reader) -> YAMLNode? {
        let at = SourceLocation.override(text)
        guard let segment = path.first else { return value }
        let here = (trail + [segment]).joined(separator: ".")
        switch node.kind {
        case .mapping(var pairs):
            if let i = pairs.firstIndex(where: { $0.key.text == segment }) {
                guard let v = set(in: pairs[i].value, at: path.dropFirst(), trail: trail + [segment], reader: &reader) else { return nil }
                pairs[i].value = v
            } else {
                let empty = YAMLNode(.mapping([]), at: at)
                guard let v = set(in: empty, at: path.dropFirst(), trail: trail + [segment], reader: &reader) else { return nil }
                pairs.append(.init(key: .scalar(segment, at: at), value: v))
            }
            return YAMLNode(.mapping(pairs), at: node.location)
        case .sequence(var items):
            let index: Int
            if let n = Int(segment) {
                guard items.indices.contains(n) else {
                    reader.error("'\(trail.joined(separator: "."))' has \(items.count) entries; index \(n) is out of range", at: at)
                    return nil
                }
                index = n
            } else {
                let names = items.map(\.entryName)
                guard let n = names.firstIndex(of: segment) else {
                    reader.error("no entry named '\(segment)' in '\(trail.joined(separator: "."))'\(Suggestion.phrase(for: segment, in: names.compactMap { $0 }))", at: at)
                    return nil
                }
                index = n
            }
            // A layer entry `- op: {settings}`: the path continues into its settings.
            var target = items[index]
            if target.entry != nil, let p = target.pairs {
                let settings = p[0].value.isNull ? YAMLNode(.mapping([]), at: p[0].value.location) : p[0].value
                guard let v = set(in: settings, at: path.dropFirst(), trail: trail + [segment], reader: &reader) else { return nil }
                target = YAMLNode(.mapping([.init(key: p[0].key, value: v)]), at: target.location)
            } else {
                guard let v = set(in: target, at: path.dropFirst(), trail: trail + [segment], reader: &reader) else { return nil }
                target = v
            }
            items[index] = target
            return YAMLNode(.sequence(items), at: node.location)
        case .scalar:
            if node.isNull {
                return set(in: YAMLNode(.mapping([]), at: node.location), at: path, trail: trail, reader: &reader)
            }
            reader.error("'\(trail.joined(separator: "."))' is a value, not a section; cannot set '\(here)'", at: at)
            return nil
        }
    }
}
