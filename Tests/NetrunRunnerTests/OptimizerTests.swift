import Foundation
import Testing
import NetrunConfig
@testable import NetrunRunner

/// PyTorch's optimizers, run by `torchOptimizerScript` (below) on a small problem whose
/// weights and gradients are exact binary fractions, so both sides start from the same
/// floats: five steps with a learning rate changing each step, every tensor compared.
/// The live comparison runs when python3 can import torch; the pinned weights were printed
/// by the same script (torch 2.15, CPU) and always run.
@Suite struct OptimizerTests {
    /// The tensors: a dense layer, batch norm (its running mean is not learnable), a conv.
    static let slices: [ParameterSlice] = {
        let specs: [(String, [Int], Bool)] = [("fc.weight", [3, 4], true), ("fc.bias", [3], true), ("bn.weight", [3], true),
                                             ("bn.bias", [3], true), ("bn.running_mean", [3], false), ("conv.weight", [2, 1, 3, 3], true)]
        var offset = 0
        return specs.map { name, shape, learnable in
            let n = shape.reduce(1, *)
            defer { offset += n }
            return ParameterSlice(name: name, shape: shape, offset: offset, count: n, learnable: learnable)
        }
    }()
    static let count = 42
    static let steps = 5

    static func initialWeights() -> [Float] { (0 ..< count).map { Float((($0 * 37) % 101) - 50) / 64 } }
    static func gradients(step k: Int) -> [Float] { (0 ..< count).map { Float((($0 * 13 + k * 7) % 29) - 14) / 16 } }
    static func rate(_ base: Double, step k: Int) -> Double { base * (1 - 0.1 * Double(k)) }
    /// The momentum (Adam: beta1) of step `k` in the cases a schedule cycles it (one_cycle).
    static func cycledMomentum(step k: Int) -> Double { 0.95 - 0.025 * Double(k) }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var algorithm: Optimizer.Algorithm
        var lr: Double
        var weightDecay: Double = 0
        var clipNorm: Double? = nil
        var decayBias = true
        /// The momentum changes every step (`cycledMomentum`), as one_cycle sets it.
        var cycled = false
        var lookahead: OptimizerConfig.Lookahead? = nil
        /// Per tensor: [lr_mult, decay_mult] (a PyTorch parameter group each); and frozen
        /// tensors (`requires_grad=False`: no gradient, not in the optimizer).
        var multipliers: [String: [Double]] = [:]
        var frozen: Set<String> = []
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "sgd_momentum_decay", algorithm: .sgd(momentum: 0.9, nesterov: false), lr: 0.1, weightDecay: 0.01),
        Case(name: "sgd_nesterov", algorithm: .sgd(momentum: 0.9, nesterov: true), lr: 0.1, weightDecay: 0.01),
        Case(name: "sgd_plain", algorithm: .sgd(momentum: 0, nesterov: false), lr: 0.1),
        Case(name: "adam_l2", algorithm: .adam(beta1: 0.9, beta2: 0.999, eps: 1e-8, decoupled: false), lr: 0.01, weightDecay: 0.01),
        Case(name: "adamw", algorithm: .adam(beta1: 0.9, beta2: 0.999, eps: 1e-8, decoupled: true), lr: 0.01, weightDecay: 0.1),
        Case(name: "adam_betas_half", algorithm: .adam(beta1: 0.5, beta2: 0.9, eps: 1e-6, decoupled: false), lr: 0.01),
        Case(name: "sgd_clip", algorithm: .sgd(momentum: 0.9, nesterov: false), lr: 0.1, weightDecay: 0.01, clipNorm: 1),
        Case(name: "sgd_clip_inactive", algorithm: .sgd(momentum: 0.9, nesterov: false), lr: 0.1, weightDecay: 0.01, clipNorm: 100),
        Case(name: "sgd_no_bias_decay", algorithm: .sgd(momentum: 0.9, nesterov: false), lr: 0.1, weightDecay: 0.05, decayBias: false),
        Case(name: "adamw_clip_no_bias_decay", algorithm: .adam(beta1: 0.9, beta2: 0.999, eps: 1e-8, decoupled: true), lr: 0.01,
             weightDecay: 0.1, clipNorm: 0.5, decayBias: false),
        Case(name: "sgd_cycled_momentum", algorithm: .sgd(momentum: 0.95, nesterov: false), lr: 0.1, weightDecay: 0.01, cycled: true),
        Case(name: "sgd_nesterov_cycled_momentum", algorithm: .sgd(momentum: 0.95, nesterov: true), lr: 0.1, cycled: true),
        Case(name: "adam_cycled_beta1", algorithm: .adam(beta1: 0.95, beta2: 0.999, eps: 1e-8, decoupled: false), lr: 0.01,
             weightDecay: 0.01, cycled: true),
        Case(name: "sgd_lookahead", algorithm: .sgd(momentum: 0.9, nesterov: false), lr: 0.1, weightDecay: 0.01,
             lookahead: .init(k: 2, alpha: 0.5)),
        Case(name: "adamw_lookahead_no_bias_decay", algorithm: .adam(beta1: 0.9, beta2: 0.999, eps: 1e-8, decoupled: true), lr: 0.01,
             weightDecay: 0.1, decayBias: false, lookahead: .init(k: 3, alpha: 0.8)),
        Case(name: "sgd_groups_frozen", algorithm: .sgd(momentum: 0.9, nesterov: false), lr: 0.1, weightDecay: 0.01, clipNorm: 1,
             multipliers: ["fc.weight": [0.5, 2], "fc.bias": [2, 0], "conv.weight": [1, 0.5]], frozen: ["bn.weight", "bn.bias"]),
        Case(name: "adam_groups", algorithm: .adam(beta1: 0.9, beta2: 0.999, eps: 1e-8, decoupled: false), lr: 0.01, weightDecay: 0.01,
             multipliers: ["fc.weight": [0.1, 1], "fc.bias": [2, 0], "bn.weight": [0, 1], "conv.weight": [3, 2]]),
    ]

    /// The case's tensors, with its multipliers and frozen tensors.
    static func slices(_ c: Case) -> [ParameterSlice] {
        slices.map { s in
            var s = s
            if let m = c.multipliers[s.name] { (s.lrMult, s.decayMult) = (m[0], m[1]) }
            if c.frozen.contains(s.name) { s.learnable = false }
            return s
        }
    }

    /// Runs a case's five steps; the weights after them and the optimizer.
    static func run(_ c: Case, threads: Int = 1) throws -> (weights: [Float], optimizer: Optimizer) {
        var optimizer = try Optimizer(algorithm: c.algorithm, weightDecay: c.weightDecay, clipNorm: c.clipNorm, decayBias: c.decayBias,
                                      lookahead: c.lookahead, tensors: slices(c))
        var w = initialWeights()
        for k in 0 ..< steps {
            let g = gradients(step: k)
            w.withUnsafeMutableBufferPointer { wb in
                g.withUnsafeBufferPointer { gb in
                    optimizer.step(weights: wb.baseAddress!, gradients: gb.baseAddress!, lr: rate(c.lr, step: k),
                                   momentum: c.cycled ? cycledMomentum(step: k) : nil, threads: threads)
                }
            }
        }
        return (w, optimizer)
    }

    /// Largest `|a - b| / max(|b|, floor)`. The floor is the scale of what was added up: a
    /// weight is its start (|w| ≤ 0.8) plus five updates of about lr·|g| ≈ 0.1 each, and
    /// float rounding errs by ulps of those terms whatever the sum (PyTorch fuses some
    /// multiply-adds, netrun's AVX paths others, its scalar path none), so a weight that
    /// cancels to near 0 keeps an absolute error of about 1e-8: 1e-6 of 0.1 covers it, and
    /// a 0.5% change of the rate (1e-3 and more) still fails.
    static func worst(_ a: [Float], _ b: [Float], floor: Double = 0.1) -> Double {
        precondition(a.count == b.count)
        return zip(a, b).map { abs(Double($0) - Double($1)) / max(abs(Double($1)), floor) }.max() ?? 0
    }

    @Test(arguments: cases)
    func fiveStepsMatchThePinnedPyTorchWeights(_ c: Case) throws {
        let expected = try #require(Self.pinned[c.name])
        let (w, _) = try Self.run(c)
        let e = Self.worst(w, expected)
        #expect(e < 1e-6, "\(c.name): worst relative difference \(e)")
        // The running mean is never touched; clipping really clipped (or not) as intended.
        #expect(w[21 ..< 24].elementsEqual(Self.initialWeights()[21 ..< 24]))
    }

    @Test(.enabled(if: torchAvailable || torchRequired, "python3 with torch"))
    func fiveStepsAndTheStateMatchPyTorchRunLive() throws {
        try #require(torchAvailable, "NETRUN_REQUIRE_TORCH is set but python3 cannot import torch")
        let output = try runPython(Self.torchOptimizerScript)
        let all = try JSONDecoder().decode([String: TorchResult].self, from: Data(output.utf8))
        for c in Self.cases {
            let torch = try #require(all[c.name], "\(c.name) missing from the script's output")
            let (w, optimizer) = try Self.run(c, threads: 2)
            let e = Self.worst(w, torch.weights)
            #expect(e < 1e-6, "\(c.name): weights, worst relative difference \(e)")
            let state = optimizer.state()
            #expect(Set(state.buffers.keys) == Set(torch.state.keys), "\(c.name): buffer names")
            for (key, values) in torch.state {
                guard let mine = state.buffers[key] else { continue }
                // Buffers are sums of O(1) gradient terms and may cancel to near 0: compared
                // against their scale (1), not their own size.
                let e = Self.worst(mine, values, floor: 1)
                #expect(e < 1e-6, "\(c.name): \(key), worst relative difference \(e)")
            }
        }
    }

    struct TorchResult: Decodable {
        var weights: [Float]
        var state: [String: [Float]]
    }

    @Test func clippingScalesTheGradientsByMaxNormOverTheGlobalNorm() throws {
        // One step of plain SGD with lr 1: the update is the clipped gradient itself.
        let g = Self.gradients(step: 0)
        let learnable = Self.slices.filter(\.learnable).flatMap { Array(g[$0.offset ..< $0.offset + $0.count]) }
        let norm = learnable.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        var optimizer = try Optimizer(algorithm: .sgd(momentum: 0, nesterov: false), clipNorm: 0.25, tensors: Self.slices)
        var w = [Float](repeating: 0, count: Self.count)
        w.withUnsafeMutableBufferPointer { wb in
            g.withUnsafeBufferPointer { optimizer.step(weights: wb.baseAddress!, gradients: $0.baseAddress!, lr: 1) }
        }
        #expect(abs((optimizer.lastGradientNorm ?? 0) - norm) < 1e-9 * norm)
        let coef = Float(0.25) / (Float(norm) + 1e-6)
        for s in Self.slices {
            for i in s.offset ..< s.offset + s.count {
                let expected: Float = s.learnable ? -g[i] * coef : 0
                #expect(abs(w[i] - expected) <= 1e-7 * max(1, abs(expected)), "\(s.name)[\(i - s.offset)]")
            }
        }
    }

    @Test func withoutBiasDecayOnlyTensorsOfRankTwoOrMoreDecay() throws {
        // Zero gradients, no momentum: a step is pure decay, w -= lr * wd * w.
        var optimizer = try Optimizer(algorithm: .sgd(momentum: 0, nesterov: false), weightDecay: 0.5, decayBias: false, tensors: Self.slices)
        let w0 = Self.initialWeights()
        var w = w0
        let g = [Float](repeating: 0, count: Self.count)
        w.withUnsafeMutableBufferPointer { wb in
            g.withUnsafeBufferPointer { optimizer.step(weights: wb.baseAddress!, gradients: $0.baseAddress!, lr: 0.5) }
        }
        for s in Self.slices {
            for i in s.offset ..< s.offset + s.count {
                let expected = s.learnable && s.shape.count > 1 ? w0[i] * 0.75 : w0[i]
                #expect(w[i] == expected, "\(s.name)")
            }
        }
    }

    @Test(arguments: [0, 3])
    func aRestoredStateContinuesExactlyAsTheOriginal(splitAfter: Int) throws {
        for c in Self.cases {
            let (whole, _) = try Self.run(c)
            // Run `splitAfter` steps, export, import into a fresh optimizer, run the rest.
            var first = try Optimizer(algorithm: c.algorithm, weightDecay: c.weightDecay, clipNorm: c.clipNorm, decayBias: c.decayBias,
                                      lookahead: c.lookahead, tensors: Self.slices(c))
            var w = Self.initialWeights()
            func step(_ o: inout Optimizer, _ k: Int) {
                let g = Self.gradients(step: k)
                w.withUnsafeMutableBufferPointer { wb in
                    g.withUnsafeBufferPointer {
                        o.step(weights: wb.baseAddress!, gradients: $0.baseAddress!, lr: Self.rate(c.lr, step: k),
                               momentum: c.cycled ? Self.cycledMomentum(step: k) : nil, threads: 1)
                    }
                }
            }
            for k in 0 ..< splitAfter { step(&first, k) }
            let saved = try JSONDecoder().decode(OptimizerState.self, from: JSONEncoder().encode(first.state()))
            #expect(saved.steps == splitAfter)
            var second = try Optimizer(algorithm: c.algorithm, weightDecay: c.weightDecay, clipNorm: c.clipNorm, decayBias: c.decayBias,
                                       lookahead: c.lookahead, tensors: Self.slices(c))
            try second.restore(saved)
            for k in splitAfter ..< Self.steps { step(&second, k) }
            #expect(w == whole, "\(c.name) split after \(splitAfter)")
        }
    }

    @Test func aStateOfAnotherAlgorithmOrLayoutIsRefusedWithEveryProblemNamed() throws {
        let adam = try Optimizer(algorithm: .adam(beta1: 0.9, beta2: 0.999, eps: 1e-8, decoupled: false), tensors: Self.slices)
        var sgd = try Optimizer(algorithm: .sgd(momentum: 0.9, nesterov: false), tensors: Self.slices)
        #expect(throws: SettingError.self) { try sgd.restore(adam.state()) }
        var state = sgd.state()
        state.buffers["fc.bias.momentum_buffer"] = [1, 2]
        state.buffers["conv.weight.momentum_buffer"] = nil
        state.buffers["ghost.momentum_buffer"] = [0]
        do {
            try sgd.restore(state)
            Issue.record("a bad state was accepted")
        } catch {
            #expect(error.message == "cannot restore the optimizer state: fc.bias.momentum_buffer has 2 values, expected 3; missing conv.weight.momentum_buffer; unexpected ghost.momentum_buffer")
        }
        #expect(sgd.steps == 0)
    }

    @Test func nesterovWithoutMomentumAndBadSettingsAreErrors() {
        #expect(throws: SettingError.self) { try Optimizer(algorithm: .sgd(momentum: 0, nesterov: true), tensors: Self.slices) }
        #expect(throws: SettingError.self) { try Optimizer(algorithm: .sgd(momentum: 0.9, nesterov: false), clipNorm: 0, tensors: Self.slices) }
        #expect(throws: SettingError.self) { try Optimizer(algorithm: .adam(beta1: 1, beta2: 0.9, eps: 1e-8, decoupled: false), tensors: Self.slices) }
        let overlapping = [ParameterSlice(name: "a", shape: [4], offset: 0, count: 4, learnable: true),
                           ParameterSlice(name: "b", shape: [4], offset: 2, count: 4, learnable: true)]
        #expect(throws: SettingError.self) { try Optimizer(algorithm: .sgd(momentum: 0, nesterov: false), tensors: overlapping) }
    }

    @Test func runsMergeContiguousTensorsOfEqualDecay() {
        #expect(ParameterLayout.runs(Self.slices, decayBias: true) == [
            ParameterRun(offset: 0, count: 21, decayed: true), ParameterRun(offset: 24, count: 18, decayed: true)])
        #expect(ParameterLayout.runs(Self.slices, decayBias: false) == [
            ParameterRun(offset: 0, count: 12, decayed: true), ParameterRun(offset: 12, count: 9, decayed: false),
            ParameterRun(offset: 24, count: 18, decayed: true)])
    }

    /// Printed by `torchOptimizerScript` (torch 2.15.0, CPU): the weights after five steps.
    static let pinned: [String: [Float]] = [
        "sgd_momentum_decay": [-0.472571, -0.35672995, 0.24738544, -0.592175, 0.01194037, 0.51048505, -0.6982632, 0.27504, 0.6290709, 0.0395949, 0.046685997, -0.91197765, -0.18875909, 0.41535634, -0.4242042, -0.2948472, 0.67845595, -0.5302923, 0.44301084, 0.7970418, -0.50856173, 0.3125, -0.6875, -0.109375, 0.58332723, -0.4809072, -0.12687632, 0.84642684, -0.36232144, 0.5022317, 0.6180728, -0.3405908, 0.38262776, -0.5760359, -0.07749122, 0.27653965, -0.31293628, 0.041094553, 1.0143977, -0.54129034, 0.062825136, -0.77673537],
        "sgd_nesterov": [-0.45799056, -0.38577566, 0.19663665, -0.563654, 0.018758276, 0.48763296, -0.74820143, 0.3097546, 0.63196087, 0.13187625, -0.0025338943, -0.97816205, -0.18041225, 0.40200007, -0.3582906, -0.3649595, 0.6929964, -0.54283786, 0.51511806, 0.8373242, -0.5949203, 0.3125, -0.6875, -0.109375, 0.6073636, -0.48180234, -0.1595961, 0.89835984, -0.33747444, 0.51385653, 0.58607143, -0.3895568, 0.408193, -0.5674352, -0.09856052, 0.2236457, -0.2764389, 0.045767363, 1.1037233, -0.58872736, -0.0063150297, -0.76660573],
        "sgd_plain": [-0.7375, -0.24875, 0.3125, -0.59562504, -0.034374997, 0.50874996, -0.544375, 0.16187501, 0.68687505, -0.185, 0.195, -0.82187504, -0.15187499, 0.409375, -0.49875003, -0.100625, 0.60562503, -0.4475, 0.25875, 0.78374994, -0.37812504, 0.3125, -0.6875, -0.109375, 0.50625, -0.52874994, -0.003750003, 0.70250005, -0.35062498, 0.24687503, 0.735625, -0.28124997, 0.38875002, -0.62812495, -0.08499999, 0.43999997, -0.43187502, 0.093125, 0.799375, -0.39875, 0.16250001, -0.74562496],
        "adam_l2": [-0.75565773, -0.20733504, 0.3626061, -0.615605, -0.04969729, 0.5416841, -0.49233457, 0.12999403, 0.67116386, -0.2845925, 0.23828226, -0.749298, -0.152223, 0.41577488, -0.5596453, -0.025939668, 0.59547126, -0.4404362, 0.18195184, 0.7234977, -0.28367287, 0.3125, -0.6875, -0.109375, 0.46855068, -0.5166348, 0.025515724, 0.6481219, -0.3881301, 0.22843389, 0.7765272, -0.23084646, 0.3679794, -0.64316714, -0.051714275, 0.49167728, -0.4634841, 0.07767327, 0.699482, -0.33522642, 0.23460457, -0.7455097],
        "adamw": [-0.7528137, -0.20663941, 0.36132264, -0.6136322, -0.049514145, 0.539843, -0.4905895, 0.12956423, 0.6687603, -0.28348893, 0.24735095, -0.7466885, -0.15173632, 0.41432133, -0.5577416, -0.025891121, 0.5934172, -0.43888822, 0.18133542, 0.7209249, -0.28269777, 0.3125, -0.6875, -0.109375, 0.46690008, -0.51484334, 0.025392449, 0.6458363, -0.38675705, 0.22763021, 0.7738043, -0.23005617, 0.3668116, -0.640893, -0.051535726, 0.4898543, -0.46181455, 0.07738152, 0.69695497, -0.34402785, 0.2337552, -0.74311507],
        "adam_betas_half": [-0.7663396, -0.20743315, 0.36484742, -0.6176513, -0.0478893, 0.5343724, -0.48800611, 0.12277986, 0.67586267, -0.2908765, 0.24879134, -0.74758685, -0.15344068, 0.4179132, -0.5619348, -0.02160027, 0.58828175, -0.43606362, 0.17540883, 0.7275328, -0.2817541, 0.3125, -0.6875, -0.109375, 0.47048122, -0.5245343, 0.030116506, 0.641415, -0.3841788, 0.21803541, 0.77694184, -0.22890255, 0.36672378, -0.6416393, -0.059377644, 0.49636886, -0.47097012, 0.082112655, 0.6934985, -0.3449587, 0.23678818, -0.7471907],
        "sgd_clip": [-0.68315035, -0.2490079, 0.3356127, -0.6112752, -0.026654577, 0.5195762, -0.5350283, 0.15730892, 0.6654834, -0.20495833, 0.19668211, -0.78147644, -0.16558515, 0.41903543, -0.52785236, -0.08933829, 0.6029989, -0.45160553, 0.2407317, 0.7489063, -0.3357864, 0.3125, -0.6875, -0.109375, 0.5024582, -0.51409006, -0.005915529, 0.6864217, -0.36818275, 0.29165238, 0.7257949, -0.25236362, 0.36352763, -0.6146309, -0.06840013, 0.43977448, -0.43066734, 0.07750724, 0.7698445, -0.3912942, 0.19332638, -0.7535614],
        "sgd_clip_inactive": [-0.472571, -0.35672995, 0.24738544, -0.592175, 0.01194037, 0.51048505, -0.6982632, 0.27504, 0.6290709, 0.0395949, 0.046685997, -0.91197765, -0.18875909, 0.41535634, -0.4242042, -0.2948472, 0.67845595, -0.5302923, 0.44301084, 0.7970418, -0.50856173, 0.3125, -0.6875, -0.109375, 0.58332723, -0.4809072, -0.12687632, 0.84642684, -0.36232144, 0.5022317, 0.6180728, -0.3405908, 0.38262776, -0.5760359, -0.07749122, 0.27653965, -0.31293628, 0.041094553, 1.0143977, -0.54129034, 0.062825136, -0.77673537],
        "sgd_no_bias_decay": [-0.44707662, -0.3479137, 0.23484053, -0.568465, 0.014289312, 0.4885834, -0.67737263, 0.26803216, 0.6040451, 0.047480967, 0.037893914, -0.88132066, -0.19029826, 0.4192075, -0.429504, -0.29567072, 0.68466526, -0.53487647, 0.4454595, 0.80404276, -0.5118515, 0.3125, -0.6875, -0.109375, 0.56535333, -0.46232143, -0.12630856, 0.8190962, -0.34685972, 0.489795, 0.5889579, -0.33025664, 0.36840674, -0.55080783, -0.07651383, 0.25949904, -0.297065, 0.038947865, 0.9843526, -0.52720326, 0.055550937, -0.7477545],
        "adamw_clip_no_bias_decay": [-0.7528003, -0.20666036, 0.36163354, -0.6138225, -0.049196094, 0.5396226, -0.49047524, 0.12940767, 0.6688486, -0.28353846, 0.2473794, -0.7464136, -0.1524993, 0.41631648, -0.56015974, -0.025834385, 0.5955873, -0.44051692, 0.18192694, 0.7238539, -0.28356662, 0.3125, -0.6875, -0.109375, 0.46718842, -0.51505, 0.025505194, 0.64571375, -0.38669118, 0.22764353, 0.7737834, -0.22974527, 0.36662135, -0.6405749, -0.05175616, 0.48996854, -0.4619711, 0.077469796, 0.6969054, -0.34399942, 0.23403025, -0.74327344],
        "sgd_cycled_momentum": [-0.47202158, -0.3517522, 0.24253969, -0.58950883, 0.0047830692, 0.51646763, -0.698413, 0.27871096, 0.6267999, 0.040954396, 0.05247381, -0.9162036, -0.18528277, 0.40900907, -0.42303938, -0.29418686, 0.682937, -0.5319435, 0.44518045, 0.79326934, -0.5119776, 0.3125, -0.6875, -0.109375, 0.57547855, -0.47580633, -0.12771745, 0.8494065, -0.36547408, 0.5028999, 0.62316924, -0.34550822, 0.38541266, -0.58326477, -0.0715803, 0.27650857, -0.3093369, 0.038751982, 1.0158759, -0.5355741, 0.058717806, -0.7733306],
        "sgd_nesterov_cycled_momentum": [-0.45745447, -0.38355118, 0.19485691, -0.5696097, 0.008798466, 0.5059944, -0.75802577, 0.31993598, 0.6340407, 0.13387758, 0.0065932767, -0.99312365, -0.17946516, 0.39894295, -0.36552364, -0.3678813, 0.71008044, -0.5539397, 0.524022, 0.83812684, -0.6029791, 0.3125, -0.6875, -0.109375, 0.60302895, -0.47790006, -0.16379523, 0.91416645, -0.34985372, 0.52692056, 0.6008238, -0.39889312, 0.41476536, -0.5849516, -0.08775559, 0.22634923, -0.27381405, 0.040290777, 1.1182526, -0.5871567, -0.008748647, -0.7732151],
        "adam_cycled_beta1": [-0.76315486, -0.20545442, 0.36521134, -0.6170646, -0.04935463, 0.53805256, -0.4878689, 0.124393985, 0.67380553, -0.29136866, 0.24106017, -0.7461267, -0.15247117, 0.41691124, -0.562972, -0.020945586, 0.5904757, -0.43720427, 0.17549923, 0.7245847, -0.27982533, 0.3125, -0.6875, -0.109375, 0.46824586, -0.52110255, 0.029452128, 0.64208645, -0.38638443, 0.22097604, 0.7785519, -0.22830881, 0.36669123, -0.64289314, -0.055417042, 0.4962266, -0.4691327, 0.0802444, 0.69274783, -0.33251944, 0.23787984, -0.74586725],
        "sgd_lookahead": [-0.63715965, -0.28744468, 0.28679058, -0.59253925, -0.01830401, 0.509604, -0.60046875, 0.20450935, 0.6629489, -0.10058526, 0.14037983, -0.85389715, -0.16471477, 0.40952048, -0.46980935, -0.17264423, 0.6323339, -0.47773886, 0.32723925, 0.78567886, -0.4260727, 0.3125, -0.6875, -0.109375, 0.53225046, -0.5083539, -0.049914334, 0.7550637, -0.35500893, 0.34121916, 0.69093424, -0.30334276, 0.38583964, -0.6084373, -0.08052938, 0.3779102, -0.38562396, 0.07281558, 0.87779367, -0.4497535, 0.124481775, -0.75484806],
        "adamw_lookahead_no_bias_decay": [-0.7580545, -0.20637105, 0.36344072, -0.6152595, -0.048588395, 0.5370689, -0.48667368, 0.12547077, 0.6727142, -0.28836715, 0.25015473, -0.7448343, -0.1529628, 0.41724527, -0.5625698, -0.021609576, 0.5919057, -0.43681404, 0.17743386, 0.726916, -0.281214, 0.3125, -0.6875, -0.109375, 0.46782064, -0.518624, 0.029410297, 0.64178693, -0.38360938, 0.22291984, 0.7746031, -0.22825798, 0.36571464, -0.64028716, -0.054629773, 0.4943005, -0.46622795, 0.08101546, 0.6926071, -0.341544, 0.2361398, -0.7441374],
        "sgd_groups_frozen": [-0.7236513, -0.2275041, 0.35190257, -0.6149613, -0.035554748, 0.5231721, -0.5034586, 0.1357148, 0.67186314, -0.2517425, 0.22658259, -0.75678986, -0.18084311, 0.42475563, -0.48122996, 0.0, 0.578125, -0.421875, 0.15625, 0.734375, -0.265625, 0.3125, -0.6875, -0.109375, 0.5084065, -0.5142006, -0.011776017, 0.69710976, -0.3709106, 0.30233112, 0.7246973, -0.25666413, 0.36556277, -0.61579865, -0.067960925, 0.43446362, -0.42709547, 0.07532909, 0.7842148, -0.39950788, 0.18957552, -0.75864244],
        "adam_groups": [-0.77869034, -0.20354591, 0.3737603, -0.6240601, -0.04715742, 0.5322939, -0.4711089, 0.111437455, 0.68586606, -0.3097088, 0.2628904, -0.7358676, -0.1484314, 0.41009036, -0.5418978, 0.0, 0.578125, -0.421875, 0.18195184, 0.7234977, -0.28367287, 0.3125, -0.6875, -0.109375, 0.4675564, -0.48662093, -0.017185401, 0.6934976, -0.41384098, 0.2787998, 0.7658923, -0.25465578, 0.38424864, -0.64731985, -0.030113736, 0.44329137, -0.4211348, 0.045462396, 0.75398767, -0.34901896, 0.20351426, -0.73481524],
    ]

    /// Prints, as JSON, each case's weights after five steps and its optimizer state.
    static let torchOptimizerScript = #"""
