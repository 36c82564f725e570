import NetrunConfig

/// Builds the DAG of a configuration: resolves names to nodes, orders them topologically,
/// infers every shape, counts parameters and multiply-adds, and marks training-only heads.
/// Every problem becomes a diagnostic at the YAML position of the value that causes it,
/// all of them in one pass; a node whose input failed is skipped, so one mistake gives one error.
public enum GraphBuilder {
    public struct Result: Sendable {
        public var graph: Graph?
        public var diagnostics: Diagnostics
    }

    public static func build(_ config: Config) -> Result {
        build(config.model)
    }

    public static func build(_ model: ModelConfig) -> Result {
        var d = Diagnostics()
        let layers = model.layers
        var names = NameTable(model, &d)
        let resolved = resolveInputs(layers, &names, &d)
        let inputs = resolved.inputs
        var broken = resolved.broken
        guard let order = topologicalOrder(inputs: inputs, layers: layers, diagnostics: &d) else {
            return Result(graph: nil, diagnostics: d)
        }
        let inputShape = TensorShape(model.input.value)
        if (TensorShape.checkedProduct(inputShape.dims) ?? .max) > TensorShape.maxCount {
            d.error("an input of \(inputShape) is too large (more than 2^36 values)", at: model.input.location)
            return Result(graph: nil, diagnostics: d)
        }
        let inferred = inferShapes(model, inputShape: inputShape, order: order, inputs: inputs, broken: &broken, &d)
        let heads = outputAndLosses(model, &names, inputs: inputs, &d)

        // Training-only: needed by a training-only loss and by no inference root.
        let forInference = ancestors(of: heads.inferenceRoots, inputs: inputs)
        let forTraining = ancestors(of: heads.trainRoots, inputs: inputs)
        // Only a correct graph says truly what is unused: with errors, whatever feeds a broken
        // node would look unused.
        let trustworthy = !d.hasErrors && !layers.contains(where: \.isBroken)
        for (i, layer) in layers.enumerated() where trustworthy && !forInference[i + 1] && !forTraining[i + 1] {
            d.warning("'\(layer.name.value)' is not used: no loss and no output depends on it", at: layer.name.location, notes: layer.instanceNotes)
        }

        guard !d.hasErrors, let output = heads.output else { return Result(graph: nil, diagnostics: d) }
        // Renumber in topological order.
        var newID = [Int](repeating: 0, count: layers.count + 1)
        for (k, id) in order.enumerated() { newID[id] = k }
        var nodes: [Node] = []
        for id in order {
            guard let r = inferred[id] else { return Result(graph: nil, diagnostics: d) }
            let layer = id == 0 ? nil : layers[id - 1]
            nodes.append(Node(id: newID[id], name: layer?.name.value ?? "input", op: r.op, inputs: inputs[id].map { newID[$0] },
                              shape: r.shape, parameters: r.parameters, macs: r.macs,
                              trainOnly: id != 0 && !forInference[id], location: layer?.location ?? model.input.location,
                              instances: layer?.instances ?? [], frozen: layer?.training.freeze ?? false))
        }
        let graph = Graph(nodes: nodes, output: newID[output], losses: heads.losses.map { newID[$0] }.sorted(),
                          inputShape: inputShape, classes: model.classes.value)
        return Result(graph: graph, diagnostics: d)
    }

    /// The nodes' names (node i + 1 is layer i; node 0 is the input), block instances' names
    /// (each refers to its block's last layer), and the did-you-mean suggestions for names
    /// that are not there.
    struct NameTable {
        var index: [String: Int] = ["input": 0]
        var aliases: [String: Int] = [:]
        let all: [String]
        /// Suggestions scan every name: offered for the first few dangling references only,
        /// so that a file full of them is still checked in linear time.
        var suggestionsLeft = 50

        init(_ model: ModelConfig, _ d: inout Diagnostics) {
            let layers = model.layers
            for (i, layer) in layers.enumerated() {
                if let first = index[layer.name.value] {
                    d.error("duplicate node name '\(layer.name.value)'", at: layer.name.location,
                            notes: layer.instanceNotes + [.init("first used here", at: first == 0 ? model.location : layers[first - 1].name.location)])
                } else {
                    index[layer.name.value] = i + 1
                }
            }
            for (instance, output) in model.instanceOutputs where index[instance] == nil {
                if let target = index[output] { aliases[instance] = target }
            }
            all = Array(index.keys) + Array(aliases.keys)
        }

