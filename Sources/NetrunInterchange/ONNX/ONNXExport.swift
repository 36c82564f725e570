// A netrun graph with its weights as an ONNX model (opset 17, IR version 8): the inference
// graph (training-only heads and losses left out, dropout the identity), every tensor and
// node named as netrun names it, so Netron shows what `netrun graph` shows.
import Foundation
import NetrunConfig
import NetrunFormats
import NetrunGraph
import SwiftProtobuf

/// Why a model cannot be exported (its weights lack a tensor the graph needs).
public struct ONNXExportError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

public enum ONNXExport {
    public static let opset: Int64 = 17
    public static let irVersion: Int64 = 8

    /// The serialized ModelProto of `graph`'s inference graph with the values of `weights`
    /// (under netrun's names, as a safetensors file holds them). The input is `input`, float32
    /// `[N, C, H, W]` with N free; the output is the node `predict` returns, under its netrun name.
    public static func model(graph whole: Graph, weights: [NamedTensor], name: String) throws -> [UInt8] {
        let graph = whole.inference()
        var b = Builder(graph: graph, weights: Dictionary(weights.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }))
        let needed = b.ancestors(of: graph.output)
        for node in graph.nodes where needed.contains(node.id) { b.node(node) }
        if let name = b.missing.first {
            throw ONNXExportError(description: "the weights have no tensor '\(name)'"
                                  + (b.missing.count > 1 ? " (nor \(b.missing.count - 1) more)" : ""))
        }
        var g = Onnx_GraphProto()
        g.name = name
        g.node = b.nodes
        g.initializer = b.initializers
        g.input = [valueInfo("input", graph.inputShape.dims)]
        let out = graph[graph.output]
        g.output = [valueInfo(b.tensor[out.id] ?? out.name, out.shape.dims)]
        g.valueInfo = b.valueInfos
        var m = Onnx_ModelProto()
        m.irVersion = irVersion
        var set = Onnx_OperatorSetIdProto()
        set.domain = ""
        set.version = opset
        m.opsetImport = [set]
        m.producerName = "netrun"
        m.producerVersion = "0.1.0"
        m.graph = g
        return try m.serializedBytes()
    }

    /// A float32 tensor of shape `[N] + dims`, N symbolic.
    static func valueInfo(_ name: String, _ dims: [Int]) -> Onnx_ValueInfoProto {
        var shape = Onnx_TensorShapeProto()
        var n = Onnx_TensorShapeProto.Dimension()
        n.dimParam = "N"
        shape.dim = [n] + dims.map { d in
            var x = Onnx_TensorShapeProto.Dimension()
            x.dimValue = Int64(d)
            return x
        }
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.shape = shape
        var type = Onnx_TypeProto()
        type.tensorType = tensor
        var v = Onnx_ValueInfoProto()
        v.name = name
        v.type = type
        return v
    }

    struct Builder {
        let graph: Graph
        let weights: [String: NamedTensor]
        var nodes: [Onnx_NodeProto] = []
        var initializers: [Onnx_TensorProto] = []
        var valueInfos: [Onnx_ValueInfoProto] = []
        /// Node -> the ONNX tensor holding its output (its name).
        var tensor: [Node.ID: String] = [:]

        /// Parameters the graph needs and `weights` lacks, in the order asked for.
        var missing: [String] = []

        init(graph: Graph, weights: [String: NamedTensor]) {
            self.graph = graph
            self.weights = weights
            tensor[0] = "input"
        }

        func ancestors(of id: Node.ID) -> Set<Node.ID> {
            var seen: Set<Node.ID> = [id]
            var stack = [id]
            while let n = stack.popLast() {
                for i in graph[n].inputs where seen.insert(i).inserted { stack.append(i) }
            }
            return seen
        }

        mutating func add(_ op: String, name: String, inputs: [String], output: String, _ attributes: [Onnx_AttributeProto] = []) {
            var n = Onnx_NodeProto()
            n.opType = op
            n.name = name
            n.input = inputs
            n.output = [output]
            n.attribute = attributes
            nodes.append(n)
        }

        /// A parameter tensor as an initializer under its netrun name, optionally reshaped
        /// (scale's `[C]` as `[C, 1, 1]` to broadcast over an image).
        mutating func initializer(_ name: String, dims: [Int]? = nil) -> String {
            guard let tensor = weights[name] else {
                missing.append(name)
                return name
            }
            let (e, values) = (tensor, tensor.values)
            var t = Onnx_TensorProto()
            t.name = name
            t.dims = (dims ?? e.shape).map { Int64($0) }
            t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
            t.rawData = values.withUnsafeBytes { Data($0) }   // little-endian float32, as ONNX's raw_data
            initializers.append(t)
            return name
        }

        /// A constant int64 tensor (a Reshape's shape).
        mutating func constant(_ name: String, _ values: [Int64]) -> String {
            var t = Onnx_TensorProto()
            t.name = name
            t.dims = [Int64(values.count)]
            t.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
            t.int64Data = values
            initializers.append(t)
            return name
        }

        /// One netrun node as ONNX nodes; its output tensor is named after it.
        mutating func node(_ n: Node) {
            let x = n.inputs.compactMap { tensor[$0] }
            let input = x.first ?? "input"
            let out = n.name
            let inShape = n.inputs.first.map { graph[$0].shape } ?? graph.inputShape
            switch n.op {
            case .input, .loss:
                return
            case .dropout:
                // Not in an inference graph (Graph.inference() replaces it by its input).
                tensor[n.id] = input
                return
            case .conv(let c):
                var ins = [input, initializer("\(n.name).weight")]
                if c.bias { ins.append(initializer("\(n.name).bias")) }
                let attrs = [ints("kernel_shape", [c.kernel.h, c.kernel.w]), ints("strides", [c.stride.h, c.stride.w]),
                             ints("pads", [c.pad.h, c.pad.w, c.pad.h, c.pad.w]), ints("dilations", [c.dilation.h, c.dilation.w]),
                             int("group", c.groups)]
                let pre = c.activation == nil ? out : "\(out)/conv"
                add("Conv", name: n.name, inputs: ins, output: pre, attrs)
                if let a = c.activation { activation(a, name: "\(n.name)/\(a.rawValue)", input: pre, output: out) }
            case .dense(let d):
                var flat = input
                if inShape.rank > 1 {
                    flat = "\(out)/flatten"
                    add("Flatten", name: flat, inputs: [input], output: flat, [int("axis", 1)])
                }
                var ins = [flat, initializer("\(n.name).weight")]
                if d.bias { ins.append(initializer("\(n.name).bias")) }
                let pre = d.activation == nil ? out : "\(out)/gemm"
                add("Gemm", name: n.name, inputs: ins, output: pre, [int("transB", 1)])
                if let a = d.activation { activation(a, name: "\(n.name)/\(a.rawValue)", input: pre, output: out) }
            case .activation(.leakyReLU(let slope)):
                add("LeakyRelu", name: n.name, inputs: [input], output: out, [float("alpha", slope)])
            case .activation(.relu): activation(.relu, name: n.name, input: input, output: out)
            case .activation(.sigmoid): activation(.sigmoid, name: n.name, input: input, output: out)
            case .activation(.tanh): activation(.tanh, name: n.name, input: input, output: out)
            case .lrn(let l):
                // ONNX divides alpha by the size, as Caffe does: alpha = scale * size in either form.
                add("LRN", name: n.name, inputs: [input], output: out,
                    [int("size", l.size), float("alpha", l.scale * Double(l.size)), float("beta", l.beta), float("bias", l.k)])
            case .pool(let p):
                let op = p.kind == .max ? "MaxPool" : "AveragePool"
                if p.global {
                    add(p.kind == .max ? "GlobalMaxPool" : "GlobalAveragePool", name: n.name, inputs: [input], output: out)
                    break
                }
                var attrs = [ints("kernel_shape", [p.kernel.h, p.kernel.w]), ints("strides", [p.stride.h, p.stride.w]),
                             ints("pads", [p.pad.h, p.pad.w, p.pad.h, p.pad.w]), int("ceil_mode", p.rounding == .ceil ? 1 : 0)]
                if p.kind == .avg { attrs.append(int("count_include_pad", p.divisor == .window ? 1 : 0)) }
                add(op, name: n.name, inputs: [input], output: out, attrs)
            case .flatten:
                add("Flatten", name: n.name, inputs: [input], output: out, [int("axis", 1)])
            case .concat:
                add("Concat", name: n.name, inputs: x, output: out, [int("axis", 1)])
            case .add:
                add(x.count == 2 ? "Add" : "Sum", name: n.name, inputs: x, output: out)
            case .shortcut:
                shortcut(n, main: x[0], added: x[1], mainShape: inShape, output: out)
            case .softmax:
                // netrun's softmax runs over all of an example's values.
                guard inShape.rank > 1 else {
                    add("Softmax", name: n.name, inputs: [input], output: out, [int("axis", 1)])
                    break
                }
                let flat = "\(out)/flatten", soft = "\(out)/softmax"
                add("Flatten", name: flat, inputs: [input], output: flat, [int("axis", 1)])
                add("Softmax", name: soft, inputs: [flat], output: soft, [int("axis", 1)])
                let shape = constant("\(out)/shape", [-1] + inShape.dims.map { Int64($0) })
                add("Reshape", name: n.name, inputs: [soft, shape], output: out)
            case .batchNorm(let eps, _):
                let ins = ["weight", "bias", "running_mean", "running_var"].map { initializer("\(n.name).\($0)") }
                add("BatchNormalization", name: n.name, inputs: [input] + ins, output: out, [float("epsilon", eps)])
            case .scale(let bias):
                let dims = [inShape.channels] + Array(repeating: 1, count: inShape.rank - 1)
                let w = initializer("\(n.name).weight", dims: dims)
                let mul = bias ? "\(out)/mul" : out
                add("Mul", name: bias ? mul : n.name, inputs: [input, w], output: mul)
                if bias { add("Add", name: n.name, inputs: [mul, initializer("\(n.name).bias", dims: dims)], output: out) }
            }
            tensor[n.id] = out
            valueInfos.append(ONNXExport.valueInfo(out, n.shape.dims))
        }

        /// `main + added` with the added input brought to main's shape: a Slice reads the
        /// channels that meet and every stride-th row and column; a smaller input is spread
        /// onto every sample-th position by Reshape to `[N, C, h, 1, w, 1]`, a zero Pad of the
        /// unit axes (and of the missing channels) and Reshape back; then Add.
        mutating func shortcut(_ n: Node, main: String, added: String, mainShape m: TensorShape, output out: String) {
            let a = graph[n.inputs[1]].shape
            guard let v = ShortcutAxis(main: m.height, added: a.height), let u = ShortcutAxis(main: m.width, added: a.width) else {
                preconditionFailure("the shape rule accepted this shortcut, so its sizes meet")
            }
            let c = min(m.channels, a.channels)
            var b = added
            if c < a.channels || v.stride > 1 || u.stride > 1 {
                let s = "\(out)/read"
                add("Slice", name: s, inputs: [b, constant("\(s)/starts", [0, 0, 0]), constant("\(s)/ends", [c, a.height, a.width].map { Int64($0) }),
                                               constant("\(s)/axes", [1, 2, 3]), constant("\(s)/steps", [1, Int64(v.stride), Int64(u.stride)])],
                    output: s)
                b = s
            }
            if v.sample > 1 || u.sample > 1 {
                let r = "\(out)/unit", p = "\(out)/spread", back = "\(out)/placed"
                add("Reshape", name: r, inputs: [b, constant("\(r)/shape", [0, c, v.count, 1, u.count, 1].map { Int64($0) })], output: r)
                let pads = [0, 0, 0, 0, 0, 0, 0, m.channels - c, 0, v.sample - 1, 0, u.sample - 1].map { Int64($0) }
                add("Pad", name: p, inputs: [r, constant("\(p)/pads", pads)], output: p)
                add("Reshape", name: back, inputs: [p, constant("\(back)/shape", [0] + m.dims.map { Int64($0) })], output: back)
                b = back
            } else if c < m.channels {
                let p = "\(out)/pad"
                add("Pad", name: p, inputs: [b, constant("\(p)/pads", [0, 0, 0, 0, 0, Int64(m.channels - c), 0, 0])], output: p)
                b = p
            }
            add("Add", name: n.name, inputs: [main, b], output: out)
        }

        mutating func activation(_ a: Activation, name: String, input: String, output: String) {
            let op: String
            switch a {
            case .relu: op = "Relu"
            case .sigmoid: op = "Sigmoid"
            case .tanh: op = "Tanh"
            }
            add(op, name: name, inputs: [input], output: output)
        }

        func int(_ name: String, _ v: Int) -> Onnx_AttributeProto {
            var a = Onnx_AttributeProto()
            a.name = name
            a.type = .int
            a.i = Int64(v)
            return a
        }

        func ints(_ name: String, _ v: [Int]) -> Onnx_AttributeProto {
            var a = Onnx_AttributeProto()
            a.name = name
            a.type = .ints
            a.ints = v.map { Int64($0) }
            return a
        }

        func float(_ name: String, _ v: Double) -> Onnx_AttributeProto {
            var a = Onnx_AttributeProto()
            a.name = name
            a.type = .float
            a.f = Float(v)
            return a
        }
    }
}
