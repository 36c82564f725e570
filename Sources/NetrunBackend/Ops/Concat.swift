// Join along channels. A conv branch placed in the concat (PlanAnalysis) wrote its slice
// itself and reads its slice of the gradient: the concat copies only the other inputs.
import NetrunGraph
import NetrunKernels

struct ConcatStep: StepOp {
    var channels: [Int]
    /// First channel of each input in the output.
    var offsets: [Int]
    /// Input s already wrote its slice.
    var placed: [Bool]
    var totalChannels: Int
    var hw: Int

    init(_ setup: StepSetup) {
        let g = setup.graph, node = setup.node
        channels = node.inputs.map { g[$0].shape.channels }
        var offsets: [Int] = [], o = 0
        for c in channels { offsets.append(o); o += c }
        self.offsets = offsets
        placed = setup.placedInputs
        totalChannels = node.shape.channels
        hw = node.shape.height * node.shape.width
    }

    func forward(_ s: Step, _ r: StepRun) -> Float {
        for (k, x) in s.inputs.enumerated() where !placed[k] {
            Concat.forward(x.base, into: s.output.base, n: r.batch, channels: channels[k], totalChannels: totalChannels,
                           offset: offsets[k], hw: hw)
        }
        return 0
    }

    func backward(_ s: Step, _ dy: BatchTensor, _ r: StepRun) {
        for k in s.inputs.indices where !placed[k] {
            guard let dx = s.inputGradients[k] else { continue }
            Concat.backward(dy.base, into: dx.base, n: r.batch, channels: channels[k], totalChannels: totalChannels, offset: offsets[k],
                            hw: hw, accumulate: s.accumulate[k])
        }
    }
}
