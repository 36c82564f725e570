// ReduceLROnPlateau's memory as a value: what an evaluation updates and a checkpoint saves.
import NetrunConfig

/// The state of a plateau schedule (PyTorch's `best`, `num_bad_epochs`, `last_epoch` and
/// the param group's `lr`). `Codable` with finite numbers only, so it encodes as JSON.
public struct PlateauState: Codable, Equatable, Sendable {
    /// The best value seen; nil before the first evaluation (PyTorch starts at ±inf).
    public var best: Double?
    /// Evaluations since the last improvement (`num_bad_epochs`).
    public var badEvaluations: Int
    /// The current rate: the base rate times the factors applied so far, floored at `min_lr`.
    public var rate: Double
    /// Evaluations observed (`last_epoch`).
    public var evaluations: Int

    public init(best: Double? = nil, badEvaluations: Int = 0, rate: Double, evaluations: Int = 0) {
        self.best = best
        self.badEvaluations = badEvaluations
        self.rate = rate
        self.evaluations = evaluations
    }
}

extension LearningRateSchedule {
    /// The plateau state before any evaluation: the base rate.
    public var initialPlateauState: PlateauState { PlateauState(rate: baseRate) }

    /// Updates `state` with one evaluation's `metric`, as `ReduceLROnPlateau.step(metric)`
    /// with threshold mode `rel`, cooldown 0 and eps 1e-8: better means
    /// `metric < best·(1 − threshold)` (min mode, losses) or `metric > best·(1 + threshold)`
    /// (max mode, accuracies); after more than `patience` evaluations in a row that are not
    /// better, `rate = max(rate·factor, min_lr)` (only when that lowers it by more than
    /// 1e-8). Returns true when the rate dropped. A non-finite metric counts as not better
    /// (PyTorch would take -inf as a new best in min mode; here `best` stays finite).
    /// Other policies ignore evaluations (returns false).
    @discardableResult
    public func observe(_ metric: Double, state: inout PlateauState) -> Bool {
        guard case .plateau(let p) = policy else { return false }
        state.evaluations += 1
        if Self.isBetter(metric, than: state.best, p) {
            state.best = metric
            state.badEvaluations = 0
        } else {
            state.badEvaluations += 1
        }
        guard state.badEvaluations > p.patience else { return false }
        state.badEvaluations = 0
        let old = state.rate, new = max(old * p.factor, p.minLR)
        guard old - new > 1e-8 else { return false }
        state.rate = new
        return true
    }

    static func isBetter(_ a: Double, than best: Double?, _ p: Plateau) -> Bool {
        guard a.isFinite else { return false }
        guard let best else { return true }
        return p.maximize ? a > best * (1 + p.threshold) : a < best * (1 - p.threshold)
    }
}
