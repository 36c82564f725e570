/// One node of the network as the config describes it, after inheritance, overrides and block
/// expansion: what it computes (`op`), what it reads (`inputs`), its name, where it was
/// written, and the block instances it came from.
public struct LayerConfig: Equatable, Sendable {
    public var name: Located<String>
    public var op: LayerOp
    /// Named inputs; empty means "the previous layer's output".
    public var inputs: [Located<String>]
    /// The op key of the layer entry (`conv` in `- conv: {...}`).
    public var location: SourceLocation
    /// The block instances this layer was expanded from, outermost first.
    public var instances: [BlockInstance]
    /// Weight and bias fillers, the model's defaults merged with the layer's own `init`.
    public var initializer: Initializer
    /// The layer's settings had errors: it is kept (so that names and the order of layers
    /// hold) only in a partial model, and the graph skips it and everything that reads it.
    public var isBroken = false

    public init(name: Located<String>, op: LayerOp, inputs: [Located<String>] = [], location: SourceLocation,
                instances: [BlockInstance] = [], initializer: Initializer = Initializer()) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.location = location
        self.instances = instances
        self.initializer = initializer
    }

    /// "in block instance 'inception_3a' (block 'inception') used here" notes, innermost first.
    public var instanceNotes: [Diagnostic.Note] {
        instances.reversed().map { .init("in '\($0.name)', an instance of block '\($0.block)'", at: $0.location) }
    }
}

/// A use of a block: `- inception: {name: inception_3a, ...}`.
public struct BlockInstance: Hashable, Sendable {
    public var name: String
    public var block: String
    public var location: SourceLocation
}

/// Height and width of a kernel, stride, padding or dilation; written `3` or `[3, 5]`.
public struct Size2: Hashable, Sendable, CustomStringConvertible {
    public var h: Int
    public var w: Int

    public init(_ h: Int, _ w: Int) {
        self.h = h
        self.w = w
    }

    public init(square n: Int) { self.init(n, n) }

    public var description: String { h == w ? "\(h)" : "\(h)x\(w)" }
}

/// The activations that conv and dense apply in place (`act:`), each also an op of its own.
public enum Activation: String, CaseIterable, Sendable {
    case relu, sigmoid, tanh

    public var kind: OpKind {
        switch self {
        case .relu: return .relu
        case .sigmoid: return .sigmoid
        case .tanh: return .tanh
        }
    }
}

/// What a layer computes, its settings checked and positioned. A closed set: `kind` maps each
/// case to its row of the op table (`OpKind`), which holds the keywords and settings.
public enum LayerOp: Equatable, Sendable {
    case conv(Conv)
    case dense(Dense)
    case activation(Activation)
    case leakyReLU(slope: Located<Double>)
    case lrn(LRN)
    case pool(Pool)
    case dropout(rate: Located<Double>)
    case flatten
    case concat
    case add
    case shortcut
    case softmax
    case batchNorm(BatchNorm)
    case scale(bias: Bool)
    case loss(Loss)

    /// The op's row of the op table.
    public var kind: OpKind {
        switch self {
        case .conv: return .conv
        case .dense: return .dense
        case .activation(let a): return a.kind
        case .leakyReLU: return .leakyReLU
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

    /// The name users write for this op.
    public var keyword: String { kind.keyword }

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

    /// Fully connected layer, weights `[out, in]`; the input is flattened in C-H-W order.
    public struct Dense: Equatable, Sendable {
        public var out: Located<Int>
        public var bias: Bool
        public var activation: Activation?
    }

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

    public struct BatchNorm: Equatable, Sendable {
        public var eps: Located<Double>
        /// Weight of the new batch statistic in the running average (PyTorch's convention).
        public var momentum: Located<Double>
    }

    /// Softmax cross-entropy against the label, added to the training loss times `weight`.
    public struct Loss: Equatable, Sendable {
        public var weight: Located<Double>
        /// A training-only head: dropped, with every node that only feeds it, at inference.
        public var trainOnly: Bool
        /// Top-k accuracies reported for this head.
        public var topK: [Located<Int>]
    }
}
