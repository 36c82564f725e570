import Testing
@testable import NetrunKernels

@Suite struct ConvTests {
    /// OpenBLAS single-threaded, as the executor runs it (Executor's process setup): several
    /// tests here claim bitwise equality, which OpenBLAS's own threads would void (they cut a
    /// product into other blocks; seen with its Zen kernels, when a suite that built an
    /// executor had not yet set this).
    init() { GEMM.threadCount = 1 }

    /// Direct 7-loop convolution in Double: the obviously-correct reference.
    static func direct(_ g: ConvGeometry, _ x: [Float], _ wt: [Float], _ b: [Float]?) -> [Double] {
        var out = [Double](repeating: 0, count: g.outputCount)
        let cg = g.c / g.groups, mg = g.outC / g.groups
        for n in 0 ..< g.n {
            for o in 0 ..< g.outC {
                let grp = o / mg
                for oy in 0 ..< g.outH {
                    for ox in 0 ..< g.outW {
                        var s = b.map { Double($0[o]) } ?? 0
                        for i in 0 ..< cg {
                            let ci = grp * cg + i
                            for a in 0 ..< g.kh {
                                let iy = oy * g.strideH - g.padH + a * g.dilationH
                                if iy < 0 || iy >= g.h { continue }
                                for bb in 0 ..< g.kw {
                                    let ix = ox * g.strideW - g.padW + bb * g.dilationW
                                    if ix < 0 || ix >= g.w { continue }
                                    s += Double(wt[((o * cg + i) * g.kh + a) * g.kw + bb])
                                        * Double(x[((n * g.c + ci) * g.h + iy) * g.w + ix])
                                }
                            }
                        }
                        out[((n * g.outC + o) * g.outH + oy) * g.outW + ox] = s
                    }
                }
            }
        }
        return out
    }

    static func forward(_ g: ConvGeometry, _ x: [Float], _ wt: [Float], _ b: [Float]?, threads: Int) -> [Float] {
        var y = [Float](repeating: .nan, count: g.outputCount)
        let count = Conv.forwardWorkspaceCount(g, threads: threads)
        var ws = [Float](repeating: .nan, count: max(count, 1))
        ws.withUnsafeMutableBufferPointer { wsp in
            if let b {
                Conv.forward(g, input: x, weight: wt, bias: b, output: &y,
                             workspace: wsp.baseAddress, workspaceCount: count, threads: threads)
            } else {
                Conv.forward(g, input: x, weight: wt, bias: nil, output: &y,
                             workspace: wsp.baseAddress, workspaceCount: count, threads: threads)
            }
        }
        return y
    }

    static let shapes: [ConvGeometry] = [
        ConvGeometry(n: 2, c: 3, h: 7, w: 6, outC: 4, kernel: 3, stride: 1, pad: 1),
        ConvGeometry(n: 3, c: 4, h: 9, w: 11, outC: 6, kernel: 3, stride: 2, pad: 1, groups: 2),
        ConvGeometry(n: 2, c: 2, h: 8, w: 7, outC: 3, kernel: 3, stride: 1, pad: 2, dilation: 2),
        ConvGeometry(n: 2, c: 6, h: 5, w: 5, outC: 9, kernel: 1, groups: 3),
        ConvGeometry(n: 1, c: 3, h: 13, w: 10, outC: 2, kh: 5, kw: 2, strideH: 3, strideW: 2,
                     padH: 2, padW: 0, dilationH: 1, dilationW: 3),
        ConvGeometry(n: 3, c: 4, h: 6, w: 6, outC: 4, kernel: 1, stride: 2, pad: 1),
        ConvGeometry(n: 2, c: 4, h: 9, w: 9, outC: 8, kernel: 5, stride: 1, pad: 2, groups: 4),
    ] + winogradShapes + winogradF2Shapes

