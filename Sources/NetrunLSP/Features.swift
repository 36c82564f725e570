import NetrunConfig
import NetrunGraph

/// Hover, definition, symbols and code actions: each reads one analysis of the document (its
/// scalars by position, its partial model and graph) and answers nil for a position outside
/// the document or on nothing it knows.
enum Features {
    /// Where a layer entry sits: `model.layers[i]`, or `model.blocks.NAME.layers[i]` (a template).
    struct LayerSite: Equatable {
        /// The path to the list item.
        var item: [PathItem]
        /// The block whose template holds it; nil for the model's own layers.
        var block: String?
        var op: String
    }

    /// The layer entry a path lies in, and what follows the op key.
    static func layerSite(_ path: [PathItem]) -> (LayerSite, rest: ArraySlice<PathItem>)? {
        var base: [PathItem]
        var block: String?
        if path.count >= 4, path[0] == .key("model"), path[1] == .key("layers"), case .index = path[2] {
            base = Array(path[0..<3])
        } else if path.count >= 6, path[0] == .key("model"), path[1] == .key("blocks"), case .key(let b) = path[2],
                  path[3] == .key("layers"), case .index = path[4] {
            base = Array(path[0..<5])
            block = b
        } else {
            return nil
        }
        guard case .key(let op) = path[base.count] else { return nil }
        return (LayerSite(item: base, block: block, op: op), path[(base.count + 1)...])
    }

    // MARK: - Hover

    static func hover(_ doc: TextDocument, _ a: Analysis, _ p: Position) -> Hover? {
        guard doc.index(of: p) != nil, let token = a.token(at: p) else { return nil }
        let text: String?
        if token.path == [.key("extends")] {
            text = a.tree?["extends"]?.text.map { "extends **\($0)**\n\n`\(ConfigLoader.resolvePath($0, relativeTo: a.file))`" }
        } else if let (site, rest) = layerSite(token.path) {
            if rest.isEmpty, token.isKey {
                text = layerHover(a, site, keyAt: token.node.location)
            } else if rest.count == 1, rest.first == .key("name"), !token.isKey {
                text = opKeyLocation(a, site).flatMap { layerHover(a, site, keyAt: $0) }
            } else if rest.count == 1, token.isKey, case .key(let key)? = rest.first {
                text = settingHover(a, site, key)
            } else if !token.isKey, rest.first == .key("from") {
                // A reference: the node it names.
                text = reference(token.text, site, a).flatMap { loc in
                    a.tokens.first { $0.isKey && $0.node.location == loc }.flatMap { layerSite($0.path) }.map { layerHover(a, $0.0, keyAt: loc) }
                }
            } else if !token.isKey, token.text.hasPrefix("$"), let block = site.block {
                text = parameterHover(a, block: block, String(token.text.dropFirst()))
            } else {
                text = nil
            }
        } else if token.isKey, let (section, key) = section(of: token.path, in: a) {
            text = section.setting(key, variant: variant(of: token.path, section, a)).map { settingText($0, owner: "\(section.name) setting") }
                ?? section.children.first { $0.key == key }.map { "**\(key)**\n\n\($0.doc)" }
        } else {
            text = nil
        }
        return text.map { Hover(contents: MarkupContent(value: $0), range: token.range) }
    }

    /// The op key's location of a layer entry.
    static func opKeyLocation(_ a: Analysis, _ site: LayerSite) -> SourceLocation? {
        a.tokens.first { $0.isKey && $0.path == site.item + [.key(site.op)] }?.node.location
    }

    /// A layer's node: output shape, parameters, multiply-adds, as `netrun summary` prints
    /// them; a block use: its nodes' totals; a template layer: the node in each instance.
    static func layerHover(_ a: Analysis, _ site: LayerSite, keyAt location: SourceLocation) -> String {
        guard let graph = a.validation?.modelGraph else {
            let name = a.validation?.partialModel?.layers.first { $0.location == location }?.name.value
            return "**\(name ?? site.op)** · `\(site.op)`\n\nno shapes: the model has errors"
        }
        let caveat = a.validation?.config == nil ? "\n\n_the config has errors: shapes as far as they can be computed without them_" : ""
        return layerHoverBody(graph, a, site, keyAt: location) + caveat
    }

