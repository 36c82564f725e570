// Dropout in the graph (only the training graph has it).
import NetrunConfig

struct DropoutRules: OpRules {
    var rate: Double

    var op: Op { .dropout(rate: rate) }
    var opKind: OpKind? { .dropout }
    var detail: String { "\(rate)" }
    var traits: OpTraits { OpTraits(keeps: .maskPerOutputInTraining) }
    var settings: JSONValue { .object([("rate", .double(rate))]) }
    func infer(_ ins: [TensorShape], classes: Int) -> Result<OpShape, ShapeProblems> { same(ins[0]) }
}
