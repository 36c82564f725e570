import Testing
import NetrunKernels

@Suite struct DropoutTests {
    static func run(_ x: [Float], p: Float, seed: UInt64, step: UInt64, threads: Int) -> ([Float], [UInt8]) {
        var y = [Float](repeating: .nan, count: x.count), mask = [UInt8](repeating: 9, count: x.count)
        Dropout.forward(x, &y, mask: &mask, count: x.count, p: p, seed: seed, step: step, threads: threads)
        return (y, mask)
    }

    @Test func keptElementsAreScaledDroppedOnesZeroAndTheRateIsP() {
        var rng = SeededRNG(seed: 50)
        let x = rng.floats(200_003)
        let (y, mask) = Self.run(x, p: 0.3, seed: 1, step: 0, threads: 2)
        #expect(mask.allSatisfy { $0 <= 1 })
        for i in x.indices where y[i] != (mask[i] == 1 ? x[i] * (1 / Float(0.7)) : 0) {
            Issue.record("element \(i): x \(x[i]) mask \(mask[i]) y \(y[i])")
            break
        }
        let kept = Double(mask.reduce(0) { $0 + Int($1) }) / Double(x.count)
        #expect(abs(kept - 0.7) < 0.005, "kept fraction \(kept)")
    }

    @Test func theMaskDependsOnSeedAndStepButNotOnThreadCount() {
        let x = [Float](repeating: 1, count: 3 * Parallel.elementwiseGrain + 11)
        let a = Self.run(x, p: 0.5, seed: 7, step: 3, threads: 1).1
        #expect(Self.run(x, p: 0.5, seed: 7, step: 3, threads: 2).1 == a)
        #expect(Self.run(x, p: 0.5, seed: 7, step: 4, threads: 2).1 != a)
        #expect(Self.run(x, p: 0.5, seed: 8, step: 3, threads: 2).1 != a)
    }

    @Test func probabilityZeroKeepsEverything() {
        var rng = SeededRNG(seed: 51)
        let x = rng.floats(1001)
        let (y, mask) = Self.run(x, p: 0, seed: 2, step: 2, threads: 1)
        #expect(y == x)
        #expect(mask.allSatisfy { $0 == 1 })
    }

    @Test func backwardMultipliesByTheMaskAndScale() {
        var rng = SeededRNG(seed: 52)
        let x = rng.floats(1001), dy = rng.floats(1001)
        let mask = Self.run(x, p: 0.4, seed: 3, step: 1, threads: 1).1
        var dx = [Float](repeating: .nan, count: x.count)
        Dropout.backward(outputGradient: dy, mask: mask, inputGradient: &dx, count: x.count, p: 0.4)
        #expect(dx == zip(dy, mask).map { $1 == 1 ? $0 * (1 / Float(0.6)) : 0 })
    }
}