    /// 3x3 stride 1 with enough channels: Winograd F(2x2, 3x3). Even and odd outputs (a last
    /// tile cut in half), padding 0, 1, 2 and different per axis, groups.
    static let winogradShapes: [ConvGeometry] = [
        ConvGeometry(n: 3, c: 16, h: 6, w: 6, outC: 16, kernel: 3, stride: 1, pad: 1),
        ConvGeometry(n: 2, c: 32, h: 7, w: 5, outC: 32, kernel: 3, stride: 1, pad: 1, groups: 2),
        ConvGeometry(n: 2, c: 16, h: 9, w: 8, outC: 24, kernel: 3, stride: 1, pad: 0),
        ConvGeometry(n: 2, c: 16, h: 5, w: 6, outC: 16, kernel: 3, stride: 1, pad: 2),
        ConvGeometry(n: 3, c: 20, h: 4, w: 9, outC: 17, kh: 3, kw: 3, padH: 1, padW: 0),
        ConvGeometry(n: 2, c: 16, h: 27, w: 31, outC: 16, kernel: 3, stride: 1, pad: 1),  // bands of tile rows
        ConvGeometry(n: 2, c: 16, h: 6, w: 21, outC: 16, kernel: 3, stride: 1, pad: 1),   // 11 tiles a row: 8 and a tail of 3
        // 5x5: F(2x2, 5x5), the same cases.
        ConvGeometry(n: 3, c: 8, h: 7, w: 7, outC: 16, kernel: 5, stride: 1, pad: 2),
        ConvGeometry(n: 2, c: 16, h: 6, w: 5, outC: 32, kernel: 5, stride: 1, pad: 2, groups: 2),
        ConvGeometry(n: 2, c: 8, h: 9, w: 12, outC: 20, kernel: 5, stride: 1, pad: 0),
        ConvGeometry(n: 2, c: 9, h: 6, w: 9, outC: 16, kh: 5, kw: 5, padH: 1, padW: 2),
        ConvGeometry(n: 1, c: 8, h: 27, w: 31, outC: 16, kernel: 5, stride: 1, pad: 2),   // bands of tile rows
        ConvGeometry(n: 2, c: 8, h: 5, w: 21, outC: 16, kernel: 5, stride: 1, pad: 2),    // 11 tiles a row
    ]

    /// The 3x3 shapes above, which run F(4x4, 3x3), run as F(2x2, 3x3) instead.
    static let winogradF2Shapes: [ConvGeometry] = winogradShapes.filter(\.winogradF4).map { g in
        var f2 = g
        f2.winogradF4 = false
        return f2
    }

    @Test func winogradRunsExactlyTheShapesItSuits() {
        #expect(Self.winogradShapes.allSatisfy { $0.winograd })
        // F(2x2, 3x3) cuts a large image into bands of tile rows (the last one shorter); small ones go whole.
        let large = WinogradLayout(Self.winogradF2Shapes[5], threads: 2)
        #expect(large.block == 1 && large.bandRows < large.tilesH && large.tilesH % large.bandRows != 0)
        #expect(WinogradLayout(Self.winogradF2Shapes[0], threads: 2).bandRows == 3)
        // F(4x4, 3x3) on images of at most 196 of its tiles (56x56 outputs): every 3x3 shape here.
        #expect(Self.winogradShapes.map(\.winogradF4) == Array(repeating: true, count: 7) + Array(repeating: false, count: 6))
        #expect(Self.winogradF2Shapes.count == 7 && Self.winogradF2Shapes.allSatisfy { $0.winograd && !$0.winogradF4 })
        // Blocks of 8 images (the lanes) filling about 128 columns: 16 tiles of 14x14, 4 of 7x7.
        #expect(WinogradLayout(ConvGeometry(n: 128, c: 16, h: 14, w: 14, outC: 16, kernel: 3, stride: 1, pad: 1), threads: 2).block == 8)
        #expect(WinogradLayout(ConvGeometry(n: 128, c: 16, h: 7, w: 7, outC: 16, kernel: 3, stride: 1, pad: 1), threads: 2).block == 32)
        #expect(ConvGeometry(n: 1, c: 16, h: 56, w: 56, outC: 16, kernel: 3, stride: 1, pad: 1).winogradF4)
        #expect(!ConvGeometry(n: 1, c: 16, h: 57, w: 56, outC: 16, kernel: 3, stride: 1, pad: 1).winogradF4)
        #expect(!ConvGeometry(n: 1, c: 8, h: 6, w: 6, outC: 16, kernel: 3, stride: 1, pad: 1).winograd)  // too few channels
        #expect(!ConvGeometry(n: 1, c: 32, h: 6, w: 6, outC: 32, kernel: 3, stride: 2, pad: 1).winograd)
        #expect(!ConvGeometry(n: 1, c: 32, h: 9, w: 9, outC: 32, kernel: 3, stride: 1, pad: 2, dilation: 2).winograd)
        #expect(!ConvGeometry(n: 1, c: 32, h: 6, w: 6, outC: 32, kernel: 3, stride: 1, pad: 3).winograd)
        #expect(WinogradLayout(Self.winogradShapes[11], threads: 2).bandRows < WinogradLayout(Self.winogradShapes[11], threads: 2).tilesH)
        #expect(!ConvGeometry(n: 1, c: 4, h: 9, w: 9, outC: 32, kernel: 5, stride: 1, pad: 2).winograd)  // too few channels
        #expect(!ConvGeometry(n: 1, c: 32, h: 9, w: 9, outC: 32, kernel: 5, stride: 1, pad: 3).winograd)
        #expect(!ConvGeometry(n: 1, c: 32, h: 9, w: 9, outC: 32, kernel: 5, stride: 2, pad: 2).winograd)
        #expect(!ConvGeometry(n: 1, c: 32, h: 9, w: 9, outC: 32, kernel: 7, stride: 1, pad: 3).winograd)
        #expect(!ConvGeometry(n: 1, c: 32, h: 9, w: 9, outC: 32, kh: 5, kw: 3, padH: 2, padW: 1).winograd)
    }

