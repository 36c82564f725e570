// Local response normalization in the graph.
import NetrunConfig

extension Op {
    /// `b = a / (k + scale * sum_{size channels centred on c} a^2)^beta`.
    public struct LRN: Hashable, Sendable {
        public var size: Int
        public var scale: Double
        public var beta: Double
        public var k: Double
        /// How the config wrote alpha (for display): `alpha = scale` (paper) or `scale * size` (caffe).
        public var form: LayerOp.LRN.AlphaForm
        public var alpha: Double

        init(_ l: LayerOp.LRN) {
            (size, scale, beta, k, form, alpha) = (l.size.value, l.scale, l.beta.value, l.k.value, l.form, l.alpha.value)
        }
    }
}

extension Op.LRN: OpRules {
    var op: Op { .lrn(self) }
    var opKind: OpKind? { .lrn }
    var detail: String { "size \(size) \(form.rawValue)" }
    var traits: OpTraits { OpTraits(backwardReadsOutput: true, backwardReadsInputs: true, keeps: .floatPerOutput) }

    var settings: JSONValue {
        .object([("size", .int(size)), ("alpha", .double(alpha)), ("beta", .double(beta)), ("k", .double(k)),
                 ("alpha_form", .string(form.rawValue)), ("scale", .double(scale))])
    }

    func infer(_ ins: [TensorShape], classes: Int) -> Result<OpShape, ShapeProblems> {
        if let p = image(ins) { return .failure(p) }
        return same(ins[0])
    }

    func reducedImage(_ x: TensorShape) -> TensorShape {
        return TensorShape([min(x.channels, size + 2), x.reducedSide(\.height, 2), x.reducedSide(\.width, 2)])
    }
}
