/// A layer entry after block expansion: its op keyword, its settings, and the name and inputs
/// already resolved to full node names.
struct ExpandedLayer {
    var op: Located<String>
    var settings: YAMLNode
    var name: Located<String>
    var inputs: [Located<String>]
    var instances: [BlockInstance]
}

/// Settings keys every layer accepts besides its op's own.
let commonLayerKeys = ["name", "from"]

/// The settings each op accepts (beyond `name` and `from`).
let opKeys: [String: [String]] = [
    "conv": ["out", "kernel", "stride", "pad", "dilation", "groups", "bias", "act", "init"],
    "dense": ["out", "bias", "act", "init"],
    "relu": [], "sigmoid": [], "tanh": [],
    "lrn": ["size", "alpha", "beta", "k", "alpha_form"],
    "maxpool": ["kernel", "stride", "pad", "round", "global"],
    "avgpool": ["kernel", "stride", "pad", "round", "global", "divisor"],
    "dropout": ["rate"],
    "flatten": [], "concat": [], "softmax": [],
    "batchnorm": ["eps", "momentum"],
    "loss": ["weight", "train_only", "top_k"],
]

extension Reader {
    /// Decodes one expanded layer; nil (with errors recorded) when a required setting is
    /// missing or wrong.
    mutating func layer(_ e: ExpandedLayer, defaults: Initializer) -> LayerConfig? {
        let keyword = e.op.value
        guard let keys = opKeys[keyword] else { return nil }
        guard let f = Fields(e.settings, allowed: commonLayerKeys + keys, what: "\(keyword) layer '\(e.name.value)'", reader: &self) else { return nil }
        let what = "\(keyword) layer"
        var initializer = defaults
        if let node = f["init"], let own = self.initializer(node) { initializer = own.over(defaults) }

        let op: LayerOp?
        switch keyword {
        case "conv":
            let out = f.require("out", what: what, reader: &self).flatMap { int($0, min: 1, max: Limits.size, what: "an output channel count") }
            let kernel = f.require("kernel", what: what, reader: &self).flatMap { size2($0, min: 1, what: "a kernel size") }
            let stride = (f["stride"].map { size2($0, min: 1, what: "a stride") } ?? Located(Size2(square: 1), at: e.op.location))
            let pad = (f["pad"].map { size2($0, min: 0, what: "a padding") } ?? Located(Size2(square: 0), at: e.op.location))
            let dilation = (f["dilation"].map { size2($0, min: 1, what: "a dilation") } ?? Located(Size2(square: 1), at: e.op.location))
            let groups = (f["groups"].map { int($0, min: 1, max: Limits.size, what: "a group count") } ?? Located(1, at: e.op.location))
            let bias = f["bias"].flatMap { bool($0)?.value } ?? true
            let act = activation(f["act"])
            guard let out, let kernel, let stride, let pad, let dilation, let groups, let act else { return nil }
            op = .conv(.init(out: out, kernel: kernel, stride: stride, pad: pad, dilation: dilation, groups: groups, bias: bias, activation: act.value))
        case "dense":
            let out = f.require("out", what: what, reader: &self).flatMap { int($0, min: 1, max: Limits.size, what: "an output size") }
            let bias = f["bias"].flatMap { bool($0)?.value } ?? true
            let act = activation(f["act"])
            guard let out, let act else { return nil }
            op = .dense(.init(out: out, bias: bias, activation: act.value))
        case "relu": op = .activation(.relu)
        case "sigmoid": op = .activation(.sigmoid)
        case "tanh": op = .activation(.tanh)
        case "lrn":
            let size = f.require("size", what: what, reader: &self).flatMap { int($0, min: 1, max: Limits.window, what: "a window size") }
            if let s = size, s.value % 2 == 0 { error("LRN window size must be odd (centred on the channel), found \(s.value)", at: s.location) }
            let alpha = f.require("alpha", what: what, reader: &self).flatMap { double($0, min: 0, what: "alpha") }
            let beta = f.require("beta", what: what, reader: &self).flatMap { double($0, min: 0, what: "beta") }
            let k = (f["k"].map { double($0, min: 0, minExclusive: true, what: "k") } ?? Located(1.0, at: e.op.location))
            var form: LayerOp.LRN.AlphaForm?
            if let node = f["alpha_form"] {
                form = choice(node, LayerOp.LRN.AlphaForm.self, what: "alpha form")
            } else {
                error("lrn needs 'alpha_form': 'paper' (k + alpha * sum, Krizhevsky et al.) or 'caffe' (k + alpha/size * sum, Caffe and PyTorch)", at: e.op.location)
            }
            guard let size, let alpha, let beta, let k, let form else { return nil }
            op = .lrn(.init(size: size, alpha: alpha, beta: beta, k: k, form: form))
        case "maxpool", "avgpool":
            let isGlobal = f["global"].flatMap { bool($0)?.value } ?? false
            var kernel: Located<Size2>?
            if let node = f["kernel"] {
                kernel = size2(node, min: 1, what: "a kernel size")
                if isGlobal { error("a global pool takes its window from the input; drop 'kernel' or 'global'", at: node.location) }
                if kernel == nil { return nil }
            } else if !isGlobal {
                error("\(what) needs 'kernel' (or 'global: true')", at: e.op.location)
                return nil
            }
            let stride = (f["stride"].map { size2($0, min: 1, what: "a stride") } ?? Located(Size2(square: 1), at: e.op.location))
            let pad = (f["pad"].map { size2($0, min: 0, what: "a padding") } ?? Located(Size2(square: 0), at: e.op.location))
            let rounding = f["round"].map { choice($0, LayerOp.Pool.Rounding.self, what: "rounding") } ?? .floor
            let divisor = f["divisor"].map { choice($0, LayerOp.Pool.Divisor.self, what: "divisor") } ?? .window
            guard let stride, let pad, let rounding, let divisor else { return nil }
            op = .pool(.init(kind: keyword == "maxpool" ? .max : .avg, kernel: kernel, stride: stride, pad: pad, rounding: rounding, divisor: divisor))
        case "dropout":
            guard let rate = f.require("rate", what: what, reader: &self).flatMap({ double($0, min: 0, max: 0.999, what: "a drop rate") }) else { return nil }
            op = .dropout(rate: rate)
        case "flatten": op = .flatten
        case "concat":
            if e.inputs.count < 2 { error("concat needs 'from' with two or more inputs", at: e.op.location) }
            op = .concat
        case "softmax": op = .softmax
        case "batchnorm":
            let eps = (f["eps"].map { double($0, min: 0, minExclusive: true, what: "eps") } ?? Located(1e-5, at: e.op.location))
            let momentum = (f["momentum"].map { double($0, min: 0, max: 1, what: "a momentum") } ?? Located(0.1, at: e.op.location))
            guard let eps, let momentum else { return nil }
            op = .batchNorm(.init(eps: eps, momentum: momentum))
        case "loss":
            let weight = (f["weight"].map { double($0, min: 0, what: "a loss weight") } ?? Located(1.0, at: e.op.location))
            let trainOnly = f["train_only"].flatMap { bool($0)?.value } ?? false
            var topK: [Located<Int>] = [Located(1, at: e.op.location)]
            if let node = f["top_k"], let items = list(node, single: true, what: "a list of k for top-k accuracy") {
                topK = items.compactMap { int($0, min: 1, max: Limits.size, what: "a k for top-k accuracy") }
            }
            guard let weight else { return nil }
            op = .loss(.init(weight: weight, trainOnly: trainOnly, topK: topK))
        default:
            return nil
        }
        guard let op else { return nil }
        return LayerConfig(name: e.name, op: op, inputs: e.inputs, location: e.op.location, instances: e.instances, initializer: initializer)
    }

