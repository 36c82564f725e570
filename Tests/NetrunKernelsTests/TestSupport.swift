// Shared by the kernel tests: a seeded generator, random buffers, error measures
// and a central finite-difference gradient checker.
import NetrunFormats
import NetrunKernels
import Testing

/// The kernels' seeded generator (NetrunFormats' SplitMix64).
typealias SeededRNG = SplitMix64

extension SeededRNG {
    mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1 ... 1) -> [Float] {
        (0 ..< count).map { _ in Float.random(in: range, using: &self) }
    }
    /// Values that differ pairwise by at least `gap` (for max-pool tests without ties).
    mutating func distinctFloats(_ count: Int, gap: Float = 0.05) -> [Float] {
        var v = (0 ..< count).map { Float($0) * gap }
        v.shuffle(using: &self)
        return v
    }
}

/// Largest |a - b| / max(|b|, floor) over the elements.
func worstRelativeError(_ a: [Float], _ b: [Double], floor: Double = 1e-3) -> Double {
    precondition(a.count == b.count)
    var worst = 0.0
    for i in a.indices {
        let e = abs(Double(a[i]) - b[i]) / max(abs(b[i]), floor)
        worst = max(worst, e)
    }
    return worst
}

func worstRelativeError(_ a: [Float], _ b: [Float], floor: Double = 1e-3) -> Double {
    worstRelativeError(a, b.map(Double.init), floor: floor)
}

/// Checks `analytic` (d loss / d values) against central differences of `loss`
/// at up to `samples` positions of `values` (all when fewer). The loss is
/// evaluated in Double from float32 kernels; the error of a sample is
/// |analytic - numeric| / max(|numeric|, |analytic|, floor), floor = 1e-2 * the
/// largest analytic magnitude. Returns the worst error.
func finiteDifferenceError(
    values: inout [Float], analytic: [Float], step: Float = 1e-2, samples: Int = 60,
    seed: UInt64 = 7, loss: ([Float]) -> Double
) -> Double {
    precondition(values.count == analytic.count)
    var rng = SeededRNG(seed: seed)
    var positions = Array(values.indices)
    if positions.count > samples {
        positions.shuffle(using: &rng)
        positions = Array(positions.prefix(samples))
    }
    let scale = analytic.map { abs(Double($0)) }.max() ?? 0
    let floor = max(1e-2 * scale, 1e-6)
    var worst = 0.0
    for i in positions {
        let original = values[i]
        values[i] = original + step
        let up = loss(values)
        values[i] = original - step
        let down = loss(values)
        values[i] = original
        let numeric = (up - down) / (2 * Double(step))
        let a = Double(analytic[i])
        worst = max(worst, abs(a - numeric) / max(abs(numeric), abs(a), floor))
    }
    return worst
}

/// sum(out * weights) in Double: the scalar loss whose gradient wrt out is `weights`.
func dot(_ out: [Float], _ weights: [Float]) -> Double {
    var s = 0.0
    for i in out.indices { s += Double(out[i]) * Double(weights[i]) }
    return s
}

/// Runs `body` with the automatic choice of C loops, then with the scalar fallback
/// forced on this thread (call kernels with `threads: 1` inside).
func both<T>(_ body: () -> T) -> (auto: T, scalar: T) {
    let a = body()
    KernelDispatch.forceScalar(true)
    defer { KernelDispatch.forceScalar(false) }
    #expect(!KernelDispatch.usesAVX2)
    return (a, body())
}

/// True when `a` and `b` are the same float or both NaN with the same sign
/// (so +0.0 and -0.0 differ).
func sameFloat(_ a: Float, _ b: Float) -> Bool {
    a.isNaN ? b.isNaN && a.sign == b.sign : a.bitPattern == b.bitPattern
}

// The kernels take their output sizes from the caller (the graph's shape rule). The tests
// give them from this independent statement of PyTorch's rule (floor or ceil mode, with
// ceil's last window dropped when it starts past the input and its left padding).
func expectedOutputSize(input: Int, kernel: Int, stride: Int, pad: Int, dilation: Int = 1, ceilMode: Bool = false) -> Int {
    let span = input + 2 * pad - dilation * (kernel - 1) - 1
    var out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
    if ceilMode && (out - 1) * stride >= input + pad { out -= 1 }
    return out
}

extension ConvGeometry {
    init(n: Int, c: Int, h: Int, w: Int, outC: Int, kh: Int, kw: Int,
         strideH: Int = 1, strideW: Int = 1, padH: Int = 0, padW: Int = 0,
         dilationH: Int = 1, dilationW: Int = 1, groups: Int = 1) {
        self.init(n: n, c: c, h: h, w: w, outC: outC, kh: kh, kw: kw, strideH: strideH, strideW: strideW, padH: padH, padW: padW,
                  dilationH: dilationH, dilationW: dilationW, groups: groups,
                  outH: expectedOutputSize(input: h, kernel: kh, stride: strideH, pad: padH, dilation: dilationH),
                  outW: expectedOutputSize(input: w, kernel: kw, stride: strideW, pad: padW, dilation: dilationW))
    }

    /// Square kernel, stride, padding and dilation.
    init(n: Int, c: Int, h: Int, w: Int, outC: Int, kernel: Int, stride: Int = 1, pad: Int = 0, dilation: Int = 1, groups: Int = 1) {
        self.init(n: n, c: c, h: h, w: w, outC: outC, kh: kernel, kw: kernel, strideH: stride, strideW: stride,
                  padH: pad, padW: pad, dilationH: dilation, dilationW: dilation, groups: groups)
    }
}

extension PoolGeometry {
    /// Square window, output size by PyTorch's rule.
    init(n: Int, c: Int, h: Int, w: Int, kernel: Int, stride: Int, pad: Int = 0, ceilMode: Bool) {
        self.init(n: n, c: c, h: h, w: w, kh: kernel, kw: kernel, strideH: stride, strideW: stride, padH: pad, padW: pad,
                  outH: expectedOutputSize(input: h, kernel: kernel, stride: stride, pad: pad, ceilMode: ceilMode),
                  outW: expectedOutputSize(input: w, kernel: kernel, stride: stride, pad: pad, ceilMode: ceilMode))
    }
}
