import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress for a person watching: the run's header, a progress line, a summary at each
/// evaluation and at the end.
///
/// On a terminal (`isTerminal`), one line redrawn in place, at most every `redrawInterval`
/// seconds: `\r`, the line, then `ESC[K` (erase to the end of the line), never wider than the
/// terminal minus one column (a character in the last column makes some terminals wrap).
/// When the terminal is narrow, the least important fields go first (per-head losses, then
/// img/s, learning rate, time left), and only then is the line cut.
///
///     epoch 3/10  step 2000/9000  loss 1.2346  lr 0.01  1843 img/s  0:00:42 left
///
/// Elsewhere (CI logs, pipes) there is no `\r` and no escape code: a plain line whenever the
/// step passes a multiple of `plainEverySteps` or `plainEverySeconds` have passed since the
/// last one. Summaries are whole lines in both modes.
public final class MetricsTerminalSink: MetricsSink {
    public struct Options: Sendable {
        /// Plain mode: a line whenever the step passes a multiple of this...
        public var plainEverySteps: Int
        /// ...or when this many seconds have passed since the last line.
        public var plainEverySeconds: Double
        /// Terminal mode: the least time between two redraws (the last step is always drawn).
        public var redrawInterval: Double

        public init(plainEverySteps: Int = 100, plainEverySeconds: Double = 10, redrawInterval: Double = 0.1) {
            self.plainEverySteps = max(1, plainEverySteps)
            self.plainEverySeconds = plainEverySeconds
            self.redrawInterval = redrawInterval
        }
    }

    private struct State {
        var start: MetricsEvent.RunStart?
        var startTime = 0.0
        /// The first step seen and when: the rate for the time left is measured from there,
        /// so a slow first step (allocation, warm-up) does not skew it.
        var firstStep: (step: Int, time: Double)?
        var last: MetricsEvent.TrainStep?
        var lastDrawTime = -Double.infinity
        var lastPlainTime = -Double.infinity
        var lastPlainStep = 0
        /// A progress line is on the screen without a newline after it.
        var lineShown = false
        var best: (top1: Float, step: Int)?
        var closed = false
    }

    public let isTerminal: Bool
    private let options: Options
    private let columns: @Sendable () -> Int
    private let clock: @Sendable () -> Double
    private let write: @Sendable (String) -> Void
    private let state = Mutex(State())

