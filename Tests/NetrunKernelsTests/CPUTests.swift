import Foundation
import Testing
import NetrunKernels
import CNetrunKernels

/// Every C loop has an AVX2/FMA and a scalar version; these tests run both (the
/// scalar one forced on this thread, kernels called with threads: 1) and compare.
@Suite struct CPUTests {
    /// The loops run the CPU's widest level, lowered by NETRUN_ISA when it is set (as .ci/cpus does).
    @Test func theAutomaticChoiceFollowsTheCPUAndNETRUN_ISA() {
        let requested = ProcessInfo.processInfo.environment["NETRUN_ISA"].flatMap { ISA(name: $0) }
        #expect(KernelDispatch.isa == min(KernelDispatch.cpuISA, requested ?? .avx512))
        #expect(KernelDispatch.usesAVX2 == (KernelDispatch.isa >= .avx2))
        #expect(cpuHasAVX2FMA == (KernelDispatch.cpuISA >= .avx2))
        // A thread's forced level never goes above the CPU's.
        KernelDispatch.force(.avx512)
        #expect(KernelDispatch.isa == KernelDispatch.cpuISA)
        KernelDispatch.force(.scalar)
        #expect(KernelDispatch.isa == .scalar && !KernelDispatch.usesAVX2)
        KernelDispatch.force(nil)
        #expect(KernelDispatch.isa == min(KernelDispatch.cpuISA, requested ?? .avx512))
        #expect(ISA(name: "avx512") == .avx512 && ISA(name: "avx2") == .avx2 && ISA(name: "scalar") == .scalar)
        #expect(ISA(name: "AVX2") == nil && ISA(name: "") == nil && ISA(name: "sse") == nil)
    }

    /// OpenBLAS runs the kernels this CPU's features call for (SkylakeX with AVX-512, Haswell
    /// with AVX2/FMA), whatever its own table of CPU models knows; only the user's
    /// OPENBLAS_CORETYPE may narrow them, and then `warning` says so. Fails on a machine where
    /// matrix products run below what the CPU offers.
    @Test func matrixProductsRunTheWidestKernelsTheCPUOffers() throws {
        #expect(GEMM.loadError == nil)
        let library = GEMM.library
        let expectedWanted = switch KernelDispatch.cpuISA {
        case .avx512: "SkylakeX"
        case .avx2: "Haswell"
        case .scalar: netrun_blas_core_for_features().map { String(cString: $0) } ?? ""
        }
        #expect(library.wanted == expectedWanted)
        let user = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? ""
        #expect(library.forced == user)
        let narrower = GEMM.Library.level(ofCore: library.core) < GEMM.Library.level(ofCore: library.wanted)
        if user.isEmpty {
            #expect(!narrower, "OpenBLAS runs \(library.core) kernels on a CPU whose features call for \(library.wanted)")
            #expect(library.core.lowercased() == library.wanted.lowercased() || library.wanted.isEmpty, "\(library.description)")
            // The environment is as it was: child processes see no OPENBLAS_CORETYPE of netrun's.
            #expect(getenv("OPENBLAS_CORETYPE") == nil)
        } else {
            #expect(library.core.lowercased() == user.lowercased(), "the user's OPENBLAS_CORETYPE wins: \(library.description)")
        }
        #expect((library.warning != nil) == narrower, "\(library.warning ?? "no warning")")
    }

    /// The warning names the cause and the fix, for a forced and for a library-chosen core.
    @Test func aNarrowKernelIsExplained() throws {
        let forced = GEMM.Library(core: "Prescott", config: "", forced: "Prescott", wanted: "SkylakeX")
        let w = try #require(forced.warning)
        #expect(w.contains("OPENBLAS_CORETYPE=Prescott is set") && w.contains("unset OPENBLAS_CORETYPE"))
        let chosen = GEMM.Library(core: "Prescott", config: "", forced: "", wanted: "Haswell")
        #expect(chosen.warning?.contains("set OPENBLAS_CORETYPE=Haswell") == true)
        #expect(GEMM.Library(core: "Cooperlake", config: "", forced: "", wanted: "SkylakeX").warning == nil)
        #expect(GEMM.Library(core: "Zen", config: "", forced: "Zen", wanted: "Haswell").warning == nil)
        #expect(GEMM.Library(core: "Haswell", config: "", forced: "Haswell", wanted: "SkylakeX").warning != nil)
    }

