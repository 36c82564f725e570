// Convolution, with its fused activation: forward and backward through NetrunKernels' Conv.
import NetrunConfig
import NetrunGraph
import NetrunKernels

struct ConvStep: StepOp {
    var geometry: ConvGeometry
    var weight: Int
    var bias: Int?
    var activation: Activation?
    /// The output is a slice of a concat's output (and its gradient a slice of the concat's gradient).
    var placed: Bool
    /// `freeze: true`: backward computes the input gradient only, no weight or bias gradient.
    var frozen: Bool

    init(_ c: Op.Conv, _ setup: StepSetup) {
        geometry = Executor.convGeometry(setup.graph, setup.node, batch: setup.batch)
        weight = setup.required("weight")
        bias = c.bias ? setup.required("bias") : nil
        activation = c.activation
        placed = setup.placed
        frozen = setup.node.frozen
    }

    func forward(_ s: Step, _ r: StepRun) -> Float {
        let y = s.output, w = r.parameters
        // A branch of a concat writes its channel slice of each image (`y.stride` apart).
        // ReLU is applied by the convolution, image by image as it is written.
        let relu = activation == .relu
        Conv.forward(geometry, input: s.inputs[0].base, weight: w + weight, bias: r.parameter(bias), output: y.base,
                     outputImageStride: y.stride, relu: relu, workspace: r.workspace, workspaceCount: r.workspaceCount)
        if let f = activation, !relu {
            if !placed {
                ActivationStep.apply(Op.Nonlinearity(f), y.base, y.base, y.total)
            } else {
                Parallel.forEachPart(count: r.batch, threads: Parallel.processorCount) { _, images in
                    for i in images { ActivationStep.apply(Op.Nonlinearity(f), y.image(i), y.image(i), y.count, threads: 1) }
                }
            }
        }
        return 0
    }

    func backward(_ s: Step, _ dy: BatchTensor, _ r: StepRun) {
        // The gradient before the fused activation, or (a branch writing into a concat) the
        // image's slice of the concat's gradient: prepared by Conv image by image, in cache.
        var prepare: Conv.OutputGradientPreparation?
        if placed || activation != nil {
            let count = dy.count, ys = s.output, activation = activation
            prepare = { i, into in
                if let f = activation {
                    ActivationStep.backward(f, output: ys.image(i), dy.image(i), into, count, threads: 1)
                } else {
                    into.update(from: dy.image(i), count: count)
                }
            }
        }
        let dw = r.parameterGradients
        Conv.backward(geometry, input: s.inputs[0].base, weight: r.parameters + weight, outputGradient: prepare == nil ? dy.base : nil,
                      preparingOutputGradient: prepare, inputGradient: s.inputGradients[0]?.base,
                      weightGradient: frozen ? nil : dw + weight, biasGradient: frozen ? nil : bias.map { dw + $0 }, accumulate: false,
                      accumulateInputGradient: s.accumulate[0], workspace: r.workspace, workspaceCount: r.workspaceCount)
    }
}
