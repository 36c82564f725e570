// The optimizer the training loop calls once per step: SGD (momentum, Nesterov, weight
// decay) and Adam/AdamW exactly as PyTorch computes them, with optional gradient
// clipping by global norm and weight decay optionally kept off 1-D tensors.
import NetrunBackend
import NetrunConfig
import NetrunKernels

/// PyTorch's optimizers over one contiguous parameter buffer, learnable tensors only.
///
/// - SGD (`torch.optim.SGD`, dampening 0): `d = g + wd·w`; `b = μ·b + d` (the first step
///   `b = d`, the same thing from `b = 0`); `w -= lr·(nesterov ? d + μ·b : b)`.
/// - Adam / AdamW (`torch.optim.Adam`/`AdamW`, `_single_tensor_adam`, the CPU path):
///   `t += 1`; AdamW `w *= 1 − lr·wd`, Adam `g += wd·w`; `m = lerp(m, g, 1−β1)`;
///   `v = β2·v + (1−β2)·g²`; `w -= lr/(1−β1^t) · m / (√v/√(1−β2^t) + eps)`.
/// - `clip_norm`: as `torch.nn.utils.clip_grad_norm_` before the step, the global L2 norm
///   `N` of every learnable gradient, `coef = max_norm / (N + 1e-6)` in float, and the
///   gradients multiplied by `min(coef, 1)` (fused into the update; the gradient buffer is
///   not written).
/// - `decay_bias: false`: tensors of rank ≤ 1 (biases, batch norm and scale weights) get
///   no weight decay, as a second PyTorch parameter group with `weight_decay=0` would.
/// - `lookahead` (Zhang et al. 2019, Algorithm 1): slow weights `φ` start as the weights
///   before the first step; after every `k`-th step `φ = φ + α·(w − φ)` and `w = φ`
///   (learnable tensors only). timm's `Lookahead` differs in one point: it creates `φ` at
///   its first synchronization from the weights of that moment, so its first one is a no-op.
///
/// The state (momentum buffers, Adam's moments and step count) exports to and imports
/// from an `OptimizerState`.
public struct Optimizer: Sendable {
    public enum Algorithm: Sendable, Equatable {
        case sgd(momentum: Double, nesterov: Bool)
        case adam(beta1: Double, beta2: Double, eps: Double, decoupled: Bool)

        /// "sgd", "adam" or "adamw": the state's tag.
        public var name: String {
            switch self {
            case .sgd: return "sgd"
            case .adam(_, _, _, let decoupled): return decoupled ? "adamw" : "adam"
            }
        }
    }

    public let algorithm: Algorithm
    public let weightDecay: Double
    public let clipNorm: Double?
    public let decayBias: Bool
    public let lookahead: OptimizerConfig.Lookahead?
    public let tensors: [ParameterSlice]
    /// The parameter buffer's length (running statistics included).
    public let parameterCount: Int
    let runs: [ParameterRun]
    /// SGD's momentum buffer, or Adam's `exp_avg`: laid out as the parameter buffer.
    private var first: [Float]
    /// Adam's `exp_avg_sq` (empty for SGD).
    private var second: [Float]
    /// Lookahead's slow weights (empty without lookahead).
    private var slow: [Float]
    /// Steps taken so far (Adam's `step`).
    public private(set) var steps: Int = 0
    /// The global gradient norm of the last step, when clipping computed it.
    public private(set) var lastGradientNorm: Double?

    public init(algorithm: Algorithm, weightDecay: Double = 0, clipNorm: Double? = nil, decayBias: Bool = true,
                lookahead: OptimizerConfig.Lookahead? = nil, tensors: [ParameterSlice]) throws(SettingError) {
        if let problem = ParameterLayout.problem(tensors) { throw SettingError(problem) }
        guard weightDecay >= 0, weightDecay.isFinite else { throw SettingError("weight decay must be finite and at least 0, found \(weightDecay)") }
        if let clipNorm, !(clipNorm > 0 && clipNorm.isFinite) { throw SettingError("clip_norm must be finite and above 0, found \(clipNorm)") }
        switch algorithm {
        case .sgd(let momentum, let nesterov):
            guard momentum >= 0, momentum.isFinite else { throw SettingError("momentum must be at least 0, found \(momentum)") }
            if nesterov, momentum <= 0 { throw SettingError("Nesterov momentum needs a momentum above 0") }
        case .adam(let beta1, let beta2, let eps, _):
            guard (0 ..< 1).contains(beta1), (0 ..< 1).contains(beta2) else { throw SettingError("Adam's betas must be in [0, 1), found [\(beta1), \(beta2)]") }
            guard eps >= 0, eps.isFinite else { throw SettingError("eps must be at least 0, found \(eps)") }
        }
        if let lookahead, !(lookahead.k >= 1 && lookahead.alpha > 0 && lookahead.alpha <= 1) {
            throw SettingError("lookahead needs k at least 1 and alpha in (0, 1], found k \(lookahead.k), alpha \(lookahead.alpha)")
        }
        self.algorithm = algorithm
        self.weightDecay = weightDecay
        self.clipNorm = clipNorm
        self.decayBias = decayBias
        self.lookahead = lookahead
        self.tensors = tensors
        parameterCount = ParameterLayout.count(tensors)
        runs = ParameterLayout.runs(tensors, decayBias: decayBias)
        first = [Float](repeating: 0, count: parameterCount)
        if case .adam = algorithm { second = [Float](repeating: 0, count: parameterCount) } else { second = [] }
        slow = lookahead == nil ? [] : [Float](repeating: 0, count: parameterCount)
    }

