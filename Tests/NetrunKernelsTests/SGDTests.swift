import Testing
import NetrunKernels

@Suite struct SGDTests {
    /// torch.optim.SGD's update written out plainly, in Double.
    static func reference(w: inout [Double], v: inout [Double], g: [Float], lr: Double, m: Double, wd: Double,
                          nesterov: Bool) {
        for i in w.indices {
            let d = Double(g[i]) + wd * w[i]
            v[i] = m * v[i] + d
            w[i] -= lr * (nesterov ? d + m * v[i] : v[i])
        }
    }

    @Test(arguments: [false, true])
    func threeStepsFollowPyTorchSemantics(nesterov: Bool) {
        var rng = SeededRNG(seed: 40)
        let count = 1037
        var w = rng.floats(count), v = [Float](repeating: 0, count: count)
        var rw = w.map(Double.init), rv = [Double](repeating: 0, count: count)
        for _ in 0 ..< 3 {
            let g = rng.floats(count)
            SGD.step(weights: &w, gradients: g, velocity: &v, count: count, learningRate: 0.1, momentum: 0.9,
                     weightDecay: 5e-4, nesterov: nesterov)
            Self.reference(w: &rw, v: &rv, g: g, lr: 0.1, m: 0.9, wd: 5e-4, nesterov: nesterov)
        }
        #expect(worstRelativeError(w, rw, floor: 1) < 1e-5)  // values are O(1): absolute 1e-5
        #expect(worstRelativeError(v, rv, floor: 1) < 1e-5)
    }

    @Test func zeroMomentumAndDecayIsPlainGradientDescent() {
        var w: [Float] = [1, 2, 3], v: [Float] = [0, 0, 0]
        SGD.step(weights: &w, gradients: [1, -1, 0.5], velocity: &v, count: 3, learningRate: 0.5, momentum: 0,
                 weightDecay: 0)
        #expect(w == [0.5, 2.5, 2.75])
    }
}
