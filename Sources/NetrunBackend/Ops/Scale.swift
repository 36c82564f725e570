// Per-channel learned scale and shift (Caffe's Scale).
import NetrunGraph
import NetrunKernels

struct ScaleStep: StepOp {
    var c: Int
    var spatial: Int
    var weight: Int
    var bias: Int?
    /// `freeze: true`: backward computes the input gradient only.
    var frozen: Bool

    init(bias hasBias: Bool, _ setup: StepSetup) {
        (c, spatial) = (setup.input.channels, setup.input.spatial)
        weight = setup.required("weight")
        bias = hasBias ? setup.required("bias") : nil
        frozen = setup.node.frozen
    }

    func forward(_ s: Step, _ r: StepRun) -> Float {
        Scale.forward(s.inputs[0].base, s.output.base, n: r.batch, c: c, spatial: spatial, gamma: r.parameters + weight,
                      beta: r.parameter(bias))
        return 0
    }

    func backward(_ s: Step, _ dy: BatchTensor, _ r: StepRun) {
        let dw = r.parameterGradients
        Scale.backward(input: s.inputs[0].base, outputGradient: dy.base, inputGradient: s.inputGradients[0]?.base, n: r.batch, c: c,
                       spatial: spatial, gamma: r.parameters + weight, gammaGradient: frozen ? nil : dw + weight,
                       betaGradient: frozen ? nil : bias.map { dw + $0 },
                       accumulateInputGradient: s.accumulate[0])
    }
}
