import NetrunConfig
import NetrunGraph

/// Completion from the text around the cursor, so that it works while the line being typed
/// is not yet valid YAML: the line's start and the indentation of the lines above say where
/// the cursor is (a new layer item, a layer's settings in `{...}` or block style, a value,
/// `from:`), and the op table says what fits.
extension Features {
    static func completion(_ doc: TextDocument, _ a: Analysis, _ p: Position) -> [CompletionItem]? {
        guard let cursor = doc.index(of: p), let lineText = doc.line(p.line) else { return nil }
        let scalars = doc.text.unicodeScalars
        let lineStart = doc.lines[p.line].lowerBound
        // The word being typed, replaced by the completion.
        var wordStart = cursor
        while wordStart > lineStart {
            let prev = scalars.index(before: wordStart)
            guard isWordScalar(scalars[prev]) else { break }
            wordStart = prev
        }
        let head = String(scalars[lineStart..<wordStart])
        let replace = Range(start: doc.position(of: wordStart), end: p)
        func items(_ labels: [String], _ kind: CompletionItem.Kind, detail: (String) -> String? = { _ in nil },
                   doc docs: (String) -> String? = { _ in nil }) -> [CompletionItem] {
            labels.enumerated().map { i, label in
                CompletionItem(label: label, kind: kind, detail: detail(label), documentation: docs(label).map { MarkupContent(value: $0) },
                               textEdit: TextEdit(range: replace, newText: label), sortText: String(format4(i)))
            }
        }
        let context = Context(doc: doc, line: p.line, lineText: String(lineText))
        let keys = context.ancestorKeys()

        // A new item of a layer list: the ops and the blocks.
        if head.allSatisfy({ $0 == " " || $0 == "-" }), head.contains("-"), keys.first == "layers" {
            let ops = OpKind.allCases.map(\.keyword)
            let blocks = blockNames(a) + context.textualBlockNames()
            return items(ops, .function, detail: { _ in "op" }, doc: { OpKind(rawValue: $0)?.summary })
                + items(unique(blocks).filter { !ops.contains($0) }, .module, detail: { _ in "block" })
        }
        // Inside a layer: its op from `op: {` on this line, or from the parent line in block
        // style; a `key: {` open before the cursor elsewhere is a section's child.
        let flow = context.flowOp(head: head)
        let isLayerItem = keys.first == "layers"
        let layerOp: String? = isLayerItem ? flow?.op : (keys.count >= 2 && keys[1] == "layers" ? keys[0] : nil)
        let sectionKeys = (isLayerItem ? [] : flow.map { [$0.op] } ?? []) + keys
        let inBlock = keys.firstIndex(of: "blocks").map { $0 >= 2 } ?? false
        let blockName: String? = inBlock ? keys.firstIndex(of: "blocks").flatMap { $0 >= 1 ? keys[$0 - 1] : nil } : nil

        // `$param` in a block: where `$` is typed, and at a layer's value without enum values.
        func parameters(_ block: String) -> [CompletionItem] {
            items(unique(blockParams(a, block)).map { "$" + $0 }, .variable, detail: { _ in "parameter of block \(block)" })
        }
        if let blockName, let first = scalars[wordStart..<cursor].first, first == "$" {
            return parameters(blockName)
        }
        // A value: `key: |` or `key: [a, |`.
        if let key = valueKey(head) {
            if key == "from" {
                return items(context.earlierNames(a, inBlock: inBlock), .reference, detail: { _ in "node" })
            }
            if let op = layerOp.flatMap(OpKind.init(rawValue:)), let spec = op.settings.first(where: { $0.key == key }) {
                let choices = values(spec)
                return choices.isEmpty ? blockName.map(parameters) ?? [] : items(choices, .enumMember)
            }
            if layerOp == nil, let section = context.section(keys: sectionKeys) {
                if let v = section.variants, v.key == key { return items(v.cases.map(\.name), .enumMember) }
                if let spec = section.setting(key, variant: nil) ?? section.variants?.cases.lazy.compactMap({ c in c.settings.first { $0.key == key } }).first {
                    return items(values(spec), .enumMember)
                }
            }
            return []
        }
        // A key: the layer's settings not yet given, or a section's keys.
        let afterFlowOpen = head.trimmingTrailingSpaces.hasSuffix(",") || head.trimmingTrailingSpaces.hasSuffix("{")
        if let flow, isLayerItem, afterFlowOpen {
            return settingItems(flow.op, given: flow.given, a: a, items: items)
        }
        let inFlowSection = flow != nil && !isLayerItem && afterFlowOpen
        if head.allSatisfy({ $0 == " " }) || inFlowSection {
            if let layerOp, !inFlowSection {
                return settingItems(layerOp, given: context.siblingKeys(), a: a, items: items)
            }
            if let section = context.section(keys: sectionKeys) {
                let given = inFlowSection ? flow?.given ?? [] : context.siblingKeys()
                let variant = section.variants.flatMap { v in inFlowSection ? context.flowValue(v.key) : context.siblingValue(v.key) }
                let all = section.keys(variant: variant).filter { !given.contains($0) }
                return items(all, .property, detail: { section.setting($0, variant: variant)?.typeDescription },
                             doc: { k in section.setting(k, variant: variant)?.doc ?? section.children.first { $0.key == k }?.doc })
            }
        }
        return []
    }

