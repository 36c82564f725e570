import NetrunConfig

/// Finds repeated structure in an imported layer list and writes it once as a block.
///
/// A candidate instance is a run of consecutive layers whose names share a prefix before a
/// `/` (Caffe's `inception_3a/1x1`, `inception_3a/3x3`, ...: how people name a module's
/// layers) that reads one outside node and is read from outside only through its last
/// layer. Two candidates are instances of one block when their graphs have the same shape:
/// the same ops, local names, settings and wiring, numbers aside. The numbers that differ
/// between instances become the block's parameters; the others stay in the template.
enum BlockFinder {
    struct Result {
        var blocks: [ImportedBlock]
        var layers: [ImportedLayer]
        /// Full name of an instance's last layer -> the instance name that now stands for it.
        var renamed: [String: String]
    }

    /// `reserved`: names a block may not take (op keywords).
    static func find(_ layers: [ImportedLayer], reserved: Set<String>) -> Result {
        let candidates = groups(layers)
        // Same shape, numbers aside -> the candidates (in order).
        var bySignature: [[ImportedLayer]: [Candidate]] = [:]
        var order: [[ImportedLayer]] = []
        for c in candidates {
            if bySignature[c.signature] == nil { order.append(c.signature) }
            bySignature[c.signature, default: []].append(c)
        }
        var blocks: [ImportedBlock] = []
        var instanceOf: [Int: (block: String, args: [ConfigEntry], candidate: Candidate)] = [:]   // first layer index -> instance
        var taken = reserved
        for signature in order {
            guard let group = bySignature[signature], group.count >= 2 else { continue }
            let name = blockName(group.map(\.prefix), taken: taken)
            taken.insert(name)
            let (block, args) = makeBlock(name: name, group)
            blocks.append(block)
            for (c, a) in zip(group, args) { instanceOf[c.range.lowerBound] = (name, a, c) }
        }
        guard !blocks.isEmpty else { return Result(blocks: [], layers: layers, renamed: [:]) }

        var out: [ImportedLayer] = []
        var renamed: [String: String] = [:]
        var i = 0
        while i < layers.count {
            guard let inst = instanceOf[i] else {
                out.append(layers[i])
                i += 1
                continue
            }
            let c = inst.candidate
            out.append(ImportedLayer(op: .block(inst.block), name: c.prefix, inputs: [c.external], settings: inst.args, origin: layers[i].origin))
            renamed[layers[c.range.upperBound - 1].name] = c.prefix
            i = c.range.upperBound
        }
        for k in out.indices { out[k].inputs = out[k].inputs.map { renamed[$0] ?? $0 } }
        return Result(blocks: blocks, layers: out, renamed: renamed)
    }

    struct Candidate {
        var prefix: String
        var range: Range<Int>
        var external: String
        /// The layers with local names and `input`, every number replaced by a placeholder.
        var signature: [ImportedLayer]
        /// The numbers, in the order of the signature's placeholders.
        var numbers: [ConfigValue]
        var template: [ImportedLayer]
    }

    static let placeholder = ConfigValue.word("#")

    /// The candidate instances: runs of layers named `prefix/...`, one outside input, read
    /// from outside only through the last layer.
    static func groups(_ layers: [ImportedLayer]) -> [Candidate] {
        var readers: [String: [Int]] = [:]
        for (i, l) in layers.enumerated() { for x in l.inputs { readers[x, default: []].append(i) } }
        var result: [Candidate] = []
        var i = 0
        while i < layers.count {
            guard let prefix = prefix(layers[i].name) else { i += 1; continue }
            var j = i + 1
            while j < layers.count, Self.prefix(layers[j].name) == prefix { j += 1 }
            defer { i = j }
            guard j - i >= 2 else { continue }
            let members = Set(layers[i ..< j].map(\.name))
            let externals = Set(layers[i ..< j].flatMap(\.inputs).filter { !members.contains($0) })
            guard externals.count == 1, let external = externals.first, layers[i].inputs.allSatisfy({ $0 == external }) else { continue }
            let innerOnly = layers[i ..< j - 1].allSatisfy { l in (readers[l.name] ?? []).allSatisfy { (i ..< j).contains($0) } }
            guard innerOnly else { continue }
            var template: [ImportedLayer] = []
            for l in layers[i ..< j] {
                var t = l
                t.name = String(l.name.dropFirst(prefix.count + 1))
                t.inputs = l.inputs.map { members.contains($0) ? String($0.dropFirst(prefix.count + 1)) : "input" }
                t.origin = SourceLocation(file: "", line: 0, column: 0)
                t.comment = nil
                template.append(t)
            }
            var numbers: [ConfigValue] = []
            let signature = template.map { t -> ImportedLayer in
                var s = t
                s.settings = t.settings.map { ConfigEntry($0.key, abstract($0.value, into: &numbers)) }
                return s
            }
            var real = template
            for k in real.indices { real[k].origin = layers[i + k].origin }
            result.append(Candidate(prefix: prefix, range: i ..< j, external: external, signature: signature, numbers: numbers, template: real))
        }
        return result
    }

