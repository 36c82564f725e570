// The op table: every op a layer can name, its settings with their types, ranges and
// defaults, and its inputs. The decoder reads settings through it, `netrun schema` prints it,
// and every other pass switches over `OpKind` (or the graph's `Op`) with no `default:`, so an
// op added here and forgotten anywhere else is a compile error.

/// Every op a layer can name: the one list of keywords.
public enum OpKind: String, CaseIterable, Sendable {
    case conv, dense
    case relu, sigmoid, tanh
    case leakyReLU = "leaky_relu"
    case lrn, maxpool, avgpool, dropout, flatten, concat, add, shortcut, softmax, batchnorm, scale, loss

    public var keyword: String { rawValue }

    /// How many inputs the op reads.
    public enum Arity: Sendable, Equatable {
        case one
        /// Exactly two, named with `from:`, in an order that matters.
        case two
        /// Two or more, named with `from:`.
        case many
    }

    public var arity: Arity {
        switch self {
        case .concat, .add: return .many
        case .shortcut: return .two
        case .conv, .dense, .relu, .sigmoid, .tanh, .leakyReLU, .lrn, .maxpool, .avgpool, .dropout, .flatten, .softmax,
             .batchnorm, .scale, .loss:
            return .one
        }
    }

    /// One line for `netrun schema` and the README.
    public var summary: String {
        switch self {
        case .conv: return "2-D convolution; weight [out, in/groups, kh, kw], bias [out] (PyTorch's layout)."
        case .dense: return "Fully connected layer on the input flattened in C-H-W order; weight [out, in], bias [out]."
        case .relu: return "max(0, x); NaN propagates."
        case .sigmoid: return "1 / (1 + exp(-x))."
        case .tanh: return "Hyperbolic tangent."
        case .leakyReLU: return "x for x > 0, slope * x otherwise (PyTorch's leaky_relu)."
        case .lrn: return "Local response normalization across channels: x / (k + s * sum of squares over `size` channels)^beta."
        case .maxpool: return "Maximum over each window."
        case .avgpool: return "Mean over each window."
        case .dropout: return "Inverted dropout during training; the identity at inference."
        case .flatten: return "[C, H, W] to [C*H*W], C-H-W order."
        case .concat: return "Joins two or more inputs of equal height and width along channels."
        case .add: return "Elementwise sum of two or more inputs of one shape (residual connections)."
        case .shortcut:
            return "main + added, for an added input of another size (darknet's [shortcut]): from: [main, added], the output has main's shape; "
                + "a larger added input gives every s-th pixel, a smaller one lands on every s-th output pixel (s a whole ratio of heights, "
                + "and of widths); channels only main has pass unchanged, those only added has are dropped."
        case .softmax: return "Softmax over the classes of a vector."
        case .batchnorm: return "Batch normalization; weight and bias [C], running_mean and running_var [C] (PyTorch's names)."
        case .scale: return "Per-channel learned scale and shift (Caffe's Scale): y = x * weight[c] + bias[c]; weight and bias [C]."
        case .loss: return "Softmax cross-entropy against the label, times `weight`, with top-k accuracies."
        }
    }

