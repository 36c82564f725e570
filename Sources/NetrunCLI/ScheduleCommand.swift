import ArgumentParser
import Foundation
import NetrunConfig
import NetrunData
import NetrunFormats
import NetrunGraph
import NetrunRunner

/// `netrun schedule CONFIG [--svg FILE] [--examples N]`: the learning rate of every step of
/// the run, as a table of milestones and, optionally, an SVG curve; with warnings for
/// schedules that cannot do what they say.
struct ScheduleCommand: NetrunCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Print the learning rate over the run: a table of milestones, optionally an SVG curve.",
        discussion: """
        Steps per epoch are floor(examples / batch). The example count is the synthetic data's \
        `samples`, an IDX image file's header count (.gz too), or --examples. A row is printed at the \
        start, where warmup ends, at every jump (up to 60), whenever the rate has moved by more \
        than 10% (of itself, or of half the base rate when lower), and at the last step. A \
        plateau schedule's drops depend on evaluations and are not drawn. Warnings (stderr) \
        name milestones past the end, a warmup longer than the run, a plateau that cannot fire \
        and a rate that reaches 0 before the end.
        """
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: ArgumentHelp("Also draw the rate against the steps as SVG to this file (written atomically).", valueName: "file"))
    var svg: String?

    @Option(help: "Training examples per epoch (default: the data's own count: synthetic samples, an IDX file's header).")
    var examples: Int?

    func validate() throws {
        if let examples { try NetrunCLI.validate(examples, in: 1 ... Int.max, option: "examples") }
    }

    func execute(_ console: Console) -> Int32 {
        var code = ExitStatus.ok
        guard let checked = Checked(options, console: console, exitCode: &code) else { return code }
        let config = checked.config
        guard let train = config.train else {
            console.printError("\(config.file): error: the config has no 'train' section, so no schedule")
            return ExitStatus.configErrors
        }
        if let svg {
            do { try OutputPath.check(svg, what: "SVG output", inputs: [(options.file, "the config")]) } catch {
                console.printError(error.description)
                return ExitStatus.usage
            }
        }
        let count: Int
        do { count = try trainingExampleCount(train.data, override: examples, graph: checked.graph) } catch {
            console.printError(error.description)
            return ExitStatus.usage
        }
        let report: ScheduleReport
        do { report = try ScheduleReport(config: config, train: train, examples: count) } catch {
            console.printError("\(train.location): error: \(error.message)")
            return ExitStatus.configErrors
        }
        console.print(report.table(), terminator: "")
        for w in report.warnings { console.printError("\(train.location): warning: \(w)") }
        if let svg {
            do { try AtomicFile.write(Array(report.svg().utf8), to: svg) } catch {
                console.printError("\(svg): error: \(error)")
                return ExitStatus.usage
            }
        }
        return ExitStatus.ok
    }
}

// MARK: - The example count

/// How many training examples an epoch has, for steps per epoch: `override` (--examples)
/// when given, else the training data opened as `netrun train` opens it (NetrunData).
func trainingExampleCount(_ data: DataSource, override: Int?, graph: Graph) throws(FileError) -> Int {
    if let override { return override }
    return try Dataset.open(data, classes: graph.classes, input: graph.inputShape.dims).count
}

// MARK: - The report

/// The schedule of a run, its milestones and warnings, and its curve.
struct ScheduleReport {
    struct Row: Equatable {
        var step: Int
        var rate: Double
        var note: String
    }

    let name: String
    let schedule: LearningRateSchedule
    let examples: Int
    let batch: Int
    let stepsPerEpoch: Int
    let optimizer: String
    private(set) var rows: [Row] = []
    private(set) var warnings: [String] = []

    /// Runs up to this many steps are scanned step by step; longer ones on a grid of
    /// `scanGrid` steps plus every breakpoint (a drift row may then be late by one grid cell).
    static let scanLimit = 1_000_000
    static let scanGrid = 200_000
    /// A row when the rate has moved by more than this share of itself (or of half the base rate).
    static let drift = 0.10

