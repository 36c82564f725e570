// The dense op: its payload, its row of the op table, and its decoding.

extension LayerOp {
    /// Fully connected layer, weights `[out, in]`; the input is flattened in C-H-W order.
    public struct Dense: Equatable, Sendable {
        public var out: Located<Int>
        public var bias: Bool
        public var activation: Activation?
    }
}

extension OpSpec {
    static let dense = OpSpec(
        summary: "Fully connected layer on the input flattened in C-H-W order; weight [out, in], bias [out].",
        settings: [SettingSpec("out", .int(min: 1, max: Limits.size), required: true, noun: "an output size", doc: "output size"), .bias, .act, .layerInit] + SettingSpec.parameterTraining,
        decode: { $0.dense($1) })
}

extension Reader {
    /// A dense layer's op from its settings; nil (with errors recorded) when one is missing or wrong.
    mutating func dense(_ s: SpecFields) -> LayerOp? {
        let out = int(s, "out"), bias = bool(s, "bias"), act = activation(s)
        guard let out, let bias, !act.isInvalid else { return nil }
        return .dense(.init(out: out, bias: bias.value, activation: act.value?.value))
    }
}