    /// The settings the op takes besides `name` and `from`.
    public var settings: [SettingSpec] {
        let act = SettingSpec("act", .choice(Activation.allCases.map(\.rawValue)), doc: "an activation applied in place to the output")
        let initializer = SettingSpec("init", .initializer, doc: "fillers of this layer's weight and bias (default: the model's `init`)")
        let bias = SettingSpec("bias", .bool, default: .bool(true), doc: "whether the layer has a bias")
        switch self {
        case .conv:
            return [
                SettingSpec("out", .int(min: 1, max: Limits.size), required: true, noun: "an output channel count", doc: "output channels"),
                SettingSpec("kernel", .size2(min: 1, max: Limits.window), required: true, noun: "a kernel size", doc: "kernel size: n or [height, width]"),
                SettingSpec("stride", .size2(min: 1, max: Limits.window), default: .int(1), noun: "a stride", doc: "stride: n or [height, width]"),
                SettingSpec("pad", .size2(min: 0, max: Limits.window), default: .int(0), noun: "a padding", doc: "zero padding on each side: n or [height, width]"),
                SettingSpec("dilation", .size2(min: 1, max: Limits.window), default: .int(1), noun: "a dilation", doc: "kernel dilation: n or [height, width]"),
                SettingSpec("groups", .int(min: 1, max: Limits.size), default: .int(1), noun: "a group count", doc: "groups; divides the input and output channels"),
                bias, act, initializer,
            ]
        case .dense:
            return [SettingSpec("out", .int(min: 1, max: Limits.size), required: true, noun: "an output size", doc: "output size"), bias, act, initializer]
        case .relu, .sigmoid, .tanh, .flatten, .concat, .add, .shortcut, .softmax:
            return []
        case .leakyReLU:
            return [SettingSpec("slope", .number(min: -1e6, max: 1e6), default: .number(0.01), noun: "a slope", doc: "the slope for x <= 0 (PyTorch's negative_slope)")]
        case .lrn:
            return [
                SettingSpec("size", .oddInt(min: 1, max: Limits.window), required: true, noun: "a window size", doc: "channels in the window, odd (centred on the channel)"),
                SettingSpec("alpha", .number(min: 0), required: true, noun: "alpha", doc: "the scale of the sum of squares (see alpha_form)"),
                SettingSpec("beta", .number(min: 0), required: true, noun: "beta", doc: "the exponent"),
                SettingSpec("k", .number(min: 0, exclusiveMin: true), default: .number(1), noun: "k", doc: "the additive constant"),
                SettingSpec("alpha_form", .choice(LayerOp.LRN.AlphaForm.allCases.map(\.rawValue)), required: true,
                            doc: "paper: k + alpha * sum (Krizhevsky et al.); caffe: k + alpha/size * sum (Caffe, PyTorch)"),
            ]
        case .maxpool, .avgpool:
            var s = [
                SettingSpec("kernel", .size2(min: 1, max: Limits.window), noun: "a kernel size", doc: "window size: n or [height, width] (required unless global)"),
                SettingSpec("stride", .size2(min: 1, max: Limits.window), default: .int(1), noun: "a stride", doc: "stride: n or [height, width]"),
                SettingSpec("pad", .size2(min: 0, max: Limits.window), default: .int(0), noun: "a padding", doc: "padding on each side, at most half the window"),
                SettingSpec("round", .choice(LayerOp.Pool.Rounding.allCases.map(\.rawValue)), default: .choice("floor"),
                            doc: "output size rounding: floor (PyTorch's default) or ceil (Caffe's)"),
                SettingSpec("global", .bool, default: .bool(false), doc: "the window is the whole input (no kernel, stride or pad)"),
            ]
            if self == .avgpool {
                s.append(SettingSpec("divisor", .choice(LayerOp.Pool.Divisor.allCases.map(\.rawValue)), default: .choice("window"),
                                     doc: "window: padded positions count (PyTorch's default, Caffe); valid: only input pixels"))
            }
            return s
        case .dropout:
            return [SettingSpec("rate", .number(min: 0, max: 0.999), required: true, noun: "a drop rate", doc: "the probability of zeroing a value")]
        case .batchnorm:
            return [
                SettingSpec("eps", .number(min: 0, exclusiveMin: true), default: .number(1e-5), noun: "eps", doc: "added to the variance"),
                SettingSpec("momentum", .number(min: 0, max: 1), default: .number(0.1), noun: "a momentum",
                            doc: "weight of the new batch statistic in the running average (PyTorch's convention)"),
            ]
        case .scale:
            return [bias, initializer]
        case .loss:
            return [
                SettingSpec("weight", .number(min: 0), default: .number(1), noun: "a loss weight", doc: "the loss's weight in the training objective"),
                SettingSpec("train_only", .bool, default: .bool(false),
                            doc: "a training-only head: dropped, with every node only it needs, at inference"),
                SettingSpec("top_k", .topK, default: .intList([1]), doc: "the k of the top-k accuracies reported, each at most model.classes"),
            ]
        }
    }