    /// Many images per part: several blocks, the last one smaller; Winograd against im2col
    /// (which the tests above hold to the direct sum) for the forward pass and all gradients.
    /// `variant`: 2 is F(2x2, 3x3), 4 F(4x4, 3x3) (blocks of 8 images, a last group of 4 or 2),
    /// 5 F(2x2, 5x5).
    @Test(arguments: [1, 2, 3], [2, 4, 5])
    func winogradAgreesWithIm2colOverSeveralBlocks(threads: Int, variant: Int) {
        let kernel = variant == 5 ? 5 : 3
        var g = ConvGeometry(n: 100, c: 32, h: 6, w: 6, outC: 32, kernel: kernel, stride: 1, pad: kernel / 2, groups: 2)
        g.winogradF4 = variant == 4
        #expect(g.winograd && WinogradLayout(g, threads: threads).block < (g.n + threads - 1) / threads)
        var rng = SeededRNG(seed: 5)
        let x = rng.floats(g.inputCount), wt = rng.floats(g.weightCount), b = rng.floats(g.outC)
        let dy = rng.floats(g.outputCount)
        let start = Grads(dx: rng.floats(x.count), dw: rng.floats(wt.count), db: rng.floats(g.outC))
        // Both are within their algorithm's tolerance of the exact sums (ConvRounding).
        var im2col = g
        im2col.winograd = false
        let tolerance = (forward: ConvRounding.forward(g) + ConvRounding.forward(im2col),
                         dx: ConvRounding.inputGradient(g) + ConvRounding.inputGradient(im2col),
                         dw: ConvRounding.weightGradient(g) + ConvRounding.weightGradient(im2col))
        let fast = Self.forward(g, x, wt, b, threads: threads)
        let fastGrads = Self.backward(g, x, wt, dy, threads: threads, start: start, accumulate: true, accumulateInput: true)
        let reference = Self.forward(im2col, x, wt, b, threads: threads)
        let referenceGrads = Self.backward(im2col, x, wt, dy, threads: threads, start: start, accumulate: true, accumulateInput: true)
        #expect(worstRelativeError(fast, reference.map(Double.init), floor: 1) < tolerance.forward)
        #expect(worstRelativeError(fastGrads.dx, referenceGrads.dx, floor: 1) < tolerance.dx)
        #expect(worstRelativeError(fastGrads.dw, referenceGrads.dw, floor: 1) < tolerance.dw)
        #expect(fastGrads.db == referenceGrads.db)
    }

