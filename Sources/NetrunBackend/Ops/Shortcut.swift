// Input 0 plus input 1 sampled to its size (darknet's shortcut).
import NetrunGraph
import NetrunKernels

struct ShortcutStep: StepOp {
    var geometry: ShortcutGeometry

    init(_ setup: StepSetup) {
        let x = setup.input, a = setup.graph[setup.node.inputs[1]].shape
        guard let v = ShortcutAxis(main: x.height, added: a.height), let u = ShortcutAxis(main: x.width, added: a.width) else {
            preconditionFailure("Executor: shortcut sizes the shape rule accepted do not meet")
        }
        geometry = ShortcutGeometry(n: setup.batch, c: x.channels, h: x.height, w: x.width, addedC: a.channels, addedH: a.height,
                                    addedW: a.width, strideH: v.stride, strideW: u.stride, sampleH: v.sample, sampleW: u.sample,
                                    rows: v.count, cols: u.count)
    }

    func forward(_ s: Step, _ r: StepRun) -> Float {
        Shortcut.forward(geometry, main: s.inputs[0].base, added: s.inputs[1].base, output: s.output.base)
        return 0
    }

    func backward(_ s: Step, _ dy: BatchTensor, _ r: StepRun) {
        // The main input's gradient is the output's; the added one's, the output's at the
        // positions it was added to (main first: when both are one node, the second adds).
        if let dx = s.inputGradients[0] {
            Add.backward(outputGradient: dy.base, inputGradient: dx.base, count: dy.total, accumulate: s.accumulate[0])
        }
        if let da = s.inputGradients[1] {
            Shortcut.backwardAdded(geometry, outputGradient: dy.base, addedGradient: da.base, accumulate: s.accumulate[1])
        }
    }
}
