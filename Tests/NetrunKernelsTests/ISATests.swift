import Testing
import NetrunKernels
import CNetrunKernels

/// The AVX-512 versions of the loops do, per element, the operations of their AVX2/FMA
/// versions in the same order, so the two give the same bits: every length from 1 to 40
/// (the 16-lane blocks and every tail) and a long one, with NaN, infinities and signed
/// zeros among the values. Runs where the CPU has AVX-512; `.ci/cpus` reruns the suite
/// under NETRUN_ISA=avx2 and scalar, where `both` compares those levels with scalar C.
@Suite(.enabled(if: KernelDispatch.cpuISA == .avx512, "this CPU has no AVX-512"))
struct ISATests {
    static let lengths = Array(1 ... 40) + [1005]

    /// Values with the special cases at positions that fall in blocks and in tails.
    static func values(_ n: Int, seed: UInt64) -> [Float] {
        var rng = SeededRNG(seed: seed)
        var x = rng.floats(n, in: -4 ... 4)
        let subnormal = Float(bitPattern: 0x0001_16C2)   // 1e-40 rounded to float32, below the smallest normal
        let specials: [Float] = [.nan, -.nan, .infinity, -.infinity, 0, -0.0, subnormal, -subnormal]
        for (k, s) in specials.enumerated() where (k * 7 + 3) < n { x[k * 7 + 3] = s }
        return x
    }

    /// `body` run at AVX2 and at AVX-512 on this thread: their results' bit patterns.
    static func atBothWidths(_ body: () -> [Float]) -> (avx2: [UInt32], avx512: [UInt32]) {
        KernelDispatch.force(.avx2)
        let a = body().map(\.bitPattern)
        KernelDispatch.force(.avx512)
        let b = body().map(\.bitPattern)
        KernelDispatch.force(nil)
        return (a, b)
    }

