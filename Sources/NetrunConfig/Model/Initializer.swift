/// How a parameter tensor is filled before training.
public enum Filler: Hashable, Sendable, CustomStringConvertible {
    public enum Fan: String, CaseIterable, Sendable { case `in`, out, avg }
    public enum Distribution: String, CaseIterable, Sendable { case uniform, normal }

    case constant(Double)
    case gaussian(mean: Double, std: Double)
    case uniform(low: Double, high: Double)
    /// Glorot: variance `1/fan` (uniform `±sqrt(3/fan)` or normal `std sqrt(1/fan)`),
    /// fan = fan_in, fan_out or their mean. `xavier` alone is PyTorch's `xavier_uniform_`
    /// (fan avg); Caffe's `xavier` is `{fan: in}`.
    case xavier(fan: Fan, distribution: Distribution)
    /// He: variance `2/fan` (PyTorch's `kaiming_normal_` with fan_in for `msra` alone).
    case msra(fan: Fan, distribution: Distribution)

    public var description: String {
        switch self {
        case .constant(let v): return "constant \(v)"
        case .gaussian(let m, let s): return m == 0 ? "gaussian std \(s)" : "gaussian mean \(m) std \(s)"
        case .uniform(let lo, let hi): return "uniform [\(lo), \(hi)]"
        case .xavier(let f, let d): return "xavier fan_\(f) \(d)"
        case .msra(let f, let d): return "msra fan_\(f) \(d)"
        }
    }
}

/// The fillers of a layer's weight and bias.
public struct Initializer: Equatable, Sendable {
    public var weight: Located<Filler>?
    public var bias: Located<Filler>?

    public init(weight: Located<Filler>? = nil, bias: Located<Filler>? = nil) {
        self.weight = weight
        self.bias = bias
    }

    /// `self`'s fillers where set, else `defaults`'.
    public func over(_ defaults: Initializer) -> Initializer {
        Initializer(weight: weight ?? defaults.weight, bias: bias ?? defaults.bias)
    }
}
