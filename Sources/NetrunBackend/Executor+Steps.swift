// From a graph op to its step: the one switch over the ops in the backend (each op's
// kernels are in Ops/<Op>.swift).
import NetrunGraph

extension Executor {
    static func stepOp(_ setup: StepSetup) -> any StepOp {
        switch setup.node.op {
        case .input, .flatten: PassthroughStep()
        case .conv(let c): ConvStep(c, setup)
        case .dense(let d): DenseStep(d, setup)
        case .activation(let f): ActivationStep(f)
        case .lrn(let l): LRNStep(l, setup)
        case .pool(let p) where p.kind == .max: MaxPoolStep(p, setup)
        case .pool(let p): AvgPoolStep(p, setup)
        case .dropout(let rate): DropoutStep(rate: rate, setup)
        case .concat: ConcatStep(setup)
        case .add: AddStep()
        case .shortcut: ShortcutStep(setup)
        case .softmax: SoftmaxStep(setup)
        case .scale(let bias): ScaleStep(bias: bias, setup)
        case .batchNorm(let eps, let momentum): BatchNormStep(eps: eps, momentum: momentum, setup)
        case .loss(let weight, let topK, let smoothing): LossStep(weight: weight, topK: topK, smoothing: smoothing, setup)
        }
    }
}