    @Test(arguments: shapes)
    func forwardMatchesDirectConvolutionWithAndWithoutBias(g: ConvGeometry) {
        var rng = SeededRNG(seed: Self.seed(g))
        let x = rng.floats(g.inputCount), wt = rng.floats(g.weightCount), b = rng.floats(g.outC)
        let tolerance = ConvRounding.forward(g)
        for threads in [1, 2, 3] {
            #expect(worstRelativeError(Self.forward(g, x, wt, b, threads: threads), Self.direct(g, x, wt, b), floor: 1) < tolerance)
            #expect(worstRelativeError(Self.forward(g, x, wt, nil, threads: threads), Self.direct(g, x, wt, nil), floor: 1) < tolerance)
        }
    }

    /// A concat branch writes its channel slice of each image: with an output image stride
    /// the slices hold the contiguous forward's images and the floats between stay untouched.
    /// Images an output stride apart (a concat's slice), with and without ReLU fused in (it must
    /// equal ReLU applied afterwards, bitwise): im2col, pointwise and Winograd.
    @Test(arguments: [ConvGeometry(n: 5, c: 3, h: 7, w: 6, outC: 4, kernel: 3, stride: 1, pad: 1),
                      ConvGeometry(n: 5, c: 6, h: 7, w: 6, outC: 5, kernel: 1),
                      ConvGeometry(n: 5, c: 16, h: 7, w: 6, outC: 16, kernel: 3, stride: 1, pad: 1)], [false, true])
    func forwardWritesImagesAnOutputStrideApart(g: ConvGeometry, relu: Bool) {
        var rng = SeededRNG(seed: Self.seed(g))
        let x = rng.floats(g.inputCount), wt = rng.floats(g.weightCount), b = rng.floats(g.outC)
        let image = g.outC * g.outH * g.outW, stride = image + 37
        var contiguous = Self.forward(g, x, wt, b, threads: 2)
        if relu {
            let pre = contiguous
            ReLU.forward(pre, &contiguous, count: pre.count, threads: 1)
        }
        #expect(!relu || contiguous.contains(0) && contiguous.contains { $0 > 0 })
        var y = [Float](repeating: -7, count: g.n * stride)
        let count = Conv.forwardWorkspaceCount(g, threads: 2)
        var ws = [Float](repeating: .nan, count: max(count, 1))
        ws.withUnsafeMutableBufferPointer { wsp in
            Conv.forward(g, input: x, weight: wt, bias: b, output: &y, outputImageStride: stride, relu: relu,
                         workspace: wsp.baseAddress, workspaceCount: count, threads: 2)
        }
        for i in 0 ..< g.n {
            #expect(Array(y[i * stride ..< i * stride + image]) == Array(contiguous[i * image ..< (i + 1) * image]))
            #expect(y[i * stride + image ..< (i + 1) * stride].allSatisfy { $0 == -7 })
        }
    }

    /// Deterministic per shape (hashValue is randomised per process).
    static func seed(_ g: ConvGeometry) -> UInt64 {
        UInt64(bitPattern: Int64([g.n, g.c, g.h, g.w, g.outC, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW,
                g.dilationH, g.dilationW, g.groups].reduce(17) { $0 &* 31 &+ $1 }))
    }

    struct Grads { var dx: [Float]; var dw: [Float]; var db: [Float] }

    static func backward(_ g: ConvGeometry, _ x: [Float], _ wt: [Float], _ dy: [Float], threads: Int,
                         start: Grads, accumulate: Bool, accumulateInput: Bool) -> Grads {
        var r = start
        let count = Conv.backwardWorkspaceCount(g, threads: threads)
        var ws = [Float](repeating: .nan, count: max(count, 1))
        ws.withUnsafeMutableBufferPointer { wsp in
            Conv.backward(g, input: x, weight: wt, outputGradient: dy, inputGradient: &r.dx,
                          weightGradient: &r.dw, biasGradient: &r.db, accumulate: accumulate,
                          accumulateInputGradient: accumulateInput,
                          workspace: wsp.baseAddress, workspaceCount: count, threads: threads)
        }
        return r
    }

