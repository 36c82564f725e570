// The conv op: its payload, its row of the op table, and its decoding.

extension LayerOp {
    /// 2-D convolution, weights `[out, in/groups, kh, kw]` (PyTorch layout).
    public struct Conv: Equatable, Sendable {
        public var out: Located<Int>
        public var kernel: Located<Size2>
        public var stride: Located<Size2>
        public var pad: Located<Size2>
        public var dilation: Located<Size2>
        public var groups: Located<Int>
        public var bias: Bool
        /// An activation applied in place after the convolution (`act: relu`).
        public var activation: Activation?
    }
}

extension OpSpec {
    static let conv = OpSpec(
        summary: "2-D convolution; weight [out, in/groups, kh, kw], bias [out] (PyTorch's layout).",
        settings: [
            SettingSpec("out", .int(min: 1, max: Limits.size), required: true, noun: "an output channel count", doc: "output channels"),
            SettingSpec("kernel", .size2(min: 1, max: Limits.window), required: true, noun: "a kernel size", doc: "kernel size: n or [height, width]"),
            SettingSpec("stride", .size2(min: 1, max: Limits.window), default: .int(1), noun: "a stride", doc: "stride: n or [height, width]"),
            SettingSpec("pad", .size2(min: 0, max: Limits.window), default: .int(0), noun: "a padding", doc: "zero padding on each side: n or [height, width]"),
            SettingSpec("dilation", .size2(min: 1, max: Limits.window), default: .int(1), noun: "a dilation", doc: "kernel dilation: n or [height, width]"),
            SettingSpec("groups", .int(min: 1, max: Limits.size), default: .int(1), noun: "a group count", doc: "groups; divides the input and output channels"),
            .bias, .act, .layerInit,
        ] + SettingSpec.parameterTraining,
        decode: { $0.conv($1) })
}

extension Reader {
    /// A conv layer's op from its settings; nil (with errors recorded) when one is missing or wrong.
    mutating func conv(_ s: SpecFields) -> LayerOp? {
        let out = int(s, "out"), kernel = size2(s, "kernel"), stride = size2(s, "stride"), pad = size2(s, "pad")
        let dilation = size2(s, "dilation"), groups = int(s, "groups"), bias = bool(s, "bias"), act = activation(s)
        guard let out, let kernel, let stride, let pad, let dilation, let groups, let bias, !act.isInvalid else { return nil }
        return .conv(.init(out: out, kernel: kernel, stride: stride, pad: pad, dilation: dilation, groups: groups,
                           bias: bias.value, activation: act.value?.value))
    }
}