    /// The optimizer a config describes, over a parameter store's tensors.
    public init(_ config: OptimizerConfig, parameters: ParameterStore, cycledMomentum: Double? = nil) throws(SettingError) {
        try self.init(config, tensors: parameters.entries.map(ParameterSlice.init), cycledMomentum: cycledMomentum)
    }

    /// The optimizer a config describes. `cycledMomentum` is a schedule's first momentum
    /// (one_cycle), which replaces the config's SGD momentum or Adam beta1, as PyTorch's
    /// `OneCycleLR` overwrites the parameter group's: SGD then keeps a momentum buffer even
    /// when the config's momentum is 0.
    public init(_ config: OptimizerConfig, tensors: [ParameterSlice], cycledMomentum: Double? = nil) throws(SettingError) {
        let algorithm: Algorithm
        switch config.algorithm {
        case .sgd(let momentum, let nesterov): algorithm = .sgd(momentum: cycledMomentum ?? momentum, nesterov: nesterov)
        case .adam(let b1, let b2, let eps, let decoupled):
            algorithm = .adam(beta1: cycledMomentum ?? b1, beta2: b2, eps: eps, decoupled: decoupled)
        }
        try self.init(algorithm: algorithm, weightDecay: config.weightDecay, clipNorm: config.clipNorm,
                      decayBias: config.decayBias, lookahead: config.lookahead, tensors: tensors)
    }

    /// One step over the learnable tensors of `weights` (`parameterCount` floats) with
    /// `gradients` in the same layout (`Executor.parameterGradients`); running statistics
    /// are left alone. `lr` is a Double as in PyTorch, where `lr/(1−β1^t)` and `1 − lr·wd`
    /// are computed in double before rounding to float. `momentum`, when given, is this
    /// step's SGD momentum or Adam beta1 (a one-cycle schedule's), in place of the
    /// algorithm's; Adam's bias correction then uses it, as PyTorch's does.
    public mutating func step(weights: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, lr: Double,
                              momentum cycled: Double? = nil, threads: Int = Parallel.processorCount) {
        if lookahead != nil, steps == 0 {
            // φ₀: the weights before the first step.
            for r in runs { slow.replaceSubrange(r.offset ..< r.offset + r.count, with: UnsafeBufferPointer(start: weights + r.offset, count: r.count)) }
        }
        steps += 1
        var scale: Float = 1
        if let clipNorm {
            let norm = gradientNorm(gradients)
            lastGradientNorm = norm
            // clip_grad_norm_: float32 tensors, `max_norm / (total_norm + 1e-6)`, clamped to 1.
            let coef = Float(clipNorm) / (Float(norm) + Float(1e-6))
            scale = min(coef, 1)
        }
        let runs = self.runs
        switch algorithm {
        case .sgd(let own, let nesterov):
            let momentum = cycled ?? own
            let wd = Float(weightDecay)
            first.withUnsafeMutableBufferPointer { b in
                guard let v = b.baseAddress else { return }
                for r in runs {
                    // A parameter group's lr and weight_decay are Python floats, rounded to float by the kernel.
                    SGD.step(weights: weights + r.offset, gradients: gradients + r.offset, velocity: v + r.offset, count: r.count,
                             learningRate: Float(lr * r.lrMult), momentum: Float(momentum), weightDecay: Float(weightDecay * r.decay),
                             nesterov: nesterov, gradientScale: scale, threads: threads)
                }
            }
        case .adam(let own, let beta2, let eps, let decoupled):
            let beta1 = cycled ?? own
            first.withUnsafeMutableBufferPointer { mb in
                second.withUnsafeMutableBufferPointer { vb in
                    guard let m = mb.baseAddress, let v = vb.baseAddress else { return }
                    for r in runs {
                        let c = Adam.Coefficients(step: steps, lr: lr * r.lrMult, beta1: beta1, beta2: beta2, eps: eps,
                                                  weightDecay: weightDecay * r.decay, decoupled: decoupled, gradientScale: scale)
                        Adam.step(weights: weights + r.offset, gradients: gradients + r.offset, m: m + r.offset, v: v + r.offset,
                                  count: r.count, c, threads: threads)
                    }
                }
            }
        }
        if let lookahead, steps % lookahead.k == 0 {
            let alpha = Float(lookahead.alpha)
            slow.withUnsafeMutableBufferPointer { sb in
                guard let slow = sb.baseAddress else { return }
                for r in runs {
                    Lookahead.synchronize(weights: weights + r.offset, slow: slow + r.offset, count: r.count, alpha: alpha, threads: threads)
                }
            }
        }
    }

