// The input node and the ops with no settings of their own: flatten, concat, add, shortcut, softmax.
import NetrunConfig

struct InputRules: OpRules {
    var op: Op { .input }
    var opKind: OpKind? { nil }
    var detail: String { "" }
    var traits: OpTraits { OpTraits() }
    var settings: JSONValue { .object([]) }
    func infer(_ ins: [TensorShape], classes: Int) -> Result<OpShape, ShapeProblems> { same(ins[0]) }
}
