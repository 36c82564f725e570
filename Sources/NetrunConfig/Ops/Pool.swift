// The maxpool and avgpool ops: their payload, their rows of the op table, and their decoding.

extension LayerOp {
    public struct Pool: Equatable, Sendable {
        public enum Kind: String, Sendable { case max, avg }
        /// How the output size rounds: `floor` (PyTorch's default) or `ceil` (Caffe's).
        public enum Rounding: String, CaseIterable, Sendable { case floor, ceil }
        /// The divisor of average pooling at padded edges: `window` counts padded positions
        /// (PyTorch's default `count_include_pad`, and Caffe); `valid` counts only input pixels.
        public enum Divisor: String, CaseIterable, Sendable { case window, valid }

        public var kind: Kind
        /// nil for global pooling (the window is the whole input).
        public var kernel: Located<Size2>?
        public var stride: Located<Size2>
        public var pad: Located<Size2>
        public var rounding: Rounding
        public var divisor: Divisor
    }
}

extension OpSpec {
    static let maxpool = pool(.max, summary: "Maximum over each window.")
    static let avgpool = pool(.avg, summary: "Mean over each window.")

    /// The row of maxpool or avgpool: the same settings, and avgpool's `divisor`.
    private static func pool(_ kind: LayerOp.Pool.Kind, summary: String) -> OpSpec {
        var s = [
            SettingSpec("kernel", .size2(min: 1, max: Limits.window), noun: "a kernel size", doc: "window size: n or [height, width] (required unless global)"),
            SettingSpec("stride", .size2(min: 1, max: Limits.window), default: .int(1), noun: "a stride", doc: "stride: n or [height, width]"),
            SettingSpec("pad", .size2(min: 0, max: Limits.window), default: .int(0), noun: "a padding", doc: "padding on each side, at most half the window"),
            SettingSpec("round", .choice(LayerOp.Pool.Rounding.allCases.map(\.rawValue)), default: .choice("floor"),
                        doc: "output size rounding: floor (PyTorch's default) or ceil (Caffe's)"),
            SettingSpec("global", .bool, default: .bool(false), doc: "the window is the whole input (no kernel, stride or pad)"),
        ]
        if kind == .avg {
            s.append(SettingSpec("divisor", .choice(LayerOp.Pool.Divisor.allCases.map(\.rawValue)), default: .choice("window"),
                                 doc: "window: padded positions count (PyTorch's default, Caffe); valid: only input pixels"))
        }
        return OpSpec(summary: summary, settings: s, decode: { $0.pool($1, kind) })
    }
}

extension Reader {
    /// A maxpool or avgpool layer's op from its settings; nil (with errors recorded) when one is
    /// missing or wrong, or the kernel and `global` disagree.
    mutating func pool(_ s: SpecFields, _ kind: LayerOp.Pool.Kind) -> LayerOp? {
        let isGlobal = bool(s, "global")
        var kernel: Located<Size2>?
        if let node = s.fields["kernel"] {
            kernel = size2(node, s.spec("kernel"))
            if isGlobal?.value == true { error("a global pool takes its window from the input; drop 'kernel' or 'global'", at: node.location) }
            if kernel == nil { return nil }
        } else if isGlobal?.value == false {
            error("\(s.what) needs 'kernel' (or 'global: true')", at: s.at)
            return nil
        }
        let stride = size2(s, "stride"), pad = size2(s, "pad")
        let rounding = choice(s, "round", LayerOp.Pool.Rounding.self)
        let divisor = kind == .avg ? choice(s, "divisor", LayerOp.Pool.Divisor.self)?.value : .window
        guard isGlobal != nil, let stride, let pad, let rounding, let divisor else { return nil }
        return .pool(.init(kind: kind, kernel: kernel, stride: stride, pad: pad, rounding: rounding.value, divisor: divisor))
    }
}