    /// The FMA loop behind `netrun bench`'s peak counts its operations and runs in finite time.
    @Test func theFMAPeakIsMeasured() {
        #expect(netrun_fma_loop(10) == 10 * 16 * 2 * (KernelDispatch.cpuISA == .avx512 ? 16 : KernelDispatch.cpuISA == .avx2 ? 8 : 1))
        let peak = KernelDispatch.measureFMAPeak(threads: 1, iterations: 10_000)
        #expect(peak.isFinite && peak > 0)
    }

    @Test func activationsAgreeBetweenVersions() {
        var rng = SeededRNG(seed: 90)
        let x = rng.floats(1005, in: -8 ... 8), dy = rng.floats(1005)
        let n = x.count
        for kind in 0 ..< 4 {
            let r = both { () -> [Float] in
                var y = [Float](repeating: 0, count: n), dx = y
                switch kind {
                case 0: ReLU.forward(x, &y, count: n, threads: 1)
                    ReLU.backward(output: y, outputGradient: dy, inputGradient: &dx, count: n, threads: 1)
                case 1: Sigmoid.forward(x, &y, count: n, threads: 1)
                    Sigmoid.backward(output: y, outputGradient: dy, inputGradient: &dx, count: n, threads: 1)
                case 2: Tanh.forward(x, &y, count: n, threads: 1)
                    Tanh.backward(output: y, outputGradient: dy, inputGradient: &dx, count: n, threads: 1)
                default: LeakyReLU.forward(x, &y, count: n, slope: -0.3, threads: 1)
                    LeakyReLU.backward(input: x, outputGradient: dy, inputGradient: &dx, count: n, slope: -0.3, threads: 1)
                }
                return y + dx
            }
            // Outputs to a few ulp; gradients absolutely (dy * y * (1 - y) amplifies an ulp of y near 1).
            let ey = worstRelativeError(Array(r.auto[..<n]), Array(r.scalar[..<n]), floor: 1e-6)
            let ed = worstRelativeError(Array(r.auto[n...]), Array(r.scalar[n...]), floor: 1)
            #expect(ey < 2e-6 && ed < 1e-6, "activation \(kind): outputs \(ey), gradients \(ed)")
        }
    }

    /// PyTorch's rules (relu = clamp_min(x, 0), threshold_backward; leaky_relu and its
    /// backward from the input), each special value once in an 8-wide block and once in
    /// the masked tail; NaN sign and the sign of zero included.
    @Test(arguments: [nil, 0.1, -0.5, 0] as [Float?])
    func reluAndLeakyReLUHandleNaNInfinityAndSignedZeroInBothVersions(slope: Float?) {
        let specials: [Float] = [.nan, -.nan, .infinity, -.infinity, -0.0, 0.0, 1.5, -1.5]
        let x = specials + specials.prefix(7), n = x.count
        let dy = (0 ..< n).map { Float($0 + 1) / 4 }
        let expected: [Float]
        if let slope {
            expected = x.map { $0 > 0 ? $0 : slope * $0 } + zip(x, dy).map { $0 > 0 ? $1 : slope * $1 }
        } else {
            let y = x.map { $0 < 0 ? 0 : $0 }
            expected = y + zip(y, dy).map { $0 <= 0 ? 0 : $1 }
        }
        let r = both { () -> [Float] in
            var y = [Float](repeating: 7, count: n), dx = y
            if let slope {
                LeakyReLU.forward(x, &y, count: n, slope: slope, threads: 1)
                LeakyReLU.backward(input: x, outputGradient: dy, inputGradient: &dx, count: n, slope: slope, threads: 1)
            } else {
                ReLU.forward(x, &y, count: n, threads: 1)
                ReLU.backward(output: y, outputGradient: dy, inputGradient: &dx, count: n, threads: 1)
            }
            return y + dx
        }
        for (name, got) in [("auto", r.auto), ("scalar", r.scalar)] {
            let wrong = got.indices.filter { !sameFloat(got[$0], expected[$0]) }
            #expect(wrong.isEmpty, "\(name), slope \(String(describing: slope)): wrong at \(wrong.map { ($0, got[$0]) })")
        }
    }