    static func prefix(_ name: String) -> String? {
        guard let slash = name.firstIndex(of: "/"), slash != name.startIndex, name.index(after: slash) != name.endIndex else { return nil }
        return String(name[..<slash])
    }

    static func abstract(_ v: ConfigValue, into numbers: inout [ConfigValue]) -> ConfigValue {
        switch v {
        case .int, .number:
            numbers.append(v)
            return placeholder
        case .word, .bool: return v
        case .list(let items): return .list(items.map { abstract($0, into: &numbers) })
        case .map(let entries): return .map(entries.map { ConfigEntry($0.key, abstract($0.value, into: &numbers)) })
        }
    }

    /// The template with `$param` where the instances differ, and each instance's arguments.
    static func makeBlock(name: String, _ group: [Candidate]) -> (ImportedBlock, [[ConfigEntry]]) {
        let first = group[0]
        let varying = first.numbers.indices.filter { k in group.contains { $0.numbers[k] != first.numbers[k] } }
        // Which layer and setting each number belongs to, to name the parameters.
        var owner: [(layer: Int, key: String)] = []
        for (li, l) in first.template.enumerated() {
            for e in l.settings {
                var n: [ConfigValue] = []
                _ = abstract(e.value, into: &n)
                owner += Array(repeating: (li, e.key), count: n.count)
            }
        }
        var names: [Int: String] = [:]
        var used: Set<String> = ["name", "from"]
        for k in varying {
            let (li, key) = owner[k]
            let layerName = first.template[li].name
            let alone = varying.filter { owner[$0].layer == li }.count == 1
            var base = sanitize(alone ? layerName : "\(layerName)_\(key)")
            if used.contains(base) { base = sanitize("\(layerName)_\(key)") }
            var candidate = base
            var n = 2
            while used.contains(candidate) { candidate = "\(base)_\(n)"; n += 1 }
            used.insert(candidate)
            names[k] = candidate
        }
        var counter = 0
        var layers: [ImportedLayer] = []
        for l in first.template {
            var t = l
            t.settings = l.settings.map { ConfigEntry($0.key, fill($0.value, first.numbers, names, &counter)) }
            layers.append(t)
        }
        let params = varying.compactMap { names[$0] }
        let args = group.map { c in varying.compactMap { k in names[k].map { ConfigEntry($0, c.numbers[k]) } } }
        let comment = "written once, used by \(group.map(\.prefix).joined(separator: ", "))"
        return (ImportedBlock(name: name, params: params, layers: layers, comment: comment), args)
    }

    private static func fill(_ v: ConfigValue, _ numbers: [ConfigValue], _ names: [Int: String], _ counter: inout Int) -> ConfigValue {
        switch v {
        case .int, .number:
            defer { counter += 1 }
            return names[counter].map { .word("$" + $0) } ?? numbers[counter]
        case .word, .bool: return v
        case .list(let items): return .list(items.map { fill($0, numbers, names, &counter) })
        case .map(let entries): return .map(entries.map { ConfigEntry($0.key, fill($0.value, numbers, names, &counter)) })
        }
    }

    /// Letters, digits and `_` only.
    static func sanitize(_ s: String) -> String {
        String(s.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }

    /// The instances' common prefix without trailing separators (`inception_3a`, `inception_3b`
    /// -> `inception`; `loss1`, `loss2` -> `loss`, then `loss_block`: an op's keyword).
    static func blockName(_ prefixes: [String], taken: Set<String>) -> String {
        var common = Substring(prefixes.first ?? "")
        for p in prefixes.dropFirst() { common = common.prefix(zip(common, p).prefix { $0 == $1 }.count) }
        while let last = common.last, last == "_" || last == "-" || last == "." { common = common.dropLast() }
        var name = sanitize(common.isEmpty ? "block" : String(common))
        if name.first?.isNumber == true { name = "block_" + name }
        var candidate = taken.contains(name) ? name + "_block" : name
        var n = 2
        while taken.contains(candidate) { candidate = "\(name)_block\(n)"; n += 1 }
        return candidate
    }
}