        /// The node a reference names, if any.
        subscript(_ name: String) -> Int? { index[name] ?? aliases[name] }

        mutating func suggestion(_ name: String) -> String {
            guard suggestionsLeft > 0 else { return "" }
            suggestionsLeft -= 1
            return Suggestion.phrase(for: name, in: all)
        }
    }

    /// Each node's inputs (named, or the previous layer), and which nodes are broken (their
    /// settings had errors, or a name they read is not there).
    static func resolveInputs(_ layers: [LayerConfig], _ names: inout NameTable, _ d: inout Diagnostics) -> (inputs: [[Int]], broken: [Bool]) {
        var inputs = [[Int]](repeating: [], count: layers.count + 1)
        var broken = [Bool](repeating: false, count: layers.count + 1)
        for (i, layer) in layers.enumerated() {
            if layer.isBroken { broken[i + 1] = true }
            if layer.inputs.isEmpty {
                inputs[i + 1] = [i]
                continue
            }
            for ref in layer.inputs {
                if let target = names[ref.value] {
                    inputs[i + 1].append(target)
                } else {
                    d.error("no node named '\(ref.value)'\(names.suggestion(ref.value))", at: ref.location, notes: layer.instanceNotes)
                    broken[i + 1] = true
                }
            }
        }
        return (inputs, broken)
    }

    /// Each node's shape, op, parameters and multiply-adds, in topological order; nil for a
    /// node that failed or reads one that did (so one mistake gives one error).
    // swiftlint:disable:next function_parameter_count
    static func inferShapes(_ model: ModelConfig, inputShape: TensorShape, order: [Int], inputs: [[Int]], broken: inout [Bool],
                            _ d: inout Diagnostics) -> [ShapeInference.Output?] {
        let layers = model.layers
        var inferred = [ShapeInference.Output?](repeating: nil, count: layers.count + 1)
        inferred[0] = ShapeInference.Output(shape: inputShape, op: .input, parameters: [], macs: 0)
        for id in order where id != 0 {
            let layer = layers[id - 1]
            guard !broken[id] else { continue }
            let ins = inputs[id].compactMap { inferred[$0]?.shape }
            guard ins.count == inputs[id].count else { continue }  // an input already failed
            for src in inputs[id] where src > 0 {
                if case .loss = layers[src - 1].op {
                    d.error("'\(layers[src - 1].name.value)' is a loss and has no output to read", at: layer.inputs.first?.location ?? layer.location, notes: layer.instanceNotes)
                    broken[id] = true
                }
            }
            if broken[id] { continue }
            var inference = ShapeInference(layer: layer, inputNames: inputs[id].map { $0 == 0 ? "input" : layers[$0 - 1].name.value },
                                           classes: model.classes.value)
            inferred[id] = inference.infer(ins)
            d.append(contentsOf: inference.diagnostics)
            if var out = inferred[id] {
                applyTraining(layer, to: &out.parameters, &d)
                inferred[id] = out
            }
        }
        return inferred
    }

    /// The layer's `lr_mult` and `decay_mult` onto its tensors: one number for all, or one
    /// per tensor (an error names the tensors when the count is neither).
    static func applyTraining(_ layer: LayerConfig, to parameters: inout [Parameter], _ d: inout Diagnostics) {
        let t = layer.training
        for (key, given) in [("lr_mult", t.lrMult), ("decay_mult", t.decayMult)] {
            guard let given, given.value.count != 1, given.value.count != parameters.count else { continue }
            let names = parameters.map { $0.name.split(separator: ".").last.map(String.init) ?? $0.name }
            d.error("\(key) has \(given.value.count) values but '\(layer.name.value)' has \(parameters.count) parameter tensor"
                    + "\(parameters.count == 1 ? "" : "s") (\(names.joined(separator: ", "))): give one number, or one per tensor",
                    at: given.location, notes: layer.instanceNotes)
        }
        for i in parameters.indices {
            parameters[i].lrMult = ParameterTraining.factor(t.lrMult, i)
            parameters[i].decayMult = ParameterTraining.factor(t.decayMult, i)
        }
    }

