// Max and average pooling in the graph (a global pool's window is its input's size).
import NetrunConfig

extension Op {
    public struct Pool: Hashable, Sendable {
        public var kind: LayerOp.Pool.Kind
        public var kernel: Size2
        public var stride: Size2
        public var pad: Size2
        public var rounding: LayerOp.Pool.Rounding
        public var divisor: LayerOp.Pool.Divisor
        public var global: Bool

        init(_ p: LayerOp.Pool) {
            (kind, kernel, stride, pad) = (p.kind, p.kernel?.value ?? Size2(square: 1), p.stride.value, p.pad.value)
            (rounding, divisor, global) = (p.rounding, p.divisor, p.kernel == nil)
        }
    }
}

extension Op.Pool: OpRules {
    var op: Op { .pool(self) }
    var opKind: OpKind? { kind == .max ? .maxpool : .avgpool }

    var detail: String {
        if global { return "global" }
        var s = "\(kernel)/\(stride)"
        if pad.h != 0 || pad.w != 0 { s += " pad \(pad)" }
        if rounding == .ceil { s += " ceil" }
        return s
    }

    var traits: OpTraits { OpTraits(keeps: kind == .max ? .indexPerOutput : .nothing) }

    var settings: JSONValue {
        .object([("kernel", .size(kernel)), ("stride", .size(stride)), ("pad", .size(pad)), ("round", .string(rounding.rawValue)),
                 ("divisor", .string(divisor.rawValue)), ("global", .bool(global))])
    }

    func infer(_ ins: [TensorShape], classes: Int) -> Result<OpShape, ShapeProblems> {
        if let p = image(ins) { return .failure(p) }
        let x = ins[0]
        var p = self
        if p.global {
            p.kernel = Size2(x.height, x.width)
            p.stride = Size2(square: 1)
            p.pad = Size2(square: 0)
        }
        let k = p.kernel, s = p.stride, pad = p.pad
        if pad.h > k.h / 2 || pad.w > k.w / 2 { return .failure(ShapeProblems([.poolPadTooLarge(pad: pad, kernel: k)])) }
        let ceil = p.rounding == .ceil
        guard let oh = Window.outputSize(input: x.height, kernel: k.h, stride: s.h, pad: pad.h, ceil: ceil),
              let ow = Window.outputSize(input: x.width, kernel: k.w, stride: s.w, pad: pad.w, ceil: ceil) else {
            return .failure(ShapeProblems([.windowTooLarge(kernel: k, padded: Size2(x.height + 2 * pad.h, x.width + 2 * pad.w))]))
        }
        return .success(OpShape(op: .pool(p), shape: TensorShape([x.channels, oh, ow]), parameters: [], macs: 0))
    }

    func reducedImage(_ x: TensorShape) -> TensorShape {
        if global { return TensorShape([min(x.channels, 2), x.reducedSide(\.height, 3), x.reducedSide(\.width, 3)]) }
        let h = x.reducedSide(\.height, max(1, kernel.h - 2 * pad.h) + 2 * stride.h + 1)
        let w = x.reducedSide(\.width, max(1, kernel.w - 2 * pad.w) + 2 * stride.w + 1)
        return TensorShape([min(x.channels, 2), h, w])
    }
}