import json, torch
SLICES = [("fc.weight", [3, 4], True), ("fc.bias", [3], True), ("bn.weight", [3], True), ("bn.bias", [3], True),
          ("bn.running_mean", [3], False), ("conv.weight", [2, 1, 3, 3], True)]
CASES = {
    "sgd_momentum_decay": dict(kind="sgd", lr=0.1, momentum=0.9, wd=0.01),
    "sgd_nesterov": dict(kind="sgd", lr=0.1, momentum=0.9, wd=0.01, nesterov=True),
    "sgd_plain": dict(kind="sgd", lr=0.1, momentum=0.0, wd=0.0),
    "adam_l2": dict(kind="adam", lr=0.01, wd=0.01),
    "adamw": dict(kind="adamw", lr=0.01, wd=0.1),
    "adam_betas_half": dict(kind="adam", lr=0.01, betas=(0.5, 0.9), eps=1e-6),
    "sgd_clip": dict(kind="sgd", lr=0.1, momentum=0.9, wd=0.01, clip=1.0),
    "sgd_clip_inactive": dict(kind="sgd", lr=0.1, momentum=0.9, wd=0.01, clip=100.0),
    "sgd_no_bias_decay": dict(kind="sgd", lr=0.1, momentum=0.9, wd=0.05, decay_bias=False),
    "adamw_clip_no_bias_decay": dict(kind="adamw", lr=0.01, wd=0.1, clip=0.5, decay_bias=False),
    "sgd_cycled_momentum": dict(kind="sgd", lr=0.1, momentum=0.95, wd=0.01, cycled=True),
    "sgd_nesterov_cycled_momentum": dict(kind="sgd", lr=0.1, momentum=0.95, nesterov=True, cycled=True),
    "adam_cycled_beta1": dict(kind="adam", lr=0.01, betas=(0.95, 0.999), wd=0.01, cycled=True),
    "sgd_lookahead": dict(kind="sgd", lr=0.1, momentum=0.9, wd=0.01, lookahead=(2, 0.5)),
    "adamw_lookahead_no_bias_decay": dict(kind="adamw", lr=0.01, wd=0.1, decay_bias=False, lookahead=(3, 0.8)),
    "sgd_groups_frozen": dict(kind="sgd", lr=0.1, momentum=0.9, wd=0.01, clip=1.0,
                              mults={"fc.weight": (0.5, 2), "fc.bias": (2, 0), "conv.weight": (1, 0.5)}, frozen={"bn.weight", "bn.bias"}),
    "adam_groups": dict(kind="adam", lr=0.01, wd=0.01,
                        mults={"fc.weight": (0.1, 1), "fc.bias": (2, 0), "bn.weight": (0, 1), "conv.weight": (3, 2)}),
}
STEPS = 5
def run(c):
    params, off = [], 0
    for name, shape, learn in SLICES:
        n = 1
        for s in shape: n *= s
        w = torch.tensor([((i * 37) % 101 - 50) / 64 for i in range(off, off + n)], dtype=torch.float32).reshape(shape)
        params.append((name, w.requires_grad_(learn), off, n, learn))
        off += n
    frozen = c.get("frozen", set())
    for p in params:
        if p[0] in frozen:
            p[1].requires_grad_(False)
    learn = [p for p in params if p[4] and p[0] not in frozen]
    decay = c.get("wd", 0.0)
    if "mults" in c:  # one parameter group per tensor: lr and weight_decay times its multipliers
        groups = []
        for p in learn:
            lm, dm = c["mults"].get(p[0], (1.0, 1.0))
            groups.append({"params": [p[1]], "lr": c["lr"] * lm, "weight_decay": decay * dm, "mult": lm})
    elif c.get("decay_bias", True):
        groups = [{"params": [p[1] for p in learn]}]
    else:
        groups = [{"params": [p[1] for p in learn if p[1].dim() > 1]},
                  {"params": [p[1] for p in learn if p[1].dim() <= 1], "weight_decay": 0.0}]
    if c["kind"] == "sgd":
        opt = torch.optim.SGD(groups, lr=c["lr"], momentum=c["momentum"], weight_decay=decay, nesterov=c.get("nesterov", False))
    else:
        cls = torch.optim.AdamW if c["kind"] == "adamw" else torch.optim.Adam
        opt = cls(groups, lr=c["lr"], betas=c.get("betas", (0.9, 0.999)), eps=c.get("eps", 1e-8), weight_decay=decay)
    # Lookahead as Zhang et al. 2019's Algorithm 1: the slow weights start as the weights.
    slow = [p[1].detach().clone() for p in learn] if "lookahead" in c else None
    for k in range(STEPS):
        for name, w, o, n, l in learn:
            w.grad = torch.tensor([((i * 13 + k * 7) % 29 - 14) / 16 for i in range(o, o + n)], dtype=torch.float32).reshape(w.shape)
        if "clip" in c:
            torch.nn.utils.clip_grad_norm_([p[1] for p in learn], c["clip"])
        for g in opt.param_groups:
            g["lr"] = c["lr"] * (1 - 0.1 * k) * g.get("mult", 1.0)
            if c.get("cycled"):  # as OneCycleLR sets them
                if c["kind"] == "sgd":
                    g["momentum"] = 0.95 - 0.025 * k
                else:
                    g["betas"] = (0.95 - 0.025 * k, g["betas"][1])
        opt.step()
        if slow is not None and (k + 1) % c["lookahead"][0] == 0:
            with torch.no_grad():
                for s, p in zip(slow, learn):
                    s.add_(p[1] - s, alpha=c["lookahead"][1])
                    p[1].copy_(s)
    weights = [float(x) for p in params for x in p[1].detach().reshape(-1)]
    state = {}
    for name, w, o, n, l in learn:
        for key, v in opt.state[w].items():
            if key != "step":
                state[f"{name}.{key}"] = [float(x) for x in v.reshape(-1)]
    for s, (name, w, o, n, l) in zip(slow or [], learn):
        state[f"{name}.lookahead_slow_buff"] = [float(x) for x in s.reshape(-1)]
    return {"weights": weights, "state": state}
print(json.dumps({name: run(c) for name, c in CASES.items()}))
"""#
}
