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
    /// The problem for `graph[id]`, or nil for the input node.
    public static func make(for id: Node.ID, in graph: Graph) -> Graph? {
        let node = graph[id]
        guard id != 0, let first = node.inputs.first else { return nil }
        var nodes: [Node] = []
        var inputNode = graph[0]
        let x = reduced(graph[first].shape, for: node.op)
        inputNode.shape = x
        inputNode.inputs = []
        nodes.append(inputNode)
        var classes = graph.classes
        var losses: [Node.ID] = []
        var m = node
        m.trainOnly = false
        switch node.op {
        case .concat:
            var ins: [Node.ID] = []
            for j in node.inputs {
                if case .conv = graph[j].op, let branch = convNode(graph[j], input: x, channelsOut: 2, id: nodes.count) {
                    nodes.append(branch)
                    ins.append(branch.id)
                } else {
                    ins.append(0)
                }
            }
            m.inputs = ins
            var dims = x.dims
            dims[0] = ins.reduce(0) { $0 + nodes[$1].shape.channels }
            m.shape = TensorShape(dims)
        case .conv:
            guard let c = convNode(node, input: x, channelsOut: nil, id: 1) else { return nil }
            m = c
        case .dense(var d):
            d.out = min(d.out, 5)
            m.op = .dense(d)
            m.shape = TensorShape([d.out])
            m.parameters = node.parameters.map { p in
                var q = p
                q.shape = p.shape.count == 2 ? [d.out, x.count] : [d.out]
                return q
            }
        case .pool(var p):
            if p.global { p.kernel = Size2(x.height, x.width) }
            let oh = PoolGeometry.outputSize(input: x.height, kernel: p.kernel.h, stride: p.stride.h, pad: p.pad.h, ceilMode: p.rounding == .ceil)
            let ow = PoolGeometry.outputSize(input: x.width, kernel: p.kernel.w, stride: p.stride.w, pad: p.pad.w, ceilMode: p.rounding == .ceil)
            m.op = .pool(p)
            m.shape = TensorShape([x.channels, oh, ow])
        case .flatten:
            m.shape = TensorShape([x.count])
        case .loss:
            classes = x.count
            losses = [1]
        case .batchNorm:
            m.shape = x
            m.parameters = node.parameters.map { p in
                var q = p
                q.shape = [x.channels]
                return q
            }
        case .input, .activation, .lrn, .dropout, .softmax:
            m.shape = x
        }
        if case .concat = node.op {} else { m.inputs = [0] }
        m.id = nodes.count
        nodes.append(m)
        var mini = graph
        mini.nodes = nodes
        mini.output = losses.isEmpty ? m.id : 0
        mini.losses = losses.isEmpty ? [] : [m.id]
        mini.inputShape = x
        mini.classes = classes
        return mini
    }

    /// A copy of a conv node reading `input`, with fewer channels (groups kept).
    static func convNode(_ node: Node, input x: TensorShape, channelsOut: Int?, id: Node.ID) -> Node? {
        guard case .conv(var c) = node.op else { return nil }
        let g = c.groups
        guard x.channels % g == 0 else { return nil }
        c.out = channelsOut.map { max($0, g) / g * g } ?? g * min(c.out / g, 2)
        let span = (h: c.dilation.h * (c.kernel.h - 1) + 1, w: c.dilation.w * (c.kernel.w - 1) + 1)
        let oh = (x.height + 2 * c.pad.h - span.h) / c.stride.h + 1
        let ow = (x.width + 2 * c.pad.w - span.w) / c.stride.w + 1
        guard oh >= 1, ow >= 1 else { return nil }
        var m = node
        m.op = .conv(c)
        m.id = id
        m.inputs = [0]
        m.trainOnly = false
        m.shape = TensorShape([c.out, oh, ow])
        m.parameters = node.parameters.map { p in
            var q = p
            q.shape = p.shape.count == 4 ? [c.out, x.channels / g, c.kernel.h, c.kernel.w] : [c.out]
            return q
        }
        return m
    }

    /// The reduced input of a node: few channels and a small image that still fits the window.
    static func reduced(_ x: TensorShape, for op: Op) -> TensorShape {
        guard x.isImage else {
            if case .loss = op { return TensorShape([min(x.count, 5)]) }
            return TensorShape([min(x.count, 8)])
        }
        func side(_ n: Int, _ need: Int) -> Int { min(n, max(need, 1)) }
        switch op {
        case .conv(let c):
            let g = c.groups, perGroup = min(x.channels / g, 2)
            let h = side(x.height, max(1, c.dilation.h * (c.kernel.h - 1) + 1 - 2 * c.pad.h) + 2 * c.stride.h)
            let w = side(x.width, max(1, c.dilation.w * (c.kernel.w - 1) + 1 - 2 * c.pad.w) + 2 * c.stride.w)
            return TensorShape([g * perGroup, h, w])
        case .pool(let p):
            if p.global { return TensorShape([min(x.channels, 2), side(x.height, 3), side(x.width, 3)]) }
            let h = side(x.height, max(1, p.kernel.h - 2 * p.pad.h) + 2 * p.stride.h + 1)
            let w = side(x.width, max(1, p.kernel.w - 2 * p.pad.w) + 2 * p.stride.w + 1)
            return TensorShape([min(x.channels, 2), h, w])
        case .lrn(let l):
            return TensorShape([min(x.channels, l.size + 2), side(x.height, 2), side(x.width, 2)])
        case .dense:
            return TensorShape([min(x.channels, 2), side(x.height, 2), side(x.width, 2)])
        case .concat:
            return TensorShape([min(x.channels, 3), side(x.height, 4), side(x.width, 4)])
        default:
            return TensorShape([min(x.channels, 3), side(x.height, 3), side(x.width, 3)])
        }
    }

    /// `"2x7x7 -> 4x3x3"`: the sizes of a problem, for reports.
    public static func describe(_ mini: Graph) -> String {
        "\(mini.inputShape) -> \(mini[mini.losses.first ?? mini.output].shape)"
    }
}
