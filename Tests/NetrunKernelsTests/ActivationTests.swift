import Foundation
import Testing
import NetrunKernels

@Suite struct ActivationTests {
    /// Odd count (tails), large and tiny magnitudes, exact zero.
    static func inputs() -> [Float] {
        var rng = SeededRNG(seed: 21)
        return rng.floats(1003, in: -6 ... 6) + [0, -0, 1e-6, -1e-6, 3e-3, 0.6249, 0.6251, 30, -30, 100, -100, 1e-30]
    }

    typealias Forward = (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    static func run(_ f: Forward, _ x: [Float]) -> [Float] {
        var y = [Float](repeating: .nan, count: x.count)
        f(x, &y, x.count)
        return y
    }

    @Test func reluForwardIsExactAndBackwardMasksByTheOutput() {
        let x = Self.inputs()
        let y = Self.run({ ReLU.forward($0, $1, count: $2) }, x)
        #expect(y == x.map { max($0, 0) })
        var rng = SeededRNG(seed: 22)
        let dy = rng.floats(x.count)
        var dx = [Float](repeating: .nan, count: x.count)
        ReLU.backward(output: y, outputGradient: dy, inputGradient: &dx, count: x.count)
        #expect(dx == zip(y, dy).map { $0 > 0 ? $1 : 0 })
    }

    @Test func sigmoidForwardMatchesTheDoubleFormula() {
        let x = Self.inputs()
        let y = Self.run({ Sigmoid.forward($0, $1, count: $2) }, x)
        let ref = x.map { 1 / (1 + Foundation.exp(-Double($0))) }
        let err = worstRelativeError(y, ref, floor: 1e-30)
        #expect(err < 2e-6, "worst relative error \(err)")
    }

    @Test func tanhForwardMatchesTheDoubleFormulaIncludingTinyInputs() {
        let x = Self.inputs()
        let y = Self.run({ Tanh.forward($0, $1, count: $2) }, x)
        let ref = x.map { Foundation.tanh(Double($0)) }
        let err = worstRelativeError(y, ref, floor: 1e-30)
        #expect(err < 2e-6, "worst relative error \(err)")
    }

    @Test(arguments: ["sigmoid", "tanh"])
    func backwardFromTheOutputMatchesFiniteDifferences(kind: String) {
        let forward: Forward = kind == "sigmoid" ? { Sigmoid.forward($0, $1, count: $2) } : { Tanh.forward($0, $1, count: $2) }
        var rng = SeededRNG(seed: 23)
        var x = rng.floats(301, in: -4 ... 4)
        let dy = rng.floats(x.count)
        let y = Self.run(forward, x)
        var dx = [Float](repeating: .nan, count: x.count)
        if kind == "sigmoid" {
            Sigmoid.backward(output: y, outputGradient: dy, inputGradient: &dx, count: x.count)
        } else {
            Tanh.backward(output: y, outputGradient: dy, inputGradient: &dx, count: x.count)
        }
        let err = finiteDifferenceError(values: &x, analytic: dx, step: 1e-2, samples: 301) {
            dot(Self.run(forward, $0), dy)
        }
        #expect(err < 1e-2, "worst relative error \(err)")
    }

    @Test func longRangesSplitAcrossThreadsGiveTheSameResult() {
        var rng = SeededRNG(seed: 24)
        let x = rng.floats(3 * Parallel.elementwiseGrain + 5, in: -5 ... 5)
        var one = [Float](repeating: 0, count: x.count), two = one
        Tanh.forward(x, &one, count: x.count, threads: 1)
        Tanh.forward(x, &two, count: x.count, threads: 2)
        #expect(one == two)
    }
}
