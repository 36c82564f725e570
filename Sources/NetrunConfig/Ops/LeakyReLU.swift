// The leaky_relu op: its row of the op table and its decoding (its payload is the slope).

extension OpSpec {
    static let leakyReLU = OpSpec(
        summary: "x for x > 0, slope * x otherwise (PyTorch's leaky_relu).",
        settings: [SettingSpec("slope", .number(min: -1e6, max: 1e6), default: .number(0.01), noun: "a slope", doc: "the slope for x <= 0 (PyTorch's negative_slope)")],
        decode: { $0.leakyReLU($1) })
}

extension Reader {
    /// A leaky_relu layer's op from its settings; nil (with errors recorded) when the slope is wrong.
    mutating func leakyReLU(_ s: SpecFields) -> LayerOp? {
        guard let slope = number(s, "slope") else { return nil }
        return .leakyReLU(slope: slope)
    }
}