    /// `act: relu`; `.some(nil)` when absent, nil on error.
    private mutating func activation(_ node: YAMLNode?) -> Located<Activation?>? {
        guard let node else { return Located(nil, at: SourceLocation(file: "", line: 0, column: 0)) }
        guard let a = choice(node, Activation.self, what: "activation") else { return nil }
        return Located(a, at: node.location)
    }

    /// `init: {weight: F, bias: F}`.
    mutating func initializer(_ node: YAMLNode) -> Initializer? {
        guard let f = Fields(node, allowed: ["weight", "bias"], what: "init", reader: &self) else { return nil }
        return Initializer(weight: f["weight"].flatMap { filler($0) }, bias: f["bias"].flatMap { filler($0) })
    }

    /// A filler: `0.1` (constant), `xavier`, `msra`, `{gaussian: 0.01}`, `{gaussian: {mean: 0, std: 0.01}}`,
    /// `{uniform: 0.05}` (±0.05), `{uniform: [lo, hi]}`, `{constant: 1}`, `{xavier: {fan: in, distribution: uniform}}`.
    mutating func filler(_ node: YAMLNode) -> Located<Filler>? {
        let kinds = ["constant", "gaussian", "uniform", "xavier", "msra"]
        if let s = node.scalar, !node.isNull {
            if let v = Double(s.text), s.isPlain { return Located(.constant(v), at: node.location) }
            switch s.text {
            case "xavier": return Located(.xavier(fan: .avg, distribution: .uniform), at: node.location)
            case "msra", "he": return Located(.msra(fan: .in, distribution: .normal), at: node.location)
            case "zero", "zeros": return Located(.constant(0), at: node.location)
            default:
                error("unknown filler '\(s.text)'\(Suggestion.phrase(for: s.text, in: kinds + ["he", "zero"])) (a number, xavier, msra, or {gaussian: std}, {uniform: [low, high]})", at: node.location)
                return nil
            }
        }
        guard let pairs = node.pairs, pairs.count == 1, let kind = pairs[0].key.text else {
            error("expected a filler (a number, xavier, msra, {gaussian: std}, {uniform: [low, high]}), found \(node.kindDescription)", at: node.location)
            return nil
        }
        let arg = pairs[0].value
        let at = pairs[0].key.location
        switch kind {
        case "constant":
            return double(arg, what: "a constant").map { Located(.constant($0.value), at: at) }
        case "gaussian":
            if arg.pairs != nil {
                guard let f = Fields(arg, allowed: ["mean", "std"], what: "gaussian filler", reader: &self),
                      let std = f.require("std", what: "gaussian filler", reader: &self).flatMap({ double($0, min: 0, what: "a standard deviation") }) else { return nil }
                let mean = f["mean"].flatMap { double($0)?.value } ?? 0
                return Located(.gaussian(mean: mean, std: std.value), at: at)
            }
            return double(arg, min: 0, what: "a standard deviation").map { Located(.gaussian(mean: 0, std: $0.value), at: at) }
        case "uniform":
            if let items = arg.items {
                guard items.count == 2, let lo = double(items[0]), let hi = double(items[1]) else {
                    error("expected uniform bounds [low, high]", at: arg.location)
                    return nil
                }
                guard lo.value <= hi.value else {
                    error("uniform bounds [\(lo.value), \(hi.value)] are reversed", at: arg.location)
                    return nil
                }
                return Located(.uniform(low: lo.value, high: hi.value), at: at)
            }
            return double(arg, min: 0, what: "a bound").map { Located(.uniform(low: -$0.value, high: $0.value), at: at) }
        case "xavier", "msra":
            guard let f = Fields(arg, allowed: ["fan", "distribution"], what: "\(kind) filler", reader: &self) else { return nil }
            let fan = f["fan"].map { choice($0, Filler.Fan.self, what: "fan") } ?? (kind == "xavier" ? .avg : .in)
            let dist = f["distribution"].map { choice($0, Filler.Distribution.self, what: "distribution") } ?? (kind == "xavier" ? .uniform : .normal)
            guard let fan, let dist else { return nil }
            return Located(kind == "xavier" ? .xavier(fan: fan, distribution: dist) : .msra(fan: fan, distribution: dist), at: at)
        default:
            error("unknown filler '\(kind)'\(Suggestion.phrase(for: kind, in: kinds))", at: at)
            return nil
        }
    }
}
