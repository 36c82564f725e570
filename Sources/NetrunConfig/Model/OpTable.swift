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

    /// The spec of one of this op's settings; a key outside the table is a programming error.
    func setting(_ key: String) -> SettingSpec {
        guard let s = settings.first(where: { $0.key == key }) else { preconditionFailure("op table: \(self) has no setting '\(key)'") }
        return s
    }
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
