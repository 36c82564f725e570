// The learning rate as a pure function of the step, for every policy of the config, with
// linear warmup; plateau's memory is an explicit `PlateauState` (Schedule+Plateau.swift).
import Foundation
import NetrunConfig

/// `rate(at: t)` is the learning rate of optimizer step `t` (0-based): the value a PyTorch
/// scheduler holds after `t` calls to `scheduler.step()`, stepped once per batch. Durations
/// in epochs are converted with the steps per epoch.
///
/// Warmup follows PyTorch's `SequentialLR([LinearLR(start_factor, 1, total_iters=W), main],
/// milestones=[W])`: for `t < W` the rate is `lr·(s + (1−s)·t/W)`; from `W` on it is the
/// main policy at `t − W`, so the policy starts at full rate when warmup ends, its periods
/// and milestones count from there, and poly and cosine run over the `T − W` steps left.
///
/// Policies, at policy step `u` over `P` steps (PyTorch's closed forms):
/// - fixed: `lr`
/// - step: `lr·factor^⌊u/every⌋` (`StepLR`)
/// - multistep: `lr·factor^(milestones ≤ u)` (`MultiStepLR`)
/// - exponential: `lr·factor^(u/every)` (`ExponentialLR` with `gamma = factor^(1/every)`),
///   staircase `lr·factor^⌊u/every⌋`
/// - poly: `lr·(1 − min(u, P)/P)^power` (`PolynomialLR(total_iters: P)`)
/// - cosine: `min + (lr − min)·(1 + cos(π·min(u, P)/P))/2` (`CosineAnnealingLR(T_max: P)`,
///   held at `min` after `P` rather than rising again)
/// - plateau: the `PlateauState`'s rate (`ReduceLROnPlateau`)
/// - one_cycle: `OneCycleLR(max_lr: lr, total_steps: T)` over the whole run (it has no
///   separate warmup), with its momentum from `momentum(at:)`
public struct LearningRateSchedule: Sendable, Equatable {
    public enum Policy: Sendable, Equatable {
        case fixed
        case step(factor: Double, every: Int)
        case multistep(factor: Double, at: [Int])
        case exponential(factor: Double, every: Int, staircase: Bool)
        case poly(power: Double)
        case cosine(minLR: Double)
        case plateau(Plateau)
        case oneCycle(ScheduleConfig.OneCycle)

        public var name: String {
            switch self {
            case .fixed: return "fixed"
            case .step: return "step"
            case .multistep: return "multistep"
            case .exponential: return "exponential"
            case .poly: return "poly"
            case .cosine: return "cosine"
            case .plateau: return "plateau"
            case .oneCycle: return "one_cycle"
            }
        }
    }

    /// ReduceLROnPlateau's settings (threshold mode `rel`, cooldown 0, eps 1e-8).
    public struct Plateau: Sendable, Equatable {
        public var factor: Double
        public var monitor: MonitorConfig
        public var patience: Int
        public var threshold: Double
        public var minLR: Double

        public init(factor: Double, monitor: MonitorConfig, patience: Int, threshold: Double, minLR: Double) {
            self.factor = factor
            self.monitor = monitor
            self.patience = patience
            self.threshold = threshold
            self.minLR = minLR
        }

        /// Max for accuracies, min for losses.
        public var maximize: Bool { monitor.maximize }
    }

    public let baseRate: Double
    public let policy: Policy
    /// The run's length in steps.
    public let totalSteps: Int
    public let warmupSteps: Int
    public let startFactor: Double
    /// One-cycle's phases, built once (nil for the other policies).
    private let oneCycle: OneCyclePhases?

