// Softmax in the graph: over the classes of a vector.
import NetrunConfig

struct SoftmaxRules: OpRules {
    var op: Op { .softmax }
    var opKind: OpKind? { .softmax }
    var detail: String { "" }
    var traits: OpTraits { OpTraits(backwardReadsOutput: true) }
    var settings: JSONValue { .object([]) }
    func infer(_ ins: [TensorShape], classes: Int) -> Result<OpShape, ShapeProblems> { same(ins[0]) }
}
