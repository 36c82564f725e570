// Inverted dropout; only in training plans (the inference graph has no dropout).
import NetrunGraph
import NetrunKernels

struct DropoutStep: StepOp {
    var p: Float
    /// The plan's seed mixed with the node's id: with the step and the example, the mask's key.
    var seed: UInt64
    var mask: UnsafeMutablePointer<UInt8>

    init(rate: Double, _ setup: StepSetup) {
        p = Float(rate)
        seed = setup.dropoutSeed ^ (UInt64(setup.node.id) &* 0x9E37_79B9_7F4A_7C15)
        mask = setup.planned(setup.bytes, "dropout mask")
    }

    func forward(_ s: Step, _ r: StepRun) -> Float {
        let y = s.output
        Dropout.forward(s.inputs[0].base, y.base, mask: mask, count: y.total, p: p, seed: seed, step: r.step,
                        first: r.firstExample * (y.total / max(r.batch, 1)))
        return 0
    }

    func backward(_ s: Step, _ dy: BatchTensor, _ r: StepRun) {
        s.intoInputGradient(0, r) { dx in Dropout.backward(outputGradient: dy.base, mask: mask, inputGradient: dx, count: dy.total, p: p) }
    }
}
