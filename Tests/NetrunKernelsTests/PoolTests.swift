import Testing
import NetrunKernels

@Suite struct PoolTests {
    /// Explicit windows in Double: max (first largest in row-major order) and
    /// average with the PyTorch/Caffe divisor or the real-pixel count.
    static func naive(_ g: PoolGeometry, _ x: [Float], max isMax: Bool, includePad: Bool) -> (y: [Double], arg: [Int]) {
        var y = [Double](repeating: 0, count: g.outputCount), arg = [Int](repeating: -1, count: g.outputCount)
        for p in 0 ..< g.planes {
            for oy in 0 ..< g.outH {
                for ox in 0 ..< g.outW {
                    let hs = oy * g.strideH - g.padH, ws = ox * g.strideW - g.padW
                    let padded = (min(hs + g.kh, g.h + g.padH) - hs) * (min(ws + g.kw, g.w + g.padW) - ws)
                    var best = -Double.infinity, bi = -1, sum = 0.0, real = 0
                    for iy in hs ..< hs + g.kh where iy >= 0 && iy < g.h {
                        for ix in ws ..< ws + g.kw where ix >= 0 && ix < g.w {
                            let v = Double(x[(p * g.h + iy) * g.w + ix])
                            if v > best { best = v; bi = iy * g.w + ix }
                            sum += v; real += 1
                        }
                    }
                    let o = (p * g.outH + oy) * g.outW + ox
                    if isMax { y[o] = bi < 0 ? 0 : best; arg[o] = bi } else {
                        let div = includePad ? padded : real
                        y[o] = div > 0 && real > 0 ? sum / Double(div) : 0
                    }
                }
            }
        }
        return (y, arg)
    }

    static let shapes: [PoolGeometry] = [
        PoolGeometry(n: 2, c: 3, h: 8, w: 9, kernel: 3, stride: 2, ceilMode: true),        // ceil: edge windows
        PoolGeometry(n: 1, c: 2, h: 13, w: 13, kernel: 3, stride: 2, ceilMode: false),     // AlexNet-like
        PoolGeometry(n: 2, c: 2, h: 11, w: 40, kernel: 3, stride: 1, pad: 1, ceilMode: false), // inception, vector s1
        PoolGeometry(n: 1, c: 2, h: 9, w: 45, kernel: 3, stride: 2, pad: 1, ceilMode: true),  // vector s2 + ceil
        PoolGeometry(n: 1, c: 3, h: 14, w: 14, kernel: 5, stride: 3, ceilMode: true),       // aux head 5/3
        PoolGeometry(n: 2, c: 3, h: 7, w: 6, kh: 7, kw: 6, strideH: 1, strideW: 1, outH: 1, outW: 1), // global
        PoolGeometry(n: 1, c: 1, h: 10, w: 23, kh: 2, kw: 4, strideH: 3, strideW: 2, padH: 1, padW: 2, outH: 4, outW: 12),
        PoolGeometry(n: 2, c: 3, h: 7, w: 7, kernel: 3, stride: 1, pad: 1, ceilMode: false),     // Fashion inception: narrower than a vector
        PoolGeometry(n: 1, c: 2, h: 14, w: 14, kernel: 3, stride: 1, pad: 1, ceilMode: false),   // one interior block, edges each side
        PoolGeometry(n: 1, c: 2, h: 7, w: 7, kernel: 3, stride: 2, ceilMode: true),              // stride 2, windows hanging past
        PoolGeometry(n: 1, c: 1, h: 6, w: 30, kh: 2, kw: 3, strideH: 2, strideW: 3, padH: 1, padW: 1, outH: 4, outW: 11), // stride 3: gathers
        PoolGeometry(n: 1, c: 3, h: 28, w: 28, kernel: 3, stride: 1, pad: 1, ceilMode: true),    // stride 1: three blocks and a tail
        PoolGeometry(n: 1, c: 2, h: 9, w: 17, kh: 5, kw: 4, strideH: 1, strideW: 1, padH: 2, padW: 1, outH: 9, outW: 16),
        // Ceil mode whose last window starts in the padding: empty windows give 0 and -1.
        PoolGeometry(n: 1, c: 1, h: 5, w: 5, kh: 2, kw: 2, strideH: 3, strideW: 3, padH: 1, padW: 1, outH: 3, outW: 3),
        // 8 planes at a time: 15 planes (a group of 7), 420 outputs (chunks of 256 end mid-row).
        PoolGeometry(n: 3, c: 5, h: 20, w: 21, kernel: 3, stride: 1, pad: 1, ceilMode: false),
        // Planes too large to interleave: the row-vector path (stride 2) and the padded scratch (stride 1).
        PoolGeometry(n: 1, c: 2, h: 50, w: 47, kernel: 3, stride: 2, ceilMode: true),
        PoolGeometry(n: 1, c: 1, h: 48, w: 50, kernel: 3, stride: 1, pad: 1, ceilMode: false),
    ]

