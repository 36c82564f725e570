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

    @Test(arguments: [(0.01, 1003), (0, 9), (-0.5, 8), (1.5, 7), (0.2, 1)] as [(Float, Int)])
    func leakyReLUMatchesANaiveLoopInPlaceOrNot(slope: Float, count: Int) {
        var rng = SeededRNG(seed: 25 + UInt64(count))
        let x = rng.floats(count, in: -3 ... 3) + [0, -0.0], n = x.count, dy = rng.floats(n)
        let y0 = x.map { $0 > 0 ? $0 : slope * $0 }
        let dx0 = zip(x, dy).map { $0 > 0 ? $1 : slope * $1 }
        var y = [Float](repeating: .nan, count: n), dx = y
        LeakyReLU.forward(x, &y, count: n, slope: slope)
        LeakyReLU.backward(input: x, outputGradient: dy, inputGradient: &dx, count: n, slope: slope)
        #expect(zip(y, y0).allSatisfy { sameFloat($0, $1) } && zip(dx, dx0).allSatisfy { sameFloat($0, $1) })
        // In place: y == x, then dx == dy (the backward still reads the saved input).
        var inPlace = x, grad = dy
        inPlace.withUnsafeMutableBufferPointer { b in
            guard let p = b.baseAddress else { return }
            LeakyReLU.forward(p, p, count: n, slope: slope)
        }
        grad.withUnsafeMutableBufferPointer { b in
            guard let p = b.baseAddress else { return }
            LeakyReLU.backward(input: x, outputGradient: p, inputGradient: p, count: n, slope: slope)
        }
        #expect(zip(inPlace, y0).allSatisfy { sameFloat($0, $1) } && zip(grad, dx0).allSatisfy { sameFloat($0, $1) })
    }

    @Test(arguments: [0.01, 0, -0.7, 2] as [Float])
    func leakyReLUBackwardFromTheInputMatchesFiniteDifferences(slope: Float) {
        var rng = SeededRNG(seed: 26)
        // Away from the kink at 0 by more than the step.
        var x = rng.floats(203, in: 0.05 ... 3).enumerated().map { $0.offset % 2 == 0 ? $0.element : -$0.element }
        let dy = rng.floats(x.count)
        var dx = [Float](repeating: .nan, count: x.count)
        LeakyReLU.backward(input: x, outputGradient: dy, inputGradient: &dx, count: x.count, slope: slope)
        let err = finiteDifferenceError(values: &x, analytic: dx, step: 1e-2, samples: 203) {
            dot(Self.run({ LeakyReLU.forward($0, $1, count: $2, slope: slope) }, $0), dy)
        }
        #expect(err < 1e-3, "worst relative error \(err)")
    }

    @Test func reluForwardPropagatesNaNSoAnAllNaNInputStaysNaN() {
        let x = [Float](repeating: .nan, count: 21)
        let y = Self.run({ ReLU.forward($0, $1, count: $2) }, x)
        #expect(y.allSatisfy { $0.isNaN })
    }

    @Test func leakyReLUSplitAcrossThreadsGivesTheSameResult() {
        var rng = SeededRNG(seed: 27)
        let x = rng.floats(3 * Parallel.elementwiseGrain + 5, in: -5 ... 5), dy = rng.floats(x.count)
        var one = [Float](repeating: 0, count: x.count), two = one, d1 = one, d2 = one
        LeakyReLU.forward(x, &one, count: x.count, slope: 0.2, threads: 1)
        LeakyReLU.forward(x, &two, count: x.count, slope: 0.2, threads: 2)
        LeakyReLU.backward(input: x, outputGradient: dy, inputGradient: &d1, count: x.count, slope: 0.2, threads: 1)
        LeakyReLU.backward(input: x, outputGradient: dy, inputGradient: &d2, count: x.count, slope: 0.2, threads: 2)
        #expect(one == two && d1 == d2 && one == x.map { $0 > 0 ? $0 : 0.2 * $0 })
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
