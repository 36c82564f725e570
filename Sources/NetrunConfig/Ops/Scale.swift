// The scale op: its row of the op table and its decoding (its payload is whether it has a bias).

extension OpSpec {
    static let scale = OpSpec(
        summary: "Per-channel learned scale and shift (Caffe's Scale): y = x * weight[c] + bias[c]; weight and bias [C].",
        settings: [.bias, .layerInit] + SettingSpec.parameterTraining,
        decode: { $0.scale($1) })
}

extension Reader {
    /// A scale layer's op from its settings; nil (with errors recorded) when `bias` is wrong.
    mutating func scale(_ s: SpecFields) -> LayerOp? {
        guard let bias = bool(s, "bias") else { return nil }
        return .scale(bias: bias.value)
    }
}
