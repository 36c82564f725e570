import Testing
import NetrunKernels

@Suite struct AddTests {
    /// Runs `body` with pointers to `k` consecutive slices of `count` floats of `flat`.
    static func slices<T>(_ flat: [Float], _ k: Int, _ count: Int, _ body: ([UnsafePointer<Float>]) -> T) -> T? {
        flat.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return nil }
            return body((0 ..< k).map { base + $0 * count })
        }
    }

    static func add(_ flat: [Float], _ k: Int, _ count: Int, threads: Int = Parallel.processorCount) -> [Float] {
        var y = [Float](repeating: .nan, count: count)
        _ = Self.slices(flat, k, count) { Add.forward($0, into: &y, count: count, threads: threads) }
        return y
    }

    @Test(arguments: [2, 3, 5], [1, 7, 8, 9, 33, 1000])
    func forwardIsTheLeftToRightFloatSum(inputs k: Int, count: Int) {
        var rng = SeededRNG(seed: 140 + UInt64(k * count))
        let flat = rng.floats(k * count, in: -10 ... 10)
        var ref = [Float](repeating: 0, count: count)
        for i in 0 ..< count {
            var s = flat[i] + flat[count + i]
            for j in 2 ..< k { s += flat[j * count + i] }
            ref[i] = s
        }
        #expect(Self.add(flat, k, count) == ref)
    }

    @Test(arguments: [0, 1])
    func forwardMayWriteOverTheFirstOrSecondInput(alias: Int) {
        var rng = SeededRNG(seed: 150)
        let count = 29
        var flat = rng.floats(3 * count)
        let ref = Self.add(flat, 3, count)
        flat.withUnsafeMutableBufferPointer { b in
            guard let base = b.baseAddress else { return }
            let xs = (0 ..< 3).map { UnsafePointer(base + $0 * count) }
            Add.forward(xs, into: base + alias * count, count: count)
        }
        #expect(Array(flat[alias * count ..< (alias + 1) * count]) == ref)
    }

    @Test(arguments: [1, 9, 1000])
    func backwardCopiesOrAddsTheOutputGradient(count: Int) {
        var rng = SeededRNG(seed: 160 + UInt64(count))
        let dy = rng.floats(count), old = rng.floats(count)
        var dx = [Float](repeating: .nan, count: count)
        Add.backward(outputGradient: dy, inputGradient: &dx, count: count)
        #expect(dx == dy)
        var acc = old
        Add.backward(outputGradient: dy, inputGradient: &acc, count: count, accumulate: true)
        #expect(acc == zip(old, dy).map { $0 + $1 })
    }

    @Test func backwardMatchesFiniteDifferencesForEveryInput() {
        var rng = SeededRNG(seed: 170)
        let (k, count) = (3, 21)
        var flat = rng.floats(k * count)
        let w = rng.floats(count)
        var analytic = [Float](repeating: .nan, count: k * count)
        analytic.withUnsafeMutableBufferPointer { b in
            guard let base = b.baseAddress else { return }
            for j in 0 ..< k { Add.backward(outputGradient: w, inputGradient: base + j * count, count: count) }
        }
        let err = finiteDifferenceError(values: &flat, analytic: analytic, samples: k * count) { dot(Self.add($0, k, count), w) }
        #expect(err < 1e-3, "worst relative error \(err)")
    }

    @Test func longRangesSplitAcrossThreadsGiveTheSameResult() {
        var rng = SeededRNG(seed: 180)
        let count = 2 * Parallel.elementwiseGrain + 3
        let flat = rng.floats(3 * count)
        #expect(Self.add(flat, 3, count, threads: 1) == Self.add(flat, 3, count, threads: 2))
        var one = [Float](repeating: 1, count: count), two = one
        let dy = Array(flat[..<count])
        Add.backward(outputGradient: dy, inputGradient: &one, count: count, accumulate: true, threads: 1)
        Add.backward(outputGradient: dy, inputGradient: &two, count: count, accumulate: true, threads: 2)
        #expect(one == two && one == dy.map { $0 + 1 })
    }
}
