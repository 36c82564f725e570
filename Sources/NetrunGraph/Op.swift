// The graph's ops: the enum, and the one switch (`rules`) from each case to the type that
// answers for it, in Ops/<Op>.swift (its settings, shape rule, planner facts, description).
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
    case loss(weight: Double, topK: [Int], smoothing: Double)

    /// The op's rules. An op added to `Op` and not here is a compile error; the facts each
    /// rule must give are `OpRules`' requirements.
    var rules: any OpRules {
        switch self {
        case .input: InputRules()
        case .conv(let c): c
        case .dense(let d): d
        case .activation(let f): f
        case .lrn(let l): l
        case .pool(let p): p
        case .dropout(let rate): DropoutRules(rate: rate)
        case .flatten: FlattenRules()
        case .concat: ConcatRules()
        case .add: AddRules()
        case .shortcut: ShortcutRules()
        case .softmax: SoftmaxRules()
        case .batchNorm(let eps, let momentum): BatchNormRules(eps: eps, momentum: momentum)
        case .scale(let bias): ScaleRules(bias: bias)
        case .loss(let weight, let topK, let smoothing): LossRules(weight: weight, topK: topK, smoothing: smoothing)
        }
    }

    /// The graph's op for a layer's settings (before its input shapes resolve a global window).
    public init(_ layer: LayerOp) {
        switch layer {
        case .conv(let c): self = .conv(Conv(c))
        case .dense(let d): self = .dense(Dense(d))
        case .activation(let a): self = .activation(Nonlinearity(a))
        case .leakyReLU(let slope): self = .activation(.leakyReLU(slope: slope.value))
        case .lrn(let l): self = .lrn(LRN(l))
        case .pool(let p): self = .pool(Pool(p))
        case .dropout(let rate): self = .dropout(rate: rate.value)
        case .flatten: self = .flatten
        case .concat: self = .concat
        case .add: self = .add
        case .shortcut: self = .shortcut
        case .softmax: self = .softmax
        case .batchNorm(let b): self = .batchNorm(eps: b.eps.value, momentum: b.momentum.value)
        case .scale(let bias): self = .scale(bias: bias)
        case .loss(let l): self = .loss(weight: l.weight.value, topK: l.topK.map(\.value), smoothing: l.labelSmoothing.value)
        }
    }

    /// The op's row of the op table; nil for the input.
    public var kind: OpKind? { rules.opKind }

    /// The keyword of the op, as in configs (`conv`, `maxpool`, ...).
    public var keyword: String { kind?.keyword ?? "input" }

    /// A short description of the settings: `11x11/4 pad 0, 96`, for summaries and graphs.
    public var detail: String { rules.detail }

    /// The op's facts for the planner.
    public var traits: OpTraits { rules.traits }

    /// Every setting, resolved (a global pool's window filled in), for tools that rebuild the
    /// network elsewhere (`netrun summary --format json`: the tests' PyTorch reference, exporters).
    public var settings: JSONValue { rules.settings }

    /// The rule of every op: output shape, parameters, multiply-adds; or every problem found.
    public func infer(_ ins: [TensorShape], classes: Int) -> Result<OpShape, ShapeProblems> {
        switch kind?.arity {
        case .one?, nil: if ins.count != 1 { return .failure(ShapeProblems([.arity(given: ins.count)])) }
        case .two?: if ins.count != 2 { return .failure(ShapeProblems([.arity(given: ins.count)])) }
        case .many?: if ins.isEmpty { return .failure(ShapeProblems([.arity(given: 0)])) }
        }
        return rules.infer(ins, classes: classes)
    }

    /// For gradient checks at reduced sizes: the node's input made small (few channels, an
    /// image that still fits the window), and the op with fewer output channels or units.
    public func reducedInput(_ x: TensorShape) -> TensorShape {
        x.isImage ? rules.reducedImage(x) : TensorShape([min(x.count, rules.reducedVectorLength)])
    }
    public func smaller(channelsOut: Int?) -> Op { rules.smaller(channelsOut: channelsOut) }
}

/// What the graph knows of one op, given once per op in Ops/<Op>.swift.
protocol OpRules {
    /// The op's case of `Op`.
    var op: Op { get }
    /// Its row of the op table; nil for the input.
    var opKind: OpKind? { get }
    /// A short description of the settings for summaries and graphs (`11x11/4 pad 2`).
    var detail: String { get }
    /// What the planner needs to know (OpTraits.swift).
    var traits: OpTraits { get }
    /// Every setting, resolved, as summary's JSON gives it.
    var settings: JSONValue { get }
    /// Output shape, parameters and multiply-adds from the input shapes (their count
    /// already checked against the op's arity), or every problem found.
    func infer(_ ins: [TensorShape], classes: Int) -> Result<OpShape, ShapeProblems>
    /// The image input of a reduced problem (MiniProblem); the default suits ops with no window.
    func reducedImage(_ x: TensorShape) -> TensorShape
    /// The length a vector input is cut to in a reduced problem (default 8).
    var reducedVectorLength: Int { get }
    /// The op at a reduced size: fewer output channels or units; the default is the op itself.
    func smaller(channelsOut: Int?) -> Op
}

extension OpRules {
    func reducedImage(_ x: TensorShape) -> TensorShape {
        TensorShape([min(x.channels, 3), x.reducedSide(\.height, 3), x.reducedSide(\.width, 3)])
    }

    var reducedVectorLength: Int { 8 }

    func smaller(channelsOut: Int?) -> Op { op }

    /// The op's output is its input's shape, with no parameters.
    func same(_ shape: TensorShape, macs: Int = 0) -> Result<OpShape, ShapeProblems> {
        .success(OpShape(op: op, shape: shape, parameters: [], macs: macs))
    }

    /// Input `i` must be an image.
    func image(_ ins: [TensorShape], _ i: Int = 0) -> ShapeProblems? {
        ins[i].isImage ? nil : ShapeProblems([.notImage(input: i)])
    }
}

extension TensorShape {
    /// A reduced image side: at most the side, at least `need` (and 1).
    func reducedSide(_ side: KeyPath<TensorShape, Int>, _ need: Int) -> Int { min(self[keyPath: side], max(need, 1)) }
}

extension JSONValue {
    /// `[h, w]`.
    static func size(_ s: Size2) -> JSONValue { .array([.int(s.h), .int(s.w)]) }
}

/// `act`: the fused activation's name, or null.
func activationSetting(_ a: Activation?) -> (String, JSONValue) { ("act", a.map { .string($0.rawValue) } ?? .null) }