    /// The spec of one of this op's settings; a key outside the table is a programming error.
    func setting(_ key: String) -> SettingSpec {
        guard let s = settings.first(where: { $0.key == key }) else { preconditionFailure("op table: \(self) has no setting '\(key)'") }
        return s
    }
}

/// One setting of an op: its key, type and range, default, and meaning.
public struct SettingSpec: Sendable {
    public enum ValueType: Sendable, Equatable {
        case int(min: Int, max: Int)
        /// An odd whole number.
        case oddInt(min: Int, max: Int)
        /// `n` or `[height, width]`.
        case size2(min: Int, max: Int)
        /// A finite number; `exclusiveMin`: strictly above `min`.
        case number(min: Double? = nil, max: Double? = nil, exclusiveMin: Bool = false)
        case bool
        case choice([String])
        /// `{weight: filler, bias: filler}`.
        case initializer
        /// A k or a list of k for top-k accuracies.
        case topK
        /// `8` (epochs), `8 epochs` or `500 steps`.
        case duration
        /// A list of durations.
        case durations
        /// A file or directory, relative to the config that says it.
        case path
        /// One path or a list of them.
        case paths
        /// One number or a list (one per channel), each above `exclusiveMin` when given.
        case numbers(exclusiveMin: Double?)
        /// A number, one per channel, or `per_pixel`.
        case mean
    }

    public enum DefaultValue: Sendable, Equatable {
        case int(Int), number(Double), bool(Bool), choice(String), intList([Int])
    }

    public let key: String
    public let type: ValueType
    public let required: Bool
    public let defaultValue: DefaultValue?
    public let doc: String
    /// What a value is called in messages: "expected a stride of at least 1".
    public let noun: String

    init(_ key: String, _ type: ValueType, required: Bool = false, default value: DefaultValue? = nil, noun: String? = nil, doc: String) {
        self.key = key
        self.type = type
        self.required = required
        self.defaultValue = value
        self.noun = noun ?? "'\(key)'"
        self.doc = doc
    }
}

/// Keys every layer accepts besides its op's own settings.
let commonLayerKeys = ["name", "from"]

extension SettingSpec {
    /// The type and range in words, for an editor's hover: "integer, 1 to 4096".
    public var typeDescription: String {
        func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
        switch type {
        case .int(let lo, let hi): return "integer, \(lo) to \(hi)"
        case .oddInt(let lo, let hi): return "odd integer, \(lo) to \(hi)"
        case .size2(let lo, let hi): return "n or [height, width], each \(lo) to \(hi)"
        case .number(let lo, let hi, let exclusive):
            var parts: [String] = []
            if let lo { parts.append((exclusive ? "> " : "≥ ") + number(lo)) }
            if let hi { parts.append("≤ " + number(hi)) }
            return "number" + (parts.isEmpty ? "" : ", " + parts.joined(separator: ", "))
        case .bool: return "true or false"
        case .choice(let names): return "one of " + names.joined(separator: ", ")
        case .initializer: return "{weight: filler, bias: filler}"
        case .topK: return "k or a list of k, each 1 to model.classes"
        case .duration: return "epochs (8), or '8 epochs' or '500 steps'"
        case .durations: return "a list of durations ('8 epochs', '500 steps')"
        case .path: return "a path, relative to the config"
        case .paths: return "a path or a list of paths, relative to the config"
        case .numbers(let lo): return "a number or a list of numbers, one per channel" + (lo.map { ", each > \(number($0))" } ?? "")
        case .mean: return "a number, a list (one per channel) or per_pixel"
        }
    }

    /// The default as written in a config, or nil when there is none.
    public var defaultDescription: String? {
        switch defaultValue {
        case .none: return nil
        case .int(let v)?: return String(v)
        case .number(let v)?: return "\(v)"
        case .bool(let v)?: return v ? "true" : "false"
        case .choice(let v)?: return v
        case .intList(let v)?: return "[" + v.map(String.init).joined(separator: ", ") + "]"
        }
    }
}
