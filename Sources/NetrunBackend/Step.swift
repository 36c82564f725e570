// One node of a plan: its kernels (a StepOp, one file per op in Ops/), its tensors and
// what its backward writes, all resolved once when the plan is built.
import NetrunConfig
import NetrunGraph
import NetrunKernels

/// A batch tensor inside the plan's storage: image `i` is the `count` floats at
/// `base + i * stride`. `stride > count` for a branch written into its slice of a concat.
struct BatchTensor {
    var base: UnsafeMutablePointer<Float>
    var stride: Int
    var count: Int
    var images: Int

    var total: Int { images * count }
    @inline(__always) func image(_ i: Int) -> UnsafeMutablePointer<Float> { base + i * stride }
}

/// What one op computes, forward and backward, with every size and every offset resolved.
/// Parameter tensors are offsets into `ParameterStore.values` (and the gradient block of
/// the same layout). Each op's type lives in `Ops/<Op>.swift` with its construction from
/// the node (`init(_:_:)` taking the op's settings and a `StepSetup`); `Executor.stepOp`
/// is the one switch from a graph op to its type.
protocol StepOp {
    /// Computes `s.output` from `s.inputs`. Returns the weighted loss it adds (losses), else 0.
    func forward(_ s: Step, _ r: StepRun) -> Float
    /// Writes the gradients of `s.inputs` (where `s.inputGradients` has one, added to an
    /// earlier consumer's where `s.accumulate` says) and of the op's parameters (into
    /// `r.parameterGradients`, overwritten: every parameter belongs to one node) from `dy`,
    /// the gradient of `s.output`.
    func backward(_ s: Step, _ dy: BatchTensor, _ r: StepRun)
}

/// A node of the plan: its op, its tensors and what its backward writes.
struct Step {
    var node: Node.ID
    var op: any StepOp
    var output: BatchTensor
    var inputs: [BatchTensor]
    /// Gradient of the output; nil when the backward of this node does not run.
    var outputGradient: BatchTensor?
    /// Gradient of each input; nil when that input needs none (the data, or no parameter above it).
    var inputGradients: [BatchTensor?]
    /// Whether the write into `inputGradients[s]` adds to an earlier consumer's (fan-out).
    var accumulate: [Bool]
}

/// What a step reads of the executor while it runs: one forward or backward pass.
struct StepRun {
    var batch: Int
    var mode: ExecutionMode
    /// `ParameterStore.values`, and the gradients in the same layout.
    var parameters: UnsafeMutablePointer<Float>
    var parameterGradients: UnsafeMutablePointer<Float>
    /// The convolutions' workspace.
    var workspace: UnsafeMutablePointer<Float>
    var workspaceCount: Int
    /// Room for one input gradient, for kernels that cannot add into their output.
    var scratch: UnsafeMutablePointer<Float>
    /// The batch's labels; each loss node's weighted loss; the top-k counts.
    var labels: UnsafeMutablePointer<Int32>
    /// Mixup/CutMix: each example's partner's label and the weight λ of its own (training
    /// losses become `λ·L(y) + (1 − λ)·L(y')`); nil when the batch is not mixed.
    var mix: (labels: UnsafeMutablePointer<Int32>, lambda: Float)?
    var losses: UnsafeMutablePointer<Float>
    var correct: UnsafeMutablePointer<Int>
    /// The training step (dropout's mask key) and the plan's first example in the whole batch.
    var step: UInt64
    var firstExample: Int

    /// An optional parameter's address (a bias).
    @inline(__always) func parameter(_ offset: Int?) -> UnsafePointer<Float>? { offset.map { UnsafePointer(parameters + $0) } }
}

/// What building a step reads: the node's place in the graph and plan.
struct StepSetup {
    let node: Node
    let graph: Graph
    let batch: Int
    /// The node is a branch written into its slice of a concat.
    let placed: Bool
    /// Per input: that input is a branch placed in this node (a concat's).
    let placedInputs: [Bool]
    let offsets: [String: Int]
    /// The node's place in `graph.losses`, and its first slot of the top-k counts.
    let lossIndex: Int
    let correctIndex: Int
    let dropoutSeed: UInt64
    /// The node's extra buffers (PlanMemory): max-pool indices; LRN norms, batch-norm
    /// statistics or a loss's probabilities; a dropout mask. Nil where not planned.
    let ints: UnsafeMutablePointer<Int32>?
    let floats: UnsafeMutablePointer<Float>?
    let bytes: UnsafeMutablePointer<UInt8>?

    /// Shape of the first input (the node's own for the input node).
    var input: TensorShape { node.inputs.first.map { graph[$0].shape } ?? node.shape }

    /// Offset of the parameter `<node>.<suffix>`, or nil if the layout has none.
    func parameter(_ suffix: String) -> Int? { offsets["\(node.name).\(suffix)"] }

    /// Offset of a parameter the node must have: its absence is a planning bug.
    func required(_ suffix: String) -> Int {
        guard let o = parameter(suffix) else { preconditionFailure("Executor: parameters lack '\(node.name).\(suffix)'") }
        return o
    }

    /// An extra buffer the planner must have allocated for this node.
    func planned<T>(_ buffer: UnsafeMutablePointer<T>?, _ what: String) -> UnsafeMutablePointer<T> {
        guard let buffer else { preconditionFailure("Executor: \(what) not planned") }
        return buffer
    }
}

extension Step {
    /// Writes `compute`'s result into input gradient `k`: straight in, or through the
    /// scratch buffer and added when an earlier consumer already wrote there.
    @inline(__always)
    func intoInputGradient(_ k: Int, _ r: StepRun, _ compute: (UnsafeMutablePointer<Float>) -> Void) {
        guard let dx = inputGradients[k] else { return }
        if accumulate[k] {
            compute(r.scratch)
            Elementwise.accumulate(r.scratch, into: dx.base, count: dx.total)
        } else {
            compute(dx.base)
        }
    }

    /// Where a kernel that only overwrites should write input gradient `k` (nil: not needed).
    @inline(__always)
    func inputTarget(_ k: Int, _ r: StepRun) -> UnsafeMutablePointer<Float>? {
        inputGradients[k].map { accumulate[k] ? r.scratch : $0.base }
    }

    /// Adds the scratch into input gradient `k` when `inputTarget` pointed there.
    @inline(__always)
    func finishInputGradient(_ k: Int, _ r: StepRun) {
        if accumulate[k], let dx = inputGradients[k] { Elementwise.accumulate(r.scratch, into: dx.base, count: dx.total) }
    }
}
