// The op table: every op a layer can name (`OpKind`) and what a layer computes (`LayerOp`).
// Each op's row (inputs, summary, settings), payload and decoding live in its file under
// Ops/; the switches here only dispatch to them. The decoder reads settings through the table,
// `netrun schema` prints it, and every other pass switches over `OpKind` (or the graph's `Op`)
// with no `default:`, so an op added here and forgotten anywhere else is a compile error.

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

    /// The op's row of the op table, from its file under Ops/.
    var spec: OpSpec {
        switch self {
        case .conv: OpSpec.conv
        case .dense: OpSpec.dense
        case .relu: OpSpec.relu
        case .sigmoid: OpSpec.sigmoid
        case .tanh: OpSpec.tanh
        case .leakyReLU: OpSpec.leakyReLU
        case .lrn: OpSpec.lrn
        case .maxpool: OpSpec.maxpool
        case .avgpool: OpSpec.avgpool
        case .dropout: OpSpec.dropout
        case .flatten: OpSpec.flatten
        case .concat: OpSpec.concat
        case .add: OpSpec.add
        case .shortcut: OpSpec.shortcut
        case .softmax: OpSpec.softmax
        case .batchnorm: OpSpec.batchnorm
        case .scale: OpSpec.scale
        case .loss: OpSpec.loss
        }
    }

    public var arity: Arity { spec.arity }

    /// One line for `netrun schema` and the README.
    public var summary: String { spec.summary }

    /// The settings the op takes besides `name` and `from`.
    public var settings: [SettingSpec] { spec.settings }
}

/// One row of the op table, given by the op's file under Ops/: how many inputs the op reads,
/// its line for `netrun schema`, its settings, and how its checked settings become a `LayerOp`.
struct OpSpec: Sendable {
    var arity: OpKind.Arity = .one
    var summary: String
    var settings: [SettingSpec] = []
    /// The layer's op from its settings; nil (with errors recorded) when one is missing or wrong.
    var decode: @Sendable (inout Reader, SpecFields) -> LayerOp?
}

/// What a layer computes, its settings checked and positioned. A closed set: `kind` maps each
/// case to its row of the op table (`OpKind`), which holds the keywords and settings. The
/// payload types are in the op files under Ops/.
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
}

/// Settings several ops share.
extension SettingSpec {
    static let act = SettingSpec("act", .choice(Activation.allCases.map(\.rawValue)), doc: "an activation applied in place to the output")
    static let layerInit = SettingSpec("init", .initializer, doc: "fillers of this layer's weight and bias (default: the model's `init`)")
    static let bias = SettingSpec("bias", .bool, default: .bool(true), doc: "whether the layer has a bias")
}

/// How the optimizer treats a layer's parameters (Caffe's `param { lr_mult decay_mult }`),
/// on the ops that have parameters; a block use may give them to all its layers.
extension SettingSpec {
    static let lrMult = SettingSpec("lr_mult", .numbers(exclusiveMin: nil), default: .number(1), noun: "a learning-rate multiplier",
                                    doc: "multiplies the learning rate of this layer's parameters: one number, or one per tensor (weight, bias), at least 0")
    static let decayMult = SettingSpec("decay_mult", .numbers(exclusiveMin: nil), default: .number(1), noun: "a weight-decay multiplier",
                                       doc: "multiplies the weight decay of this layer's parameters: one number, or one per tensor (weight, bias), at least 0")
    static let freeze = SettingSpec("freeze", .bool, default: .bool(false),
                                    doc: "no update and no gradient for this layer's parameters (nor for layers before it that only it needs); batch norm uses its running statistics")
    /// The three, as ops with parameters list them.
    static let parameterTraining: [SettingSpec] = [.lrMult, .decayMult, .freeze]
}

/// Keys every layer accepts besides its op's own settings.
let commonLayerKeys = ["name", "from"]
/// Keys of a block use that go to each of its layers that takes them (unless the layer sets its own).
let instanceTrainingKeys = SettingSpec.parameterTraining.map(\.key)
