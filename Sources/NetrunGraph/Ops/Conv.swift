// Convolution in the graph: its resolved settings, shape rule, planner facts and description.
import NetrunConfig

extension Op {
    /// Weights `[out, in/groups, kh, kw]`, bias `[out]`.
    public struct Conv: Hashable, Sendable {
        public var out: Int
        public var kernel: Size2
        public var stride: Size2
        public var pad: Size2
        public var dilation: Size2
        public var groups: Int
        public var bias: Bool
        public var activation: Activation?

        public init(out: Int, kernel: Size2, stride: Size2, pad: Size2, dilation: Size2, groups: Int, bias: Bool, activation: Activation?) {
            (self.out, self.kernel, self.stride, self.pad, self.dilation) = (out, kernel, stride, pad, dilation)
            (self.groups, self.bias, self.activation) = (groups, bias, activation)
        }

        init(_ c: LayerOp.Conv) {
            self.init(out: c.out.value, kernel: c.kernel.value, stride: c.stride.value, pad: c.pad.value,
                      dilation: c.dilation.value, groups: c.groups.value, bias: c.bias, activation: c.activation)
        }
    }
}

extension Op.Conv: OpRules {
    var op: Op { .conv(self) }
    var opKind: OpKind? { .conv }

    var detail: String {
        var s = "\(kernel)/\(stride)"
        if pad.h != 0 || pad.w != 0 { s += " pad \(pad)" }
        if dilation.h != 1 || dilation.w != 1 { s += " dil \(dilation)" }
        if groups != 1 { s += " g\(groups)" }
        if let a = activation { s += " +\(a.rawValue)" }
        return s
    }

    var traits: OpTraits { OpTraits(backwardReadsOutput: activation != nil, backwardReadsInputs: true, usesConvolutionWorkspace: true) }

    var settings: JSONValue {
        .object([("out", .int(out)), ("kernel", .size(kernel)), ("stride", .size(stride)), ("pad", .size(pad)),
                 ("dilation", .size(dilation)), ("groups", .int(groups)), ("bias", .bool(bias)), activationSetting(activation)])
    }

    func infer(_ ins: [TensorShape], classes: Int) -> Result<OpShape, ShapeProblems> {
        if let p = image(ins) { return .failure(p) }
        let x = ins[0], cin = x.channels
        var problems: [ShapeProblem] = []
        if cin % groups != 0 { problems.append(.groupsInputChannels(groups: groups, channels: cin)) }
        if out % groups != 0 { problems.append(.groupsOutputChannels(groups: groups, out: out)) }
        let k = kernel, s = stride, p = pad, d = dilation
        let oh = Window.outputSize(input: x.height, kernel: k.h, stride: s.h, pad: p.h, dilation: d.h)
        let ow = Window.outputSize(input: x.width, kernel: k.w, stride: s.w, pad: p.w, dilation: d.w)
        if oh == nil || ow == nil {
            problems.append(.kernelTooLarge(kernel: k, span: Size2(d.h * (k.h - 1) + 1, d.w * (k.w - 1) + 1),
                                            padded: Size2(x.height + 2 * p.h, x.width + 2 * p.w), pad: p))
        }
        guard problems.isEmpty, let oh, let ow else { return .failure(ShapeProblems(problems)) }
        var params = [ParameterShape(suffix: "weight", shape: [out, cin / groups, k.h, k.w])]
        if bias { params.append(ParameterShape(suffix: "bias", shape: [out])) }
        let macs = TensorShape.checkedProduct([out, oh, ow, cin / groups, k.h, k.w]) ?? .max
        return .success(OpShape(op: op, shape: TensorShape([out, oh, ow]), parameters: params, macs: macs))
    }

    func reducedImage(_ x: TensorShape) -> TensorShape {
        let perGroup = min(x.channels / groups, 2)
        let h = x.reducedSide(\.height, max(1, dilation.h * (kernel.h - 1) + 1 - 2 * pad.h) + 2 * stride.h)
        let w = x.reducedSide(\.width, max(1, dilation.w * (kernel.w - 1) + 1 - 2 * pad.w) + 2 * stride.w)
        return TensorShape([groups * perGroup, h, w])
    }

    func smaller(channelsOut: Int?) -> Op {
        var c = self
        c.out = channelsOut.map { max($0, groups) / groups * groups } ?? groups * min(out / groups, 2)
        return .conv(c)
    }
}
