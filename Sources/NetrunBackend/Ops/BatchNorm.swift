// Batch normalization: batch statistics in training (updating the running ones), the
// running ones otherwise.
import NetrunGraph
import NetrunKernels

struct BatchNormStep: StepOp {
    var c: Int
    var spatial: Int
    var epsilon: Float
    var momentum: Float
    var gamma: Int
    var beta: Int
    var runningMean: Int
    var runningVariance: Int
    /// `[c]` batch means then `[c]` inverse standard deviations, for backward.
    var saved: UnsafeMutablePointer<Float>
    /// `freeze: true`: the running statistics in training too, left as they are, and no
    /// parameter gradients (PyTorch's frozen module in eval mode).
    var frozen: Bool

    init(eps: Double, momentum: Double, _ setup: StepSetup) {
        (c, spatial) = (setup.input.channels, setup.input.spatial)
        (epsilon, self.momentum) = (Float(eps), Float(momentum))
        gamma = setup.required("weight")
        beta = setup.required("bias")
        runningMean = setup.required("running_mean")
        runningVariance = setup.required("running_var")
        saved = setup.planned(setup.floats, "batch-norm statistics")
        frozen = setup.node.frozen
    }

    func forward(_ s: Step, _ r: StepRun) -> Float {
        let x = s.inputs[0].base, y = s.output.base, w = r.parameters
        if r.mode == .training && !frozen {
            BatchNorm.forwardTraining(x, y, n: r.batch, c: c, spatial: spatial, gamma: w + gamma, beta: w + beta,
                                      runningMean: w + runningMean, runningVariance: w + runningVariance,
                                      momentum: momentum, epsilon: epsilon, savedMean: saved, savedInvStd: saved + c)
        } else {
            BatchNorm.forwardInference(x, y, n: r.batch, c: c, spatial: spatial, gamma: w + gamma, beta: w + beta,
                                       runningMean: w + runningMean, runningVariance: w + runningVariance, epsilon: epsilon)
        }
        return 0
    }

    func backward(_ s: Step, _ dy: BatchTensor, _ r: StepRun) {
        if frozen {
            if let dx = s.inputTarget(0, r) {
                BatchNorm.backwardFrozen(outputGradient: dy.base, inputGradient: dx, n: r.batch, c: c, spatial: spatial,
                                         gamma: r.parameters + gamma, runningVariance: r.parameters + runningVariance, epsilon: epsilon)
                s.finishInputGradient(0, r)
            }
            return
        }
        let dw = r.parameterGradients
        BatchNorm.backward(input: s.inputs[0].base, outputGradient: dy.base, inputGradient: s.inputTarget(0, r), n: r.batch, c: c,
                           spatial: spatial, gamma: r.parameters + gamma, savedMean: saved, savedInvStd: saved + c,
                           gammaGradient: dw + gamma, betaGradient: dw + beta, accumulate: false)
        s.finishInputGradient(0, r)
    }
}
