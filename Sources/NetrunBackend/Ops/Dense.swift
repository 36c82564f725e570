// Fully connected layer, with its fused activation.
import NetrunConfig
import NetrunGraph
import NetrunKernels

struct DenseStep: StepOp {
    var inputs: Int
    var outputs: Int
    var weight: Int
    var bias: Int?
    var activation: Activation?
    /// `freeze: true`: backward computes the input gradient only, no weight or bias gradient.
    var frozen: Bool

    init(_ d: Op.Dense, _ setup: StepSetup) {
        inputs = setup.input.count
        outputs = d.out
        weight = setup.required("weight")
        bias = d.bias ? setup.required("bias") : nil
        activation = d.activation
        frozen = setup.node.frozen
    }

    func forward(_ s: Step, _ r: StepRun) -> Float {
        let y = s.output
        Dense.forward(s.inputs[0].base, weight: r.parameters + weight, bias: r.parameter(bias), y.base,
                      rows: r.batch, inputs: inputs, outputs: outputs)
        if let f = activation { ActivationStep.apply(Op.Nonlinearity(f), y.base, y.base, y.total) }
        return 0
    }

    func backward(_ s: Step, _ dy: BatchTensor, _ r: StepRun) {
        let dw = r.parameterGradients
        if let f = activation { ActivationStep.backward(f, output: s.output.base, dy.base, dy.base, dy.total) }
        Dense.backward(input: s.inputs[0].base, weight: r.parameters + weight, outputGradient: dy.base, inputGradient: s.inputTarget(0, r),
                       weightGradient: frozen ? nil : dw + weight, biasGradient: frozen ? nil : bias.map { dw + $0 },
                       rows: r.batch, inputs: inputs, outputs: outputs, accumulate: false)
        s.finishInputGradient(0, r)
    }
}
