// Add in the graph: the elementwise sum of inputs of one shape.
import NetrunConfig

struct AddRules: OpRules {
    var op: Op { .add }
    var opKind: OpKind? { .add }
    var detail: String { "" }
    var traits: OpTraits { OpTraits() }
    var settings: JSONValue { .object([]) }

    func infer(_ ins: [TensorShape], classes: Int) -> Result<OpShape, ShapeProblems> {
        let x = ins[0]
        if let i = ins.firstIndex(where: { $0 != x }) { return .failure(ShapeProblems([.addMismatch(input: i)])) }
        return same(x)
    }
}
