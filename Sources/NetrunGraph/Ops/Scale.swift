// Caffe's Scale in the graph: a learned weight (and bias) per channel.
import NetrunConfig

struct ScaleRules: OpRules {
    var bias: Bool

    var op: Op { .scale(bias: bias) }
    var opKind: OpKind? { .scale }
    var detail: String { bias ? "" : "no bias" }
    var traits: OpTraits { OpTraits(backwardReadsInputs: true) }
    var settings: JSONValue { .object([("bias", .bool(bias))]) }

    func infer(_ ins: [TensorShape], classes: Int) -> Result<OpShape, ShapeProblems> {
        let x = ins[0], c = x.channels
        var params = [ParameterShape(suffix: "weight", shape: [c])]
        if bias { params.append(ParameterShape(suffix: "bias", shape: [c])) }
        return .success(OpShape(op: op, shape: x, parameters: params, macs: 0))
    }
}
