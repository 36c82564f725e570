// Per-node gradient-check problems: the node's op at reduced sizes, fed by a small input.
import NetrunConfig
import NetrunGraph
import NetrunKernels

/// A small graph exercising one node's op with the same settings (kernel, stride, padding,
/// dilation, groups, rounding, divisor, LRN form, rate, activation) but few channels and a
/// small image: `input -> node` (a concat gets its conv branches too, so that branches
/// write into their slices; a loss reads `input` as its logits).
///
/// Why per node rather than the whole network at a reduced input: the configs' shapes do not
/// shrink (AlexNet's 11x11/4 and three poolings need most of 227x227), and a whole-network
/// check would need thousands of full forward passes. Reduced per-node problems cost
/// microseconds each and cover every op and option the config uses; tests add whole small
/// graphs (fan-out, concat placement, auxiliary losses) on top.
public enum MiniProblem {
    /// The problem for `graph[id]`, or nil for the input node. Shapes and parameters come
    /// from the op's own shape rule (`Op.infer`), at the reduced sizes.
    public static func make(for id: Node.ID, in graph: Graph) -> Graph? {
        let node = graph[id]
        guard id != 0, let first = node.inputs.first else { return nil }
        if case .shortcut = node.op { return shortcut(node, in: graph) }
        var inputNode = graph[0]
        let x = node.op.reducedInput(graph[first].shape)
        inputNode.shape = x
        inputNode.inputs = []
        var nodes = [inputNode]
        var classes = graph.classes
        // Inputs: a concat's conv branches are rebuilt reading the input (so that they write
        // into their slices); every other input is the reduced input itself.
        var ins: [Node.ID] = []
        for j in node.inputs {
            if case .concat = node.op, case .conv = graph[j].op,
               let branch = rebuilt(graph[j], op: graph[j].op.smaller(channelsOut: 2), inputs: [0], id: nodes.count,
                                    shapes: [x], classes: classes) {
                nodes.append(branch)
                ins.append(branch.id)
            } else {
                ins.append(0)
            }
        }
        var op = node.op.smaller(channelsOut: nil)
        if case .loss(let weight, let topK, let smoothing) = op {
            classes = x.count
            op = .loss(weight: weight, topK: topK.map { min($0, classes) }, smoothing: smoothing)
        }
        guard var m = rebuilt(node, op: op, inputs: ins, id: nodes.count, shapes: ins.map { nodes[$0].shape }, classes: classes) else {
            return nil
        }
        m.trainOnly = false
        nodes.append(m)
        let isLoss: Bool
        if case .loss = op { isLoss = true } else { isLoss = false }
        var mini = graph
        mini.nodes = nodes
        mini.output = isLoss ? 0 : m.id
        mini.losses = isLoss ? [m.id] : []
        mini.inputShape = x
        mini.classes = classes
        return mini
    }

    /// `node` with `op` on inputs of `shapes`, its shape and parameters from the op's rule
    /// (parameters keep their names and fillers); nil when the op cannot run on them.
    static func rebuilt(_ node: Node, op: Op, inputs: [Node.ID], id: Node.ID, shapes: [TensorShape], classes: Int) -> Node? {
        guard case .success(let r) = op.infer(shapes, classes: classes) else { return nil }
        var m = node
        m.id = id
        m.op = r.op
        m.inputs = inputs
        m.trainOnly = false
        m.shape = r.shape
        m.macs = r.macs
        m.parameters = r.parameters.map { p in
            let original = node.parameters.first { $0.name.hasSuffix(".\(p.suffix)") }
            return Parameter(name: original?.name ?? "\(node.name).\(p.suffix)", shape: p.shape,
                             filler: original?.filler ?? p.filler ?? .constant(0))
        }
        return m
    }

    /// A shortcut's problem: its two inputs keep their ratios (which is larger along each
    /// axis, by how much) and which has more channels, at a few channels and pixels. Each is a
    /// 1x1 convolution of one input image as large as both (stride: that size over the
    /// input's), so that the main and the added gradients both reach the input and the
    /// convolutions' weights.
    static func shortcut(_ node: Node, in graph: Graph) -> Graph? {
        guard node.inputs.count == 2 else { return nil }
        let main = graph[node.inputs[0]].shape, added = graph[node.inputs[1]].shape
        guard main.isImage, added.isImage else { return nil }
        // Per axis: the reduced sizes (main, added), the smaller at most 2 and the ratio kept.
        func axis(_ m: Int, _ a: Int) -> (Int, Int) {
            if m == a { return (min(m, 3), min(a, 3)) }
            return m < a ? (min(m, 2), min(m, 2) * (a / m)) : (min(a, 2) * (m / a), min(a, 2))
        }
        let (mh, ah) = axis(main.height, added.height), (mw, aw) = axis(main.width, added.width)
        let mc = min(main.channels, 3)
        let ac = added.channels == main.channels ? mc : added.channels < main.channels ? min(added.channels, mc - 1) : mc + 1
        let x = TensorShape([3, max(mh, ah), max(mw, aw)])
        var inputNode = graph[0]
        inputNode.shape = x
        inputNode.inputs = []
        var nodes = [inputNode]
        for (j, (c, h, w)) in [(mc, mh, mw), (ac, ah, aw)].enumerated() {
            var template = graph[node.inputs[j]]
            template.name = "\(node.name)/\(j == 0 ? "main" : "added")"
            template.parameters = []
            let conv = Op.conv(.init(out: c, kernel: Size2(square: 1), stride: Size2(x.height / h, x.width / w), pad: Size2(square: 0),
                                     dilation: Size2(square: 1), groups: 1, bias: true, activation: nil))
            guard let m = rebuilt(template, op: conv, inputs: [0], id: nodes.count, shapes: [x], classes: graph.classes) else { return nil }
            nodes.append(m)
        }
        guard var m = rebuilt(node, op: node.op, inputs: [1, 2], id: 3, shapes: [nodes[1].shape, nodes[2].shape], classes: graph.classes) else {
            return nil
        }
        m.trainOnly = false
        nodes.append(m)
        var mini = graph
        mini.nodes = nodes
        mini.output = m.id
        mini.losses = []
        mini.inputShape = x
        return mini
    }

    /// `"2x7x7 -> 4x3x3"`: the sizes of a problem, for reports.
    public static func describe(_ mini: Graph) -> String {
        "\(mini.inputShape) -> \(mini[mini.losses.first ?? mini.output].shape)"
    }
}
