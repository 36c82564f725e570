// The input and flatten: no kernel (a flatten's output is its input's memory, OpTraits.aliasesInput).
import NetrunGraph

struct PassthroughStep: StepOp {
    func forward(_ s: Step, _ r: StepRun) -> Float { 0 }
    func backward(_ s: Step, _ dy: BatchTensor, _ r: StepRun) {}
}