    private static func layerHoverBody(_ graph: Graph, _ a: Analysis, _ site: LayerSite, keyAt location: SourceLocation) -> String {
        func line(_ n: Node) -> String {
            "output \(n.shape) · \(n.parameterCount.groupedDigits) parameters · \(n.macs.groupedDigits) multiply-adds"
        }
        if site.block == nil, OpKind(rawValue: site.op) == nil {
            // A block use: every node expanded from it.
            let nodes = graph.nodes.filter { $0.instances.first?.location == location }
            guard let instance = nodes.first?.instances.first else { return "**\(site.op)**: a block with no nodes in the graph" }
            let outputName = a.validation?.partialModel?.instanceOutputs[instance.name]
            let output = nodes.first { $0.name == outputName } ?? nodes.last
            let params = nodes.reduce(0) { $0 + $1.parameterCount }
            let macs = nodes.filter { !$0.trainOnly }.reduce(0) { $0 + $1.macs }
            return "**\(instance.name)** · an instance of block `\(instance.block)` (\(nodes.count) nodes)\n\n"
                + "- output: \(output.map { "\($0.shape) (\($0.name))" } ?? "?")\n- parameters: \(params.groupedDigits)\n- multiply-adds: \(macs.groupedDigits)"
        }
        let nodes = graph.nodes.filter { $0.location == location }
        if site.block == nil, let n = nodes.first {
            return "**\(n.name)** · `\(n.op.keyword)` \(n.op.detail)\(n.trainOnly ? " (training only)" : "")\n\n"
                + "- output: \(n.shape)\n- parameters: \(n.parameterCount.groupedDigits)\n- multiply-adds: \(n.macs.groupedDigits)"
        }
        guard !nodes.isEmpty else { return "**\(site.op)**: not in the graph (unused block)" }
        let shown = nodes.prefix(12).map { "- **\($0.name)**: \(line($0))" }.joined(separator: "\n")
        return "`\(site.op)` in block `\(site.block ?? "")`, in \(nodes.count) instance\(nodes.count == 1 ? "" : "s"):\n\n" + shown
            + (nodes.count > 12 ? "\n- … \(nodes.count - 12) more" : "")
    }

    static func settingHover(_ a: Analysis, _ site: LayerSite, _ key: String) -> String? {
        if key == "name" { return "**name**\n\nthe node's name (default: the op and a number); inside a block, prefixed with the instance's name" }
        if key == "from" { return "**from**\n\nthe input node(s) by name (default: the previous layer); in a block, `input` is the instance's input" }
        if let op = OpKind(rawValue: site.op) {
            return op.settings.first { $0.key == key }.map { settingText($0, owner: "\(op.keyword) setting") }
        }
        // A block use: one of its parameters.
        guard blockParams(a, site.op).contains(key) else { return nil }
        return "**\(key)** · parameter of block `\(site.op)`"
    }

    /// `$p` in a template: its value in each use of the block in the model's layers (the
    /// argument, or the parameter's default); `$classes`: the model's class count.
    static func parameterHover(_ a: Analysis, block: String, _ name: String) -> String? {
        guard let model = a.tree?["model"] else { return nil }
        if name == "classes" { return model["classes"]?.text.map { "**$classes** · the model's class count: \($0)" } }
        let params = model["blocks"]?[block]?["params"]
        guard blockParams(a, block).contains(name) else { return nil }
        let fallback = params?[name].flatMap { $0.isNull ? nil : $0.text }
        let uses = (model["layers"]?.items ?? []).compactMap { item -> String? in
            guard let pair = item.pairs?.first, item.pairs?.count == 1, pair.key.text == block else { return nil }
            let instance = pair.value["name"]?.text
                ?? a.validation?.partialModel?.layers.lazy.compactMap { $0.instances.first }.first { $0.location == pair.key.location }?.name
                ?? block
            let value = pair.value[name].map { $0.text ?? $0.kindDescription } ?? fallback.map { "\($0) (the default)" } ?? "not given"
            return "- \(instance): \(value)"
        }
        let head = "**$\(name)** · parameter of block `\(block)`" + (fallback.map { ", default \($0)" } ?? "")
        guard !uses.isEmpty else { return head + "\n\nthe block is not used in the model's layers" }
        return head + "\n\n" + uses.prefix(20).joined(separator: "\n") + (uses.count > 20 ? "\n- … \(uses.count - 20) more" : "")
    }

