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

extension Op {
    /// The rule of every op: output shape, parameters, multiply-adds; or every problem found.
    public func infer(_ ins: [TensorShape], classes: Int) -> Result<OpShape, ShapeProblems> {
        var problems: [ShapeProblem] = []
        switch kind?.arity {
        case .one?, nil: if ins.count != 1 { return .failure(ShapeProblems([.arity(given: ins.count)])) }
        case .two?: if ins.count != 2 { return .failure(ShapeProblems([.arity(given: ins.count)])) }
        case .many?: break
        }
        guard let x = ins.first else { return .failure(ShapeProblems([.arity(given: 0)])) }
        func same(_ shape: TensorShape, _ macs: Int = 0) -> Result<OpShape, ShapeProblems> {
            .success(OpShape(op: self, shape: shape, parameters: [], macs: macs))
        }
        func needsImage() -> Bool {
            if x.isImage { return true }
            problems.append(.notImage(input: 0))
            return false
        }
        switch self {
        case .input: return same(x)
        case .conv(let c):
            guard needsImage() else { break }
            let cin = x.channels
            if cin % c.groups != 0 { problems.append(.groupsInputChannels(groups: c.groups, channels: cin)) }
            if c.out % c.groups != 0 { problems.append(.groupsOutputChannels(groups: c.groups, out: c.out)) }
            let k = c.kernel, s = c.stride, p = c.pad, d = c.dilation
            let oh = Window.outputSize(input: x.height, kernel: k.h, stride: s.h, pad: p.h, dilation: d.h)
            let ow = Window.outputSize(input: x.width, kernel: k.w, stride: s.w, pad: p.w, dilation: d.w)
            if oh == nil || ow == nil {
                problems.append(.kernelTooLarge(kernel: k, span: Size2(d.h * (k.h - 1) + 1, d.w * (k.w - 1) + 1),
                                                padded: Size2(x.height + 2 * p.h, x.width + 2 * p.w), pad: p))
            }
            guard problems.isEmpty, let oh, let ow else { break }
            var params = [ParameterShape(suffix: "weight", shape: [c.out, cin / c.groups, k.h, k.w])]
            if c.bias { params.append(ParameterShape(suffix: "bias", shape: [c.out])) }
            let macs = TensorShape.checkedProduct([c.out, oh, ow, cin / c.groups, k.h, k.w]) ?? .max
            return .success(OpShape(op: self, shape: TensorShape([c.out, oh, ow]), parameters: params, macs: macs))
        case .dense(let d):
            var params = [ParameterShape(suffix: "weight", shape: [d.out, x.count])]
            if d.bias { params.append(ParameterShape(suffix: "bias", shape: [d.out])) }
            return .success(OpShape(op: self, shape: TensorShape([d.out]), parameters: params,
                                    macs: TensorShape.checkedProduct([d.out, x.count]) ?? .max))
        case .activation, .dropout, .softmax: return same(x)
        case .lrn:
            guard needsImage() else { break }
            return same(x)
        case .pool(var p):
            guard needsImage() else { break }
            if p.global {
                p.kernel = Size2(x.height, x.width)
                p.stride = Size2(square: 1)
                p.pad = Size2(square: 0)
            }
            let k = p.kernel, s = p.stride, pad = p.pad
            if pad.h > k.h / 2 || pad.w > k.w / 2 {
                problems.append(.poolPadTooLarge(pad: pad, kernel: k))
                break
            }
            let ceil = p.rounding == .ceil
            guard let oh = Window.outputSize(input: x.height, kernel: k.h, stride: s.h, pad: pad.h, ceil: ceil),
                  let ow = Window.outputSize(input: x.width, kernel: k.w, stride: s.w, pad: pad.w, ceil: ceil) else {
                problems.append(.windowTooLarge(kernel: k, padded: Size2(x.height + 2 * pad.h, x.width + 2 * pad.w)))
                break
            }
            return .success(OpShape(op: .pool(p), shape: TensorShape([x.channels, oh, ow]), parameters: [], macs: 0))
        case .flatten: return same(TensorShape([x.count]))
        case .concat:
            for (i, y) in ins.enumerated() where y.rank != x.rank || (y.isImage && (y.height != x.height || y.width != x.width)) {
                problems.append(.concatMismatch(input: i))
                break
            }
            guard problems.isEmpty else { break }
            var dims = x.dims
            dims[0] = ins.reduce(0) { $0 + $1.dims[0] }
            return same(TensorShape(dims))
        case .add:
            if let i = ins.firstIndex(where: { $0 != x }) { problems.append(.addMismatch(input: i)); break }
            return same(x)
        case .shortcut:
            let added = ins[1]
            guard needsImage() else { break }
            guard added.isImage else { problems.append(.notImage(input: 1)); break }
            guard ShortcutAxis(main: x.height, added: added.height) != nil, ShortcutAxis(main: x.width, added: added.width) != nil else {
                problems.append(.shortcutRatio)
                break
            }
            return same(x)
        case .batchNorm:
            let c = x.channels
            return .success(OpShape(op: self, shape: x, parameters: [ParameterShape(suffix: "weight", shape: [c], filler: .constant(1)),
                                                                     ParameterShape(suffix: "bias", shape: [c], filler: .constant(0))], macs: 0))
        case .scale(let bias):
            let c = x.channels
            var params = [ParameterShape(suffix: "weight", shape: [c])]
            if bias { params.append(ParameterShape(suffix: "bias", shape: [c])) }
            return .success(OpShape(op: self, shape: x, parameters: params, macs: 0))
        case .loss(_, let topK):
            if x.count != classes { problems.append(.lossClasses(given: x)); break }
            if let i = topK.firstIndex(where: { $0 > classes }) { problems.append(.topKAboveClasses(index: i)); break }
            return same(TensorShape([1]))
        }
        return .failure(ShapeProblems(problems))
    }
}

/// The problems of one op on its inputs (an `Error` so that `Result` can carry them).
public struct ShapeProblems: Error, Equatable, Sendable {
    public var problems: [ShapeProblem]
    public init(_ problems: [ShapeProblem]) { self.problems = problems }
}
