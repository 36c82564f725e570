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
    /// Learning-rate and decay multipliers and freezing (`lr_mult`, `decay_mult`, `freeze`).
    public var training = ParameterTraining()
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

/// How the optimizer treats a layer's parameter tensors: Caffe's `param { lr_mult, decay_mult }`
/// (PyTorch's parameter groups), and freezing (`requires_grad = False`, batch norm in eval mode).
public struct ParameterTraining: Equatable, Sendable {
    /// One multiplier for every tensor, or one per tensor in the layer's order (weight, bias).
    public var lrMult: Located<[Double]>?
    public var decayMult: Located<[Double]>?
    public var freeze = false

    public init(lrMult: Located<[Double]>? = nil, decayMult: Located<[Double]>? = nil, freeze: Bool = false) {
        self.lrMult = lrMult
        self.decayMult = decayMult
        self.freeze = freeze
    }

    /// The multiplier of tensor `i` (1 when not given).
    public static func factor(_ values: Located<[Double]>?, _ i: Int) -> Double {
        guard let v = values?.value, !v.isEmpty else { return 1 }
        return v.count == 1 ? v[0] : (i < v.count ? v[i] : 1)
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