    /// The loss nodes, the inference output (named, or what the first inference loss reads,
    /// or the last layer), and the roots of the inference and training-only parts.
    static func outputAndLosses(_ model: ModelConfig, _ names: inout NameTable, inputs: [[Int]], _ d: inout Diagnostics)
        -> (losses: [Int], output: Int?, inferenceRoots: [Int], trainRoots: [Int]) {
        let layers = model.layers
        var lossIDs: [Int] = []
        var inferenceRoots: [Int] = []
        var trainRoots: [Int] = []
        for (i, layer) in layers.enumerated() {
            if case .loss(let l) = layer.op {
                lossIDs.append(i + 1)
                if l.trainOnly { trainRoots.append(i + 1) } else { inferenceRoots.append(i + 1) }
            }
        }
        var output: Int?
        if let o = model.output {
            if let target = names[o.value] {
                if lossIDs.contains(target) { d.error("the output must be a node with values, not the loss '\(o.value)'", at: o.location) }
                output = target
            } else {
                d.error("no node named '\(o.value)'\(names.suggestion(o.value))", at: o.location)
            }
        } else if let firstLoss = inferenceRoots.first {
            output = inputs[firstLoss].first
        } else if lossIDs.isEmpty {
            output = layers.count
        } else {
            d.error("every loss is training-only: name the inference output with 'output: NODE'", at: model.location)
        }
        if lossIDs.isEmpty {
            d.warning("the network has no loss layer: it can be run but not trained", at: model.location)
        }
        if let output { inferenceRoots.append(output) }
        return (lossIDs, output, inferenceRoots, trainRoots)
    }

    /// Kahn's algorithm, taking the earliest-written ready node first, so the order follows
    /// the file wherever the references allow. nil (with an error) on a cycle.
    static func topologicalOrder(inputs: [[Int]], layers: [LayerConfig], diagnostics d: inout Diagnostics) -> [Int]? {
        let n = inputs.count
        var pending = inputs.map(\.count)
        var consumers = [[Int]](repeating: [], count: n)
        for (id, ins) in inputs.enumerated() { for i in ins { consumers[i].append(id) } }
        var ready = MinHeap()
        for id in 0..<n where pending[id] == 0 { ready.push(id) }
        var order: [Int] = []
        order.reserveCapacity(n)
        while let id = ready.pop() {
            order.append(id)
            for c in consumers[id] {
                pending[c] -= 1
                if pending[c] == 0 { ready.push(c) }
            }
        }
        guard order.count < n else { return order }
        // Report one cycle: walk inputs among the unordered nodes until one repeats.
        var path: [Int] = []
        var seen: [Int: Int] = [:]
        var current = (0..<n).first { pending[$0] > 0 } ?? 0
        while seen[current] == nil {
            seen[current] = path.count
            path.append(current)
            current = inputs[current].first { pending[$0] > 0 } ?? current
        }
        let cycle = Array(path[(seen[current] ?? 0)...]).reversed().map { $0 }
        let names = (cycle + [cycle[0]]).map { layers[$0 - 1].name.value }.joined(separator: " -> ")
        let first = layers[cycle[0] - 1]
        d.error("cycle in the graph: \(names)", at: first.inputs.first?.location ?? first.location, notes: first.instanceNotes)
        return nil
    }

    /// Marks every node some root depends on (the roots included).
    static func ancestors(of roots: [Int], inputs: [[Int]]) -> [Bool] {
        var mark = [Bool](repeating: false, count: inputs.count)
        var stack = roots
        while let id = stack.popLast() {
            if mark[id] { continue }
            mark[id] = true
            stack.append(contentsOf: inputs[id])
        }
        return mark
    }
}

/// A binary min-heap of node indices.
struct MinHeap {
    private var items: [Int] = []

    mutating func push(_ x: Int) {
        items.append(x)
        var i = items.count - 1
        while i > 0, items[(i - 1) / 2] > items[i] {
            items.swapAt(i, (i - 1) / 2)
            i = (i - 1) / 2
        }
    }

    mutating func pop() -> Int? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, items[l] < items[m] { m = l }
                if r < items.count, items[r] < items[m] { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
