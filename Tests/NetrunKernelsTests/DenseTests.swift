import Testing
import NetrunKernels

@Suite struct DenseTests {
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
    /// The batch-summing contract MPI relies on (Parallel.batchParts): backward with 2 threads
    /// gives bitwise what 1 thread gives on each half of the rows, added (two ranks' all-reduce).
    @Test func twoThreadsSumTheRowsAsTwoHalvesAdded() {
        let (rows, inputs, outputs) = (64, 300, 40)
        var rng = SeededRNG(seed: 92)
        let x = rng.floats(rows * inputs), wt = rng.floats(outputs * inputs), dy = rng.floats(rows * outputs)
        func backward(_ x: ArraySlice<Float>, _ dy: ArraySlice<Float>, rows: Int, threads: Int) -> (dw: [Float], db: [Float]) {
            var dw = [Float](repeating: .nan, count: wt.count), db = [Float](repeating: .nan, count: outputs)
            Dense.backward(input: Array(x), weight: wt, outputGradient: Array(dy), inputGradient: nil, weightGradient: &dw,
                           biasGradient: &db, rows: rows, inputs: inputs, outputs: outputs, accumulate: false, threads: threads)
            return (dw, db)
        }
        let whole = backward(x[...], dy[...], rows: rows, threads: 2)
        let h = rows / 2
        let a = backward(x[0 ..< h * inputs], dy[0 ..< h * outputs], rows: h, threads: 1)
        let b = backward(x[h * inputs ..< rows * inputs], dy[h * outputs ..< rows * outputs], rows: h, threads: 1)
        #expect(whole.dw == zip(a.dw, b.dw).map { $0 + $1 })
        #expect(whole.db == zip(a.db, b.db).map { $0 + $1 })
    }
}