    public init(baseRate: Double, policy: Policy, totalSteps: Int, warmupSteps: Int = 0, startFactor: Double = 0) throws(SettingError) {
        guard baseRate > 0, baseRate.isFinite else { throw SettingError("the learning rate must be finite and above 0, found \(baseRate)") }
        guard totalSteps >= 1 else { throw SettingError("the run has no steps (\(totalSteps))") }
        guard warmupSteps >= 0 else { throw SettingError("the warmup cannot be negative (\(warmupSteps) steps)") }
        guard (0 ... 1).contains(startFactor) else { throw SettingError("the warmup's start factor must be in [0, 1], found \(startFactor)") }
        switch policy {
        case .step(_, let every), .exponential(_, let every, _):
            guard every >= 1 else { throw SettingError("the decay period is \(every) steps; it must be at least 1") }
        case .multistep(_, let at):
            guard at.allSatisfy({ $0 >= 0 }), zip(at, at.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw SettingError("milestones must be increasing and not negative: \(at)")
            }
        case .plateau(let p):
            guard p.patience >= 0, p.threshold >= 0, p.minLR >= 0 else { throw SettingError("plateau: patience, threshold and min_lr must be at least 0") }
        case .oneCycle(let c):
            guard warmupSteps == 0 else { throw SettingError("one_cycle has its own warmup (pct_start); remove the warmup") }
            guard c.pctStart > 0, c.pctStart <= 1, c.divFactor > 0, c.finalDivFactor > 0 else {
                throw SettingError("one_cycle: pct_start must be in (0, 1] and the div factors above 0")
            }
        case .fixed, .poly, .cosine: break
        }
        self.baseRate = baseRate
        self.policy = policy
        self.totalSteps = totalSteps
        self.warmupSteps = warmupSteps
        self.startFactor = startFactor
        if case .oneCycle(let c) = policy { oneCycle = OneCyclePhases(c, peak: baseRate, totalSteps: totalSteps) } else { oneCycle = nil }
    }

    /// The schedule a config describes, for a run of `length` with `stepsPerEpoch` steps per
    /// epoch (`floor(examples / batch)`).
    public init(_ config: ScheduleConfig, baseRate: Double, length: DurationConfig, stepsPerEpoch: Int) throws(SettingError) {
        func steps(_ d: DurationConfig, _ what: String) throws(SettingError) -> Int {
            do { return try d.steps(perEpoch: stepsPerEpoch) } catch { throw SettingError("\(what) \(error.reason)") }
        }
        let policy: Policy
        switch config.policy {
        case .fixed: policy = .fixed
        case .step(let factor, let every): policy = .step(factor: factor, every: try steps(every, "the decay period"))
        case .multistep(let factor, let at):
            var milestones: [Int] = []
            for m in at { milestones.append(try steps(m, "a milestone")) }
            policy = .multistep(factor: factor, at: milestones)
        case .exponential(let factor, let every, let staircase):
            policy = .exponential(factor: factor, every: try steps(every, "the decay period"), staircase: staircase)
        case .poly(let power): policy = .poly(power: power)
        case .cosine(let minLR): policy = .cosine(minLR: minLR)
        case .plateau(let factor, let monitor, let patience, let threshold, let minLR):
            policy = .plateau(Plateau(factor: factor, monitor: monitor, patience: patience, threshold: threshold, minLR: minLR))
        case .oneCycle(let c): policy = .oneCycle(c)
        }
        try self.init(baseRate: baseRate, policy: policy, totalSteps: try steps(length, "the run"),
                      warmupSteps: try config.warmup.map { w throws(SettingError) in try steps(w.length, "the warmup") } ?? 0,
                      startFactor: config.warmup?.startFactor ?? 0)
    }

    /// The steps the policy runs over after warmup (at least 1).
    public var policySteps: Int { max(1, totalSteps - warmupSteps) }

    /// The rate of step `t` (0-based); for plateau, from `plateau` (its start when nil).
    public func rate(at t: Int, plateau: PlateauState? = nil) -> Double {
        let t = max(0, t)
        if t < warmupSteps {
            return baseRate * (startFactor + (1 - startFactor) * Double(t) / Double(warmupSteps))
        }
        return policyRate(at: t - warmupSteps, plateau: plateau)
    }