    init(config: Config, train: TrainConfig, examples: Int) throws(SettingError) {
        name = config.name
        self.examples = examples
        batch = train.batch.value
        stepsPerEpoch = train.data.stepsPerEpoch(examples: examples, batch: batch)
        schedule = try LearningRateSchedule(train.schedule, baseRate: train.optimizer.lr.value, length: train.length.value,
                                            stepsPerEpoch: stepsPerEpoch)
        optimizer = Self.describe(train.optimizer, cycledMomentum: schedule.momentum(at: 0) != nil)
        scan()
        warn(train: train, eval: config.eval)
    }

    // MARK: scanning

    /// The steps where the rate may jump: warmup's end, decays, milestones (and the step before each).
    private var breakpoints: [Int] { Array(Set([0, schedule.warmupSteps - 1, schedule.warmupSteps, schedule.totalSteps - 1] + decays)) }

    /// The steps where the policy itself jumps (decays, milestones), and the step before each.
    private var decays: [Int] {
        let s = schedule, w = s.warmupSteps, t = s.totalSteps
        var points: [Int] = []
        switch s.policy {
        case .step(_, let every), .exponential(_, let every, true):
            var k = 1
            while w + k * every < t, k <= 10_000 { points += [w + k * every - 1, w + k * every]; k += 1 }
        case .multistep(_, let at): for m in at { points += [w + m - 1, w + m] }
        case .fixed, .exponential, .poly, .cosine, .plateau, .oneCycle: break
        }
        return points.filter { $0 >= 0 && $0 < t }
    }

    /// One-cycle's highest step (its rate rises until `pct_start·T − 1`), else nil.
    private var peak: Int? {
        guard case .oneCycle(let c) = schedule.policy else { return nil }
        let t = schedule.totalSteps, end = c.pctStart * Double(t) - 1
        let candidates = [Int(end.rounded(.down)), Int(end.rounded(.up))].map { min(max($0, 0), t - 1) }
        return candidates.max { schedule.rate(at: $0) < schedule.rate(at: $1) }
    }

    /// The steps the scan visits, in order: every step of a short run; a grid plus the breakpoints of a long one.
    private var scanSteps: [Int] {
        let t = schedule.totalSteps
        if t <= Self.scanLimit { return Array(0 ..< t) }
        let grid = (0 ..< Self.scanGrid).map { Int((Double($0) / Double(Self.scanGrid - 1) * Double(t - 1)).rounded()) }
        return Array(Set(grid + breakpoints)).sorted()
    }

    /// At most this many jumps get a row each; a policy that jumps more often (a decay every
    /// few steps) is shown by its drift.
    static let jumpRows = 60

    private mutating func scan() {
        let s = schedule, w = s.warmupSteps, base = s.baseRate
        let steps = scanSteps
        guard let first = steps.first else { return }
        // Discontinuities happen only at the policy's breakpoints (not where a smooth curve is steep).
        let jumps = Set(decays.filter { $0 > w && s.rate(at: $0) != s.rate(at: $0 - 1) })
        let showJumps = jumps.count <= Self.jumpRows
        var last = s.rate(at: first), previous = last
        rows = [Row(step: 0, rate: last, note: w > 0 ? "start of warmup (×\(Self.format(s.startFactor)))" : "start")]
        var zeroWarned = false
        let peak = self.peak
        for t in steps.dropFirst() {
            let r = s.rate(at: t)
            var note: String?
            if t == peak {
                note = "peak"
            } else if t == w {
                note = "warmup ends"
            } else if showJumps, jumps.contains(t), previous > 0 {
                note = "×\(Self.format(r / previous))"
            } else if t > w, abs(r - last) > Self.drift * max(last, base / 2) {
                note = s.policy.name
            }
            if note == nil, t == s.totalSteps - 1 { note = "last step" }
            if let note {
                rows.append(Row(step: t, rate: r, note: note))
                last = r
            }
            if !zeroWarned, t >= w, Float(r) == 0 {
                zeroWarned = true
                warnings.append("the rate reaches 0 at step \(t) (epoch \(epoch(t))), \(s.totalSteps - t) steps before the end: those steps change nothing")
            }
            previous = r
        }
    }

    // MARK: warnings

    /// "1000 steps", or "2 epochs = 1000 steps": a duration as written, and in steps when written in epochs.
    static func span(_ d: DurationConfig, steps: Int) -> String {
        d.unit == .steps ? "\(d)" : "\(d) = \(steps) steps"
    }

