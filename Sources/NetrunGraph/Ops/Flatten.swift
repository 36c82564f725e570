// Flatten in the graph: `[C, H, W]` to `[C*H*W]`, sharing its input's memory.
import NetrunConfig

struct FlattenRules: OpRules {
    var op: Op { .flatten }
    var opKind: OpKind? { .flatten }
    var detail: String { "" }
    var traits: OpTraits { OpTraits(aliasesInput: true) }
    var settings: JSONValue { .object([]) }
    func infer(_ ins: [TensorShape], classes: Int) -> Result<OpShape, ShapeProblems> { same(TensorShape([ins[0].count])) }
}
