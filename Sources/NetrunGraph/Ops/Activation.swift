// Elementwise nonlinearities in the graph (relu, sigmoid, tanh, leaky_relu).
import NetrunConfig

extension Op {
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

        /// Leaky ReLU's slope; nil for the others.
        public var slope: Double? { if case .leakyReLU(let s) = self { s } else { nil } }
    }
}

extension Op.Nonlinearity: OpRules {
    var op: Op { .activation(self) }

    var opKind: OpKind? { kind }

    /// Its row of the op table.
    public var kind: OpKind {
        switch self {
        case .relu: .relu
        case .sigmoid: .sigmoid
        case .tanh: .tanh
        case .leakyReLU: .leakyReLU
        }
    }

    var detail: String { slope.map { "slope \($0)" } ?? "" }
    // Leaky ReLU's backward reads the sign of its input; the others read their output.
    var traits: OpTraits { slope == nil ? OpTraits(backwardReadsOutput: true) : OpTraits(backwardReadsInputs: true) }
    var settings: JSONValue { .object(slope.map { [("slope", .double($0))] } ?? []) }
    func infer(_ ins: [TensorShape], classes: Int) -> Result<OpShape, ShapeProblems> { same(ins[0]) }
}
