import Testing
import NetrunKernels

@Suite struct GEMMTests {
    func naive(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
               _ a: [Float], _ b: [Float], _ beta: Float, _ c: [Float]) -> [Double] {
        var out = [Double](repeating: 0, count: m * n)
        for i in 0 ..< m {
            for j in 0 ..< n {
                var s = 0.0
                for p in 0 ..< k {
                    let av = ta ? a[p * m + i] : a[i * k + p]
                    let bv = tb ? b[j * k + p] : b[p * n + j]
                    s += Double(av) * Double(bv)
                }
                out[i * n + j] = Double(alpha) * s + Double(beta) * Double(c[i * n + j])
            }
        }
        return out
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func multiplyMatchesTheNaiveProductForEveryTransposeCombination(ta: Bool, tb: Bool) {
        var rng = SeededRNG(seed: 11)
        let (m, n, k) = (7, 13, 5)
        let a = rng.floats(m * k), b = rng.floats(k * n), c0 = rng.floats(m * n)
        var c = c0
        GEMM.multiply(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.5,
                      a: a, b: b, beta: 2, c: &c)
        let ref = naive(ta, tb, m, n, k, 0.5, a, b, 2, c0)
        #expect(worstRelativeError(c, ref) < 1e-5)
    }

    @Test func leadingDimensionsSelectSubmatrices() {
        var rng = SeededRNG(seed: 12)
        // A is the left 3 columns of a [4, 6] matrix; C is written into a [4, 9] matrix.
        let big = rng.floats(4 * 6), b = rng.floats(3 * 2)
        var c = [Float](repeating: 7, count: 4 * 9)
        GEMM.multiply(m: 4, n: 2, k: 3, a: big, lda: 6, b: b, c: &c, ldc: 9)
        for i in 0 ..< 4 {
            for j in 0 ..< 2 {
                let s = (0 ..< 3).reduce(Float(0)) { $0 + big[i * 6 + $1] * b[$1 * 2 + j] }
                #expect(abs(c[i * 9 + j] - s) < 1e-5)
            }
            #expect(c[i * 9 + 2] == 7)
        }
    }

    @Test func threadCountCanBeSetAndReadBack() {
        let before = GEMM.threadCount
        GEMM.threadCount = 1
        #expect(GEMM.threadCount == 1)
        GEMM.threadCount = before
        #expect(GEMM.threadCount == before)
    }
}
