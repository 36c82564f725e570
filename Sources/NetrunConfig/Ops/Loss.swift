// The loss op: its payload, its row of the op table, and its decoding.

extension LayerOp {
    /// Softmax cross-entropy against the label, added to the training loss times `weight`.
    public struct Loss: Equatable, Sendable {
        public var weight: Located<Double>
        /// A training-only head: dropped, with every node that only feeds it, at inference.
        public var trainOnly: Bool
        /// Top-k accuracies reported for this head.
        public var topK: [Located<Int>]
        /// The share ε of the target spread evenly over the classes: the target is
        /// (1 - ε) one-hot + ε / classes, as torch.nn.CrossEntropyLoss(label_smoothing=ε).
        public var labelSmoothing: Located<Double>
    }
}

extension OpSpec {
    static let loss = OpSpec(
        summary: "Softmax cross-entropy against the label, times `weight`, with top-k accuracies.",
        settings: [
            SettingSpec("weight", .number(min: 0), default: .number(1), noun: "a loss weight", doc: "the loss's weight in the training objective"),
            SettingSpec("train_only", .bool, default: .bool(false),
                        doc: "a training-only head: dropped, with every node only it needs, at inference"),
            SettingSpec("label_smoothing", .number(min: 0, max: 1), default: .number(0), noun: "a label smoothing",
                        doc: "the share of the target spread evenly over the classes (PyTorch's label_smoothing): the training loss only"),
            SettingSpec("top_k", .topK, default: .intList([1]), doc: "the k of the top-k accuracies reported, each at most model.classes"),
        ],
        decode: { $0.loss($1) })
}

extension Reader {
    /// A loss layer's op from its settings; nil (with errors recorded) when one is wrong.
    mutating func loss(_ s: SpecFields) -> LayerOp? {
        let weight = number(s, "weight"), trainOnly = bool(s, "train_only"), topK = topK(s), smoothing = number(s, "label_smoothing")
        guard let weight, let trainOnly, let topK, let smoothing else { return nil }
        return .loss(.init(weight: weight, trainOnly: trainOnly.value, topK: topK, labelSmoothing: smoothing))
    }
}