    static func settingText(_ s: SettingSpec, owner: String) -> String {
        var out = "**\(s.key)** · \(owner)\n\n\(s.doc)\n\n- type: \(s.typeDescription)"
        if s.required { out += "\n- required" }
        if let d = s.defaultDescription { out += "\n- default: \(d)" }
        return out
    }

    /// The parameter names of a block, from the document's tree.
    static func blockParams(_ a: Analysis, _ block: String) -> [String] {
        guard let p = a.tree?["model"]?["blocks"]?[block]?["params"] else { return [] }
        return p.items?.compactMap(\.text) ?? p.pairs?.compactMap(\.key.text) ?? []
    }

    static func blockNames(_ a: Analysis) -> [String] {
        a.tree?["model"]?["blocks"]?.pairs?.compactMap(\.key.text) ?? []
    }

    /// The section of `train` or `eval` a key path is in, and the key.
    static func section(of path: [PathItem], in a: Analysis) -> (SectionSpec, String)? {
        guard path.count >= 2, case .key(let root) = path[0], case .key(let key) = path[path.count - 1] else { return nil }
        guard var section = SectionSpec.all.first(where: { $0.name == root && (root == "train" || root == "eval") }) else { return nil }
        for item in path.dropFirst().dropLast() {
            guard case .key(let k) = item else { continue }
            guard let child = section.children.first(where: { $0.key == k }),
                  let next = SectionSpec.all.first(where: { $0.name == child.section }) else { return nil }
            section = next
        }
        return (section, key)
    }

    /// The value of the discriminating key (`type`, `policy`, `format`) beside a key.
    static func variant(of path: [PathItem], _ section: SectionSpec, _ a: Analysis) -> String? {
        guard let v = section.variants, var node = a.tree else { return nil }
        for item in path.dropLast() {
            switch item {
            case .key(let k): guard let n = node[k] else { return nil }; node = n
            case .index(let i): guard let items = node.items, i < items.count else { return nil }; node = items[i]
            }
        }
        return node[v.key]?.text
    }

    // MARK: - Definition

    static func definition(_ doc: TextDocument, _ a: Analysis, _ p: Position) -> Location? {
        guard doc.index(of: p) != nil, let token = a.token(at: p) else { return nil }
        func at(_ loc: SourceLocation) -> Location {
            Location(uri: doc.uri, range: doc.tokenRange(at: loc))
        }
        if token.path == [.key("extends")], !token.isKey {
            let path = ConfigLoader.resolvePath(token.text, relativeTo: a.file)
            return Location(uri: Analysis.uri(of: path), range: Range(start: Position(line: 0, character: 0), end: Position(line: 0, character: 0)))
        }
        guard let (site, rest) = layerSite(token.path) else { return nil }
        if rest.isEmpty, token.isKey, OpKind(rawValue: site.op) == nil {
            // A block use: its template.
            return a.tokens.first { $0.isKey && $0.path == [.key("model"), .key("blocks"), .key(site.op)] }.map { at($0.node.location) }
        }
        if !token.isKey, rest.first == .key("from") {
            return reference(token.text, site, a).map(at)
        }
        if !token.isKey, token.text.hasPrefix("$"), let block = site.block {
            let name = String(token.text.dropFirst())
            let params = [PathItem.key("model"), .key("blocks"), .key(block), .key("params")]
            return a.tokens.first { $0.text == name && ($0.path.starts(with: params)) && $0.path.count <= params.count + 1 }.map { at($0.node.location) }
        }
        return nil
    }