    private mutating func warn(train: TrainConfig, eval: EvalConfig?) {
        let s = schedule, w = s.warmupSteps, t = s.totalSteps
        if let warmup = train.schedule.warmup, w >= t {
            warnings.append("the warmup (\(Self.span(warmup.length, steps: w))) is not shorter than the run (\(t) steps): the rate never reaches lr")
        }
        switch (train.schedule.policy, s.policy) {
        case (.multistep(_, let at), .multistep(_, let steps)):
            for (m, step) in zip(at, steps) where w + step >= t {
                warnings.append("milestone \(m) (step \(w + step)\(w > 0 ? ", after warmup" : "")) is past the end of the run (\(t) steps); it never applies")
            }
        case (.step(_, let every), .step(_, let steps)), (.exponential(_, let every, true), .exponential(_, let steps, true)):
            if w + steps >= t {
                warnings.append("the decay period (\(Self.span(every, steps: steps))) is not shorter than the run after warmup (\(t - w) steps): the rate never decays")
            }
        case (_, .plateau(let p)):
            let every = eval?.every ?? DurationConfig(1, .epochs)
            let period = (try? every.steps(perEpoch: stepsPerEpoch)) ?? 0
            let evaluations = period > 0 ? t / period : 0
            if p.monitor != .trainLoss, eval == nil {
                warnings.append("the plateau schedule watches \(p.monitor.rawValue) but there is no 'eval' section: it can never lower the rate")
            } else if evaluations < p.patience + 2 {
                warnings.append("the plateau schedule can never lower the rate: \(evaluations) evaluation\(evaluations == 1 ? "" : "s") (every \(every)) in the run, and a drop needs at least \(p.patience + 2) (patience \(p.patience) + 2)")
            }
            if p.factor == 0, p.minLR == 0 {
                warnings.append("the plateau's factor is 0 and min_lr 0: its first drop sets the rate to 0")
            }
        default: break
        }
    }

    // MARK: text

    func epoch(_ step: Int) -> String {
        stepsPerEpoch > 0 ? String(format: "%.2f", Double(step) / Double(stepsPerEpoch)) : "-"
    }

    /// The table printed on standard output.
    func table() -> String {
        var out = "\(name): \(optimizer); \(lengthPhrase)\n"
        out += "schedule: \(schedulePhrase)\n\n"
        // A schedule that sets the momentum (one_cycle) shows it beside the rate.
        let cycled = schedule.momentum(at: 0) != nil
        let header = ["step", "epoch", "rate"] + (cycled ? ["momentum"] : []) + ["note"]
        var cells = rows.map { row in
            [String(row.step), epoch(row.step), Self.format(row.rate)] + (schedule.momentum(at: row.step).map { [Self.format($0)] } ?? [])
                + [row.note]
        }
        cells.insert(header, at: 0)
        let numeric = header.count - 1
        let widths = (0 ..< numeric).map { c in cells.map { $0[c].count }.max() ?? 0 }
        for r in cells {
            let padded = (0 ..< numeric).map { String(repeating: " ", count: widths[$0] - r[$0].count) + r[$0] }
            out += "  " + padded.joined(separator: "  ") + "  " + r[numeric] + "\n"
        }
        return out
    }

    var lengthPhrase: String {
        "\(schedule.totalSteps) steps (\(stepsPerEpoch) per epoch: \(examples) examples, batch \(batch))"
    }

    var schedulePhrase: String {
        let s = schedule
        guard s.warmupSteps > 0 else { return policyPhrase }
        return "linear warmup from \(Self.format(s.startFactor)) × lr over \(s.warmupSteps) steps, then \(policyPhrase)"
    }