    /// The policy's rate at policy step `u` (steps since warmup ended).
    func policyRate(at u: Int, plateau: PlateauState?) -> Double {
        let lr = baseRate
        switch policy {
        case .fixed: return lr
        case .step(let factor, let every): return lr * pow(factor, Double(u / every))
        case .multistep(let factor, let at): return lr * pow(factor, Double(at.count { $0 <= u }))
        case .exponential(let factor, let every, let staircase):
            return lr * pow(factor, staircase ? Double(u / every) : Double(u) / Double(every))
        case .poly(let power):
            let p = Double(policySteps)
            return lr * pow(1 - Double(min(u, policySteps)) / p, power)
        case .cosine(let minLR):
            let p = Double(policySteps)
            return minLR + (lr - minLR) * (1 + cos(Double.pi * Double(min(u, policySteps)) / p)) / 2
        case .plateau: return plateau?.rate ?? lr
        case .oneCycle: return oneCycle?.values(at: u).rate ?? lr
        }
    }

    /// The momentum (SGD) or beta1 (Adam) of step `t` when the schedule sets it (one_cycle
    /// with `cycle_momentum`), else nil: the optimizer keeps its own.
    public func momentum(at t: Int) -> Double? {
        guard case .oneCycle(let c) = policy, c.momentum != nil else { return nil }
        return oneCycle?.values(at: max(0, t)).momentum
    }

    /// The rate of every step of the run, in order.
    public func rates(plateau: PlateauState? = nil) -> [Double] {
        (0 ..< totalSteps).map { rate(at: $0, plateau: plateau) }
    }
}

/// `OneCycleLR`'s phases (PyTorch's `_schedule_phases` and `get_lr`): phase ends are the
/// float steps `pct_start·T − 1` (and `2·pct_start·T − 2` with three phases) and `T − 1`;
/// step `t` falls in the first phase whose end it does not pass (the last one otherwise),
/// and the rate and momentum move from the phase's start to its end value by
/// `pct = (t − start) / (end − start)`: cosine `end + (start − end)·(1 + cos(π·pct))/2`
/// or linear `start + (end − start)·pct`. Where PyTorch divides by a zero-length phase
/// (`pct_start·T = 1`) and raises, the phase's end value is taken.
struct OneCyclePhases: Sendable, Equatable {
    struct Phase: Sendable, Equatable {
        var end: Double
        var rate: Span
        var momentum: Span
    }

    /// A value moving from `from` to `to` over a phase.
    struct Span: Sendable, Equatable {
        var from: Double
        var to: Double

        init(_ from: Double, _ to: Double) {
            self.from = from
            self.to = to
        }
    }

    let phases: [Phase]
    let anneal: ScheduleConfig.OneCycle.Anneal

    init(_ c: ScheduleConfig.OneCycle, peak: Double, totalSteps: Int) {
        let initial = peak / c.divFactor, last = initial / c.finalDivFactor
        let (base, top) = c.momentum ?? (0, 0)
        let t = Double(totalSteps), rise = c.pctStart * t - 1
        if c.threePhase {
            phases = [Phase(end: rise, rate: Span(initial, peak), momentum: Span(top, base)),
                      Phase(end: 2 * c.pctStart * t - 2, rate: Span(peak, initial), momentum: Span(base, top)),
                      Phase(end: t - 1, rate: Span(initial, last), momentum: Span(top, top))]
        } else {
            phases = [Phase(end: rise, rate: Span(initial, peak), momentum: Span(top, base)),
                      Phase(end: t - 1, rate: Span(peak, last), momentum: Span(base, top))]
        }
        anneal = c.anneal
    }

    func values(at step: Int) -> (rate: Double, momentum: Double) {
        let s = Double(step)
        var start = 0.0
        for (i, p) in phases.enumerated() {
            if s <= p.end || i == phases.count - 1 {
                let span = p.end - start
                let pct = span == 0 ? 1 : (s - start) / span
                return (interpolate(p.rate, pct), interpolate(p.momentum, pct))
            }
            start = p.end
        }
        return (0, 0)  // unreachable: the last phase always answers
    }

    private func interpolate(_ v: Span, _ pct: Double) -> Double {
        switch anneal {
        case .cos: return v.to + (v.from - v.to) / 2 * (cos(Double.pi * pct) + 1)
        case .linear: return (v.to - v.from) * pct + v.from
        }
    }
}
