// Averaged weights for evaluation and the final model: Polyak (uniform) and EMA.
import NetrunBackend
import NetrunConfig
import NetrunKernels

/// A running average of the parameter buffer, as `torch.optim.swa_utils.AveragedModel`:
/// the first update copies the weights; after it, Polyak (AveragedModel's default
/// `avg_fn`) sets `a += (w − a)/(n + 1)`, the uniform mean of every update, and EMA sets
/// `a = decay·a + (1 − decay)·w` (computed as `a += (1 − decay)(w − a)`).
///
/// Batch norm's running statistics: EMA averages them like the weights, as PyTorch's EMA
/// recipe does (`AveragedModel(..., multi_avg_fn=get_ema_multi_avg_fn(decay),
/// use_buffers=True)`, and timm's ModelEma), so the statistics describe the same window of
/// training as the averaged weights. Polyak copies them from the current weights at every
/// update (AveragedModel's default, `use_buffers=False`, keeps those of the copy it started
/// from and expects `update_bn` to recompute them; copying keeps the average a complete
/// model, and recomputing them for the averaged weights is left to the loop). Copied
/// statistics under EMA were measured to break early evaluations of a batch-norm network
/// (fashion-fast, decay 0.999: 15.7% top-1 after one epoch, the weights still a mix with
/// the initial ones while the statistics were the current model's).
public struct WeightAverager: Sendable {
    public enum Kind: Sendable, Equatable {
        /// Average the weights after every step from `start` (0-based) on.
        case polyak(start: Int)
        case ema(decay: Double)
    }

    public let kind: Kind
    public let tensors: [ParameterSlice]
    let runs: [ParameterRun]
    /// The averaged parameter buffer (meaningful once `count > 0`).
    public private(set) var values: [Float]
    /// Updates averaged so far (`n_averaged`).
    public private(set) var count: Int = 0

    public init(kind: Kind, tensors: [ParameterSlice]) throws(SettingError) {
        if let problem = ParameterLayout.problem(tensors) { throw SettingError(problem) }
        switch kind {
        case .polyak(let start): guard start >= 0 else { throw SettingError("the average cannot start before step 0 (\(start))") }
        case .ema(let decay): guard (0 ... 1).contains(decay) else { throw SettingError("the EMA decay must be in [0, 1], found \(decay)") }
        }
        self.kind = kind
        self.tensors = tensors
        runs = ParameterLayout.runs(tensors, decayBias: true)
        values = [Float](repeating: 0, count: ParameterLayout.count(tensors))
    }

    /// The averaging a config describes; `start` in epochs is converted with `stepsPerEpoch`.
    public init(_ config: Averaging, tensors: [ParameterSlice], stepsPerEpoch: Int) throws(SettingError) {
        switch config {
        case .ema(let decay): try self.init(kind: .ema(decay: decay), tensors: tensors)
        case .polyak(let start):
            var first = 0
            if let start {
                do { first = try start.steps(perEpoch: stepsPerEpoch) } catch { throw SettingError("the average's start \(error.reason)") }
            }
            try self.init(kind: .polyak(start: first), tensors: tensors)
        }
    }

    public init(_ config: Averaging, parameters: ParameterStore, stepsPerEpoch: Int) throws(SettingError) {
        try self.init(config, tensors: parameters.entries.map(ParameterSlice.init), stepsPerEpoch: stepsPerEpoch)
    }

    /// True before the first update: use the current weights.
    public var isEmpty: Bool { count == 0 }

    /// Adds the weights produced by optimizer step `step` (0-based) to the average.
    /// Polyak ignores steps before its start. Returns whether the average changed.
    @discardableResult
    public mutating func update(weights: UnsafePointer<Float>, step: Int, threads: Int = Parallel.processorCount) -> Bool {
        if case .polyak(let start) = kind, step < start { return false }
        let t: Float
        switch kind {
        case .polyak: t = 1 / Float(count + 1)
        case .ema(let decay): t = Float(1 - decay)
        }
        let first = count == 0, tensors = self.tensors, runs = self.runs
        values.withUnsafeMutableBufferPointer { b in
            guard let a = b.baseAddress else { return }
            if first {
                a.update(from: weights, count: b.count)
                return
            }
            for r in runs { ParameterMath.lerp(a + r.offset, toward: weights + r.offset, count: r.count, weight: t, threads: threads) }
            for s in tensors where !s.learnable {
                if case .ema = kind {
                    ParameterMath.lerp(a + s.offset, toward: weights + s.offset, count: s.count, weight: t, threads: threads)
                } else {
                    (a + s.offset).update(from: weights + s.offset, count: s.count)
                }
            }
        }
        count += 1
        return true
    }

    public mutating func update(weights: ParameterStore, step: Int, threads: Int = Parallel.processorCount) -> Bool {
        precondition(weights.count == values.count, "the store has \(weights.count) values, the average \(values.count)")
        return weights.values.withUnsafeBufferPointer { w in
            guard let base = w.baseAddress else { return false }
            return update(weights: base, step: step, threads: threads)
        }
    }

    /// The state, for a checkpoint.
    public var state: AveragingState { AveragingState(count: count, values: values) }

    /// Restores a state saved from an average of the same layout.
    public mutating func restore(_ state: AveragingState) throws(SettingError) {
        guard state.count >= 0 else { throw SettingError("cannot restore the average: its count is negative (\(state.count))") }
        guard state.values.count == values.count else {
            throw SettingError("cannot restore the average: it has \(state.values.count) values, the model \(values.count)")
        }
        values = state.values
        count = state.count
    }
}

/// A weight average's state: how many updates, and the averaged buffer.
public struct AveragingState: Codable, Equatable, Sendable {
    public var count: Int
    public var values: [Float]

    public init(count: Int, values: [Float]) {
        self.count = count
        self.values = values
    }
}
