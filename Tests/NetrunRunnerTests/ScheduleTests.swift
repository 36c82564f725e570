import Foundation
import Testing
import NetrunConfig
@testable import NetrunRunner

/// Schedules against torch.optim.lr_scheduler, stepped once per batch (`torchScheduleScript`
/// below prints the rate of each of 30 steps; warmup as SequentialLR([LinearLR, main])).
/// Pinned values (torch 2.15) always run; the live comparison runs when torch imports.
@Suite struct ScheduleTests {
    static let steps = 30

    static func schedule(_ policy: LearningRateSchedule.Policy, warmup: Int = 0, start: Double = 0) throws -> LearningRateSchedule {
        try LearningRateSchedule(baseRate: 0.1, policy: policy, totalSteps: steps, warmupSteps: warmup, startFactor: start)
    }

    /// The netrun side of each case of the script.
    static let cases: [String: (LearningRateSchedule.Policy, warmup: Int, start: Double)] = [
        "fixed": (.fixed, 0, 0),
        "step": (.step(factor: 0.5, every: 7), 0, 0),
        "multistep": (.multistep(factor: 0.1, at: [5, 12, 25]), 0, 0),
        "exponential": (.exponential(factor: 0.5, every: 8, staircase: false), 0, 0),
        "exponential_staircase": (.exponential(factor: 0.5, every: 8, staircase: true), 0, 0),
        "poly": (.poly(power: 2), 0, 0),
        "cosine": (.cosine(minLR: 0.001), 0, 0),
        "warmup_fixed": (.fixed, 6, 0.5),
        "warmup_cosine": (.cosine(minLR: 0.001), 5, 0.1),
        "warmup_multistep": (.multistep(factor: 0.1, at: [6, 20]), 4, 0.25),
        "warmup_poly": (.poly(power: 0.5), 10, 0.01),
        "warmup_step": (.step(factor: 0.8, every: 4), 3, 0.2),
        "one_cycle": (.oneCycle(.init()), 0, 0),
        "one_cycle_linear_three_phase": (.oneCycle(.init(pctStart: 0.25, divFactor: 10, finalDivFactor: 100, anneal: .linear,
                                                         threePhase: true, momentum: (0.8, 0.9))), 0, 0),
        "one_cycle_adam": (.oneCycle(.init(pctStart: 0.4)), 0, 0),
        "one_cycle_no_momentum": (.oneCycle(.init(pctStart: 0.5, momentum: nil)), 0, 0),
    ]

    /// Largest |a - b| relative to the base rate (0.1): the closed forms here and torch's
    /// recursive updates differ by rounding only.
    static func worst(_ a: [Double], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        return zip(a, b).map { abs($0 - $1) / 0.1 }.max() ?? 0
    }

    @Test(arguments: cases.keys.sorted())
    func everyPolicyMatchesThePinnedTorchRates(_ name: String) throws {
        let (policy, warmup, start) = try #require(Self.cases[name])
        let expected = try #require(Self.pinned[name])
        let rates = try Self.schedule(policy, warmup: warmup, start: start).rates()
        let e = Self.worst(rates, expected)
        #expect(e < 1e-12, "\(name): worst difference \(e) of the base rate")
    }

    /// One-cycle's momentum (SGD's `momentum`, Adam's `betas[0]`) step by step; without
    /// `cycle_momentum` the schedule sets none and the optimizer keeps its own.
    @Test(arguments: pinnedMomentum.keys.sorted())
    func oneCycleMomentumMatchesThePinnedTorchValues(_ name: String) throws {
        let (policy, _, _) = try #require(Self.cases[name])
        let s = try Self.schedule(policy)
        let expected = try #require(Self.pinnedMomentum[name])
        if case .oneCycle(let c) = policy, c.momentum == nil {
            #expect((0 ..< Self.steps).allSatisfy { s.momentum(at: $0) == nil })
            #expect(expected.allSatisfy { $0 == 0.9 }, "torch keeps the optimizer's 0.9")
            return
        }
        let mine = (0 ..< Self.steps).compactMap { s.momentum(at: $0) }
        #expect(mine.count == expected.count)
        let e = zip(mine, expected).map { abs($0 - $1) }.max() ?? 1
        #expect(e < 1e-12, "\(name): worst momentum difference \(e)")
    }