    private static func settingItems(_ op: String, given: Set<String>, a: Analysis,
                                     items: ([String], CompletionItem.Kind, (String) -> String?, (String) -> String?) -> [CompletionItem]) -> [CompletionItem] {
        if let kind = OpKind(rawValue: op) {
            let specs = kind.settings
            let keys = (specs.map(\.key) + ["name", "from"]).filter { !given.contains($0) }
            return items(keys, .property, { k in specs.first { $0.key == k }.map { $0.typeDescription + ($0.required ? ", required" : "") } },
                         { k in specs.first { $0.key == k }?.doc })
        }
        let params = blockParams(a, op)
        return items((params + ["name", "from"]).filter { !given.contains($0) }, .property, { _ in "parameter of block \(op)" }, { _ in nil })
    }

    /// The values a setting takes, where they are few.
    static func values(_ s: SettingSpec) -> [String] {
        switch s.type {
        case .choice(let names): return names
        case .bool: return ["true", "false"]
        case .int, .oddInt, .size2, .number, .initializer, .topK, .duration, .durations, .path, .paths, .numbers, .mean, .interval: return []
        }
    }

    /// The key whose value the cursor is at: `key:` then spaces, or `key: [` then names and commas.
    static func valueKey(_ head: String) -> String? {
        var s = Substring(head.trimmingTrailingSpaces)
        if s.hasSuffix("[") || s.hasSuffix(",") {
            // Inside a flow list: back to its `[`, if it is not closed.
            guard let open = s.lastIndex(of: "["), !s[open...].contains("]"), !s[open...].contains("{") else { return nil }
            s = Substring(String(s[..<open]).trimmingTrailingSpaces)
        }
        guard s.hasSuffix(":") else { return nil }
        s = s.dropLast()
        let key = s.reversed().prefix { isWordScalar($0.unicodeScalars.first ?? " ") }
        return key.isEmpty ? nil : String(key.reversed())
    }

    static func isWordScalar(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c == "$" || c == "/" || c == "-" || c == "."
    }

    static func unique(_ xs: [String]) -> [String] {
        var seen = Set<String>()
        return xs.filter { seen.insert($0).inserted }
    }

    static func format4(_ i: Int) -> String {
        let s = String(i)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }
}

/// The text around the cursor's line.
struct Context {
    let doc: TextDocument
    let line: Int
    let lineText: String

    static func indent(_ s: Substring) -> Int { s.prefix { $0 == " " }.count }

    static func isBlank(_ s: Substring) -> Bool {
        let t = s.drop { $0 == " " }
        return t.isEmpty || t.first == "#"
    }

    /// The key a line opens (`key:` or `- key:`), or nil.
    static func key(_ s: Substring) -> String? {
        var t = s.drop { $0 == " " }
        if t.hasPrefix("- ") { t = t.dropFirst(2).drop { $0 == " " } }
        guard let colon = t.firstIndex(of: ":") else { return nil }
        let k = t[..<colon]
        guard !k.isEmpty, k.unicodeScalars.allSatisfy(Features.isWordScalar) else { return nil }
        return String(k)
    }

    /// The keys of the lines that contain the cursor's line, innermost first: for a line in
    /// a template layer, [op, "layers", block, "blocks", "model"].
    func ancestorKeys() -> [String] {
        var keys: [String] = []
        let current = Substring(lineText)
        var indent = Self.indent(current)
        var isItem = current.drop { $0 == " " }.hasPrefix("-")
        // A line of the cursor that is itself `- op: {...}` or `op:` counts from its own start.
        var i = line - 1
        while i >= 0, indent > 0 || isItem {
            guard let l = doc.line(i) else { break }
            i -= 1
            if Self.isBlank(l) { continue }
            let n = Self.indent(l)
            let lIsItem = l.drop { $0 == " " }.hasPrefix("-")
            // A parent is less indented, or a key at the same indent over a list item.
            let isParent = n < indent || (n == indent && isItem && !lIsItem)
            guard isParent else { continue }
            if let k = Self.key(l) {
                keys.append(k)
                // `- op:` is both the key and an item: its content is indented past the dash.
                indent = n
                isItem = lIsItem
            } else {
                indent = n
                isItem = lIsItem
            }
        }
        return keys
    }

