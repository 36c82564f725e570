/// A layer entry after block expansion: its op keyword, its settings, and the name and inputs
/// already resolved to full node names.
struct ExpandedLayer {
    var op: Located<String>
    var settings: YAMLNode
    var name: Located<String>
    var inputs: [Located<String>]
    var instances: [BlockInstance]
}

/// A mapping's settings, read against their table (a row of the op table, or a section's):
/// ranges and defaults come from the specs.
struct SpecFields {
    let specs: [SettingSpec]
    let fields: Fields
    /// Where defaults and missing settings are reported (the op key, the section).
    let at: SourceLocation
    /// The mapping's name in messages: "conv", "sgd optimizer".
    let what: String

    func spec(_ key: String) -> SettingSpec {
        guard let s = specs.first(where: { $0.key == key }) else { preconditionFailure("table of \(what): no setting '\(key)'") }
        return s
    }
}

/// A setting that may be left out with no default: absent, invalid (an error was recorded), or given.
enum OptionalSetting<T> {
    case absent, invalid
    case value(Located<T>)

    var value: Located<T>? { if case .value(let v) = self { return v } else { return nil } }
    var isInvalid: Bool { if case .invalid = self { return true } else { return false } }
}

extension Reader {
    /// Decodes one expanded layer; nil (with errors recorded) when a setting is missing or wrong.
    mutating func layer(_ e: ExpandedLayer, defaults: Initializer) -> LayerConfig? {
        guard let kind = OpKind(rawValue: e.op.value) else { return nil }
        let keys = commonLayerKeys + kind.settings.map(\.key)
        guard let f = Fields(e.settings, allowed: keys, what: "\(kind.keyword) layer '\(e.name.value)'", reader: &self) else { return nil }
        let s = SpecFields(specs: kind.settings, fields: f, at: e.op.location, what: kind.keyword)
        switch kind.arity {
        case .one: break
        case .two:
            if e.inputs.count != 2 { error("\(kind.keyword) needs 'from' with two inputs: [main, added]", at: e.op.location) }
        case .many:
            if e.inputs.count < 2 { error("\(kind.keyword) needs 'from' with two or more inputs", at: e.op.location) }
        }
        // A scale starts as the identity (weight 1, bias 0), like batch norm, unless its own
        // `init` says otherwise: the model's default fillers are for conv and dense weights.
        let base = kind == .scale ? Initializer(weight: Located(.constant(1), at: e.op.location), bias: Located(.constant(0), at: e.op.location))
            : defaults
        var initializer = base
        var initOK = true
        if kind.settings.contains(where: { $0.key == "init" }), let node = f["init"] {
            if let own = self.initializer(node) { initializer = own.over(base) } else { initOK = false }
        }

        var training = ParameterTraining()
        var trainingOK = true
        if kind.settings.contains(where: { $0.key == "lr_mult" }) {
            for (key, path) in [("lr_mult", \ParameterTraining.lrMult), ("decay_mult", \ParameterTraining.decayMult)] {
                guard let node = f[key] else { continue }
                guard let items = list(node, single: true, what: "\(key): a number or one per tensor") else { trainingOK = false; continue }
                let values = items.compactMap { double($0, min: 0, what: "a multiplier")?.value }
                if values.count == items.count { training[keyPath: path] = Located(values, at: node.location) } else { trainingOK = false }
            }
            training.freeze = bool(s, "freeze")?.value ?? false
        }
        guard let op = kind.spec.decode(&self, s), initOK, trainingOK else { return nil }
        var layer = LayerConfig(name: e.name, op: op, inputs: e.inputs, location: e.op.location, instances: e.instances, initializer: initializer)
        layer.training = training
        return layer
    }

}

// MARK: Settings, each checked against its spec (range) and defaulted from it.
extension Reader {

    /// The node of a setting, or nil after an error when a required one is missing; `absent`
    /// is true when it is left out and has a default (returned by the caller).
    mutating func node(_ s: SpecFields, _ key: String) -> (node: YAMLNode?, spec: SettingSpec) {
        let spec = s.spec(key)
        if spec.required { return (s.fields.require(key, what: s.what, reader: &self), spec) }
        return (s.fields[key], spec)
    }

    mutating func int(_ s: SpecFields, _ key: String) -> Located<Int>? {
        let (node, spec) = self.node(s, key)
        guard let node else {
            if case .int(let v)? = spec.defaultValue { return Located(v, at: s.at) }
            return nil
        }
        switch spec.type {
        case .int(let lo, let hi):
            return int(node, min: lo, max: hi, what: spec.noun)
        case .oddInt(let lo, let hi):
            guard let v = int(node, min: lo, max: hi, what: spec.noun) else { return nil }
            if v.value % 2 == 0 {
                error("\(s.what) \(key) must be odd (centred on the channel), found \(v.value)", at: v.location)
                return nil
            }
            return v
        default: preconditionFailure("table of \(s.what): '\(key)' is not a whole number")
        }
    }