    /// One step over a parameter store's values (see the pointer version).
    public mutating func step(weights: inout ParameterStore, gradients: UnsafePointer<Float>, lr: Double, momentum: Double? = nil,
                              threads: Int = Parallel.processorCount) {
        precondition(weights.count == parameterCount, "the store has \(weights.count) values, the optimizer was built for \(parameterCount)")
        weights.values.withUnsafeMutableBufferPointer { w in
            guard let base = w.baseAddress else { return }
            step(weights: base, gradients: gradients, lr: lr, momentum: momentum, threads: threads)
        }
    }

    /// The global L2 norm of the learnable tensors' gradients, summed in Double.
    public func gradientNorm(_ gradients: UnsafePointer<Float>) -> Double {
        var sum = 0.0
        for r in runs { sum += ParameterMath.sumOfSquares(gradients + r.offset, count: r.count) }
        return sum.squareRoot()
    }
}

/// Everything an optimizer needs to resume: named flat arrays and the step count.
public struct OptimizerState: Codable, Equatable, Sendable {
    /// "sgd", "adam" or "adamw": a state is restored only into the same algorithm.
    public var algorithm: String
    /// Steps taken (Adam's bias corrections depend on it).
    public var steps: Int
    /// `<tensor>.<buffer>` with PyTorch's buffer names: `conv1.weight.momentum_buffer`
    /// (SGD with momentum), `conv1.weight.exp_avg` and `conv1.weight.exp_avg_sq` (Adam).
    public var buffers: [String: [Float]]

    public init(algorithm: String, steps: Int, buffers: [String: [Float]]) {
        self.algorithm = algorithm
        self.steps = steps
        self.buffers = buffers
    }
}

extension Optimizer {
    /// The buffers this optimizer keeps per learnable tensor, by PyTorch's (and timm's) names,
    /// with where they live.
    var buffers: [(name: String, storage: WritableKeyPath<Optimizer, [Float]>)] {
        var list: [(name: String, storage: WritableKeyPath<Optimizer, [Float]>)]
        switch algorithm {
        case .sgd(let momentum, _): list = momentum > 0 ? [("momentum_buffer", \.first)] : []
        case .adam: list = [("exp_avg", \.first), ("exp_avg_sq", \.second)]
        }
        if lookahead != nil { list.append(("lookahead_slow_buff", \.slow)) }
        return list
    }

    /// The state, for a checkpoint.
    public func state() -> OptimizerState {
        var buffers: [String: [Float]] = [:]
        for t in tensors where t.learnable {
            for (name, storage) in self.buffers {
                buffers["\(t.name).\(name)"] = Array(self[keyPath: storage][t.offset ..< t.offset + t.count])
            }
        }
        return OptimizerState(algorithm: algorithm.name, steps: steps, buffers: buffers)
    }

    /// Restores a state saved by `state()`; every problem is named (wrong algorithm,
    /// missing, unexpected or mis-sized buffers) and nothing changes when one is found.
    public mutating func restore(_ state: OptimizerState) throws(SettingError) {
        var problems: [String] = []
        if state.algorithm != algorithm.name {
            problems.append("the state is for \(state.algorithm), the optimizer is \(algorithm.name)")
        }
        if state.steps < 0 { problems.append("the step count is negative (\(state.steps))") }
        var expected = Set<String>()
        for t in tensors where t.learnable {
            for (name, _) in buffers {
                let key = "\(t.name).\(name)"
                expected.insert(key)
                guard let values = state.buffers[key] else { problems.append("missing \(key)"); continue }
                if values.count != t.count { problems.append("\(key) has \(values.count) values, expected \(t.count)") }
            }
        }
        for key in state.buffers.keys.sorted() where !expected.contains(key) { problems.append("unexpected \(key)") }
        guard problems.isEmpty else { throw SettingError("cannot restore the optimizer state: " + problems.joined(separator: "; ")) }
        for t in tensors where t.learnable {
            for (name, storage) in buffers {
                guard let values = state.buffers["\(t.name).\(name)"] else { continue }
                self[keyPath: storage].replaceSubrange(t.offset ..< t.offset + t.count, with: values)
            }
        }
        steps = state.steps
    }
}
