// The loss in the graph: softmax cross-entropy on model.classes scores, with top-k counts.
import NetrunConfig

struct LossRules: OpRules {
    var weight: Double
    var topK: [Int]
    var smoothing: Double

    var op: Op { .loss(weight: weight, topK: topK, smoothing: smoothing) }
    var opKind: OpKind? { .loss }
    var detail: String {
        [weight == 1 ? nil : "x\(weight)", smoothing == 0 ? nil : "smoothing \(smoothing)"].compactMap { $0 }.joined(separator: ", ")
    }
    var traits: OpTraits { OpTraits(keeps: .probabilitiesOfInput) }
    var settings: JSONValue { .object([("weight", .double(weight)), ("top_k", .array(topK.map { .int($0) })),
                                         ("label_smoothing", .double(smoothing))]) }

    func infer(_ ins: [TensorShape], classes: Int) -> Result<OpShape, ShapeProblems> {
        let x = ins[0]
        if x.count != classes { return .failure(ShapeProblems([.lossClasses(given: x)])) }
        if let i = topK.firstIndex(where: { $0 > classes }) { return .failure(ShapeProblems([.topKAboveClasses(index: i)])) }
        return same(TensorShape([1]))
    }

    /// A loss's logits are cut to 5 classes.
    var reducedVectorLength: Int { 5 }
}
