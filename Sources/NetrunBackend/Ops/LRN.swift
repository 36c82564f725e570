// Local response normalization across channels.
import NetrunGraph
import NetrunKernels

struct LRNStep: StepOp {
    var size: Int
    var scale: Float
    var beta: Float
    var k: Float
    /// Per element, `k + scale * sum of squares`, kept from forward for backward.
    var norms: UnsafeMutablePointer<Float>
    var c: Int
    var spatial: Int

    init(_ l: Op.LRN, _ setup: StepSetup) {
        (size, scale, beta, k) = (l.size, Float(l.scale), Float(l.beta), Float(l.k))
        norms = setup.planned(setup.floats, "LRN norms")
        (c, spatial) = (setup.input.channels, setup.input.spatial)
    }

    func forward(_ s: Step, _ r: StepRun) -> Float {
        LRN.forward(s.inputs[0].base, s.output.base, norms: norms, n: r.batch, c: c, spatial: spatial, size: size, scale: scale,
                    beta: beta, k: k)
        return 0
    }

    func backward(_ s: Step, _ dy: BatchTensor, _ r: StepRun) {
        s.intoInputGradient(0, r) { dx in
            LRN.backward(input: s.inputs[0].base, output: s.output.base, norms: norms, outputGradient: dy.base, inputGradient: dx,
                         n: r.batch, c: c, spatial: spatial, size: size, scale: scale, beta: beta)
        }
    }
}
