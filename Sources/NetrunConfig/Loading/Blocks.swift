/// A reusable, parameterized group of layers (`model.blocks.NAME`), e.g. GoogLeNet's
/// Inception module, defined once and used like an op:
///
///     blocks:
///       inception:
///         params: [c1, c3r, c3, c5r, c5, pool]
///         layers:
///           - conv: {name: 1x1, out: $c1, kernel: 1, act: relu}
///           ...
///     layers:
///       - inception: {name: inception_3a, c1: 64, c3r: 96, ...}
///
/// `$p` anywhere in a template layer stands for the argument `p` (and `$classes` for the
/// model's class count). Inner node names are prefixed with the instance name
/// (`inception_3a/1x1`); `from: input` means the instance's input; the instance name itself
/// refers to the block's last layer.
struct BlockTemplate {
    var name: String
    /// Parameter names in order, with their default (nil: required).
    var params: [(name: String, defaultValue: YAMLNode?)]
    var layers: [YAMLNode]
    var location: SourceLocation
    /// Names given to template layers: references to them are local to the instance.
    var localNames: Set<String>

    static func decode(name: String, _ node: YAMLNode, at location: SourceLocation, reader: inout Reader) -> BlockTemplate? {
        guard let f = Fields(node, allowed: ["params", "layers", "description"], what: "block '\(name)'", reader: &reader) else { return nil }
        var params: [(String, YAMLNode?)] = []
        if let p = f["params"] {
            if let items = p.items {
                for item in items { if let n = reader.string(item, what: "a parameter name") { params.append((n.value, nil)) } }
            } else if let pairs = p.pairs {
                for pair in pairs { if let n = pair.key.text { params.append((n, pair.value.isNull ? nil : pair.value)) } }
            } else {
                reader.error("expected params as a list of names or a mapping of names to defaults, found \(p.kindDescription)", at: p.location)
            }
        }
        guard let layersNode = f.require("layers", what: "block '\(name)'", reader: &reader) else { return nil }
        guard let layers = layersNode.items, !layers.isEmpty else {
            reader.error("expected the block's layers as a non-empty list, found \(layersNode.kindDescription)", at: layersNode.location)
            return nil
        }
        var local = Set<String>()
        for item in layers {
            if let p = item.pairs, p.count == 1, let n = p[0].value["name"]?.text { local.insert(n) }
        }
        return BlockTemplate(name: name, params: params, layers: layers, location: location, localNames: local)
    }
}

/// Flattens `model.layers` into a list of layers with full names and explicit inputs,
/// expanding block instances (blocks may use blocks, up to a depth of 8).
struct BlockExpander {
    var reader: Reader
    let blocks: [String: BlockTemplate]
    let globals: [String: YAMLNode]
    private(set) var layers: [ExpandedLayer] = []
    private(set) var instanceOutputs: [String: String] = [:]
    /// The expanded layer entries as YAML, for the resolved config.
    private(set) var resolvedItems: [YAMLNode] = []
    private(set) var usedBlocks: Set<String> = []
    private var counters: [String: Int] = [:]

    init(reader: Reader, blocks: [String: BlockTemplate], globals: [String: YAMLNode]) {
        self.reader = reader
        self.blocks = blocks
        self.globals = globals
    }

    struct Scope {
        var prefix = ""
        var instances: [BlockInstance] = []
        /// The node `input` refers to.
        var input = "input"
        var localNames: Set<String> = []
        var args: [String: YAMLNode] = [:]
        /// The instance name, given to the last layer when that one is unnamed.
        var instanceName: String?
        var blockStack: [String] = []
        /// `lr_mult`, `decay_mult`, `freeze` of the enclosing block uses (the innermost wins),
        /// given to each layer that takes them and does not set its own.
        var training: [String: YAMLNode.Pair] = [:]
    }