    mutating func size2(_ s: SpecFields, _ key: String) -> Located<Size2>? {
        let (node, spec) = self.node(s, key)
        guard let node else {
            if case .int(let v)? = spec.defaultValue { return Located(Size2(square: v), at: s.at) }
            return nil
        }
        return size2(node, spec)
    }

    mutating func size2(_ node: YAMLNode, _ spec: SettingSpec) -> Located<Size2>? {
        guard case .size2(let lo, let hi) = spec.type else { preconditionFailure("op table: '\(spec.key)' is not a size") }
        return size2(node, min: lo, max: hi, what: spec.noun)
    }

    mutating func number(_ s: SpecFields, _ key: String) -> Located<Double>? {
        let (node, spec) = self.node(s, key)
        guard let node else {
            if case .number(let v)? = spec.defaultValue { return Located(v, at: s.at) }
            return nil
        }
        guard case .number(let lo, let hi, let exclusive) = spec.type else { preconditionFailure("op table: '\(key)' is not a number") }
        return double(node, min: lo, max: hi, minExclusive: exclusive, what: spec.noun)
    }

    /// `[low, high]` within the spec's bounds, low ≤ high; each error at its value.
    mutating func interval(_ s: SpecFields, _ key: String) -> Located<(Double, Double)>? {
        let (node, spec) = self.node(s, key)
        guard let node else {
            if case .numberList(let v)? = spec.defaultValue, v.count == 2 { return Located((v[0], v[1]), at: s.at) }
            return nil
        }
        guard case .interval(let lo, let hi) = spec.type else { preconditionFailure("table: '\(key)' is not an interval") }
        guard let items = node.items, items.count == 2 else {
            error("expected \(spec.noun) written [low, high], found \(node.kindDescription)", at: node.location)
            return nil
        }
        guard let a = double(items[0], min: lo, max: hi, minExclusive: true, what: spec.noun),
              let b = double(items[1], min: lo, max: hi, minExclusive: true, what: spec.noun) else { return nil }
        guard a.value <= b.value else {
            error("\(spec.noun) [low, high] needs low ≤ high, found [\(items[0].text ?? ""), \(items[1].text ?? "")]", at: node.location)
            return nil
        }
        return Located((a.value, b.value), at: node.location)
    }

    mutating func bool(_ s: SpecFields, _ key: String) -> Located<Bool>? {
        let (node, spec) = self.node(s, key)
        guard let node else {
            if case .bool(let v)? = spec.defaultValue { return Located(v, at: s.at) }
            return nil
        }
        return bool(node)
    }

    mutating func choice<E: RawRepresentable & CaseIterable>(_ s: SpecFields, _ key: String, _ type: E.Type) -> Located<E>?
    where E.RawValue == String {
        let (node, spec) = self.node(s, key)
        guard let node else {
            if case .choice(let v)? = spec.defaultValue, let e = E(rawValue: v) { return Located(e, at: s.at) }
            return nil
        }
        return choice(node, type, what: key.replacingOccurrences(of: "_", with: " ")).map { Located($0, at: node.location) }
    }

    /// `act: relu`, which may be left out.
    mutating func activation(_ s: SpecFields) -> OptionalSetting<Activation> {
        guard let node = s.fields["act"] else { return .absent }
        guard let a = choice(node, Activation.self, what: "activation") else { return .invalid }
        return .value(Located(a, at: node.location))
    }

    /// `top_k: 5` or `top_k: [1, 5]`: each k at least 1, none twice. (At most model.classes
    /// is checked with the graph, which knows the classes.)
    mutating func topK(_ s: SpecFields) -> [Located<Int>]? {
        guard let node = s.fields["top_k"] else {
            if case .intList(let v)? = s.spec("top_k").defaultValue { return v.map { Located($0, at: s.at) } }
            return nil
        }
        guard let items = list(node, single: true, what: "a list of k for top-k accuracy") else { return nil }
        var ks: [Located<Int>] = []
        for item in items {
            guard let k = int(item, min: 1, max: Limits.size, what: "a k for top-k accuracy") else { return nil }
            if let first = ks.first(where: { $0.value == k.value }) {
                diagnostics.error("top-\(k.value) is listed twice", at: k.location, notes: notes + [.init("first listed here", at: first.location)])
                return nil
            }
            ks.append(k)
        }
        if ks.isEmpty {
            error("top_k needs at least one k", at: node.location)
            return nil
        }
        return ks
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
            if node.coreType == .int || node.coreType == .float {
                return double(node, what: "a constant").map { Located(.constant($0.value), at: $0.location) }
            }
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
