// Softmax over the classes of each example.
import NetrunGraph
import NetrunKernels

struct SoftmaxStep: StepOp {
    var classes: Int

    init(_ setup: StepSetup) { classes = setup.node.shape.count }

    func forward(_ s: Step, _ r: StepRun) -> Float {
        Softmax.forward(s.inputs[0].base, s.output.base, rows: r.batch, classes: classes)
        return 0
    }

    func backward(_ s: Step, _ dy: BatchTensor, _ r: StepRun) {
        s.intoInputGradient(0, r) { dx in
            Softmax.backward(output: s.output.base, outputGradient: dy.base, inputGradient: dx, rows: r.batch, classes: classes)
        }
    }
}
