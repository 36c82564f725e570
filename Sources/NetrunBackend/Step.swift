// One node's kernel call, chosen once when the plan is built.
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

/// What a node computes, with every size and every offset resolved. Parameter tensors are
/// offsets into `ParameterStore.values` (and the gradient block of the same layout).
enum StepKind {
    /// The input, or a flatten (it shares its input's memory).
    case none
    case conv(ConvStep)
    case dense(DenseStep)
    case activation(Op.Nonlinearity)
    case lrn(size: Int, scale: Float, beta: Float, k: Float, norms: UnsafeMutablePointer<Float>, c: Int, spatial: Int)
    case maxPool(PoolGeometry, argmax: UnsafeMutablePointer<Int32>)
    case avgPool(PoolGeometry, includePad: Bool)
    case dropout(p: Float, seed: UInt64, mask: UnsafeMutablePointer<UInt8>)
    /// `offsets[s]`: first channel of input s; `placed[s]`: input s already wrote its slice.
    case concat(channels: [Int], offsets: [Int], placed: [Bool], totalChannels: Int, hw: Int)
    /// Elementwise sum of the inputs.
    case add
    /// Input 0 plus input 1 sampled to its size (darknet's shortcut).
    case shortcut(ShortcutGeometry)
    case softmax(classes: Int)
    case batchNorm(BatchNormStep)
    case scale(ScaleStep)
    /// `probabilities` is nil in inference plans, which skip losses. `topK[j]` is counted into
    /// `correct[j]` (evaluation and training plans).
    case loss(index: Int, weight: Float, classes: Int, probabilities: UnsafeMutablePointer<Float>?, topK: [Int], correct: Int)
}

struct ConvStep {
    var geometry: ConvGeometry
    var weight: Int
    var bias: Int?
    var activation: Activation?
    /// The output is a slice of a concat's output (and its gradient a slice of the concat's gradient).
    var placed: Bool
}

struct DenseStep {
    var inputs: Int
    var outputs: Int
    var weight: Int
    var bias: Int?
    var activation: Activation?
}

/// Per-channel scale and shift: offsets of the weight and (optional) bias.
struct ScaleStep {
    var c: Int
    var spatial: Int
    var weight: Int
    var bias: Int?
}

struct BatchNormStep {
    var c: Int
    var spatial: Int
    var epsilon: Float
    var momentum: Float
    var gamma: Int
    var beta: Int
    var runningMean: Int
    var runningVariance: Int
    /// `[c]` batch means then `[c]` inverse standard deviations, for backward.
    var saved: UnsafeMutablePointer<Float>
}

/// A node of the plan: its kernel, its tensors and what its backward writes.
struct Step {
    var node: Node.ID
    var kind: StepKind
    var output: BatchTensor
    var inputs: [BatchTensor]
    /// Gradient of the output; nil when the backward of this node does not run.
    var outputGradient: BatchTensor?
    /// Gradient of each input; nil when that input needs none (the data, or no parameter above it).
    var inputGradients: [BatchTensor?]
    /// Whether the write into `inputGradients[s]` adds to an earlier consumer's (fan-out).
    var accumulate: [Bool]
}
