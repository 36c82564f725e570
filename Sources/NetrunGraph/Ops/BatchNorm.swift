// Batch normalization in the graph: weight 1 and bias 0 per channel, whatever the layer's init.
import NetrunConfig

struct BatchNormRules: OpRules {
    var eps: Double
    var momentum: Double

    var op: Op { .batchNorm(eps: eps, momentum: momentum) }
    var opKind: OpKind? { .batchnorm }
    var detail: String { "" }
    var traits: OpTraits { OpTraits(backwardReadsInputs: true, keeps: .statisticsPerChannel) }
    var settings: JSONValue { .object([("eps", .double(eps)), ("momentum", .double(momentum))]) }

    func infer(_ ins: [TensorShape], classes: Int) -> Result<OpShape, ShapeProblems> {
        let x = ins[0], c = x.channels
        return .success(OpShape(op: op, shape: x, parameters: [ParameterShape(suffix: "weight", shape: [c], filler: .constant(1)),
                                                               ParameterShape(suffix: "bias", shape: [c], filler: .constant(0))], macs: 0))
    }
}
