import Foundation
import Testing
import NetrunKernels

@Suite struct BatchNormTests {
    struct Shape: Sendable { var n, c, h, w: Int; var count: Int { n * c * h * w } }
    static let shapes = [Shape(n: 3, c: 4, h: 5, w: 3), Shape(n: 5, c: 3, h: 1, w: 1), Shape(n: 1, c: 2, h: 7, w: 9)]

    struct Result { var y, mean, invStd, rm, rv: [Float] }

    static func train(_ s: Shape, _ x: [Float], _ gamma: [Float], _ beta: [Float], rm: [Float], rv: [Float]) -> Result {
        var r = Result(y: .init(repeating: .nan, count: x.count), mean: .init(repeating: .nan, count: s.c),
                       invStd: .init(repeating: .nan, count: s.c), rm: rm, rv: rv)
        BatchNorm.forwardTraining(x, &r.y, n: s.n, c: s.c, spatial: s.h * s.w, gamma: gamma, beta: beta,
                                  runningMean: &r.rm, runningVariance: &r.rv, momentum: 0.1, epsilon: 1e-5,
                                  savedMean: &r.mean, savedInvStd: &r.invStd)
        return r
    }

    @Test(arguments: shapes)
    func trainingForwardNormalisesWithBatchStatisticsAndUpdatesRunningOnesLikePyTorch(s: Shape) {
        var rng = SeededRNG(seed: UInt64(s.count))
        let x = rng.floats(s.count, in: -3 ... 5), gamma = rng.floats(s.c), beta = rng.floats(s.c)
        let rm0 = rng.floats(s.c), rv0 = rng.floats(s.c, in: 0.5 ... 2)
        let r = Self.train(s, x, gamma, beta, rm: rm0, rv: rv0)
        let hw = s.h * s.w, m = Double(s.n * hw)
        var yRef = [Double](repeating: 0, count: x.count)
        for ch in 0 ..< s.c {
            var vals: [Double] = []
            for n in 0 ..< s.n { for p in 0 ..< hw { vals.append(Double(x[(n * s.c + ch) * hw + p])) } }
            let mean = vals.reduce(0, +) / m
            let variance = vals.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / m
            for n in 0 ..< s.n {
                for p in 0 ..< hw {
                    let i = (n * s.c + ch) * hw + p
                    yRef[i] = Double(gamma[ch]) * (Double(x[i]) - mean) / (variance + 1e-5).squareRoot() + Double(beta[ch])
                }
            }
            #expect(abs(Double(r.mean[ch]) - mean) < 1e-5)
            #expect(abs(Double(r.rm[ch]) - (0.9 * Double(rm0[ch]) + 0.1 * mean)) < 1e-5)
            let unbiased = variance * m / (m - 1)
            #expect(abs(Double(r.rv[ch]) - (0.9 * Double(rv0[ch]) + 0.1 * unbiased)) < 1e-5)
        }
        #expect(worstRelativeError(r.y, yRef, floor: 1) < 1e-5)
    }

    @Test func inferenceForwardUsesTheRunningStatistics() {
        let x: [Float] = [1, 2, 3, 4, 10, 20, 30, 40]   // n 1, c 2, 2x2
        var y = [Float](repeating: 0, count: 8)
        BatchNorm.forwardInference(x, &y, n: 1, c: 2, spatial: 4, gamma: [2, 1], beta: [0, 1],
                                   runningMean: [2, 20], runningVariance: [4, 100], epsilon: 0)
        #expect(worstRelativeError(y, [-1, 0, 1, 2, 0, 1, 2, 3] as [Double], floor: 1) < 1e-6)
    }

    @Test(arguments: shapes)
    func backwardMatchesFiniteDifferences(s: Shape) {
        var rng = SeededRNG(seed: UInt64(s.count) + 1)
        var x = rng.floats(s.count, in: -2 ... 2), gamma = rng.floats(s.c, in: 0.5 ... 1.5), beta = rng.floats(s.c)
        let dy = rng.floats(s.count)
        let r = Self.train(s, x, gamma, beta, rm: .init(repeating: 0, count: s.c), rv: .init(repeating: 1, count: s.c))
        var dx = [Float](repeating: .nan, count: x.count), dg = [Float](repeating: .nan, count: s.c), db = dg
        BatchNorm.backward(input: x, outputGradient: dy, inputGradient: &dx, n: s.n, c: s.c, spatial: s.h * s.w,
                           gamma: gamma, savedMean: r.mean, savedInvStd: r.invStd, gammaGradient: &dg,
                           betaGradient: &db, accumulate: false)
        let zeros = [Float](repeating: 0, count: s.c), ones = [Float](repeating: 1, count: s.c)
        let (gs, bs, xs) = (gamma, beta, x)
        let ex = finiteDifferenceError(values: &x, analytic: dx, step: 1e-2) {
            dot(Self.train(s, $0, gs, bs, rm: zeros, rv: ones).y, dy)
        }
        let eg = finiteDifferenceError(values: &gamma, analytic: dg) { dot(Self.train(s, xs, $0, bs, rm: zeros, rv: ones).y, dy) }
        let eb = finiteDifferenceError(values: &beta, analytic: db) { dot(Self.train(s, xs, gs, $0, rm: zeros, rv: ones).y, dy) }
        #expect(ex < 1e-2, "dx worst relative error \(ex)")
        #expect(eg < 1e-2, "dgamma worst relative error \(eg)")
        #expect(eb < 1e-2, "dbeta worst relative error \(eb)")
    }

    /// A frozen batch norm is `forwardInference`, linear in x: its input gradient against
    /// finite differences of that forward.
    @Test(arguments: shapes)
    func frozenBackwardMatchesFiniteDifferencesOfTheInferenceForward(s: Shape) {
        var rng = SeededRNG(seed: UInt64(s.count) + 7)
        var x = rng.floats(s.count, in: -2 ... 2)
        let gamma = rng.floats(s.c, in: 0.5 ... 1.5), beta = rng.floats(s.c), rm = rng.floats(s.c), rv = rng.floats(s.c, in: 0.5 ... 2)
        let dy = rng.floats(s.count)
        var dx = [Float](repeating: .nan, count: x.count)
        BatchNorm.backwardFrozen(outputGradient: dy, inputGradient: &dx, n: s.n, c: s.c, spatial: s.h * s.w, gamma: gamma,
                                 runningVariance: rv, epsilon: 1e-5)
        let e = finiteDifferenceError(values: &x, analytic: dx, step: 1e-2) { xs in
            var y = [Float](repeating: 0, count: xs.count)
            BatchNorm.forwardInference(xs, &y, n: s.n, c: s.c, spatial: s.h * s.w, gamma: gamma, beta: beta,
                                       runningMean: rm, runningVariance: rv, epsilon: 1e-5)
            return dot(y, dy)
        }
        #expect(e < 1e-2, "dx worst relative error \(e)")
    }
}
