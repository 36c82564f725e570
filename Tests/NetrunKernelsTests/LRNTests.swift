import Foundation
import Testing
import NetrunKernels

@Suite struct LRNTests {
    struct Case: Sendable, CustomStringConvertible {
        var n, c, h, w, size: Int
        var scale, beta, k: Float
        var description: String { "n\(n) c\(c) \(h)x\(w) size \(size) scale \(scale) beta \(beta) k \(k)" }
    }

    static let cases: [Case] = [
        Case(n: 2, c: 7, h: 3, w: 5, size: 5, scale: 0.5, beta: 0.75, k: 2),   // paper-like form, sqrt path
        Case(n: 1, c: 9, h: 4, w: 4, size: 3, scale: 0.3, beta: 0.6, k: 1),    // general beta: exp(log)
        Case(n: 2, c: 3, h: 2, w: 7, size: 5, scale: 0.4, beta: 0.75, k: 1),   // window wider than channels
        Case(n: 1, c: 8, h: 3, w: 3, size: 4, scale: 0.2, beta: 0.75, k: 1.5), // even size (PyTorch's window)
        Case(n: 2, c: 12, h: 5, w: 5, size: 5, scale: 1e-4 / 5, beta: 0.75, k: 1), // Caffe's alexnet values
    ]

    /// b = a / (k + scale * sum_{window} a^2)^beta, window [i - size/2, i - size/2 + size - 1], in Double.
    static func naive(_ t: Case, _ x: [Float]) -> [Double] {
        var y = [Double](repeating: 0, count: x.count)
        let hw = t.h * t.w, lo = t.size / 2
        for n in 0 ..< t.n {
            for i in 0 ..< t.c {
                for p in 0 ..< hw {
                    var s = 0.0
                    for j in i - lo ..< i - lo + t.size where j >= 0 && j < t.c {
                        let v = Double(x[(n * t.c + j) * hw + p]); s += v * v
                    }
                    let a = Double(x[(n * t.c + i) * hw + p])
                    y[(n * t.c + i) * hw + p] = a / Foundation.pow(Double(t.k) + Double(t.scale) * s, Double(t.beta))
                }
            }
        }
        return y
    }

    static func forward(_ t: Case, _ x: [Float], threads: Int = 2) -> (y: [Float], s: [Float]) {
        var y = [Float](repeating: .nan, count: x.count), s = y
        LRN.forward(x, &y, norms: &s, n: t.n, c: t.c, spatial: t.h * t.w, size: t.size, scale: t.scale,
                    beta: t.beta, k: t.k, threads: threads)
        return (y, s)
    }

    @Test(arguments: cases)
    func forwardMatchesTheFormulaWithExplicitWindows(t: Case) {
        var rng = SeededRNG(seed: UInt64(t.c * 100 + t.size))
        let x = rng.floats(t.n * t.c * t.h * t.w, in: -2 ... 2)
        let err = worstRelativeError(Self.forward(t, x).y, Self.naive(t, x), floor: 1e-6)
        #expect(err < 1e-5, "worst relative error \(err)")
    }

    @Test(arguments: cases)
    func backwardMatchesFiniteDifferences(t: Case) {
        var rng = SeededRNG(seed: UInt64(t.c * 100 + t.size) + 1)
        var x = rng.floats(t.n * t.c * t.h * t.w, in: -2 ... 2)
        let dy = rng.floats(x.count)
        let (y, s) = Self.forward(t, x)
        var dx = [Float](repeating: .nan, count: x.count)
        LRN.backward(input: x, output: y, norms: s, outputGradient: dy, inputGradient: &dx, n: t.n, c: t.c,
                     spatial: t.h * t.w, size: t.size, scale: t.scale, beta: t.beta)
        let err = finiteDifferenceError(values: &x, analytic: dx, step: 3e-3, samples: 150) {
            dot(Self.forward(t, $0, threads: 1).y, dy)
        }
        #expect(err < 1e-2, "worst relative error \(err)")
    }
}
