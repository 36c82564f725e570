import NetrunConfig

/// A network as a DAG of nodes in topological order, every shape known. Node 0 is the input.
public struct Graph: Hashable, Sendable {
    public var nodes: [Node]
    /// The node `predict` returns (logits).
    public var output: Node.ID
    /// The loss nodes, in order.
    public var losses: [Node.ID]
    public var inputShape: TensorShape
    public var classes: Int

    public subscript(id: Node.ID) -> Node { nodes[id] }

    public func node(named name: String) -> Node? { nodes.first { $0.name == name } }

    /// For each node, the nodes that read its output.
    public var consumers: [[Node.ID]] {
        var result = [[Node.ID]](repeating: [], count: nodes.count)
        for n in nodes { for i in n.inputs { result[i].append(n.id) } }
        return result
    }

    /// Parameters of every node, training-only heads included.
    public var parameterCount: Int { nodes.reduce(0) { $0 + $1.parameterCount } }

    /// Multiply-adds per example of the inference graph.
    public var inferenceMACs: Int { nodes.filter { !$0.trainOnly }.reduce(0) { $0 + $1.macs } }

    /// Every parameter in node order.
    public var parameters: [Parameter] { nodes.flatMap(\.parameters) }

    /// The graph used for inference and evaluation: training-only nodes removed and dropout
    /// replaced by its input (it is the identity at inference). IDs are renumbered.
    public func inference() -> Graph {
        var newID = [Node.ID?](repeating: nil, count: nodes.count)
        var kept: [Node] = []
        for n in nodes where !n.trainOnly {
            if case .dropout = n.op, let src = n.inputs.first {
                newID[n.id] = newID[src]
                continue
            }
            var m = n
            m.id = kept.count
            m.inputs = n.inputs.compactMap { newID[$0] }
            newID[n.id] = m.id
            kept.append(m)
        }
        return Graph(nodes: kept, output: newID[output] ?? 0, losses: losses.compactMap { newID[$0] },
                     inputShape: inputShape, classes: classes)
    }
}

extension Int {
    /// The number with its digits in groups of three, as `netrun summary` and the language
    /// server's hover print counts: 60965224 -> "60,965,224".
    public var groupedDigits: String {
        let digits = Array(String(self.magnitude))
        var out = self < 0 ? "-" : ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return out
    }
}
