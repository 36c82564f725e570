// Max and average pooling over NCHW planes (loops in pool.c), forward and backward.
import CNetrunKernels

/// Shape of one 2-D pooling: input `[n, c, h, w]`, output `[n, c, outH, outW]`.
/// The output size comes from the caller (floor or ceil mode is only the
/// caller's formula: NetrunGraph's `Window.outputSize`); windows are
/// `[oy*strideH - padH, +kh) x [ox*strideW - padW, +kw)` and may hang past the
/// input (ceil mode): they are clipped.
public struct PoolGeometry: Sendable, Equatable, Hashable {
    public var n, c, h, w: Int
    public var kh, kw, strideH, strideW, padH, padW: Int
    public var outH, outW: Int

    public init(n: Int, c: Int, h: Int, w: Int, kh: Int, kw: Int, strideH: Int, strideW: Int,
                padH: Int = 0, padW: Int = 0, outH: Int, outW: Int) {
        precondition(n >= 1 && c >= 1 && h >= 1 && w >= 1 && kh >= 1 && kw >= 1 && outH >= 1 && outW >= 1,
                     "PoolGeometry: sizes must be positive")
        precondition(strideH >= 1 && strideW >= 1 && padH >= 0 && padW >= 0, "PoolGeometry: bad stride or padding")
        precondition(h * w <= Int(Int32.max), "PoolGeometry: plane too large for Int32 argmax")
        (self.n, self.c, self.h, self.w, self.kh, self.kw) = (n, c, h, w, kh, kw)
        (self.strideH, self.strideW, self.padH, self.padW, self.outH, self.outW) = (strideH, strideW, padH, padW, outH, outW)
    }

    public var planes: Int { n * c }
    public var inputCount: Int { n * c * h * w }
    public var outputCount: Int { n * c * outH * outW }
}

public enum MaxPool {
    /// `y[p, oy, ox] = max` of the clipped window; `argmax[p, oy, ox]` = plane index
    /// `iy*w + ix` of that maximum (the first in row-major order on ties; -1 and
    /// y = 0 for a window with no input pixel). `argmax` has `outputCount` Int32s.
    /// `argmaxNeeded: false` (inference) lets small planes skip writing it.
    public static func forward(_ g: PoolGeometry, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                               argmax: UnsafeMutablePointer<Int32>, argmaxNeeded: Bool = true,
                               threads: Int = Parallel.processorCount) {
        let inPlane = g.h * g.w, outPlane = g.outH * g.outW
        let skip = !argmaxNeeded && interleaves(g)
        Parallel.forEachPart(count: g.planes, threads: threads) { _, r in
            netrun_maxpool_forward(x + r.lowerBound * inPlane, y + r.lowerBound * outPlane,
                                   skip ? nil : argmax + r.lowerBound * outPlane, r.count, g.h, g.w, g.outH, g.outW,
                                   g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW)
        }
    }

    /// Whether `forward` pools these planes 8 at a time (small planes: then the argmax can be skipped).
    public static func interleaves(_ g: PoolGeometry) -> Bool { netrun_maxpool_interleaves(g.h, g.w, g.outH, g.outW) != 0 }

    /// `dx` (overwritten) = sum of `dy` over the outputs whose argmax is that pixel.
    public static func backward(_ g: PoolGeometry, outputGradient dy: UnsafePointer<Float>,
                                argmax: UnsafePointer<Int32>, inputGradient dx: UnsafeMutablePointer<Float>,
                                threads: Int = Parallel.processorCount) {
        let inPlane = g.h * g.w, outPlane = g.outH * g.outW
        Parallel.forEachPart(count: g.planes, threads: threads) { _, r in
            netrun_maxpool_backward(dy + r.lowerBound * outPlane, argmax + r.lowerBound * outPlane,
                                    dx + r.lowerBound * inPlane, r.count, g.h, g.w, g.outH, g.outW)
        }
    }
}

public enum AvgPool {
    /// `y = sum(window) / divisor`. With `countIncludePad` (PyTorch's default,
    /// Caffe): `hs = oy*strideH - padH`, `he = min(hs + kh, h + padH)` (same for
    /// w) and divisor `(he - hs) * (we - ws)` taken BEFORE clipping to the input;
    /// otherwise the divisor is the number of input pixels in the window.
    /// Global average pooling is `kh = h, kw = w, stride 1, pad 0`.
    public static func forward(_ g: PoolGeometry, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                               countIncludePad: Bool, threads: Int = Parallel.processorCount) {
        let inPlane = g.h * g.w, outPlane = g.outH * g.outW
        Parallel.forEachPart(count: g.planes, threads: threads) { _, r in
            netrun_avgpool_forward(x + r.lowerBound * inPlane, y + r.lowerBound * outPlane, r.count, g.h, g.w,
                                   g.outH, g.outW, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW,
                                   countIncludePad ? 1 : 0)
        }
    }

    /// `dx` (overwritten): each `dy / divisor` added to every input pixel of its window.
    public static func backward(_ g: PoolGeometry, outputGradient dy: UnsafePointer<Float>,
                                inputGradient dx: UnsafeMutablePointer<Float>, countIncludePad: Bool,
                                threads: Int = Parallel.processorCount) {
        let inPlane = g.h * g.w, outPlane = g.outH * g.outW
        Parallel.forEachPart(count: g.planes, threads: threads) { _, r in
            netrun_avgpool_backward(dy + r.lowerBound * outPlane, dx + r.lowerBound * inPlane, r.count, g.h, g.w,
                                    g.outH, g.outW, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW,
                                    countIncludePad ? 1 : 0)
        }
    }
}