    var policyPhrase: String {
        let s = schedule
        switch s.policy {
        case .fixed: return "fixed at \(Self.format(s.baseRate))"
        case .step(let f, let every): return "step, ×\(Self.format(f)) every \(every) steps"
        case .multistep(let f, let at): return "multistep, ×\(Self.format(f)) at steps \(at.map { String(s.warmupSteps + $0) }.joined(separator: ", "))"
        case .exponential(let f, let every, let staircase):
            return "exponential, ×\(Self.format(f)) every \(every) steps\(staircase ? " (staircase)" : " (smooth)")"
        case .poly(let power): return "poly, power \(Self.format(power)), to 0 over \(s.policySteps) steps"
        case .cosine(let minLR): return "cosine to \(Self.format(minLR)) over \(s.policySteps) steps"
        case .oneCycle(let c):
            let peak = self.peak ?? 0
            var phrase = "one cycle (\(c.anneal.rawValue)): from \(Self.format(s.rate(at: 0))) up to \(Self.format(s.baseRate)) at step \(peak), "
            phrase += c.threePhase ? "back to \(Self.format(s.rate(at: 0))), then " : ""
            phrase += "down to \(Self.format(s.baseRate / (c.divFactor * c.finalDivFactor)))"
            if let m = c.momentum { phrase += "; momentum \(Self.format(m.max)) down to \(Self.format(m.base)) and back" }
            return phrase
        case .plateau(let p):
            return "plateau on \(p.monitor.rawValue) (\(p.maximize ? "max" : "min")): ×\(Self.format(p.factor)) after \(p.patience + 1) evaluations without improvement, floor \(Self.format(p.minLR)) (drops not shown)"
        }
    }

    /// The optimizer in one line; `cycledMomentum`: the schedule sets SGD's momentum or Adam's beta1.
    static func describe(_ o: OptimizerConfig, cycledMomentum: Bool = false) -> String {
        var parts: [String]
        switch o.algorithm {
        case .sgd(let momentum, let nesterov):
            parts = ["sgd", "lr \(format(o.lr.value))", cycledMomentum ? "momentum from the schedule" : "momentum \(format(momentum))"]
                + (nesterov ? ["nesterov"] : [])
        case .adam(let b1, let b2, _, let decoupled):
            parts = [decoupled ? "adamw" : "adam", "lr \(format(o.lr.value))",
                     "betas [\(cycledMomentum ? "from the schedule" : format(b1)), \(format(b2))]"]
        }
        if o.weightDecay > 0 { parts.append("weight decay \(format(o.weightDecay))\(o.decayBias ? "" : " (not on biases)")") }
        if let c = o.clipNorm { parts.append("clip norm \(format(c))") }
        if let l = o.lookahead { parts.append("lookahead k \(l.k), alpha \(format(l.alpha))") }
        return parts.joined(separator: ", ")
    }

    /// Six significant digits, without trailing zeros.
    static func format(_ x: Double) -> String { String(format: "%.6g", x) }
}

// MARK: - The SVG curve

extension ScheduleReport {
    /// The chart's size: one panel of 696 × 316 pixels, 80 from the left and 48 from the top.
    static let chartLayout = SVGLineChart.Layout(width: 800, panelHeight: 316, left: 80, right: 24, top: 48, gap: 0, bottom: 56)

    /// The steps the curve passes through: an even sample, every row, and the step before
    /// each row (so that jumps are drawn upright).
    var curveSteps: [Int] {
        let t = schedule.totalSteps
        let samples = min(t, 1000)
        var steps = Set((0 ..< samples).map { Int((Double($0) / Double(max(1, samples - 1)) * Double(t - 1)).rounded()) })
        for r in rows { steps.insert(r.step); if r.step > 0 { steps.insert(r.step - 1) } }
        return steps.filter { $0 >= 0 && $0 < t }.sorted()
    }

    /// The curve: rate against step, from 0 up to the peak (a row's rate: warmup's end, or the
    /// start), with warmup's end marked.
    func chart() -> SVGLineChart {
        let t = schedule.totalSteps
        let curve = SVGLineChart.Series(name: "rate", color: "#1f5fbf",
                                        points: curveSteps.map { SVGLineChart.Point(Double($0), schedule.rate(at: $0)) }, id: "rate")
        let panel = SVGLineChart.Panel(title: "learning rate", series: [curve], axis: .init(fromZero: true, significant: true),
                                       heading: false, axisLabel: "learning rate")
        let w = schedule.warmupSteps
        return SVGLineChart(layout: Self.chartLayout, title: "\(name): learning rate", subtitle: schedulePhrase, panels: [panel],
                            xMax: Double(max(1, t - 1)), xLabel: "step (\(stepsPerEpoch) per epoch, \(t) in all)",
                            markers: w > 0 && w < t ? [SVGLineChart.Marker(x: Double(w), label: "warmup ends")] : [])
    }

    func svg() -> String { chart().svg() }
}