    @Test(arguments: shapes)
    func maxPoolForwardMatchesExplicitWindowsAndBackwardRoutesToTheArgmax(g: PoolGeometry) {
        var rng = SeededRNG(seed: UInt64(g.outputCount) + 60)
        var x = rng.distinctFloats(g.inputCount)
        var y = [Float](repeating: .nan, count: g.outputCount), arg = [Int32](repeating: -7, count: g.outputCount)
        MaxPool.forward(g, x, &y, argmax: &arg)
        let ref = Self.naive(g, x, max: true, includePad: true)
        #expect(worstRelativeError(y, ref.y) == 0)
        #expect(arg.map(Int.init) == ref.arg)
        let dy = rng.floats(g.outputCount)
        var dx = [Float](repeating: .nan, count: g.inputCount)
        MaxPool.backward(g, outputGradient: dy, argmax: arg, inputGradient: &dx)
        let err = finiteDifferenceError(values: &x, analytic: dx, step: 1e-3, samples: 200) { v in
            var yy = [Float](repeating: 0, count: g.outputCount), aa = [Int32](repeating: 0, count: g.outputCount)
            MaxPool.forward(g, v, &yy, argmax: &aa, threads: 1)
            return dot(yy, dy)
        }
        #expect(err < 1e-2, "worst relative error \(err)")
    }

    /// Inference skips the argmax where the planes are pooled 8 at a time: the same outputs.
    @Test(arguments: shapes)
    func maxPoolWithoutArgmaxGivesTheSameOutputs(g: PoolGeometry) {
        var rng = SeededRNG(seed: UInt64(g.outputCount) + 61)
        let x = rng.distinctFloats(g.inputCount)
        var y = [Float](repeating: .nan, count: g.outputCount), arg = [Int32](repeating: -7, count: g.outputCount)
        MaxPool.forward(g, x, &y, argmax: &arg)
        var yi = [Float](repeating: .nan, count: g.outputCount), unused = [Int32](repeating: -7, count: g.outputCount)
        MaxPool.forward(g, x, &yi, argmax: &unused, argmaxNeeded: false)
        #expect(yi == y)
        #expect(!MaxPool.interleaves(g) || unused.allSatisfy { $0 == -7 })
    }

    @Test func maxPoolTiesGoToTheFirstPixelInRowMajorOrder() {
        let g = PoolGeometry(n: 1, c: 1, h: 4, w: 24, kernel: 2, stride: 2, ceilMode: false)
        let x = [Float](repeating: 1, count: g.inputCount)
        var y = [Float](repeating: 0, count: g.outputCount), arg = [Int32](repeating: 0, count: g.outputCount)
        MaxPool.forward(g, x, &y, argmax: &arg)
        var expected: [Int32] = []
        for oy in 0 ..< g.outH {
            for ox in 0 ..< g.outW { expected.append(Int32(oy * 2 * 24 + ox * 2)) }
        }
        #expect(arg == expected)
    }

    /// Ties in border blocks (padding, partial vectors): still the first real pixel in row-major order.
    @Test func maxPoolTiesInBorderWindowsGoToTheFirstRealPixel() {
        let g = PoolGeometry(n: 1, c: 2, h: 7, w: 9, kernel: 3, stride: 1, pad: 1, ceilMode: false)
        let x = [Float](repeating: -.infinity, count: g.inputCount)
        var y = [Float](repeating: 0, count: g.outputCount), arg = [Int32](repeating: 0, count: g.outputCount)
        MaxPool.forward(g, x, &y, argmax: &arg)
        var expected: [Int32] = []
        for _ in 0 ..< g.planes {
            for oy in 0 ..< g.outH {
                for ox in 0 ..< g.outW { expected.append(Int32(max(oy - 1, 0) * 9 + max(ox - 1, 0))) }
            }
        }
        #expect(arg == expected)
        #expect(y.allSatisfy { $0 == -.infinity })
    }

    @Test(arguments: shapes, [true, false])
    func avgPoolMatchesExplicitWindowsWithBothDivisorsAndBackwardMatchesFiniteDifferences(g: PoolGeometry, includePad: Bool) {
        var rng = SeededRNG(seed: UInt64(g.outputCount) + 61)
        var x = rng.floats(g.inputCount)
        var y = [Float](repeating: .nan, count: g.outputCount)
        AvgPool.forward(g, x, &y, countIncludePad: includePad)
        let err = worstRelativeError(y, Self.naive(g, x, max: false, includePad: includePad).y, floor: 1)
        #expect(err < 1e-6, "forward error \(err)")
        let dy = rng.floats(g.outputCount)
        var dx = [Float](repeating: .nan, count: g.inputCount)
        AvgPool.backward(g, outputGradient: dy, inputGradient: &dx, countIncludePad: includePad)
        let fd = finiteDifferenceError(values: &x, analytic: dx, step: 1e-2, samples: 200) { v in
            var yy = [Float](repeating: 0, count: g.outputCount)
            AvgPool.forward(g, v, &yy, countIncludePad: includePad, threads: 1)
            return dot(yy, dy)
        }
        #expect(fd < 1e-2, "worst relative error \(fd)")
    }

    @Test func divisorsDifferOnlyAtPaddedEdges() {
        // 3x3/1 pad 1 on a plane of ones: include-pad gives 4/9 in corners, 6/9 on edges.
        let g = PoolGeometry(n: 1, c: 1, h: 4, w: 4, kernel: 3, stride: 1, pad: 1, ceilMode: false)
        let x = [Float](repeating: 1, count: 16)
        var a = [Float](repeating: 0, count: 16), b = a
        AvgPool.forward(g, x, &a, countIncludePad: true)
        AvgPool.forward(g, x, &b, countIncludePad: false)
        #expect(abs(a[0] - 4.0 / 9) < 1e-6 && abs(a[1] - 6.0 / 9) < 1e-6 && abs(a[5] - 1) < 1e-6)
        #expect(b.allSatisfy { abs($0 - 1) < 1e-6 })
    }
}
