// The lrn op: its payload, its row of the op table, and its decoding.

extension LayerOp {
    /// Local response normalization across channels:
    /// `b = a / (k + s * sum_{window} a^2)^beta` with `s = alpha` in the paper's form and
    /// `s = alpha / size` in Caffe's and PyTorch's.
    public struct LRN: Equatable, Sendable {
        public enum AlphaForm: String, CaseIterable, Sendable {
            /// Krizhevsky et al. 2012: `k + alpha * sum`.
            case paper
            /// Caffe and PyTorch: `k + alpha / size * sum`.
            case caffe
        }

        public var size: Located<Int>
        public var alpha: Located<Double>
        public var beta: Located<Double>
        public var k: Located<Double>
        public var form: AlphaForm

        /// The coefficient multiplying the window's sum of squares.
        public var scale: Double { form == .paper ? alpha.value : alpha.value / Double(size.value) }
    }
}

extension OpSpec {
    static let lrn = OpSpec(
        summary: "Local response normalization across channels: x / (k + s * sum of squares over `size` channels)^beta.",
        settings: [
            SettingSpec("size", .oddInt(min: 1, max: Limits.window), required: true, noun: "a window size", doc: "channels in the window, odd (centred on the channel)"),
            SettingSpec("alpha", .number(min: 0), required: true, noun: "alpha", doc: "the scale of the sum of squares (see alpha_form)"),
            SettingSpec("beta", .number(min: 0), required: true, noun: "beta", doc: "the exponent"),
            SettingSpec("k", .number(min: 0, exclusiveMin: true), default: .number(1), noun: "k", doc: "the additive constant"),
            SettingSpec("alpha_form", .choice(LayerOp.LRN.AlphaForm.allCases.map(\.rawValue)), required: true,
                        doc: "paper: k + alpha * sum (Krizhevsky et al.); caffe: k + alpha/size * sum (Caffe, PyTorch)"),
        ],
        decode: { $0.lrn($1) })
}

extension Reader {
    /// An lrn layer's op from its settings; nil (with errors recorded) when one is missing or wrong.
    mutating func lrn(_ s: SpecFields) -> LayerOp? {
        let size = int(s, "size"), alpha = number(s, "alpha"), beta = number(s, "beta"), k = number(s, "k")
        let form = choice(s, "alpha_form", LayerOp.LRN.AlphaForm.self)
        guard let size, let alpha, let beta, let k, let form else { return nil }
        return .lrn(.init(size: size, alpha: alpha, beta: beta, k: k, form: form.value))
    }
}