    @Test func softmaxBackwardScaleAndAddAgreeBetweenVersions() {
        var rng = SeededRNG(seed: 94)
        let (rows, classes) = (3, 37)
        let p = rng.floats(rows * classes, in: 0 ... 1), g = rng.floats(rows * classes)
        let sm = both { () -> [Float] in
            var dx = [Float](repeating: .nan, count: p.count)
            Softmax.backward(output: p, outputGradient: g, inputGradient: &dx, rows: rows, classes: classes, threads: 1)
            return dx
        }
        #expect(worstRelativeError(sm.auto, sm.scalar, floor: 1) < 1e-6)

        let (n, c, spatial) = (2, 3, 13)
        let x = rng.floats(n * c * spatial, in: -2 ... 2), dy = rng.floats(x.count)
        let gamma = rng.floats(c), beta = rng.floats(c)
        let sc = both { () -> [Float] in
            var y = [Float](repeating: .nan, count: x.count), dx = y, dg = [Float](repeating: .nan, count: c), db = dg
            Scale.forward(x, &y, n: n, c: c, spatial: spatial, gamma: gamma, beta: beta, threads: 1)
            Scale.backward(input: x, outputGradient: dy, inputGradient: &dx, n: n, c: c, spatial: spatial, gamma: gamma,
                           gammaGradient: &dg, betaGradient: &db, threads: 1)
            return y + dx + dg + db
        }
        #expect(worstRelativeError(sc.auto, sc.scalar, floor: 1) < 1e-6)

        let sum = both { () -> [Float] in
            var y = [Float](repeating: .nan, count: x.count)
            x.withUnsafeBufferPointer { a in
                dy.withUnsafeBufferPointer { b in
                    guard let a = a.baseAddress, let b = b.baseAddress else { return }
                    Add.forward([a, b, a], into: &y, count: x.count, threads: 1)
                }
            }
            return y
        }
        #expect(sum.auto == sum.scalar)
    }

    @Test func sumsSGDAndDropoutAgreeBetweenVersions() {
        var rng = SeededRNG(seed: 91)
        let x = rng.floats(1003), g = rng.floats(1003)
        let s = both { Elementwise.sum(x, count: 1003) }
        #expect(abs(s.auto - s.scalar) < 1e-4)
        let w = both { () -> [Float] in
            var w = x, v = g
            SGD.step(weights: &w, gradients: g, velocity: &v, count: 1003, learningRate: 0.1, momentum: 0.9,
                     weightDecay: 1e-3, nesterov: true, threads: 1)
            return w + v
        }
        #expect(worstRelativeError(w.auto, w.scalar, floor: 1) < 1e-6)
        let d = both { () -> [Float] in
            var y = [Float](repeating: 0, count: 1003), m = [UInt8](repeating: 0, count: 1003), dx = y
            Dropout.forward(x, &y, mask: &m, count: 1003, p: 0.5, seed: 4, step: 9, threads: 1)
            Dropout.backward(outputGradient: g, mask: m, inputGradient: &dx, count: 1003, p: 0.5, threads: 1)
            return y + dx + m.map(Float.init)
        }
        #expect(d.auto == d.scalar)
    }

    @Test func poolingAgreesBetweenVersions() {
        var rng = SeededRNG(seed: 92)
        for g in [PoolGeometry(n: 1, c: 3, h: 9, w: 41, kernel: 3, stride: 2, pad: 1, ceilMode: true),
                  PoolGeometry(n: 2, c: 2, h: 8, w: 33, kernel: 3, stride: 1, pad: 1, ceilMode: false),
                  PoolGeometry(n: 2, c: 3, h: 7, w: 7, kernel: 3, stride: 1, pad: 1, ceilMode: false),
                  PoolGeometry(n: 1, c: 2, h: 10, w: 31, kh: 3, kw: 3, strideH: 2, strideW: 3, padH: 1, padW: 1, outH: 5, outW: 11)] {
            let x = rng.distinctFloats(g.inputCount)
            let r = both { () -> [Float] in
                var y = [Float](repeating: 0, count: g.outputCount), a = y, arg = [Int32](repeating: 0, count: g.outputCount)
                MaxPool.forward(g, x, &y, argmax: &arg, threads: 1)
                AvgPool.forward(g, x, &a, countIncludePad: true, threads: 1)
                return y + a + arg.map(Float.init)
            }
            #expect(worstRelativeError(r.auto, r.scalar, floor: 1) < 1e-6)
        }
    }

