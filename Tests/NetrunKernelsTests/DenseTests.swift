import Testing
import NetrunKernels

@Suite struct DenseTests {
    /// OpenBLAS single-threaded, as the executor runs it (Executor's process setup): several
    /// tests here claim bitwise equality, which OpenBLAS's own threads would void (they cut a
    /// product into other blocks; seen with its Zen kernels, when a suite that built an
    /// executor had not yet set this).
    init() { GEMM.threadCount = 1 }

    static func forward(_ x: [Float], _ wt: [Float], _ b: [Float]?, rows: Int, inputs: Int, outputs: Int, threads: Int) -> [Float] {
        var y = [Float](repeating: .nan, count: rows * outputs)
        if let b {
            Dense.forward(x, weight: wt, bias: b, &y, rows: rows, inputs: inputs, outputs: outputs, threads: threads)
        } else {
            Dense.forward(x, weight: wt, bias: nil, &y, rows: rows, inputs: inputs, outputs: outputs, threads: threads)
        }
        return y
    }

    @Test(arguments: [(3, 7, 5), (1, 1, 1), (4, 19, 11)])
    func forwardIsXTimesWTransposedPlusBias(rows: Int, inputs: Int, outputs: Int) {
        var rng = SeededRNG(seed: UInt64(rows * 100 + inputs))
        let x = rng.floats(rows * inputs), wt = rng.floats(outputs * inputs), b = rng.floats(outputs)
        var ref = [Double](repeating: 0, count: rows * outputs)
        for r in 0 ..< rows {
            for o in 0 ..< outputs {
                var s = Double(b[o])
                for i in 0 ..< inputs { s += Double(x[r * inputs + i]) * Double(wt[o * inputs + i]) }
                ref[r * outputs + o] = s
            }
        }
        for threads in [1, 2, 3] {
            #expect(worstRelativeError(Self.forward(x, wt, b, rows: rows, inputs: inputs, outputs: outputs, threads: threads), ref, floor: 1) < 1e-5)
            let noBias = Self.forward(x, wt, nil, rows: rows, inputs: inputs, outputs: outputs, threads: threads)
            #expect(worstRelativeError(noBias, zip(ref, (0 ..< ref.count).map { Double(b[$0 % outputs]) }).map { $0 - $1 }, floor: 1) < 1e-5)
        }
    }

    @Test(arguments: [1, 2])
    func backwardMatchesFiniteDifferencesAndAccumulates(threads: Int) {
        let (rows, inputs, outputs) = (4, 9, 6)
        var rng = SeededRNG(seed: 70)
        var x = rng.floats(rows * inputs), wt = rng.floats(outputs * inputs), b = rng.floats(outputs)
        let dy = rng.floats(rows * outputs)
        var dx = [Float](repeating: .nan, count: x.count), dw = [Float](repeating: .nan, count: wt.count)
        var db = [Float](repeating: .nan, count: outputs)
        Dense.backward(input: x, weight: wt, outputGradient: dy, inputGradient: &dx, weightGradient: &dw,
                       biasGradient: &db, rows: rows, inputs: inputs, outputs: outputs, accumulate: false, threads: threads)
        let (xs, ws, bs) = (x, wt, b)
        let f = { (x: [Float], w: [Float], b: [Float]) in
            dot(Self.forward(x, w, b, rows: rows, inputs: inputs, outputs: outputs, threads: 1), dy)
        }
        let ex = finiteDifferenceError(values: &x, analytic: dx) { f($0, ws, bs) }
        let ew = finiteDifferenceError(values: &wt, analytic: dw) { f(xs, $0, bs) }
        let eb = finiteDifferenceError(values: &b, analytic: db) { f(xs, ws, $0) }
        #expect(ex < 1e-2 && ew < 1e-2 && eb < 1e-2, "worst relative errors dx \(ex) dW \(ew) db \(eb)")
        // A second pass with accumulate doubles the parameter gradients.
        let (dw1, db1) = (dw, db)
        Dense.backward(input: x, weight: wt, outputGradient: dy, inputGradient: nil, weightGradient: &dw,
                       biasGradient: &db, rows: rows, inputs: inputs, outputs: outputs, accumulate: true, threads: threads)
        #expect(worstRelativeError(dw, dw1.map { 2 * $0 }, floor: 1) < 1e-6)
        #expect(worstRelativeError(db, db1.map { 2 * $0 }, floor: 1) < 1e-6)
    }

