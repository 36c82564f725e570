// Fully connected layer in the graph.
import NetrunConfig

extension Op {
    /// Weights `[out, in]`, bias `[out]`; the input is read flattened (C-H-W order).
    public struct Dense: Hashable, Sendable {
        public var out: Int
        public var bias: Bool
        public var activation: Activation?

        init(_ d: LayerOp.Dense) { (out, bias, activation) = (d.out.value, d.bias, d.activation) }
    }
}

extension Op.Dense: OpRules {
    var op: Op { .dense(self) }
    var opKind: OpKind? { .dense }
    var detail: String { activation.map { "+\($0.rawValue)" } ?? "" }
    var traits: OpTraits { OpTraits(backwardReadsOutput: activation != nil, backwardReadsInputs: true) }
    var settings: JSONValue { .object([("out", .int(out)), ("bias", .bool(bias)), activationSetting(activation)]) }

    func infer(_ ins: [TensorShape], classes: Int) -> Result<OpShape, ShapeProblems> {
        let x = ins[0]
        var params = [ParameterShape(suffix: "weight", shape: [out, x.count])]
        if bias { params.append(ParameterShape(suffix: "bias", shape: [out])) }
        return .success(OpShape(op: op, shape: TensorShape([out]), parameters: params,
                                macs: TensorShape.checkedProduct([out, x.count]) ?? .max))
    }

    func reducedImage(_ x: TensorShape) -> TensorShape {
        return TensorShape([min(x.channels, 2), x.reducedSide(\.height, 2), x.reducedSide(\.width, 2)])
    }

    func smaller(channelsOut: Int?) -> Op {
        var d = self
        d.out = min(out, 5)
        return .dense(d)
    }
}