    /// The op of a `op: {` still open before the cursor on this line, and the keys given in
    /// its braces (on the whole line).
    func flowOp(head: String) -> (op: String, given: Set<String>)? {
        guard let open = head.lastIndex(of: "{"), !head[open...].contains("}") else { return nil }
        var before = Substring(head[..<open])
        while before.last == " " { before.removeLast() }
        guard before.hasSuffix(":") else { return nil }
        before.removeLast()
        let op = String(before.reversed().prefix { Features.isWordScalar($0.unicodeScalars.first ?? " ") }.reversed())
        guard !op.isEmpty else { return nil }
        // Keys given: `word:` inside the braces, after the `{`.
        let offset = head.distance(from: head.startIndex, to: open)
        let inside = lineText.dropFirst(offset + 1)
        var given = Set<String>()
        var word = ""
        for c in inside {
            if c.unicodeScalars.allSatisfy(Features.isWordScalar) { word.append(c) } else {
                if c == ":", !word.isEmpty { given.insert(word) }
                if c == "}" { break }
                word = ""
            }
        }
        return (op, given)
    }

    /// The value of `key: value` in the cursor line's braces.
    func flowValue(_ key: String) -> String? {
        guard let r = lineText.range(of: key + ":") else { return nil }
        let value = lineText[r.upperBound...].drop { $0 == " " }.prefix { $0 != "," && $0 != "}" && $0 != " " }
        return value.isEmpty ? nil : String(value)
    }

    /// The keys given beside the cursor in block style: lines at the cursor's indent under the same parent.
    func siblingKeys() -> Set<String> {
        Set(siblings().compactMap { Self.key($0) })
    }

    func siblingValue(_ key: String) -> String? {
        for l in siblings() where Self.key(l) == key {
            let value = l.split(separator: ":", maxSplits: 1).last.map { $0.drop { $0 == " " } } ?? ""
            return value.isEmpty ? nil : String(value.prefix { $0 != " " && $0 != "#" })
        }
        return nil
    }

    private func siblings() -> [Substring] {
        let indent = Self.indent(Substring(lineText))
        var out: [Substring] = []
        for step in [-1, 1] {
            var i = line + step
            while let l = doc.line(i) {
                i += step
                if Self.isBlank(l) { continue }
                let n = Self.indent(l)
                if n < indent { break }
                if n == indent { out.append(l) }
            }
        }
        return out
    }

    /// The names of the nodes before the cursor's layer: in a template, its named layers and
    /// `input`; in the model, every layer before it (numbered names included) and `input`.
    func earlierNames(_ a: Analysis, inBlock: Bool) -> [String] {
        var names = ["input"]
        if !inBlock, let model = a.validation?.partialModel {
            for l in model.layers where l.location.line <= line {
                if let instance = l.instances.first {
                    if instance.location.line <= line, !names.contains(instance.name) { names.append(instance.name) }
                } else if l.location.line < line + 1, !isCurrentItem(l.location.line - 1) {
                    names.append(l.name.value)
                }
            }
            return Features.unique(names)
        }
        // From the text: `name: x` in the items above, back to the list's `layers:`.
        let itemLine = currentItemLine()
        var i = itemLine - 1
        var found: [String] = []
        while let l = doc.line(i), Self.key(l) != "layers" || Self.indent(l) >= Self.indent(Substring(lineText)) {
            i -= 1
            if let r = l.range(of: "name:") {
                let value = l[r.upperBound...].drop { $0 == " " }.prefix { $0 != "," && $0 != "}" && $0 != " " && $0 != "#" }
                if !value.isEmpty { found.append(String(value)) }
            }
            if i < 0 { break }
        }
        return Features.unique(names + found.reversed())
    }

    /// The line of the `- ` that starts the cursor's item.
    private func currentItemLine() -> Int {
        var i = line
        while let l = doc.line(i), i >= 0 {
            if l.drop(while: { $0 == " " }).hasPrefix("- ") || l.drop(while: { $0 == " " }) == "-" { return i }
            i -= 1
        }
        return line
    }

    private func isCurrentItem(_ l: Int) -> Bool { l >= currentItemLine() }

    /// The blocks defined in the text (for when the text does not parse).
    func textualBlockNames() -> [String] {
        var out: [String] = []
        var blocksIndent: Int?
        var childIndent: Int?
        var i = 0
        while let l = doc.line(i) {
            i += 1
            if Self.isBlank(l) { continue }
            let n = Self.indent(l)
            if let b = blocksIndent {
                if n <= b { blocksIndent = nil; continue }
                if childIndent == nil { childIndent = n }
                if n == childIndent, let k = Self.key(l) { out.append(k) }
            } else if Self.key(l) == "blocks" {
                blocksIndent = n
                childIndent = nil
            }
        }
        return out
    }

    /// The `train` or `eval` section whose keys the cursor is among (`keys` innermost first).
    func section(keys: [String]) -> SectionSpec? {
        guard let root = keys.last, root == "train" || root == "eval", var section = SectionSpec.all.first(where: { $0.name == root }) else { return nil }
        for k in keys.reversed().dropFirst() {
            guard let child = section.children.first(where: { $0.key == k }),
                  let next = SectionSpec.all.first(where: { $0.name == child.section }) else { return nil }
            section = next
        }
        return section
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
