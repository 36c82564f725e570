import Foundation
import Testing
import NetrunKernels

@Suite struct SoftmaxCrossEntropyTests {
    @Test func softmaxRowsSumToOneAndMatchTheFormulaEvenForHugeLogits() {
        let z: [Float] = [1, 2, 3, 1000, 1001, 1002, -50, 0, 50]
        var p = [Float](repeating: .nan, count: 9)
        Softmax.forward(z, &p, rows: 3, classes: 3)
        let ref = [0.09003057, 0.24472847, 0.66524096]
        for r in 0 ..< 2 { for j in 0 ..< 3 { #expect(abs(Double(p[r * 3 + j]) - ref[j]) < 1e-6) } }
        #expect(abs(p[8] - 1) < 1e-6 && p[6] >= 0)
    }

    @Test(arguments: [1, 7, 8, 17, 1000])
    func softmaxBackwardMatchesTheFormulaFiniteDifferencesAndRunsInPlace(classes: Int) {
        var rng = SeededRNG(seed: 82 + UInt64(classes))
        let rows = 5
        var z = rng.floats(rows * classes, in: -4 ... 4)
        let dy = rng.floats(z.count)
        var y = [Float](repeating: .nan, count: z.count)
        Softmax.forward(z, &y, rows: rows, classes: classes)
        var dx = [Float](repeating: .nan, count: z.count)
        Softmax.backward(output: y, outputGradient: dy, inputGradient: &dx, rows: rows, classes: classes)
        var ref = [Double](repeating: 0, count: z.count)
        for r in 0 ..< rows {
            let o = r * classes
            let dot = (0 ..< classes).reduce(0.0) { $0 + Double(dy[o + $1]) * Double(y[o + $1]) }
            for j in 0 ..< classes { ref[o + j] = Double(y[o + j]) * (Double(dy[o + j]) - dot) }
        }
        // Absolute against the largest gradient: y * (dy - dot) cancels where dy is near dot.
        let scale = ref.map(abs).max() ?? 1
        #expect(worstRelativeError(dx, ref, floor: scale) < 1e-6)
        let err = finiteDifferenceError(values: &z, analytic: dx, step: 1e-2, samples: 40) { v in
            var p = [Float](repeating: 0, count: v.count)
            Softmax.forward(v, &p, rows: rows, classes: classes)
            return dot(p, dy)
        }
        #expect(err < 1e-2, "worst relative error \(err)")
        var inPlace = dy
        inPlace.withUnsafeMutableBufferPointer { b in
            guard let p = b.baseAddress else { return }
            Softmax.backward(output: y, outputGradient: p, inputGradient: p, rows: rows, classes: classes)
        }
        #expect(inPlace == dx)
    }

    @Test func softmaxBackwardSplitOverTwoThreadsGivesTheSameResult() {
        var rng = SeededRNG(seed: 83)
        let (rows, classes) = (131, 1001) // above two elementwise grains
        let y = rng.floats(rows * classes, in: 0 ... 1), dy = rng.floats(rows * classes)
        var one = [Float](repeating: .nan, count: y.count), two = one
        Softmax.backward(output: y, outputGradient: dy, inputGradient: &one, rows: rows, classes: classes, threads: 1)
        Softmax.backward(output: y, outputGradient: dy, inputGradient: &two, rows: rows, classes: classes, threads: 2)
        #expect(one == two)
    }

    @Test func lossIsTheWeightedMeanNegativeLogLikelihood() {
        var rng = SeededRNG(seed: 80)
        let (rows, classes) = (5, 7)
        let z = rng.floats(rows * classes, in: -5 ... 5)
        let labels: [Int32] = [0, 6, 3, 3, 1]
        var p = [Float](repeating: .nan, count: z.count)
        let loss = SoftmaxCrossEntropy.forward(logits: z, labels: labels, probabilities: &p, rows: rows, classes: classes, weight: 0.3)
        var ref = 0.0
        for r in 0 ..< rows {
            let row = z[r * classes ..< (r + 1) * classes].map(Double.init)
            let lse = Foundation.log(row.map { Foundation.exp($0) }.reduce(0, +))
            ref += lse - row[Int(labels[r])]
        }
        ref *= 0.3 / Double(rows)
        #expect(abs(Double(loss) - ref) < 1e-5 * max(1, abs(ref)))
    }

    @Test func backwardIsWeightTimesSoftmaxMinusOneHotOverN() {
        var rng = SeededRNG(seed: 81)
        let (rows, classes) = (4, 6)
        var z = rng.floats(rows * classes, in: -3 ... 3)
        let labels: [Int32] = [5, 0, 2, 2]
        var p = [Float](repeating: .nan, count: z.count)
        _ = SoftmaxCrossEntropy.forward(logits: z, labels: labels, probabilities: &p, rows: rows, classes: classes, weight: 0.7)
        var dz = [Float](repeating: .nan, count: z.count)
        SoftmaxCrossEntropy.backward(probabilities: p, labels: labels, logitsGradient: &dz, rows: rows, classes: classes, weight: 0.7)
        let err = finiteDifferenceError(values: &z, analytic: dz, step: 1e-2, samples: 24) { v in
            var q = [Float](repeating: 0, count: v.count)
            return Double(SoftmaxCrossEntropy.forward(logits: v, labels: labels, probabilities: &q, rows: rows,
                                                      classes: classes, weight: 0.7))
        }
        #expect(err < 1e-2, "worst relative error \(err)")
        var acc = [Float](repeating: 1, count: z.count)
        SoftmaxCrossEntropy.backward(probabilities: p, labels: labels, logitsGradient: &acc, rows: rows, classes: classes,
                                     weight: 0.7, accumulate: true)
        #expect(worstRelativeError(acc, dz.map { $0 + 1 }, floor: 1) < 1e-6)
    }

    /// x = ((torch.arange(15., dtype=torch.float64).reshape(3,5) * 0.37) % 2.1 - 1).float().requires_grad_()
    /// l = F.cross_entropy(x, torch.tensor([2, 0, 4]), label_smoothing=eps); l.backward(); print(l.item(), x.grad)
    /// (PyTorch 2.15)
    @Test(arguments: [
        (Float(0.1), 1.527636170387268, [0.021178462, 0.033645686, -0.248305053, 0.077825427, 0.115655459, -0.164427221, 0.018550165,
                                         0.029840609, 0.046186186, 0.069850236, 0.085569352, 0.126866609, 0.017006705, 0.027606089,
                                         -0.257048786]),
        (Float(0.3), 1.5836360454559326, [0.007845134, 0.02031236, -0.19497174, 0.064492114, 0.102322146, -0.111093871, 0.005216839,
                                          0.016507287, 0.032852866, 0.056516927, 0.072236016, 0.113533281, 0.003673372, 0.014272756,
                                          -0.203715473]),
    ])
    func labelSmoothingMatchesPyTorch(smoothing: Float, loss expectedLoss: Double, gradient expected: [Double]) {
        let z: [Float] = [-1.0, -0.63, -0.26, 0.11, 0.48, 0.85, -0.88, -0.51, -0.14, 0.23, 0.6, 0.97, -0.76, -0.39, -0.02]
        let labels: [Int32] = [2, 0, 4]
        var p = [Float](repeating: .nan, count: z.count), dz = p
        let loss = SoftmaxCrossEntropy.forward(logits: z, labels: labels, probabilities: &p, rows: 3, classes: 5, smoothing: smoothing)
        SoftmaxCrossEntropy.backward(probabilities: p, labels: labels, logitsGradient: &dz, rows: 3, classes: 5, smoothing: smoothing)
        #expect(abs(Double(loss) - expectedLoss) < 1e-6 * expectedLoss, "loss \(loss), PyTorch's \(expectedLoss)")
        let err = worstRelativeError(dz, expected, floor: 1e-2)
        #expect(err < 1e-5, "gradient: largest relative difference \(err)")
    }

    /// With smoothing, the backward is still the forward's derivative (finite differences),
    /// weighted; without, the old formula bit for bit.
    @Test func smoothedBackwardIsTheDerivativeOfTheSmoothedLoss() {
        var rng = SeededRNG(seed: 82)
        let (rows, classes) = (4, 6)
        var z = rng.floats(rows * classes, in: -3 ... 3)
        let labels: [Int32] = [5, 0, 2, 2]
        var p = [Float](repeating: .nan, count: z.count), dz = p
        _ = SoftmaxCrossEntropy.forward(logits: z, labels: labels, probabilities: &p, rows: rows, classes: classes, weight: 0.7, smoothing: 0.2)
        SoftmaxCrossEntropy.backward(probabilities: p, labels: labels, logitsGradient: &dz, rows: rows, classes: classes, weight: 0.7,
                                     smoothing: 0.2)
        let err = finiteDifferenceError(values: &z, analytic: dz, step: 1e-2, samples: 24) { v in
            var q = [Float](repeating: 0, count: v.count)
            return Double(SoftmaxCrossEntropy.forward(logits: v, labels: labels, probabilities: &q, rows: rows,
                                                      classes: classes, weight: 0.7, smoothing: 0.2))
        }
        #expect(err < 1e-2, "worst relative error \(err)")
        var plain = [Float](repeating: .nan, count: z.count), zero = plain
        SoftmaxCrossEntropy.backward(probabilities: p, labels: labels, logitsGradient: &plain, rows: rows, classes: classes)
        SoftmaxCrossEntropy.backward(probabilities: p, labels: labels, logitsGradient: &zero, rows: rows, classes: classes, smoothing: 0)
        #expect(plain == zero)
        for r in 0 ..< rows {
            for j in 0 ..< classes where j != Int(labels[r]) { #expect(dz[r * classes + j] != 0.7 / Float(rows) * p[r * classes + j]) }
        }
    }
}