    /// - Parameters:
    ///   - isTerminal: whether `write` reaches a terminal (the CLI's `Console.errorIsTerminal`).
    ///   - columns: the terminal's width, asked at each redraw (`TerminalWidth.columns`).
    ///   - clock: seconds on a monotonic clock.
    ///   - write: where the text goes, written as given (no newline added).
    public init(isTerminal: Bool, options: Options = Options(),
                columns: @escaping @Sendable () -> Int = { TerminalWidth.columns(of: STDERR_FILENO) },
                clock: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime },
                write: @escaping @Sendable (String) -> Void) {
        self.isTerminal = isTerminal
        self.options = options
        self.columns = columns
        self.clock = clock
        self.write = write
    }

    public func record(_ event: MetricsEvent) throws {
        let now = clock()
        // Written under the lock, so that text from two threads never interleaves.
        state.withLock { state in
            let text = self.text(for: event, now: now, &state)
            if !text.isEmpty { write(text) }
        }
    }

    private func text(for event: MetricsEvent, now: Double, _ state: inout State) -> String {
        guard !state.closed else { return "" }
        switch event {
        case .runStart(let start):
            state = State()
            state.start = start
            state.startTime = now
            var header = "\(start.configName): \(start.totalSteps) steps, "
                + "\(start.totalEpochs) epoch\(start.totalEpochs == 1 ? "" : "s") of \(start.stepsPerEpoch) steps"
            if let resumed = start.resumedFromStep { header += ", resuming after step \(resumed)" }
            return header + "\n"
        case .trainStep(let s):
            if state.firstStep == nil { state.firstStep = (s.step, now) }
            state.last = s
            let isLast = s.step >= (state.start?.totalSteps ?? .max)
            if isTerminal {
                guard isLast || now - state.lastDrawTime >= options.redrawInterval else { return "" }
                state.lastDrawTime = now
                state.lineShown = true
                return progressRedraw(s, state, now)
            }
            let crossed = s.step / options.plainEverySteps > state.lastPlainStep / options.plainEverySteps
            guard crossed || isLast || now - state.lastPlainTime >= options.plainEverySeconds else { return "" }
            state.lastPlainTime = now
            state.lastPlainStep = s.step
            return Self.join(progressFields(s, state, now, elapsed: true).map(\.text)) + "\n"
        case .evaluation(let e):
            if let top1 = e.top1, top1.isFinite, top1 > (state.best?.top1 ?? -.infinity) { state.best = (top1, e.step) }
            let line = evaluationSummary(e, state)
            guard isTerminal else { return line + "\n" }
            // The summary replaces the progress line, which is drawn again below it. It is
            // a whole line, so it may wrap rather than be cut.
            var out = "\r" + line + Self.eraseToEnd + "\n"
            if state.lineShown, let last = state.last {
                out += progressRedraw(last, state, now)
                state.lastDrawTime = now
            }
            return out
        case .runEnd(let end):
            let line = endSummary(end, state, now)
            let out = isTerminal ? "\r" + line + Self.eraseToEnd + "\n" : line + "\n"
            state.lineShown = false
            return out
        }
    }

    /// Ends a progress line left on the screen with a newline, so that what is printed next
    /// starts on a line of its own.
    public func close() throws {
        state.withLock { state in
            if !state.closed, state.lineShown { write("\n") }
            state.closed = true
            state.lineShown = false
        }
    }

    static let eraseToEnd = "\u{1B}[K"

    private func progressRedraw(_ s: MetricsEvent.TrainStep, _ state: State, _ now: Double) -> String {
        "\r" + fitted(progressFields(s, state, now, elapsed: false)) + Self.eraseToEnd
    }

    /// The progress line's fields with their importance (0 is kept longest).
    private func progressFields(_ s: MetricsEvent.TrainStep, _ state: State, _ now: Double,
                                elapsed: Bool) -> [(text: String, rank: Int)] {
        let total = state.start?.totalSteps ?? 0
        var fields: [(text: String, rank: Int)] = []
        if let epochs = state.start?.totalEpochs, epochs > 0 {
            fields.append(("epoch \(s.epoch)/\(epochs)", 0))
        } else {
            fields.append(("epoch \(s.epoch)", 0))
        }
        fields.append((total > 0 ? "step \(s.step)/\(total)" : "step \(s.step)", 0))
        fields.append(("loss \(Self.loss(s.totalLoss))", 0))
        if s.losses.count > 1 {
            fields.append(("(" + s.losses.map { "\($0.name) \(Self.loss($0.value))" }.joined(separator: " ") + ")", 5))
        }
        fields.append(("lr \(Self.rate(s.learningRate))", 2))
        fields.append(("\(Self.throughput(s.imagesPerSecond)) img/s", 3))
        if elapsed { fields.append(("elapsed \(Self.clockTime(now - state.startTime))", 4)) }
        fields.append(("\(timeLeft(s.step, state, now)) left", 1))
        return fields
    }

    /// "h:mm:ss" from the mean time per step since the first step seen; "-:--:--" before
    /// there is a rate.
    private func timeLeft(_ step: Int, _ state: State, _ now: Double) -> String {
        guard let first = state.firstStep, let total = state.start?.totalSteps,
              step > first.step, now > first.time else { return "-:--:--" }
        let perStep = (now - first.time) / Double(step - first.step)
        return Self.clockTime(perStep * Double(max(0, total - step)))
    }

    private func evaluationSummary(_ e: MetricsEvent.Evaluation, _ state: State) -> String {
        var parts = ["val_loss \(Self.loss(e.loss))"]
        parts += e.topK.keys.sorted().map { "top\($0) \(Self.percent(e.topK[$0] ?? .nan))" }
        var line = "eval at step \(e.step) (epoch \(e.epoch)): " + parts.joined(separator: ", ")
        if let best = state.best {
            line += best.step == e.step ? " (best)" : "; best top1 \(Self.percent(best.top1)) at step \(best.step)"
        }
        return line
    }

    private func endSummary(_ end: MetricsEvent.RunEnd, _ state: State, _ now: Double) -> String {
        let total = state.start?.totalSteps ?? end.step
        let took = Self.clockTime(now - state.startTime)
        var line: String
        switch end.reason {
        case .finished:
            line = "finished: \(end.step) steps in \(took)"
        case .interrupted:
            line = "interrupted at step \(end.step)/\(total) after \(took)"
        case .nonFiniteLoss:
            let losses = state.last.map { s in
                ([("loss", s.totalLoss)] + s.losses.map { ($0.name, $0.value) })
                    .filter { !$0.1.isFinite }.map { "\($0.0) \(Self.loss($0.1))" }.joined(separator: ", ")
            } ?? ""
            line = "stopped at step \(end.step)/\(total) after \(took): the loss is not finite"
            if !losses.isEmpty { line += " (\(losses))" }
        }
        if let best = state.best { line += "; best top1 \(Self.percent(best.top1)) at step \(best.step)" }
        return line
    }

    /// The fields joined, dropping the least important ones until the line fits the
    /// terminal less one column; cut if even the essential ones do not fit.
    private func fitted(_ fields: [(text: String, rank: Int)]) -> String {
        let width = max(1, columns() - 1)
        var kept = fields
        var line = Self.join(kept.map(\.text))
        while line.count > width, let drop = kept.indices.filter({ kept[$0].rank > 0 }).max(by: { kept[$0].rank < kept[$1].rank }) {
            kept.remove(at: drop)
            line = Self.join(kept.map(\.text))
        }
        return line.count > width ? String(line.prefix(width)) : line
    }

    static func join(_ parts: [String]) -> String { parts.joined(separator: "  ") }

    /// Keras's rule: four decimals, or scientific notation below 1e-3.
    static func loss(_ v: Float) -> String {
        guard v.isFinite else { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
        return String(format: abs(v) >= 1e-3 || v == 0 ? "%.4f" : "%.4e", Double(v))
    }

    static func rate(_ v: Float) -> String {
        v.isFinite ? String(format: "%.3g", Double(v)) : "\(v)"
    }

    static func throughput(_ v: Double) -> String {
        guard v.isFinite else { return "-" }
        return String(format: v >= 100 ? "%.0f" : "%.1f", v)
    }

    static func percent(_ v: Float) -> String {
        v.isFinite ? String(format: "%.2f%%", Double(v) * 100) : "nan"
    }

    /// `h:mm:ss` (hours unbounded).
    static func clockTime(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds < 1e9 else { return "-:--:--" }
        let s = max(0, Int(seconds.rounded()))
        return String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
    }
}

/// The width of a terminal in columns.
public enum TerminalWidth {
    /// `COLUMNS` when it is a positive number (a user's override, as Python's
    /// shutil.get_terminal_size reads it), else the window size of `fd` (ioctl TIOCGWINSZ),
    /// else 80.
    public static func columns(of fd: Int32, environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        if let text = environment["COLUMNS"], let n = Int(text.trimmingCharacters(in: .whitespaces)), n > 0, n < 100_000 {
            return n
        }
        var size = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }
}
