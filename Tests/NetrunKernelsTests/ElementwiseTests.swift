import Testing
import NetrunKernels

@Suite struct ElementwiseTests {
    @Test(arguments: [0, 1, 7, 8, 9, 31, 32, 33, 1000])
    func addAccumulateAndSumMatchPlainLoops(count: Int) {
        var rng = SeededRNG(seed: UInt64(count) + 30)
        let a = rng.floats(count), b = rng.floats(count)
        var out = [Float](repeating: .nan, count: count)
        out.withUnsafeMutableBufferPointer { o in
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    guard let oa = o.baseAddress, let xa = pa.baseAddress, let xb = pb.baseAddress else { return }
                    Elementwise.add(xa, xb, into: oa, count: count)
                }
            }
        }
        #expect(out == zip(a, b).map { $0 + $1 })
        var y = b
        if count > 0 {
            Elementwise.accumulate(a, into: &y, count: count)
            #expect(y == zip(a, b).map { $0 + $1 })
            let s = Elementwise.sum(a, count: count)
            let ref = a.reduce(0.0) { $0 + Double($1) }
            #expect(abs(Double(s) - ref) < 1e-4 * Double(count) + 1e-6)
        }
    }
}
