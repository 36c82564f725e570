// Elementwise nonlinearities: an activation node, and the activations conv and dense fuse.
import NetrunConfig
import NetrunGraph
import NetrunKernels

struct ActivationStep: StepOp {
    var f: Op.Nonlinearity

    init(_ f: Op.Nonlinearity) { self.f = f }

    func forward(_ s: Step, _ r: StepRun) -> Float {
        Self.apply(f, s.inputs[0].base, s.output.base, s.output.total)
        return 0
    }

    func backward(_ s: Step, _ dy: BatchTensor, _ r: StepRun) {
        let y = s.output
        switch f {
        case .leakyReLU(let slope):
            // From the forward input (OpTraits: its backward reads its input, not its output).
            s.intoInputGradient(0, r) { dx in
                LeakyReLU.backward(input: s.inputs[0].base, outputGradient: dy.base, inputGradient: dx, count: dy.total, slope: Float(slope))
            }
        case .relu: s.intoInputGradient(0, r) { dx in Self.backward(.relu, output: y.base, dy.base, dx, dy.total) }
        case .sigmoid: s.intoInputGradient(0, r) { dx in Self.backward(.sigmoid, output: y.base, dy.base, dx, dy.total) }
        case .tanh: s.intoInputGradient(0, r) { dx in Self.backward(.tanh, output: y.base, dy.base, dx, dy.total) }
        }
    }

    /// `f` from `x` into `y`, elementwise.
    static func apply(_ f: Op.Nonlinearity, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int,
                      threads: Int = Parallel.processorCount) {
        switch f {
        case .relu: ReLU.forward(x, y, count: count, threads: threads)
        case .sigmoid: Sigmoid.forward(x, y, count: count, threads: threads)
        case .tanh: Tanh.forward(x, y, count: count, threads: threads)
        case .leakyReLU(let slope): LeakyReLU.forward(x, y, count: count, slope: Float(slope), threads: threads)
        }
    }

    /// The gradient of a fused activation (ReLU, sigmoid, tanh), from the forward output `y`.
    static func backward(_ f: Activation, output y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                         _ dx: UnsafeMutablePointer<Float>, _ count: Int, threads: Int = Parallel.processorCount) {
        switch f {
        case .relu: ReLU.backward(output: y, outputGradient: dy, inputGradient: dx, count: count, threads: threads)
        case .sigmoid: Sigmoid.backward(output: y, outputGradient: dy, inputGradient: dx, count: count, threads: threads)
        case .tanh: Tanh.backward(output: y, outputGradient: dy, inputGradient: dx, count: count, threads: threads)
        }
    }
}