    @Test(arguments: shapes)
    func backwardMatchesFiniteDifferencesOfTheForwardPass(g: ConvGeometry) {
        var rng = SeededRNG(seed: Self.seed(g) + 1)
        var x = rng.floats(g.inputCount), wt = rng.floats(g.weightCount), b = rng.floats(g.outC)
        let dy = rng.floats(g.outputCount)
        let zero = Grads(dx: .init(repeating: .nan, count: x.count), dw: .init(repeating: .nan, count: wt.count),
                         db: .init(repeating: .nan, count: b.count))
        let r = Self.backward(g, x, wt, dy, threads: 2, start: zero, accumulate: false, accumulateInput: false)
        let (xs, ws, bs) = (x, wt, b)
        // The differences are taken of im2col's forward: Winograd's own rounding (held to the
        // direct sum above) would be divided by the step and drown the gradient's error.
        var f = g
        f.winograd = false
        let ex = finiteDifferenceError(values: &x, analytic: r.dx) { dot(Self.forward(f, $0, ws, bs, threads: 1), dy) }
        let ew = finiteDifferenceError(values: &wt, analytic: r.dw) { dot(Self.forward(f, xs, $0, bs, threads: 1), dy) }
        let eb = finiteDifferenceError(values: &b, analytic: r.db) { dot(Self.forward(f, xs, ws, $0, threads: 1), dy) }
        #expect(ex < 1e-2, "dInput worst relative error \(ex)")
        #expect(ew < 1e-2, "dWeight worst relative error \(ew)")
        #expect(eb < 1e-2, "dBias worst relative error \(eb)")
    }

    /// What backward claims. With `accumulate` the gradients are ADDED to what is there: at
    /// the same thread count, with and without it, the sums differ only in where that value
    /// enters (the bias gradient adds it last, so exactly). Another thread count cuts the batch
    /// into other parts: the weight and bias gradients are summed in another order; the input
    /// gradient is each image's own, from identical per-image products with im2col (so
    /// bitwise), while Winograd's blocks of images follow the part's size (other products).
    /// Each result is within `ConvRounding`'s tolerance of the exact one, so two are within twice it.
    @Test(arguments: shapes)
    func backwardAccumulatesWhenAskedAndIsTheSameForAnyThreadCount(g: ConvGeometry) {
        var rng = SeededRNG(seed: Self.seed(g) + 2)
        let x = rng.floats(g.inputCount), wt = rng.floats(g.weightCount), dy = rng.floats(g.outputCount)
        let start = Grads(dx: rng.floats(x.count), dw: rng.floats(wt.count), db: rng.floats(g.outC))
        let fresh = Self.backward(g, x, wt, dy, threads: 1, start: start, accumulate: false, accumulateInput: false)
        let dxTolerance = 2 * ConvRounding.inputGradient(g), dwTolerance = 2 * ConvRounding.weightGradient(g)
        let dbTolerance = 2 * ConvRounding.biasGradient(g)
        func added(_ a: [Float], _ b: [Float]) -> [Double] { zip(a, b).map { Double($0) + Double($1) } }
        for threads in [1, 2, 3] {
            let over = Self.backward(g, x, wt, dy, threads: threads, start: start, accumulate: false, accumulateInput: false)
            let acc = Self.backward(g, x, wt, dy, threads: threads, start: start, accumulate: true, accumulateInput: true)
            #expect(acc.db == zip(start.db, over.db).map { $0 + $1 })
            #expect(worstRelativeError(acc.dw, added(start.dw, over.dw), floor: 1) < dwTolerance)
            #expect(worstRelativeError(acc.dx, added(start.dx, over.dx), floor: 1) < dxTolerance)
            #expect(worstRelativeError(over.dw, fresh.dw, floor: 1) < dwTolerance)
            #expect(worstRelativeError(over.db, fresh.db, floor: 1) < dbTolerance)
            if g.winograd {
                #expect(worstRelativeError(over.dx, fresh.dx, floor: 1) < dxTolerance)
            } else {
                #expect(over.dx == fresh.dx)
            }
        }
    }

