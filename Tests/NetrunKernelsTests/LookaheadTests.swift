import Testing
import NetrunKernels

/// Lookahead's synchronization: `slow + alpha·(w − slow)` with one rounding of the
/// multiply-add (Swift's `addingProduct`, PyTorch's `add_(…, alpha=)`), the same bits on
/// every instruction set this CPU runs and for any thread count, every length of the
/// vector blocks and their tails.
@Suite struct LookaheadTests {
    static func reference(_ w: [Float], _ slow: [Float], alpha: Float) -> [Float] {
        zip(w, slow).map { w, s in s.addingProduct(alpha, w - s) }
    }

    static func synchronize(_ w: [Float], _ slow: [Float], alpha: Float, threads: Int) -> (w: [Float], slow: [Float]) {
        var w = w + [7], slow = slow + [7]   // one past the end: must stay 7
        let n = w.count - 1
        w.withUnsafeMutableBufferPointer { wb in
            slow.withUnsafeMutableBufferPointer { sb in
                Lookahead.synchronize(weights: wb.baseAddress!, slow: sb.baseAddress!, count: n, alpha: alpha, threads: threads)
            }
        }
        return (w, slow)
    }

    @Test(arguments: Array(1 ... 40) + [1005, 100_003])
    func everyPathGivesTheFusedReferenceBits(n: Int) {
        var rng = SeededRNG(seed: 900 + UInt64(n))
        let w = rng.floats(n, in: -2 ... 2), slow = rng.floats(n, in: -2 ... 2)
        let expected = Self.reference(w, slow, alpha: 0.37) + [7]
        // A forced level holds on this thread only: each level on one thread, then the
        // process's own level (NETRUN_ISA's under .ci/cpus) split over two.
        var runs: [(String, (w: [Float], slow: [Float]))] = []
        for isa in ISA.allCases where isa <= KernelDispatch.cpuISA {
            KernelDispatch.force(isa)
            runs.append(("\(isa)", Self.synchronize(w, slow, alpha: 0.37, threads: 1)))
        }
        KernelDispatch.force(nil)
        runs.append(("two threads", Self.synchronize(w, slow, alpha: 0.37, threads: 2)))
        for (name, r) in runs {
            #expect(r.slow.map(\.bitPattern) == expected.map(\.bitPattern), "\(name), length \(n)")
            #expect(r.w.map(\.bitPattern) == expected.map(\.bitPattern), "\(name): the fast weights restart from the slow ones")
        }
    }

    @Test func alphaOneTakesTheFastWeightsAndAHalfTheMidpoint() {
        let one = Self.synchronize([1, -2, 3.5], [0, 0, 1], alpha: 1, threads: 1)
        #expect(one.slow == [1, -2, 3.5, 7])
        let half = Self.synchronize([1, -2, 3.5], [0, 0, 1], alpha: 0.5, threads: 1)
        #expect(half.w == [0.5, -1, 2.25, 7])
    }
}
