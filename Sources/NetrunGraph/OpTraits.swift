// What the planner needs to know of an op, answered once per op in one exhaustive switch
// beside `Op`: what its backward reads, whether its output is its input's memory, what it
// keeps from forward to backward, and whether it needs the convolution workspace. An op
// added to `Op` and not here is a compile error; the backend's planner reads only this.

/// An op's facts for the execution planner.
public struct OpTraits: Hashable, Sendable {
    /// Backward reads the node's own output (activations, LRN, softmax; conv and dense
    /// with a fused activation).
    public var backwardReadsOutput: Bool
    /// Backward reads the node's inputs (weight gradients, LRN, batch norm, scale, leaky
    /// ReLU's sign).
    public var backwardReadsInputs: Bool
    /// The output is the input's memory, viewed with another shape (flatten).
    public var aliasesInput: Bool
    /// What the node keeps from its forward for its backward (or for the losses).
    public var keeps: Kept
    /// Forward and backward use the convolution workspace (im2col columns, Winograd tiles).
    public var usesConvolutionWorkspace: Bool

    /// Storage a node keeps besides its output.
    public enum Kept: Hashable, Sendable {
        case nothing
        /// One int per output value: max pooling's argmax.
        case indexPerOutput
        /// One float per output value: LRN's norms.
        case floatPerOutput
        /// One byte per output value, in training only: dropout's mask.
        case maskPerOutputInTraining
        /// One float per input value, when losses are computed: the loss's probabilities.
        case probabilitiesOfInput
        /// Two floats per channel: batch norm's mean and inverse standard deviation.
        case statisticsPerChannel
    }

    public init(backwardReadsOutput: Bool = false, backwardReadsInputs: Bool = false, aliasesInput: Bool = false,
                keeps: Kept = .nothing, usesConvolutionWorkspace: Bool = false) {
        (self.backwardReadsOutput, self.backwardReadsInputs, self.aliasesInput) = (backwardReadsOutput, backwardReadsInputs, aliasesInput)
        (self.keeps, self.usesConvolutionWorkspace) = (keeps, usesConvolutionWorkspace)
    }
}

extension Op {
    /// The op's facts for the planner.
    public var traits: OpTraits {
        switch self {
        case .input, .concat, .add, .shortcut: OpTraits()
        case .conv(let c): OpTraits(backwardReadsOutput: c.activation != nil, backwardReadsInputs: true, usesConvolutionWorkspace: true)
        case .dense(let d): OpTraits(backwardReadsOutput: d.activation != nil, backwardReadsInputs: true)
        // Leaky ReLU's backward reads the sign of its input; the others read their output.
        case .activation(let a): a.slope == nil ? OpTraits(backwardReadsOutput: true) : OpTraits(backwardReadsInputs: true)
        case .softmax: OpTraits(backwardReadsOutput: true)
        case .lrn: OpTraits(backwardReadsOutput: true, backwardReadsInputs: true, keeps: .floatPerOutput)
        case .pool(let p): OpTraits(keeps: p.kind == .max ? .indexPerOutput : .nothing)
        case .dropout: OpTraits(keeps: .maskPerOutputInTraining)
        case .flatten: OpTraits(aliasesInput: true)
        case .batchNorm: OpTraits(backwardReadsInputs: true, keeps: .statisticsPerChannel)
        case .scale: OpTraits(backwardReadsInputs: true)
        case .loss: OpTraits(keeps: .probabilitiesOfInput)
        }
    }
}