    /// An output gradient prepared image by image (a concat's slice, ReLU's backward applied
    /// in Conv's buffer, the bias summed there) gives bitwise the gradients of the whole
    /// batch's ReLU backward followed by the contiguous backward: im2col, pointwise, Winograd
    /// in blocks of images and in bands of one image (15x15 tiles), 3x3 and 5x5, over 1 to 3 threads.
    @Test(arguments: [ConvGeometry(n: 5, c: 3, h: 7, w: 6, outC: 4, kernel: 5, stride: 1, pad: 2),
                      ConvGeometry(n: 5, c: 6, h: 7, w: 6, outC: 5, kernel: 1),
                      ConvGeometry(n: 5, c: 16, h: 7, w: 6, outC: 16, kernel: 3, stride: 1, pad: 1),
                      ConvGeometry(n: 5, c: 8, h: 7, w: 6, outC: 16, kernel: 5, stride: 1, pad: 2),
                      ConvGeometry(n: 3, c: 16, h: 30, w: 30, outC: 16, kernel: 3, stride: 1, pad: 1)], [1, 2, 3])
    func backwardFromAPreparedOutputGradientIsTheSame(g: ConvGeometry, threads: Int) {
        var rng = SeededRNG(seed: Self.seed(g) + 3)
        let x = rng.floats(g.inputCount), wt = rng.floats(g.weightCount)
        let image = g.outC * g.outH * g.outW, stride = image + 19
        let y = rng.floats(g.n * stride), dyStrided = rng.floats(g.n * stride)
        var masked = [Float](repeating: 0, count: g.outputCount)
        for i in 0 ..< g.n {
            for k in 0 ..< image { masked[i * image + k] = y[i * stride + k] > 0 ? dyStrided[i * stride + k] : 0 }
        }
        #expect(masked.contains(0) && masked.contains { $0 != 0 })
        let start = Grads(dx: .init(repeating: .nan, count: g.inputCount), dw: .init(repeating: .nan, count: g.weightCount),
                          db: .init(repeating: .nan, count: g.outC))
        let expected = Self.backward(g, x, wt, masked, threads: threads, start: start, accumulate: false, accumulateInput: false)
        var r = start
        let count = Conv.backwardWorkspaceCount(g, threads: threads)
        var ws = [Float](repeating: .nan, count: max(count, 1))
        y.withUnsafeBufferPointer { yp in
            dyStrided.withUnsafeBufferPointer { dyp in
                let (ys, dys) = (yp.baseAddress.unsafelyUnwrapped, dyp.baseAddress.unsafelyUnwrapped)
                ws.withUnsafeMutableBufferPointer { wsp in
                    Conv.backward(g, input: x, weight: wt, outputGradient: nil, preparingOutputGradient: { i, into in
                        ReLU.backward(output: ys + i * stride, outputGradient: dys + i * stride, inputGradient: into, count: image,
                                      threads: 1)
                    }, inputGradient: &r.dx, weightGradient: &r.dw, biasGradient: &r.db, accumulate: false,
                    workspace: wsp.baseAddress, workspaceCount: count, threads: threads)
                }
            }
        }
        #expect(r.dw == expected.dw)
        #expect(r.db == expected.db)
        #expect(r.dx == expected.dx)
    }

