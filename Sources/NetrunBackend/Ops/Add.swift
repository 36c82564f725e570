// Elementwise sum of the inputs.
import NetrunGraph
import NetrunKernels

struct AddStep: StepOp {
    func forward(_ s: Step, _ r: StepRun) -> Float {
        Add.forward(s.inputs.map { UnsafePointer($0.base) }, into: s.output.base, count: s.output.total)
        return 0
    }

    func backward(_ s: Step, _ dy: BatchTensor, _ r: StepRun) {
        // Every input's gradient is the output's.
        for k in s.inputs.indices {
            guard let dx = s.inputGradients[k] else { continue }
            Add.backward(outputGradient: dy.base, inputGradient: dx.base, count: dy.total, accumulate: s.accumulate[k])
        }
    }
}