    /// The contract MPI relies on (Parallel.batchParts): one process with 2t threads makes
    /// bitwise the outputs and input gradient two processes of t threads make on the two
    /// halves of the rows (the same products); with t = 1 also the parameter gradients, added
    /// (two ranks' all-reduce). With t = 2 those differ in association, (P0 + P1) + (P2 + P3)
    /// against ((P0 + P1) + P2) + P3, so the claim is for ranks of one thread. 200 outputs make
    /// 7 chunks of forward and dW (the last one shorter), 300 inputs 7 of dx; the products run
    /// on whatever kernels OpenBLAS picked (.ci/cpus varies them).
    @Test(arguments: [1, 2])
    func threadsMakeWhatRanksHoldingTheirPartsMake(threadsPerRank: Int) {
        let (rows, inputs, outputs) = (64, 300, 200)
        #expect(Dense.chunk(perColumn: inputs, columns: outputs) == 32 && Dense.chunk(perColumn: outputs, columns: inputs) == 48)
        var rng = SeededRNG(seed: 92)
        let x = rng.floats(rows * inputs), wt = rng.floats(outputs * inputs), b = rng.floats(outputs), dy = rng.floats(rows * outputs)
        func run(_ x: ArraySlice<Float>, _ dy: ArraySlice<Float>, rows: Int, threads: Int) -> (y: [Float], dx: [Float], dw: [Float], db: [Float]) {
            var dx = [Float](repeating: .nan, count: rows * inputs)
            var dw = [Float](repeating: .nan, count: wt.count), db = [Float](repeating: .nan, count: outputs)
            let y = Self.forward(Array(x), wt, b, rows: rows, inputs: inputs, outputs: outputs, threads: threads)
            Dense.backward(input: Array(x), weight: wt, outputGradient: Array(dy), inputGradient: &dx, weightGradient: &dw,
                           biasGradient: &db, rows: rows, inputs: inputs, outputs: outputs, accumulate: false, threads: threads)
            return (y, dx, dw, db)
        }
        let whole = run(x[...], dy[...], rows: rows, threads: 2 * threadsPerRank)
        let h = rows / 2
        let a = run(x[0 ..< h * inputs], dy[0 ..< h * outputs], rows: h, threads: threadsPerRank)
        let c = run(x[h * inputs ..< rows * inputs], dy[h * outputs ..< rows * outputs], rows: h, threads: threadsPerRank)
        #expect(whole.y == a.y + c.y)
        #expect(whole.dx == a.dx + c.dx)
        if threadsPerRank == 1 {
            #expect(whole.dw == zip(a.dw, c.dw).map { $0 + $1 })
            #expect(whole.db == zip(a.db, c.db).map { $0 + $1 })
        }
    }

    /// Chunks: multiples of 16 columns (or all of them) near 4 MiB of W, at least 8 chunks
    /// from 128 columns: AlexNet's fc6 (9216 inputs) in 112s, fc7 in 256s, Fashion's 512 in 64s.
    @Test func chunksFollowTheShapeAlone() {
        #expect(Dense.chunk(perColumn: 9216, columns: 4096) == 112)
        #expect(Dense.chunk(perColumn: 4096, columns: 4096) == 256)
        #expect(Dense.chunk(perColumn: 512, columns: 512) == 64)
        #expect(Dense.chunk(perColumn: 512, columns: 10) == 10)
        #expect(Dense.chunk(perColumn: 1 << 22, columns: 100) == 16)
    }
}