    /// Winograd's transforms (AVX2: 8 tiles of a row at a time) against the scalar ones,
    /// through a whole forward (with and without ReLU) and backward (overwriting the input
    /// gradient and adding to one): the same operations in the
    /// same order, so the outputs and the input and weight gradients agree bitwise (the bias gradient is a
    /// vectorized sum in one version: close, not bitwise).
    @Test(arguments: [ConvGeometry(n: 9, c: 16, h: 6, w: 21, outC: 16, kernel: 3, stride: 1, pad: 1),
                      ConvGeometry(n: 1, c: 16, h: 27, w: 31, outC: 24, kernel: 3, stride: 1, pad: 2),
                      ConvGeometry(n: 11, c: 16, h: 7, w: 7, outC: 16, kernel: 3, stride: 1, pad: 1),
                      ConvGeometry(n: 2, c: 16, h: 9, w: 19, outC: 24, kernel: 3, stride: 1, pad: 0),
                      ConvGeometry(n: 2, c: 8, h: 6, w: 21, outC: 16, kernel: 5, stride: 1, pad: 2),
                      ConvGeometry(n: 1, c: 8, h: 27, w: 31, outC: 24, kernel: 5, stride: 1, pad: 2),
                      ConvGeometry(n: 3, c: 8, h: 7, w: 7, outC: 16, kernel: 5, stride: 1, pad: 2),
                      ConvGeometry(n: 2, c: 8, h: 9, w: 19, outC: 16, kernel: 5, stride: 1, pad: 0)], [false, true])
    func winogradAgreesBetweenVersions(g: ConvGeometry, f2: Bool) {
        // The 3x3 shapes run F(4x4, 3x3) (9 and 11 images: a last group of 1 and 3 lanes);
        // `f2` runs them as F(2x2, 3x3), 27x31 in bands.
        var g = g
        if f2 { g.winogradF4 = false }
        #expect(g.winograd)
        var rng = SeededRNG(seed: 94)
        let x = rng.floats(g.n * g.c * g.h * g.w, in: -1 ... 1), wt = rng.floats(g.weightCount, in: -1 ... 1)
        let b = rng.floats(g.outC, in: -1 ... 1), dy = rng.floats(g.n * g.outC * g.outH * g.outW, in: -1 ... 1)
        let r = both { () -> (exact: [Float], bias: [Float]) in
            let count = max(Conv.forwardWorkspaceCount(g, threads: 1), Conv.backwardWorkspaceCount(g, threads: 1))
            var ws = [Float](repeating: 0, count: count), y = [Float](repeating: 0, count: dy.count)
            var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: wt.count)
            var db = [Float](repeating: 0, count: g.outC)
            var yr = y, dxa = x, dwa = dw
            ws.withUnsafeMutableBufferPointer { w in
                Conv.forward(g, input: x, weight: wt, bias: b, output: &yr, relu: true, workspace: w.baseAddress,
                             workspaceCount: count, threads: 1)
                Conv.forward(g, input: x, weight: wt, bias: b, output: &y, workspace: w.baseAddress, workspaceCount: count, threads: 1)
                Conv.backward(g, input: x, weight: wt, outputGradient: dy, inputGradient: &dx, weightGradient: &dw,
                              biasGradient: &db, workspace: w.baseAddress, workspaceCount: count, threads: 1)
                // Added into an input gradient already holding values (fan-out).
                Conv.backward(g, input: x, weight: wt, outputGradient: dy, inputGradient: &dxa, weightGradient: &dwa,
                              biasGradient: nil, accumulateInputGradient: true, workspace: w.baseAddress, workspaceCount: count,
                              threads: 1)
            }
            return (y + yr + dx + dw + dxa, db)
        }
        #expect(zip(r.auto.exact, r.scalar.exact).allSatisfy { sameFloat($0, $1) })
        #expect(worstRelativeError(r.auto.bias, r.scalar.bias, floor: 1) < 1e-5)
    }

    /// im2col/col2im (AVX2: masked rows of 8, stride 1) against the scalar copies, through a
    /// whole convolution, and the average pool's backward: the same additions in the same order.
    @Test(arguments: [ConvGeometry(n: 2, c: 3, h: 11, w: 13, outC: 4, kernel: 5, stride: 1, pad: 2),
                      ConvGeometry(n: 1, c: 2, h: 19, w: 20, outC: 3, kh: 3, kw: 5, padH: 0, padW: 3),
                      ConvGeometry(n: 1, c: 2, h: 9, w: 10, outC: 3, kernel: 3, stride: 1, pad: 2, dilation: 2)])
    func im2colAgreesBetweenVersions(g: ConvGeometry) {
        #expect(!g.winograd && !g.isPointwise)
        var rng = SeededRNG(seed: 95)
        let x = rng.floats(g.n * g.c * g.h * g.w, in: -1 ... 1), wt = rng.floats(g.weightCount, in: -1 ... 1)
        let dy = rng.floats(g.n * g.outC * g.outH * g.outW, in: -1 ... 1)
        let r = both { () -> [Float] in
            let count = max(Conv.forwardWorkspaceCount(g, threads: 1), Conv.backwardWorkspaceCount(g, threads: 1))
            var ws = [Float](repeating: 0, count: count), y = [Float](repeating: 0, count: dy.count)
            var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: wt.count)
            ws.withUnsafeMutableBufferPointer { w in
                Conv.forward(g, input: x, weight: wt, bias: nil, output: &y, workspace: w.baseAddress, workspaceCount: count, threads: 1)
                Conv.backward(g, input: x, weight: wt, outputGradient: dy, inputGradient: &dx, weightGradient: &dw,
                              biasGradient: nil, workspace: w.baseAddress, workspaceCount: count, threads: 1)
            }
            return y + dx + dw
        }
        #expect(zip(r.auto, r.scalar).allSatisfy { sameFloat($0, $1) })
    }

    @Test func biasAndReLUEpilogueAgreesBetweenVersions() {
        var rng = SeededRNG(seed: 97)
        let (c, hw) = (5, 37)
        var x = rng.floats(c * hw, in: -2 ... 2)
        x[3] = .nan; x[4] = -0.0; x[5] = -.infinity
        let b = rng.floats(c, in: -1 ... 1)
        for relu: Int32 in [0, 1] {
            for bias in [true, false] {
                let r = both { () -> [Float] in
                    var y = x
                    if bias { netrun_bias_relu(&y, b, c, hw, relu) } else { netrun_bias_relu(&y, nil, c, hw, relu) }
                    return y
                }
                #expect(zip(r.auto, r.scalar).allSatisfy { sameFloat($0, $1) })
                #expect(relu == 0 || r.auto.allSatisfy { !($0 < 0) })
                #expect(r.auto[3].isNaN)
            }
        }
    }

    @Test func averagePoolBackwardAgreesBetweenVersions() {
        var rng = SeededRNG(seed: 96)
        for g in [PoolGeometry(n: 3, c: 5, h: 7, w: 7, kernel: 5, stride: 3, ceilMode: true),
                  PoolGeometry(n: 2, c: 3, h: 9, w: 11, kernel: 3, stride: 2, pad: 1, ceilMode: true),
                  PoolGeometry(n: 1, c: 9, h: 7, w: 6, kh: 7, kw: 6, strideH: 1, strideW: 1, outH: 1, outW: 1)] {
            let dy = rng.floats(g.outputCount, in: -1 ... 1)
            for include in [true, false] {
                let r = both { () -> [Float] in
                    var dx = [Float](repeating: .nan, count: g.inputCount)
                    AvgPool.backward(g, outputGradient: dy, inputGradient: &dx, countIncludePad: include, threads: 1)
                    return dx
                }
                #expect(zip(r.auto, r.scalar).allSatisfy { sameFloat($0, $1) })
            }
        }
    }

    @Test func lrnAndBatchNormAgreeBetweenVersions() {
        var rng = SeededRNG(seed: 93)
        let (n, c, h, w) = (2, 11, 3, 7)
        let x = rng.floats(n * c * h * w, in: -2 ... 2), dy = rng.floats(x.count)
        for beta: Float in [0.75, 0.6] {
            let r = both { () -> [Float] in
                var y = [Float](repeating: 0, count: x.count), s = y, dx = y
                LRN.forward(x, &y, norms: &s, n: n, c: c, spatial: h * w, size: 5, scale: 0.2, beta: beta, k: 1, threads: 1)
                LRN.backward(input: x, output: y, norms: s, outputGradient: dy, inputGradient: &dx, n: n, c: c, spatial: h * w,
                             size: 5, scale: 0.2, beta: beta, threads: 1)
                return y + dx
            }
            #expect(worstRelativeError(r.auto, r.scalar, floor: 1e-3) < 1e-5, "beta \(beta)")
        }
        let gamma = rng.floats(c), bias = rng.floats(c)
        let b = both { () -> [Float] in
            var y = [Float](repeating: 0, count: x.count), dx = y
            var rm = [Float](repeating: 0, count: c), rv = rm, mean = rm, inv = rm, dg = rm, db = rm
            BatchNorm.forwardTraining(x, &y, n: n, c: c, spatial: h * w, gamma: gamma, beta: bias, runningMean: &rm,
                                      runningVariance: &rv, momentum: 0.1, epsilon: 1e-5, savedMean: &mean,
                                      savedInvStd: &inv, threads: 1)
            BatchNorm.backward(input: x, outputGradient: dy, inputGradient: &dx, n: n, c: c, spatial: h * w, gamma: gamma,
                               savedMean: mean, savedInvStd: inv, gammaGradient: &dg, betaGradient: &db,
                               accumulate: false, threads: 1)
            return y + dx + dg + db
        }
        #expect(worstRelativeError(b.auto, b.scalar, floor: 1) < 1e-5)
    }
}