    @Test(arguments: lengths) func mapsGiveTheAVX2Bits(n: Int) {
        let x = Self.values(n, seed: UInt64(n)), y = Self.values(n, seed: UInt64(n) + 1000)
        let r = Self.atBothWidths { () -> [Float] in
            var out: [Float] = []
            func run(_ f: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
                var o = [Float](repeating: 7, count: n + 1)   // one past the end: must stay 7
                x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in o.withUnsafeMutableBufferPointer { op in
                    f(xp.baseAddress!, yp.baseAddress!, op.baseAddress!)
                } } }
                out += o
            }
            run { a, _, o in netrun_relu_forward(a, o, n) }
            run { a, b, o in netrun_relu_backward(a, b, o, n) }
            run { a, _, o in netrun_leaky_relu_forward(a, o, -0.3, n) }
            run { a, b, o in netrun_leaky_relu_backward(a, b, o, 0.1, n) }
            run { a, b, o in netrun_sigmoid_backward(a, b, o, n) }
            run { a, b, o in netrun_tanh_backward(a, b, o, n) }
            run { a, b, o in netrun_add(a, b, o, n) }
            run { a, _, o in netrun_scale_shift(a, o, 1.7, -0.3, n) }
            run { a, b, o in netrun_lincomb2(a, b, o, 0.9, -1.1, 0.25, n) }
            run { a, _, o in
                o.update(from: a, count: n)
                netrun_bias_relu(o, [0.5], 1, n, 1)
            }
            run { a, _, o in
                o.update(from: a, count: n)
                netrun_bias_relu(o, nil, 1, n, 0)
            }
            return out
        }
        #expect(r.avx2 == r.avx512, "length \(n): first difference at \(r.avx2.indices.first { r.avx2[$0] != r.avx512[$0] } ?? -1)")
    }

    /// SGD (plain and Nesterov) and Adam/AdamW (both lerp forms) on finite values.
    @Test(arguments: lengths) func optimizerStepsGiveTheAVX2Bits(n: Int) {
        var rng = SeededRNG(seed: 77 + UInt64(n))
        let w = rng.floats(n, in: -1 ... 1), g = rng.floats(n, in: -1 ... 1), m = rng.floats(n, in: -0.1 ... 0.1)
        let v = rng.floats(n, in: 0 ... 0.01)
        let r = Self.atBothWidths { () -> [Float] in
            var out: [Float] = []
            for nesterov: Int32 in [0, 1] {
                var w1 = w + [7], v1 = m + [7]
                netrun_sgd_step(&w1, g, &v1, n, 0.1, 0.9, 5e-4, nesterov, 0.5)
                out += w1 + v1
            }
            for lerp: Float in [0.1, 0.7] {
                var w1 = w + [7], m1 = m + [7], v1 = v + [7]
                netrun_adam_step(&w1, g, &m1, &v1, n, 0.5, 0.01, 0.999, lerp, 0.999, 0.001, 0.01, 0.3, 1e-8)
                out += w1 + m1 + v1
            }
            return out
        }
        #expect(r.avx2 == r.avx512, "length \(n)")
    }

    /// Max pooling at 16 planes a time (AVX-512) against 8 (AVX2): the same outputs and argmax,
    /// ties (values on a coarse grid), NaN, infinities and signed zeros included; every count of
    /// planes in a last group; windows at the edges, hanging past the input and empty (ceil
    /// mode); a plane that just fits 16 planes' scratch (32x32) and one that does not (33x33,
    /// which both run 8 at a time); with and without argmax (inference).
    @Test(arguments: [1, 7, 8, 9, 15, 16, 17, 31, 33])
    func maxPoolGivesTheAVX2BitsAndArgmax(planes: Int) {
        let shapes = [
            PoolGeometry(n: 1, c: planes, h: 7, w: 7, kernel: 3, stride: 1, pad: 1, ceilMode: false),
            PoolGeometry(n: 1, c: planes, h: 14, w: 14, kernel: 3, stride: 2, ceilMode: true),
            PoolGeometry(n: 1, c: planes, h: 5, w: 5, kh: 2, kw: 2, strideH: 3, strideW: 3, padH: 1, padW: 1, outH: 3, outW: 3),
            PoolGeometry(n: 1, c: planes, h: 9, w: 17, kh: 5, kw: 4, strideH: 1, strideW: 1, padH: 2, padW: 1, outH: 9, outW: 16),
            PoolGeometry(n: 1, c: planes, h: 32, w: 32, kernel: 3, stride: 1, pad: 1, ceilMode: false),
            PoolGeometry(n: 1, c: planes, h: 33, w: 33, kernel: 3, stride: 2, ceilMode: true),
        ]
        for g in shapes {
            var x = Self.values(g.inputCount, seed: UInt64(planes * 31 + g.h)).map { $0.isFinite ? ($0 * 2).rounded() / 2 : $0 }
            for k in stride(from: 5, to: x.count, by: 41) { x[k] = -.infinity }
            for argmaxNeeded in [true, false] where argmaxNeeded || MaxPool.interleaves(g) {
                var argmax: [[Int32]] = []
                let r = Self.atBothWidths { () -> [Float] in
                    var y = [Float](repeating: 7, count: g.outputCount), a = [Int32](repeating: -7, count: g.outputCount)
                    x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in a.withUnsafeMutableBufferPointer { ap in
                        MaxPool.forward(g, xp.baseAddress!, yp.baseAddress!, argmax: ap.baseAddress!, argmaxNeeded: argmaxNeeded, threads: 1)
                    } } }
                    argmax.append(a)
                    return y
                }
                #expect(r.avx2 == r.avx512, "\(g), argmax \(argmaxNeeded): first difference at \(r.avx2.indices.first { r.avx2[$0] != r.avx512[$0] } ?? -1)")
                if argmaxNeeded { #expect(argmax[0] == argmax[1], "\(g): argmax differs") }
            }
        }
    }
}