    mutating func expand(_ items: [YAMLNode], scope: Scope) {
        let saved = reader.notes
        reader.notes = scope.instances.reversed().map { .init("in '\($0.name)', an instance of block '\($0.block)'", at: $0.location) }
        defer { reader.notes = saved }
        for (index, raw) in items.enumerated() {
            let item = substitute(raw, scope: scope)
            let op: Located<String>, settings: YAMLNode
            if let s = item.scalar, !item.isNull {
                (op, settings) = (Located(s.text, at: item.location), YAMLNode(.mapping([]), at: item.location))
            } else if let pairs = item.pairs, pairs.count == 1, let k = pairs[0].key.text {
                (op, settings) = (Located(k, at: pairs[0].key.location), pairs[0].value)
            } else if let pairs = item.pairs, pairs.count > 1 {
                let keys = pairs.compactMap { $0.key.text }.map { "'\($0)'" }.joined(separator: ", ")
                reader.error("a layer is one op with its settings, '- op: {settings}'; this entry has the keys \(keys): indent the settings under the op", at: item.location)
                continue
            } else {
                reader.error("expected a layer ('- op: {settings}' or '- relu'), found \(item.kindDescription)", at: item.location)
                continue
            }
            guard OpKind(rawValue: op.value) != nil || blocks[op.value] != nil else {
                let candidates = OpKind.allCases.map(\.keyword) + blocks.keys.sorted()
                reader.error("unknown op '\(op.value)'\(Suggestion.phrase(for: op.value, in: candidates))", at: op.location)
                continue
            }
            if !settings.isNull, settings.pairs == nil {
                reader.error("expected the settings of '\(op.value)' as a mapping, found \(settings.kindDescription)", at: settings.location)
                continue
            }
            let isLast = index == items.count - 1
            guard let name = nodeName(settings, op: op, scope: scope, isLast: isLast) else { continue }
            let inputs = references(settings, scope: scope, first: index == 0)

            if let block = blocks[op.value] {
                instantiate(block, settings: settings, name: name, use: op.location, inputs: inputs, scope: scope)
            } else {
                let settings = inheritTraining(settings, op: op, scope: scope)
                layers.append(ExpandedLayer(op: op, settings: settings, name: name, inputs: inputs, instances: scope.instances))
                resolvedItems.append(resolvedEntry(op: op, settings: settings, name: name, inputs: inputs, at: item.location))
            }
        }
    }

    private mutating func instantiate(_ block: BlockTemplate, settings: YAMLNode, name: Located<String>, use: SourceLocation,
                                      inputs: [Located<String>], scope: Scope) {
        usedBlocks.insert(block.name)
        if scope.blockStack.contains(block.name) {
            reader.error("block '\(block.name)' uses itself (\((scope.blockStack + [block.name]).joined(separator: " -> ")))", at: use)
            return
        }
        if scope.blockStack.count >= 8 {
            reader.error("blocks nested deeper than 8 levels", at: use)
            return
        }
        if inputs.count > 1 {
            reader.error("a block instance takes one input; '\(block.name)' was given \(inputs.count)", at: inputs[1].location)
        }
        var args: [String: YAMLNode] = [:]
        var training: [String: YAMLNode.Pair] = [:]
        let paramNames = block.params.map(\.name)
        var nulls: Set<String> = []
        for pair in settings.pairs ?? [] {
            guard let key = pair.key.text else { continue }
            if reader.refuseNull(pair) {
                nulls.insert(key)
                continue
            }
            guard !commonLayerKeys.contains(key) else { continue }
            if paramNames.contains(key) {
                args[key] = pair.value
            } else if instanceTrainingKeys.contains(key) {
                training[key] = YAMLNode.Pair(key: pair.key, value: substitute(pair.value, scope: scope))
            } else {
                reader.error("block '\(block.name)' has no parameter '\(key)'\(Suggestion.phrase(for: key, in: paramNames))", at: pair.key.location)
            }
        }
        for p in block.params where args[p.name] == nil {
            if let d = p.defaultValue { args[p.name] = d } else if !nulls.contains(p.name) {
                reader.error("instance '\(name.value)' of block '\(block.name)' needs '\(p.name)' (parameters: \(paramNames.joined(separator: ", ")))", at: use)
            }
        }
        let instance = BlockInstance(name: name.value, block: block.name, location: use)
        let inner = Scope(prefix: name.value + "/", instances: scope.instances + [instance],
                          input: inputs.first?.value ?? previous(scope), localNames: block.localNames,
                          args: args, instanceName: name.value, blockStack: scope.blockStack + [block.name],
                          training: scope.training.merging(training) { _, inner in inner })
        let before = layers.count
        expand(block.layers, scope: inner)
        if layers.count > before, let last = layers.last { instanceOutputs[name.value] = last.name.value }
    }

