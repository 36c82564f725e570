// The batchnorm op: its payload, its row of the op table, and its decoding.

extension LayerOp {
    public struct BatchNorm: Equatable, Sendable {
        public var eps: Located<Double>
        /// Weight of the new batch statistic in the running average (PyTorch's convention).
        public var momentum: Located<Double>
    }
}

extension OpSpec {
    static let batchnorm = OpSpec(
        summary: "Batch normalization; weight and bias [C], running_mean and running_var [C] (PyTorch's names).",
        settings: [
            SettingSpec("eps", .number(min: 0, exclusiveMin: true), default: .number(1e-5), noun: "eps", doc: "added to the variance"),
            SettingSpec("momentum", .number(min: 0, max: 1), default: .number(0.1), noun: "a momentum",
                        doc: "weight of the new batch statistic in the running average (PyTorch's convention)"),
        ] + SettingSpec.parameterTraining,
        decode: { $0.batchNorm($1) })
}

extension Reader {
    /// A batchnorm layer's op from its settings; nil (with errors recorded) when one is wrong.
    mutating func batchNorm(_ s: SpecFields) -> LayerOp? {
        let eps = number(s, "eps"), momentum = number(s, "momentum")
        guard let eps, let momentum else { return nil }
        return .batchNorm(.init(eps: eps, momentum: momentum))
    }
}
