// Concat in the graph: inputs of equal height and width joined along channels.
import NetrunConfig

struct ConcatRules: OpRules {
    var op: Op { .concat }
    var opKind: OpKind? { .concat }
    var detail: String { "" }
    var traits: OpTraits { OpTraits() }
    var settings: JSONValue { .object([]) }

    func infer(_ ins: [TensorShape], classes: Int) -> Result<OpShape, ShapeProblems> {
        let x = ins[0]
        if let i = ins.firstIndex(where: { y in y.rank != x.rank || (y.isImage && (y.height != x.height || y.width != x.width)) }) {
            return .failure(ShapeProblems([.concatMismatch(input: i)]))
        }
        var dims = x.dims
        dims[0] = ins.reduce(0) { $0 + $1.dims[0] }
        return same(TensorShape(dims))
    }

    func reducedImage(_ x: TensorShape) -> TensorShape {
        return TensorShape([min(x.channels, 3), x.reducedSide(\.height, 4), x.reducedSide(\.width, 4)])
    }
}