    /// A layer's settings with the enclosing block uses' `lr_mult`, `decay_mult` and `freeze`
    /// added where the op takes them and the layer does not set its own.
    private func inheritTraining(_ settings: YAMLNode, op: Located<String>, scope: Scope) -> YAMLNode {
        guard !scope.training.isEmpty, let kind = OpKind(rawValue: op.value) else { return settings }
        let own = Set((settings.pairs ?? []).compactMap { $0.key.text })
        let added = scope.training.sorted { $0.key < $1.key }
            .filter { key, _ in !own.contains(key) && kind.settings.contains { $0.key == key } }.map(\.value)
        guard !added.isEmpty else { return settings }
        return YAMLNode(.mapping((settings.pairs ?? []) + added), at: settings.location)
    }

    /// The node a layer without `from` reads: the last layer emitted, or the scope's input.
    private func previous(_ scope: Scope) -> String {
        layers.last?.name.value ?? scope.input
    }

    private mutating func nodeName(_ settings: YAMLNode, op: Located<String>, scope: Scope, isLast: Bool) -> Located<String>? {
        // A null name is refused where the settings are read (`Fields`, or `instantiate`).
        if let n = settings["name"], !n.isNull {
            guard let s = reader.string(n, what: "a layer name") else { return nil }
            if s.value == "input" {
                reader.error("'input' is reserved for the network's (or the block's) input; choose another name", at: s.location)
                return nil
            }
            return Located(scope.prefix + s.value, at: s.location)
        }
        if isLast, let instance = scope.instanceName { return Located(instance, at: op.location) }
        let key = scope.prefix + op.value
        counters[key, default: 0] += 1
        return Located("\(key)_\(counters[key, default: 1])", at: op.location)
    }

    /// The layer's inputs as full node names; the first layer of a block reads the block's input.
    private mutating func references(_ settings: YAMLNode, scope: Scope, first: Bool) -> [Located<String>] {
        // A null `from` is refused where the settings are read, as a null name is.
        guard let from = settings["from"], !from.isNull else {
            return first && !scope.prefix.isEmpty ? [Located(scope.input, at: settings.location)] : []
        }
        guard let items = reader.list(from, single: true, what: "a node name or a list of node names") else { return [] }
        return items.compactMap { item in
            guard let ref = reader.string(item, what: "a node name") else { return nil }
            if ref.value == "input" { return Located(scope.input, at: ref.location) }
            if scope.localNames.contains(ref.value) { return Located(scope.prefix + ref.value, at: ref.location) }
            return ref
        }
    }

    /// `$name` scalars replaced by the argument (which keeps its own position).
    private mutating func substitute(_ node: YAMLNode, scope: Scope) -> YAMLNode {
        switch node.kind {
        case .scalar(let s):
            guard s.isPlain, s.text.hasPrefix("$"), s.text.count > 1 else { return node }
            let name = String(s.text.dropFirst())
            if let v = scope.args[name] ?? globals[name] { return v }
            let known = Array(scope.args.keys) + Array(globals.keys)
            let inBlock = scope.instances.last.map { " of block '\($0.block)'" } ?? ""
            reader.error("unknown parameter '$\(name)'\(inBlock)\(Suggestion.phrase(for: name, in: known))", at: node.location)
            return node
        case .sequence(let items):
            return YAMLNode(.sequence(items.map { substitute($0, scope: scope) }), at: node.location)
        case .mapping(let pairs):
            return YAMLNode(.mapping(pairs.map { .init(key: $0.key, value: substitute($0.value, scope: scope)) }), at: node.location)
        }
    }

    /// `- op: {name: full/name, from: [...], settings...}` for the resolved config.
    private func resolvedEntry(op: Located<String>, settings: YAMLNode, name: Located<String>, inputs: [Located<String>], at: SourceLocation) -> YAMLNode {
        var pairs: [YAMLNode.Pair] = [.init(key: .scalar("name", at: name.location), value: .scalar(name.value, at: name.location))]
        if !inputs.isEmpty {
            let list = inputs.map { YAMLNode.scalar($0.value, at: $0.location) }
            pairs.append(.init(key: .scalar("from", at: inputs[0].location), value: YAMLNode(.sequence(list), at: inputs[0].location)))
        }
        pairs += (settings.pairs ?? []).filter { !commonLayerKeys.contains($0.key.text ?? "") }
        return YAMLNode(.mapping([.init(key: .scalar(op.value, at: op.location), value: YAMLNode(.mapping(pairs), at: settings.location))]), at: at)
    }
}
