import Foundation
import Testing
import NetrunKernels

/// The optimizer kernels: Adam/AdamW against the update written out in Double, the
/// double-accumulated sum of squares, the running-average lerp, SGD's gradient scale;
/// and every one of them in both versions (AVX2/FMA and the scalar fallback).
@Suite struct AdamTests {
    /// PyTorch's `_single_tensor_adam`, plainly, in Double.
    static func reference(w: inout [Double], m: inout [Double], v: inout [Double], g: [Float], t: Int, lr: Double,
                          b1: Double, b2: Double, eps: Double, wd: Double, decoupled: Bool, scale: Double) {
        for i in w.indices {
            var gi = Double(g[i]) * scale
            if decoupled { w[i] *= 1 - lr * wd } else { gi += wd * w[i] }
            m[i] = b1 * m[i] + (1 - b1) * gi
            v[i] = b2 * v[i] + (1 - b2) * gi * gi
            let bc1 = 1 - pow(b1, Double(t)), bc2 = 1 - pow(b2, Double(t))
            w[i] -= lr / bc1 * m[i] / (v[i].squareRoot() / bc2.squareRoot() + eps)
        }
    }

    @Test(arguments: [(false, 0.9), (true, 0.9), (false, 0.3)])
    func fourStepsFollowTheFormulasWrittenOutInDouble(decoupled: Bool, beta1: Double) {
        var rng = SeededRNG(seed: 41)
        let count = 1037
        var w = rng.floats(count), m = [Float](repeating: 0, count: count), v = m
        var rw = w.map(Double.init), rm = [Double](repeating: 0, count: count), rv = rm
        for t in 1 ... 4 {
            let g = rng.floats(count)
            let lr = 0.01 / Double(t)
            let c = Adam.Coefficients(step: t, lr: lr, beta1: beta1, beta2: 0.999, eps: 1e-8, weightDecay: 0.05,
                                      decoupled: decoupled, gradientScale: 0.5)
            Adam.step(weights: &w, gradients: g, m: &m, v: &v, count: count, c)
            Self.reference(w: &rw, m: &rm, v: &rv, g: g, t: t, lr: lr, b1: beta1, b2: 0.999, eps: 1e-8, wd: 0.05,
                           decoupled: decoupled, scale: 0.5)
        }
        #expect(worstRelativeError(w, rw, floor: 1) < 1e-6)
        #expect(worstRelativeError(m, rm, floor: 1) < 1e-6)
        #expect(worstRelativeError(v, rv, floor: 1) < 1e-6)
    }

    @Test func adamSumOfSquaresLerpAndScaledSGDAgreeBetweenVersions() {
        var rng = SeededRNG(seed: 95)
        let n = 1003
        let x = rng.floats(n), g = rng.floats(n)
        for beta1 in [0.9, 0.4] {
            let r = both { () -> [Float] in
                var w = x, m = g, v = g.map { $0 * $0 }
                let c = Adam.Coefficients(step: 3, lr: 0.01, beta1: beta1, beta2: 0.99, eps: 1e-8, weightDecay: 0.1,
                                          decoupled: beta1 > 0.5, gradientScale: 0.7)
                Adam.step(weights: &w, gradients: g, m: &m, v: &v, count: n, c, threads: 1)
                return w + m + v
            }
            #expect(worstRelativeError(r.auto, r.scalar, floor: 1) < 1e-6, "beta1 \(beta1)")
        }
        let s = both { x.withUnsafeBufferPointer { ParameterMath.sumOfSquares($0.baseAddress!, count: n) } }
        let naive = x.reduce(0.0) { $0 + Double($1) * Double($1) }
        #expect(abs(s.auto - naive) <= 1e-12 * naive && abs(s.scalar - naive) <= 1e-12 * naive)
        let l = both { () -> [Float] in
            var a = x
            g.withUnsafeBufferPointer { ParameterMath.lerp(&a, toward: $0.baseAddress!, count: n, weight: 0.25, threads: 1) }
            return a
        }
        #expect(worstRelativeError(l.auto, l.scalar, floor: 1) < 1e-6)
        #expect(worstRelativeError(l.auto, zip(x, g).map { Double($0) + 0.25 * (Double($1) - Double($0)) }, floor: 1) < 1e-6)
        let sgd = both { () -> [Float] in
            var w = x, v = g
            SGD.step(weights: &w, gradients: g, velocity: &v, count: n, learningRate: 0.1, momentum: 0.9, weightDecay: 1e-3,
                     nesterov: false, gradientScale: 0.3, threads: 1)
            return w + v
        }
        #expect(worstRelativeError(sgd.auto, sgd.scalar, floor: 1) < 1e-6)
    }

    @Test func aGradientScaleOfOneLeavesSGDBitwiseUnchangedAndOtherScalesMultiplyTheGradient() {
        var rng = SeededRNG(seed: 96)
        let n = 517
        let x = rng.floats(n), g = rng.floats(n)
        var w1 = x, v1 = [Float](repeating: 0, count: n), w2 = x, v2 = v1, w3 = x, v3 = v1
        SGD.step(weights: &w1, gradients: g, velocity: &v1, count: n, learningRate: 0.1, momentum: 0.9, weightDecay: 0)
        SGD.step(weights: &w2, gradients: g, velocity: &v2, count: n, learningRate: 0.1, momentum: 0.9, weightDecay: 0, gradientScale: 1)
        #expect(w1 == w2 && v1 == v2)
        let half = g.map { $0 * 0.5 }
        SGD.step(weights: &w3, gradients: g, velocity: &v3, count: n, learningRate: 0.1, momentum: 0.9, weightDecay: 0, gradientScale: 0.5)
        #expect(v3 == half)   // the first step's buffer is the (scaled) gradient, exactly
        #expect(worstRelativeError(w3, zip(x, half).map { Double($0) - 0.1 * Double($1) }, floor: 1) < 1e-7)
    }
}