    @Test func oneCycleRefusesAWarmupAndTakesItsPeakFromTheOptimizersRate() throws {
        #expect(throws: SettingError.self) { try Self.schedule(.oneCycle(.init()), warmup: 3) }
        let s = try Self.schedule(.oneCycle(.init(pctStart: 0.5, divFactor: 4, finalDivFactor: 10)))
        #expect(abs(s.rate(at: 0) - 0.1 / 4) < 1e-15)
        #expect(abs(s.rate(at: 14) - 0.1) < 1e-15)  // pct_start·T − 1 = 14
        #expect(abs(s.rate(at: 29) - 0.1 / 40) < 1e-15)
        // pct_start·T = 1: PyTorch divides by a zero-length phase; the phase's end value is taken.
        let short = try LearningRateSchedule(baseRate: 0.1, policy: .oneCycle(.init(pctStart: 0.1)), totalSteps: 10)
        #expect(short.rates().allSatisfy(\.isFinite) && short.rate(at: 0) == 0.1)
    }

    @Test(.enabled(if: torchAvailable || torchRequired, "python3 with torch"))
    func everyPolicyAndPlateauMatchTorchRunLive() throws {
        try #require(torchAvailable, "NETRUN_REQUIRE_TORCH is set but python3 cannot import torch")
        let data = Data(try runPython(Self.torchScheduleScript).utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for (name, c) in Self.cases {
            let torch = try #require(object[name] as? [Double], "\(name) missing")
            let e = Self.worst(try Self.schedule(c.0, warmup: c.warmup, start: c.start).rates(), torch)
            #expect(e < 1e-12, "\(name): worst difference \(e) of the base rate")
        }
        let momenta = try #require(object["momentum"] as? [String: [Double]])
        for (name, expected) in Self.pinnedMomentum {
            let torch = try #require(momenta[name], "momentum of \(name) missing")
            let e = zip(torch, expected).map { abs($0 - $1) }.max() ?? 1
            #expect(torch.count == expected.count && e < 1e-15, "\(name): torch's momentum moved from the pinned values")
        }
        for (name, metrics, monitor) in [("plateau_min", Self.losses, MonitorConfig.valLoss), ("plateau_max", Self.accuracies, .valTop1)] {
            let torch = try #require(object[name] as? [[Double]], "\(name) missing")
            let mine = try Self.plateauTrace(metrics, monitor: monitor)
            #expect(mine.count == torch.count)
            for (m, t) in zip(mine, torch) {
                #expect(m.rate == t[0] && Double(m.bad) == t[1] && m.best == t[2], "\(name)")
            }
        }
    }

    static let losses = [1.0, 0.9, 0.895, 0.894, 0.893, 0.5, 0.6, 0.7, 0.8, 0.49, 0.495, 0.4999, 0.5, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
    static let accuracies = [0.1, 0.2, 0.201, 0.2, 0.19, 0.5, 0.5, 0.504, 0.5, 0.51, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]

    /// The plateau schedule of the script (factor 0.5, patience 2, threshold 1e-2, min_lr
    /// 0.02) fed `metrics`: the rate, bad count and best after each.
    static func plateauTrace(_ metrics: [Double], monitor: MonitorConfig) throws -> [(rate: Double, bad: Int, best: Double?)] {
        let s = try schedule(.plateau(.init(factor: 0.5, monitor: monitor, patience: 2, threshold: 1e-2, minLR: 0.02)))
        var state = s.initialPlateauState
        return metrics.map { m in
            s.observe(m, state: &state)
            #expect(s.rate(at: 7, plateau: state) == state.rate)
            return (state.rate, state.badEvaluations, state.best)
        }
    }

    @Test(arguments: [("plateau_min", MonitorConfig.valLoss), ("plateau_max", MonitorConfig.valTop1)])
    func plateauFollowsReduceLROnPlateauPinned(_ name: String, monitor: MonitorConfig) throws {
        let expected = try #require(Self.pinnedPlateau[name])
        let mine = try Self.plateauTrace(monitor.maximize ? Self.accuracies : Self.losses, monitor: monitor)
        #expect(mine.count == expected.count)
        for (i, (m, t)) in zip(mine, expected).enumerated() {
            #expect(m.rate == t.0 && m.bad == t.1 && m.best == t.2, "\(name) evaluation \(i)")
        }
    }

    @Test func thePlateauStateRoundTripsThroughJSONAndIgnoresNonFiniteMetrics() throws {
        let s = try Self.schedule(.plateau(.init(factor: 0.1, monitor: .valLoss, patience: 0, threshold: 0, minLR: 0)))
        var state = s.initialPlateauState
        #expect(state.best == nil)
        s.observe(.nan, state: &state)      // not better than nothing: a bad evaluation, rate dropped (patience 0)
        #expect(state.best == nil && state.rate == 0.1 * 0.1)
        s.observe(2, state: &state)
        s.observe(.infinity, state: &state)
        #expect(state.best == 2 && state.evaluations == 3)
        let copy = try JSONDecoder().decode(PlateauState.self, from: JSONEncoder().encode(state))
        #expect(copy == state)
        // Other policies ignore evaluations.
        var other = state
        #expect(!(try Self.schedule(.fixed)).observe(0, state: &other))
        #expect(other == state)
    }

    @Test func durationsInEpochsBecomeStepsAndWarmupComesFromTheConfig() throws {
        let config = ScheduleConfig(policy: .multistep(factor: 0.1, at: [DurationConfig(2, .epochs), DurationConfig(50, .steps)]),
                                    warmup: .init(length: DurationConfig(1, .epochs), startFactor: 0.5))
        let s = try LearningRateSchedule(config, baseRate: 0.2, length: DurationConfig(10, .epochs), stepsPerEpoch: 7)
        #expect(s.totalSteps == 70 && s.warmupSteps == 7 && s.startFactor == 0.5)
        #expect(s.policy == LearningRateSchedule.Policy.multistep(factor: 0.1, at: [14, 50]))
        // Milestones count from the end of warmup (SequentialLR): the first drop is at 7 + 14.
        #expect(s.rate(at: 0) == 0.1 && s.rate(at: 20) == 0.2 && abs(s.rate(at: 21) - 0.02) < 1e-17)
        let steps = try LearningRateSchedule(ScheduleConfig(), baseRate: 0.2, length: DurationConfig(123, .steps), stepsPerEpoch: 0)
        #expect(steps.totalSteps == 123)
    }

    @Test func epochsWithoutStepsAndEmptyPeriodsAreErrors() {
        #expect(throws: SettingError("the run is given in epochs, but an epoch has no steps (fewer examples than a batch)")) {
            try LearningRateSchedule(ScheduleConfig(), baseRate: 0.1, length: DurationConfig(3, .epochs), stepsPerEpoch: 0)
        }
        #expect(throws: SettingError.self) { try Self.schedule(.step(factor: 0.5, every: 0)) }
        #expect(throws: SettingError.self) { try Self.schedule(.multistep(factor: 0.5, at: [5, 5])) }
        #expect(throws: SettingError.self) { try LearningRateSchedule(baseRate: 0, policy: .fixed, totalSteps: 5) }
    }

    @Test func aWarmupLongerThanTheRunStillGivesFiniteRates() throws {
        let s = try Self.schedule(.cosine(minLR: 0), warmup: 100, start: 0.1)
        #expect(s.rates().allSatisfy { $0.isFinite && $0 > 0 && $0 < 0.1 })
        #expect(s.policySteps == 1)
    }

    /// Printed by `torchScheduleScript` (torch 2.15.0): the rate of each of 30 steps.
    static let pinned: [String: [Double]] = [
        "fixed": [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
        "step": [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.025, 0.025, 0.025, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125, 0.00625, 0.00625],
        "multistep": [0.1, 0.1, 0.1, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.00010000000000000003, 0.00010000000000000003, 0.00010000000000000003, 0.00010000000000000003, 0.00010000000000000003],
        "exponential": [0.1, 0.09170040432046712, 0.08408964152537145, 0.07711054127039703, 0.07071067811865474, 0.06484197773255047, 0.05946035575013604, 0.054525386633262875, 0.04999999999999999, 0.04585020216023355, 0.04204482076268572, 0.03855527063519851, 0.03535533905932736, 0.03242098886627523, 0.029730177875068015, 0.02726269331663143, 0.02499999999999999, 0.02292510108011677, 0.021022410381342855, 0.01927763531759925, 0.017677669529663678, 0.01621049443313761, 0.014865088937534004, 0.013631346658315712, 0.012499999999999992, 0.011462550540058384, 0.010511205190671426, 0.009638817658799625, 0.008838834764831839, 0.008105247216568806],
        "exponential_staircase": [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.025, 0.025, 0.025, 0.025, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125, 0.0125],
        "poly": [0.1, 0.09344444444444444, 0.08711111111111113, 0.08100000000000002, 0.07511111111111113, 0.06944444444444446, 0.06400000000000002, 0.05877777777777778, 0.0537777777777778, 0.049, 0.04444444444444446, 0.04011111111111111, 0.036000000000000004, 0.03211111111111111, 0.028444444444444446, 0.025, 0.02177777777777778, 0.018777777777777782, 0.016000000000000007, 0.013444444444444453, 0.01111111111111112, 0.009000000000000008, 0.007111111111111118, 0.005444444444444446, 0.004000000000000001, 0.0027777777777777788, 0.0017777777777777787, 0.0010000000000000005, 0.00044444444444444463, 0.00011111111111111116],
        "cosine": [0.1, 0.09972883382072953, 0.09891830623632338, 0.0975772975566101, 0.09572050015330873, 0.09336825748732971, 0.0905463412215599, 0.08728566886113101, 0.08362196501476347, 0.07959536998847741, 0.07525, 0.07063346383225212, 0.0657963412215599, 0.060791628695479084, 0.05567415893174885, 0.05050000000000001, 0.04532584106825116, 0.04020837130452091, 0.03520365877844011, 0.030366536167747902, 0.025750000000000012, 0.021404630011522586, 0.017378034985236535, 0.013714331138868996, 0.010453658778440105, 0.0076317425126702825, 0.00527949984669125, 0.003422702443389899, 0.002081693763676618, 0.0012711661792704665],
        "warmup_fixed": [0.05, 0.05833333333333334, 0.06666666666666667, 0.075, 0.08333333333333333, 0.09166666666666667, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
        "warmup_cosine": [0.010000000000000002, 0.028000000000000004, 0.046000000000000006, 0.064, 0.082, 0.1, 0.09960967771506667, 0.09844486647586725, 0.09652393605146846, 0.09387718066217127, 0.09054634122155993, 0.08658394705735989, 0.08205248749256015, 0.07702342635146034, 0.0715760749324711, 0.0657963412215599, 0.05977537507199339, 0.05360813071670103, 0.047391869283299, 0.04122462492800664, 0.035203658778440124, 0.029423925067528906, 0.023976573648539657, 0.018947512507439857, 0.014416052942640138, 0.010453658778440105, 0.007122819337828752, 0.004476063948531558, 0.002555133524132767, 0.0013903222849333506],
        "warmup_multistep": [0.025, 0.043750000000000004, 0.06250000000000001, 0.08125000000000002, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002],
        "warmup_poly": [0.001, 0.010899999999999998, 0.020799999999999996, 0.03069999999999999, 0.04059999999999999, 0.05049999999999999, 0.06039999999999998, 0.07029999999999997, 0.08019999999999997, 0.09009999999999996, 0.1, 0.09746794344808964, 0.09486832980505137, 0.09219544457292886, 0.08944271909999159, 0.08660254037844387, 0.08366600265340755, 0.0806225774829855, 0.07745966692414834, 0.07416198487095663, 0.07071067811865475, 0.0670820393249937, 0.0632455532033676, 0.05916079783099617, 0.05477225575051662, 0.05, 0.04472135954999579, 0.03872983346207417, 0.03162277660168379, 0.022360679774997907],
        "warmup_step": [0.020000000000000004, 0.04666666666666667, 0.07333333333333333, 0.1, 0.1, 0.1, 0.1, 0.08000000000000002, 0.08000000000000002, 0.08000000000000002, 0.08000000000000002, 0.06400000000000002, 0.06400000000000002, 0.06400000000000002, 0.06400000000000002, 0.051200000000000016, 0.051200000000000016, 0.051200000000000016, 0.051200000000000016, 0.04096000000000002, 0.04096000000000002, 0.04096000000000002, 0.04096000000000002, 0.03276800000000001, 0.03276800000000001, 0.03276800000000001, 0.03276800000000001, 0.026214400000000013, 0.026214400000000013, 0.026214400000000013],
        "one_cycle": [0.0040000000000000036, 0.0076537824394582454, 0.018058874503045733, 0.03363119524647569, 0.052000000000000005, 0.0703688047535243, 0.08594112549695429, 0.09634621756054176, 0.1, 0.09944154354509119, 0.0977786491747459, 0.09504846320134738, 0.09131197346804489, 0.08665264698111695, 0.0811745653949763, 0.0750001, 0.06826717815011489, 0.06112620219362893, 0.0537366897333025, 0.046263710266697504, 0.03887419780637107, 0.03173322184988512, 0.025000300000000013, 0.0188258346050237, 0.01334775301888306, 0.008688426531955128, 0.004951936798652629, 0.002221750825254118, 0.0005588564549088189, 4e-07],
        "one_cycle_linear_three_phase": [0.01, 0.02384615384615385, 0.0376923076923077, 0.05153846153846155, 0.06538461538461539, 0.07923076923076924, 0.09307692307692308, 0.09307692307692308, 0.07923076923076923, 0.06538461538461537, 0.05153846153846154, 0.03769230769230769, 0.02384615384615385, 0.009999999999999995, 0.00938125, 0.0087625, 0.00814375, 0.0075250000000000004, 0.00690625, 0.0062875, 0.00566875, 0.00505, 0.004431249999999999, 0.0038125, 0.0031937499999999995, 0.002574999999999999, 0.0019562499999999997, 0.0013375000000000001, 0.0007187499999999989, 9.99999999999994e-05],
        "one_cycle_adam": [0.0040000000000000036, 0.005944337266504118, 0.011619830424103306, 0.020566684770626315, 0.03206007937590945, 0.04516888776288231, 0.058831112237117685, 0.07193992062409055, 0.08343331522937368, 0.0923801695758967, 0.09805566273349588, 0.1, 0.09924039068905981, 0.09698464310077128, 0.09330129698414119, 0.08830226894706028, 0.08213945192680502, 0.0750001, 0.06710113876225478, 0.058682574153711, 0.0500002, 0.04131782584628902, 0.03289926123774523, 0.025000300000000013, 0.017860948073194972, 0.01169813105293973, 0.006699103015858823, 0.0030157568992287415, 0.0007600093109402015, 4e-07],
        "one_cycle_no_momentum": [0.0040000000000000036, 0.0052034602152724735, 0.008753494340683884, 0.014472088841534572, 0.022072489510780793, 0.03117358052235722, 0.04131899517009691, 0.052000000000000005, 0.0626810048299031, 0.07282641947764279, 0.08192751048921922, 0.08952791115846544, 0.09524650565931612, 0.09879653978472754, 0.1, 0.09890738440717015, 0.09567729017303851, 0.0904508879153485, 0.08345659649182165, 0.0750001, 0.0654509879153485, 0.05522660225769002, 0.04477379774230999, 0.03454941208465151, 0.025000300000000013, 0.01654380350817838, 0.009549512084651508, 0.0043231098269614805, 0.0010930155928298624, 4e-07],
    ]

    /// OneCycleLR's momentum (Adam: beta1) at each step, printed by `torchScheduleScript`.
    static let pinnedMomentum: [String: [Double]] = [
        "one_cycle": [0.95, 0.9461939766255643, 0.9353553390593273, 0.9191341716182544, 0.8999999999999999, 0.8808658283817454, 0.8646446609406726, 0.8538060233744357, 0.85, 0.8505584586887436, 0.8522213597106929, 0.854951556604879, 0.8586880612842003, 0.8633474064085087, 0.8688255099070633, 0.875, 0.8817329487816802, 0.8888739533021842, 0.8962634953206787, 0.9037365046793212, 0.9111260466978157, 0.9182670512183198, 0.9249999999999999, 0.9311744900929366, 0.9366525935914912, 0.9413119387157997, 0.945048443395121, 0.947778640289307, 0.9494415413112564, 0.95],
        "one_cycle_linear_three_phase": [0.9, 0.8846153846153847, 0.8692307692307693, 0.8538461538461539, 0.8384615384615385, 0.8230769230769232, 0.8076923076923077, 0.8076923076923077, 0.8230769230769232, 0.8384615384615385, 0.8538461538461539, 0.8692307692307693, 0.8846153846153846, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
        "one_cycle_adam": [0.95, 0.9479746486807248, 0.942062676641559, 0.9327430366972642, 0.9207707506500943, 0.9071157419136642, 0.8928842580863358, 0.8792292493499057, 0.8672569633027357, 0.8579373233584409, 0.8520253513192751, 0.85, 0.8507596123493896, 0.8530153689607045, 0.856698729810778, 0.8616977778440511, 0.8678606195156731, 0.875, 0.8828989928337165, 0.8913175911166534, 0.8999999999999999, 0.9086824088833465, 0.9171010071662834, 0.9249999999999999, 0.932139380484327, 0.9383022221559488, 0.9433012701892219, 0.9469846310392954, 0.9492403876506104, 0.95],
        "one_cycle_no_momentum": [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ]

    /// ReduceLROnPlateau after each metric: (rate, num_bad_epochs, best).
    static let pinnedPlateau: [String: [(Double, Int, Double)]] = [
        "plateau_min": [(0.1, 0, 1.0), (0.1, 0, 0.9), (0.1, 1, 0.9), (0.1, 2, 0.9), (0.05, 0, 0.9), (0.05, 0, 0.5), (0.05, 1, 0.5), (0.05, 2, 0.5), (0.025, 0, 0.5), (0.025, 0, 0.49), (0.025, 1, 0.49), (0.025, 2, 0.49), (0.02, 0, 0.49), (0.02, 0, 0.1), (0.02, 1, 0.1), (0.02, 2, 0.1), (0.02, 0, 0.1), (0.02, 1, 0.1), (0.02, 2, 0.1), (0.02, 0, 0.1)],
        "plateau_max": [(0.1, 0, 0.1), (0.1, 0, 0.2), (0.1, 1, 0.2), (0.1, 2, 0.2), (0.05, 0, 0.2), (0.05, 0, 0.5), (0.05, 1, 0.5), (0.05, 2, 0.5), (0.025, 0, 0.5), (0.025, 0, 0.51), (0.025, 0, 0.6), (0.025, 1, 0.6), (0.025, 2, 0.6), (0.02, 0, 0.6), (0.02, 1, 0.6), (0.02, 2, 0.6), (0.02, 0, 0.6), (0.02, 1, 0.6), (0.02, 2, 0.6), (0.02, 0, 0.6)],
    ]

    static let torchScheduleScript = #"""
import json, torch
from torch.optim import lr_scheduler as S
T = 30
def lrs(make):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    sched = make(opt)
    out = []
    for t in range(T):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out
def warm(start, w, main):
    return lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=start, total_iters=w), main(o)], milestones=[w])
CASES = {
    "fixed": lambda o: S.LambdaLR(o, lambda t: 1.0),
    "step": lambda o: S.StepLR(o, step_size=7, gamma=0.5),
    "multistep": lambda o: S.MultiStepLR(o, milestones=[5, 12, 25], gamma=0.1),
    "exponential": lambda o: S.ExponentialLR(o, gamma=0.5 ** (1 / 8)),
    "exponential_staircase": lambda o: S.StepLR(o, step_size=8, gamma=0.5),
    "poly": lambda o: S.PolynomialLR(o, total_iters=30, power=2.0),
    "cosine": lambda o: S.CosineAnnealingLR(o, T_max=30, eta_min=0.001),
    "warmup_fixed": warm(0.5, 6, lambda o: S.LambdaLR(o, lambda t: 1.0)),
    "warmup_cosine": warm(0.1, 5, lambda o: S.CosineAnnealingLR(o, T_max=25, eta_min=0.001)),
    "warmup_multistep": warm(0.25, 4, lambda o: S.MultiStepLR(o, milestones=[6, 20], gamma=0.1)),
    "warmup_poly": warm(0.01, 10, lambda o: S.PolynomialLR(o, total_iters=20, power=0.5)),
    "warmup_step": warm(0.2, 3, lambda o: S.StepLR(o, step_size=4, gamma=0.8)),
}
out = {name: lrs(make) for name, make in CASES.items()}
def one_cycle(kind="sgd", **kw):
    p = [torch.zeros(1, requires_grad=True)]
    opt = torch.optim.SGD(p, lr=0.1, momentum=0.9) if kind == "sgd" else torch.optim.Adam(p, lr=0.1)
    s = S.OneCycleLR(opt, max_lr=0.1, total_steps=T, **kw)
    lr, m = [], []
    for t in range(T):
        g = opt.param_groups[0]
        lr.append(g["lr"])
        m.append(g["momentum"] if kind == "sgd" else g["betas"][0])
        opt.step()
        s.step()
    return lr, m
ONE_CYCLE = {
    "one_cycle": one_cycle(),
    "one_cycle_linear_three_phase": one_cycle(pct_start=0.25, anneal_strategy="linear", three_phase=True, div_factor=10,
                                              final_div_factor=100, base_momentum=0.8, max_momentum=0.9),
    "one_cycle_adam": one_cycle("adam", pct_start=0.4),
    "one_cycle_no_momentum": one_cycle(pct_start=0.5, cycle_momentum=False),
}
out["momentum"] = {}
for name, (lr, m) in ONE_CYCLE.items():
    out[name] = lr
    out["momentum"][name] = m
def plateau(mode, metrics):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    s = S.ReduceLROnPlateau(opt, mode=mode, factor=0.5, patience=2, threshold=1e-2, min_lr=0.02)
    r = []
    for m in metrics:
        s.step(m)
        r.append([opt.param_groups[0]["lr"], s.num_bad_epochs, s.best])
    return r
LOSSES = [1.0, 0.9, 0.895, 0.894, 0.893, 0.5, 0.6, 0.7, 0.8, 0.49, 0.495, 0.4999, 0.5, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
ACCURACIES = [0.1, 0.2, 0.201, 0.2, 0.19, 0.5, 0.5, 0.504, 0.5, 0.51, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
out["plateau_min"] = plateau("min", LOSSES)
out["plateau_max"] = plateau("max", ACCURACIES)
print(json.dumps(out))
"""#
}