    /// The batch-summing contract MPI relies on (Parallel.batchParts): backward with 2 threads
    /// gives bitwise what 1 thread gives on each half of the batch, added (two ranks' all-reduce).
    /// With 8 input channels im2col runs; with 16, Winograd.
    @Test(arguments: [8, 16])
    func twoThreadsSumTheBatchAsTwoHalvesAdded(channels: Int) {
        let g = ConvGeometry(n: 6, c: channels, h: 9, w: 9, outC: 16, kernel: 3, stride: 1, pad: 1)
        let half = ConvGeometry(n: 3, c: channels, h: 9, w: 9, outC: 16, kernel: 3, stride: 1, pad: 1)
        #expect(g.winograd == (channels >= 16))
        var rng = SeededRNG(seed: 91)
        let x = rng.floats(g.inputCount), wt = rng.floats(g.weightCount), dy = rng.floats(g.outputCount)
        func start(_ g: ConvGeometry) -> Grads {
            Grads(dx: .init(repeating: .nan, count: g.inputCount), dw: .init(repeating: .nan, count: g.weightCount),
                  db: .init(repeating: .nan, count: g.outC))
        }
        let whole = Self.backward(g, x, wt, dy, threads: 2, start: start(g), accumulate: false, accumulateInput: false)
        let halves = [0, 1].map { h in
            Self.backward(half, Array(x[h * half.inputCount ..< (h + 1) * half.inputCount]), wt,
                          Array(dy[h * half.outputCount ..< (h + 1) * half.outputCount]), threads: 1,
                          start: start(half), accumulate: false, accumulateInput: false)
        }
        #expect(whole.dw == zip(halves[0].dw, halves[1].dw).map { $0 + $1 })
        #expect(whole.db == zip(halves[0].db, halves[1].db).map { $0 + $1 })
        #expect(whole.dx == halves[0].dx + halves[1].dx)
    }

    @Test func outputSizeFollowsTheFloorFormula() {
        let g = ConvGeometry(n: 1, c: 3, h: 227, w: 227, outC: 96, kernel: 11, stride: 4)
        #expect(g.outH == 55 && g.outW == 55)
        let d = ConvGeometry(n: 1, c: 1, h: 10, w: 10, outC: 1, kernel: 3, stride: 2, pad: 1, dilation: 2)
        #expect(d.outH == 4 && d.outW == 4)
        #expect(ConvGeometry(n: 1, c: 1, h: 5, w: 5, outC: 1, kernel: 1).columnCount == 0)
    }
}

/// How far each convolution algorithm's float32 results may lie from the exact sums, or from
/// each other when only the order of additions changes (another thread count, an accumulated
/// gradient added first rather than last): one tolerance per algorithm, derived here.
///
/// A float32 sum of L terms makes L roundings, each at most u = 2^-24 of its partial sum. With
/// the tests' inputs (uniform in [-1, 1], independent) the partial sums stay near the result's
/// scale and the roundings add like a random walk: about sqrt(L) u of the result (Higham and
/// Mary, "A New Approach to Probabilistic Rounding Error Analysis", SIAM J. Sci. Comput. 41,
/// 2019). The worst case, L u of the sum of the terms' magnitudes, holds for any order of
/// additions but is up to sqrt(L) times the result's scale looser: it would pass a gradient
/// that forgot the value it was asked to add to. Errors are measured against max(|exact|, 1).
///
/// im2col sums the direct products themselves (kappa = 1). Winograd sums transformed values,
/// Y = A^T [(G g G^T) . (B^T d B)] A, which can exceed the direct products by kappa, the
/// transforms' amplification (`amplification`): 9 for F(2x2, 3x3), 256 for F(4x4, 3x3), 413 for
/// F(2x2, 5x5), the largest over forward, input gradient and weight gradient. The tolerance is
/// lambda kappa sqrt(L) u: lambda = 8 standard deviations of the walk; L the products summed
/// into one result by the direct convolution (the transforms' few additions are inside kappa).
/// kappa is a worst case (every term at its largest, all of one sign), so Winograd's errors sit
/// further below their tolerance than im2col's. Largest error over tolerance in these tests on an
/// AMD Zen 4 (OpenBLAS SkylakeX kernels): im2col 0.24 (forward against the direct sum),
/// F(2x2, 3x3) 0.054, F(4x4, 3x3) 0.029, F(2x2, 5x5) 0.011.
enum ConvRounding {
    /// u = 2^-24, float32's unit roundoff.
    static let unit = Double(Float.ulpOfOne) / 2
    static let lambda = 8.0

    /// Winograd F(m, r) in 1-D: A^T (m x a), G (a x r), B^T (a x a), as winograd_f2x2_3x3.c,
    /// winograd_f2x2_5x5.c and winograd_f4x4_3x3.c (winograd_6point.h) write them.
    struct Transforms {
        var at: [[Double]], g: [[Double]], bt: [[Double]]
    }

