import NetrunConfig

/// The one formula for windows (convolution and pooling): the output length of a sweep, or
/// nil when the (dilated) window is larger than the padded input.
public enum Window {
    public static func outputSize(input: Int, kernel: Int, stride: Int, pad: Int, dilation: Int = 1, ceil: Bool = false) -> Int? {
        let span = dilation * (kernel - 1) + 1
        let room = input + 2 * pad - span
        guard room >= 0, stride >= 1 else { return nil }
        guard ceil else { return room / stride + 1 }
        var out = (room + stride - 1) / stride + 1
        // Caffe's and PyTorch's rule: the last window must start inside the input or its left padding.
        if (out - 1) * stride >= input + pad { out -= 1 }
        return out
    }
}

/// How a shortcut's added input meets its main input along one axis (height or width), as
/// darknet's `shortcut_cpu` (blas.c): an added input `stride` times larger gives every
/// stride-th value; one `sample` times smaller lands on every sample-th position of the
/// output; `count` positions receive a value (the smaller size). Equal sizes: 1, 1, the size.
public struct ShortcutAxis: Hashable, Sendable {
    public var stride: Int
    public var sample: Int
    public var count: Int

    /// Nil when neither size is a whole multiple of the other (darknet would round the
    /// ratio down and crop; netrun calls that a config error).
    public init?(main: Int, added: Int) {
        guard main >= 1, added >= 1 else { return nil }
        if added >= main {
            guard added % main == 0 else { return nil }
            (stride, sample, count) = (added / main, 1, main)
        } else {
            guard main % added == 0 else { return nil }
            (stride, sample, count) = (1, main / added, added)
        }
    }
}

/// A parameter tensor an op needs, before it is named after its node.
public struct ParameterShape: Hashable, Sendable {
    /// `weight` or `bias` (the tensor is `<node>.<suffix>`).
    public var suffix: String
    public var shape: [Int]
    /// A fixed filler (batch norm's 1 and 0), or nil for the layer's `init`.
    public var filler: Filler?
}

/// What an op's settings and input shapes give: the resolved op (a global pool's window
/// filled in), the output shape, parameters and multiply-adds per example.
public struct OpShape: Sendable {
    public var op: Op
    public var shape: TensorShape
    public var parameters: [ParameterShape]
    public var macs: Int
}

/// Why an op cannot run on its inputs. `input` is the index of the offending input.
public enum ShapeProblem: Equatable, Sendable {
    case arity(given: Int)
    case notImage(input: Int)
    case groupsInputChannels(groups: Int, channels: Int)
    case groupsOutputChannels(groups: Int, out: Int)
    case kernelTooLarge(kernel: Size2, span: Size2, padded: Size2, pad: Size2)
    case poolPadTooLarge(pad: Size2, kernel: Size2)
    case windowTooLarge(kernel: Size2, padded: Size2)
    case concatMismatch(input: Int)
    case addMismatch(input: Int)
    /// A shortcut's added input (input 1) is not a whole multiple or fraction of the main one in height or width.
    case shortcutRatio
    case lossClasses(given: TensorShape)
    case topKAboveClasses(index: Int)
}

/// The problems of one op on its inputs (an `Error` so that `Result` can carry them).
public struct ShapeProblems: Error, Equatable, Sendable {
    public var problems: [ShapeProblem]
    public init(_ problems: [ShapeProblem]) { self.problems = problems }
}
