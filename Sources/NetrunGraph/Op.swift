import NetrunConfig

/// What a node computes, every setting resolved to a plain value. A small, closed set, so
/// that every pass (shape inference, counting, the backend) handles each case.
public enum Op: Hashable, Sendable {
    /// The network's input batch.
    case input
    case conv(Conv)
    case dense(Dense)
    /// An elementwise nonlinearity: ReLU, sigmoid, tanh, or leaky ReLU with its slope.
    case activation(Nonlinearity)
    case lrn(LRN)
    case pool(Pool)
    /// Inverted dropout: at training, zero with probability `rate` and scale the rest by `1/(1-rate)`.
    case dropout(rate: Double)
    /// `[C, H, W]` to `[C*H*W]`, in C-H-W order (as PyTorch's `flatten(1)`).
    case flatten
    /// Along channels, inputs in order.
    case concat
    /// Elementwise sum of inputs of one shape.
    case add
    /// `main + added` with `added` of another size (darknet's shortcut): the output has
    /// main's shape; see `ShortcutGeometry` for how the sizes meet.
    case shortcut
    case softmax
    case batchNorm(eps: Double, momentum: Double)
    /// Per-channel `x * weight[c] + bias[c]` (Caffe's Scale); `bias: false` has no shift.
    case scale(bias: Bool)
    /// Softmax cross-entropy against the labels, times `weight`; top-k accuracies reported.
    case loss(weight: Double, topK: [Int])

    /// What an activation node computes: one of the activations conv and dense fuse, or
    /// `x` for `x > 0` and `slope * x` otherwise (leaky ReLU, an op of its own).
    public enum Nonlinearity: Hashable, Sendable {
        case relu, sigmoid, tanh
        case leakyReLU(slope: Double)

        public init(_ a: Activation) {
            switch a {
            case .relu: self = .relu
            case .sigmoid: self = .sigmoid
            case .tanh: self = .tanh
            }
        }

        /// Its row of the op table.
        public var kind: OpKind {
            switch self {
            case .relu: .relu
            case .sigmoid: .sigmoid
            case .tanh: .tanh
            case .leakyReLU: .leakyReLU
            }
        }

        /// Leaky ReLU's slope; nil for the others.
        public var slope: Double? { if case .leakyReLU(let s) = self { s } else { nil } }
    }

    /// Weights `[out, in/groups, kh, kw]`, bias `[out]`.
    public struct Conv: Hashable, Sendable {
        public var out: Int
        public var kernel: Size2
        public var stride: Size2
        public var pad: Size2
        public var dilation: Size2
        public var groups: Int
        public var bias: Bool
        public var activation: Activation?

        public init(out: Int, kernel: Size2, stride: Size2, pad: Size2, dilation: Size2, groups: Int, bias: Bool, activation: Activation?) {
            (self.out, self.kernel, self.stride, self.pad, self.dilation) = (out, kernel, stride, pad, dilation)
            (self.groups, self.bias, self.activation) = (groups, bias, activation)
        }
    }

    /// Weights `[out, in]`, bias `[out]`; the input is read flattened (C-H-W order).
    public struct Dense: Hashable, Sendable {
        public var out: Int
        public var bias: Bool
        public var activation: Activation?
    }

    /// `b = a / (k + scale * sum_{size channels centred on c} a^2)^beta`.
    public struct LRN: Hashable, Sendable {
        public var size: Int
        public var scale: Double
        public var beta: Double
        public var k: Double
        /// How the config wrote alpha (for display): `alpha = scale` (paper) or `scale * size` (caffe).
        public var form: LayerOp.LRN.AlphaForm
        public var alpha: Double
    }

    public struct Pool: Hashable, Sendable {
        public var kind: LayerOp.Pool.Kind
        public var kernel: Size2
        public var stride: Size2
        public var pad: Size2
        public var rounding: LayerOp.Pool.Rounding
        public var divisor: LayerOp.Pool.Divisor
        public var global: Bool
    }

    /// The op's row of the op table; nil for the input.
    public var kind: OpKind? {
        switch self {
        case .input: return nil
        case .conv: return .conv
        case .dense: return .dense
        case .activation(let a): return a.kind
        case .lrn: return .lrn
        case .pool(let p): return p.kind == .max ? .maxpool : .avgpool
        case .dropout: return .dropout
        case .flatten: return .flatten
        case .concat: return .concat
        case .add: return .add
        case .shortcut: return .shortcut
        case .softmax: return .softmax
        case .batchNorm: return .batchnorm
        case .scale: return .scale
        case .loss: return .loss
        }
    }

    /// The keyword of the op, as in configs (`conv`, `maxpool`, ...).
    public var keyword: String { kind?.keyword ?? "input" }

    /// A short description of the settings: `11x11/4 pad 0, 96`, for summaries and graphs.
    public var detail: String {
        switch self {
        case .input, .flatten, .concat, .add, .shortcut, .softmax: return ""
        case .activation(let a): return a.slope.map { "slope \($0)" } ?? ""
        case .scale(let bias): return bias ? "" : "no bias"
        case .conv(let c):
            var s = "\(c.kernel)/\(c.stride)"
            if c.pad.h != 0 || c.pad.w != 0 { s += " pad \(c.pad)" }
            if c.dilation.h != 1 || c.dilation.w != 1 { s += " dil \(c.dilation)" }
            if c.groups != 1 { s += " g\(c.groups)" }
            if let a = c.activation { s += " +\(a.rawValue)" }
            return s
        case .dense(let d): return d.activation.map { "+\($0.rawValue)" } ?? ""
        case .lrn(let l): return "size \(l.size) \(l.form.rawValue)"
        case .pool(let p):
            if p.global { return "global" }
            var s = "\(p.kernel)/\(p.stride)"
            if p.pad.h != 0 || p.pad.w != 0 { s += " pad \(p.pad)" }
            if p.rounding == .ceil { s += " ceil" }
            return s
        case .dropout(let r): return "\(r)"
        case .batchNorm: return ""
        case .loss(let w, _): return w == 1 ? "" : "x\(w)"
        }
    }
}