    /// The layer a `from:` name refers to: in a template, the template's layer of that name;
    /// in the model, the layer (named or numbered) or the block use of that name.
    static func reference(_ name: String, _ site: LayerSite, _ a: Analysis) -> SourceLocation? {
        if let block = site.block {
            let layers = [PathItem.key("model"), .key("blocks"), .key(block), .key("layers")]
            guard let named = a.tokens.first(where: { !$0.isKey && $0.text == name && $0.path.count == layers.count + 3
                && $0.path.starts(with: layers) && $0.path.last == .key("name") }) else { return nil }
            return a.tokens.first { $0.isKey && $0.path == Array(named.path.dropLast()) }?.node.location
        }
        guard let model = a.validation?.partialModel else { return nil }
        if let layer = model.layers.first(where: { $0.instances.isEmpty && $0.name.value == name }) { return layer.location }
        return model.layers.lazy.compactMap { $0.instances.first }.first { $0.name == name }?.location
    }

    // MARK: - Symbols

    static func symbols(_ doc: TextDocument, _ a: Analysis) -> [DocumentSymbol]? {
        func layers(under prefix: [PathItem]) -> [DocumentSymbol] {
            a.tokens.compactMap { t -> DocumentSymbol? in
                guard t.isKey, t.path.count == prefix.count + 2, t.path.starts(with: prefix), case .index = t.path[prefix.count],
                      case .key(let op) = t.path[prefix.count + 1] else { return nil }
                let name = a.tokens.first { !$0.isKey && $0.path == t.path + [.key("name")] }?.text
                    ?? (prefix.count == 2 ? a.validation?.partialModel?.layers.first { $0.location == t.node.location }?.name.value : nil)
                    ?? op
                let isBlock = OpKind(rawValue: op) == nil
                var detail = op
                if prefix.count == 2, let n = a.validation?.modelGraph?.nodes.first(where: { $0.location == t.node.location }) { detail += " → \(n.shape)" }
                return DocumentSymbol(name: name, detail: detail, kind: isBlock ? .module : .function,
                                      range: extent(of: Array(t.path.dropLast()), from: t.range), selectionRange: t.range, children: nil)
            }
        }
        func extent(of path: [PathItem], from start: Range) -> Range {
            let end = a.tokens.filter { $0.path.starts(with: path) }.map(\.range.end).max() ?? start.end
            return Range(start: start.start, end: max(end, start.end))
        }
        var out: [DocumentSymbol] = []
        for t in a.tokens where t.isKey && t.path.count == 3 && t.path.starts(with: [.key("model"), .key("blocks")]) {
            guard case .key(let name) = t.path[2] else { continue }
            out.append(DocumentSymbol(name: name, detail: "block", kind: .class_, range: extent(of: t.path, from: t.range), selectionRange: t.range,
                                      children: layers(under: t.path + [.key("layers")])))
        }
        out += layers(under: [.key("model"), .key("layers")])
        return out
    }

    // MARK: - Code actions

    /// "replace 'strid' with 'stride'" for each did-you-mean diagnostic whose word is still there.
    static func codeActions(_ doc: TextDocument, _ a: Analysis, _ diagnostics: [LSPDiagnostic]) -> [CodeAction] {
        diagnostics.compactMap { d in
            guard let suggestion = Suggestion.suggested(in: d.message),
                  let s = doc.index(of: d.range.start), let e = doc.index(of: d.range.end), s < e else { return nil }
            let word = String(doc.text.unicodeScalars[s..<e])
            guard word != suggestion, d.message.contains("'\(word)'") else { return nil }
            return CodeAction(title: "replace '\(word)' with '\(suggestion)'", kind: "quickfix", diagnostics: [d], isPreferred: true,
                              edit: WorkspaceEdit(changes: [doc.uri: [TextEdit(range: d.range, newText: suggestion)]]))
        }
    }
}