    static let b6: [[Double]] = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
                                 [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]
    static let f23 = Transforms(at: [[1, 1, 1, 0], [0, 1, -1, -1]],
                                g: [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
                                bt: [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]])
    static let f25 = Transforms(at: [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 1]],
                                g: [[1.0 / 4, 0, 0, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6],
                                    [-1.0 / 6, 1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6], [1.0 / 24, 2.0 / 24, 4.0 / 24, 8.0 / 24, 16.0 / 24],
                                    [1.0 / 24, -2.0 / 24, 4.0 / 24, -8.0 / 24, 16.0 / 24], [0, 0, 0, 0, 1]],
                                bt: b6)
    static let f43 = Transforms(at: [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
                                g: [[1.0 / 4, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6], [-1.0 / 6, 1.0 / 6, -1.0 / 6],
                                    [1.0 / 24, 2.0 / 24, 4.0 / 24], [1.0 / 24, -2.0 / 24, 4.0 / 24], [0, 0, 1]],
                                bt: b6)

    /// kappa: with every input and filter value at most 1 in magnitude, the largest magnitude the
    /// transformed terms of one result can add up to, over the direct convolution's term count.
    /// In 1-D, with |M| the matrix of magnitudes and 1 a vector of ones: forward, |A^T| (|G|1 .
    /// |B^T|1) over r; input gradient, |B| (|G|1 . |A|1) summed over the tiles that cover a
    /// position, over r; weight gradient, |G^T| (|A|1 . |B^T|1) over the m outputs of a tile. The
    /// largest of the three, squared for 2-D.
    static func amplification(_ t: Transforms) -> Double {
        let m = t.at.count, a = t.bt.count, r = t.g[0].count
        let g1 = t.g.map { $0.map(abs).reduce(0, +) }, b1 = t.bt.map { $0.map(abs).reduce(0, +) }
        let a1 = (0 ..< a).map { p in t.at.map { abs($0[p]) }.reduce(0, +) }
        let forward = t.at.map { row in (0 ..< a).map { abs(row[$0]) * g1[$0] * b1[$0] }.reduce(0, +) }.max() ?? 0
        let perPosition = (0 ..< a).map { k in (0 ..< a).map { abs(t.bt[$0][k]) * g1[$0] * a1[$0] }.reduce(0, +) }
        let input = (0 ..< m).map { k0 in stride(from: k0, to: a, by: m).map { perPosition[$0] }.reduce(0, +) }.max() ?? 0
        let weight = (0 ..< r).map { j in (0 ..< a).map { abs(t.g[$0][j]) * a1[$0] * b1[$0] }.reduce(0, +) }.max() ?? 0
        let worst = max(forward / Double(r), input / Double(r), weight / Double(m))
        return worst * worst
    }

    static func amplification(_ g: ConvGeometry) -> Double {
        guard g.winograd else { return 1 }
        return amplification(g.kh == 5 ? f25 : g.winogradF4 ? f43 : f23)
    }

    /// The tolerance, relative to max(|exact|, 1), for results of `g`'s algorithm that sum
    /// `terms` products each.
    static func tolerance(_ g: ConvGeometry, terms: Int) -> Double {
        lambda * amplification(g) * Double(max(terms, 1)).squareRoot() * unit
    }
    /// The output: c/groups * kh * kw products and the bias.
    static func forward(_ g: ConvGeometry) -> Double { tolerance(g, terms: g.c / g.groups * g.kh * g.kw + 1) }
    /// The input gradient: outC/groups * kh * kw products, and the gradient added to.
    static func inputGradient(_ g: ConvGeometry) -> Double { tolerance(g, terms: g.outC / g.groups * g.kh * g.kw + 1) }
    /// The weight gradient: n * outH * outW products, and the gradient added to.
    static func weightGradient(_ g: ConvGeometry) -> Double { tolerance(g, terms: g.n * g.outH * g.outW + 1) }
    /// The bias gradient: plain sums of n * outH * outW values whatever the algorithm.
    static func biasGradient(_ g: ConvGeometry) -> Double {
        lambda * Double(g.n * g.outH * g.outW + 1).squareRoot() * unit
    }
}
