// What the planner needs to know of an op: what its backward reads, whether its output is
// its input's memory, what it keeps from forward to backward, and whether it needs the
// convolution workspace. Each op answers in Ops/<Op>.swift (`OpRules.traits`, a requirement:
// an op without it is a compile error); the backend's planner reads only this.

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
