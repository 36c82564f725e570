// Metrics: what the training loop reports, and the one protocol every output (terminal line,
// metrics.jsonl, TensorBoard events, curves.svg) implements, the way Keras callbacks and
// Lightning loggers are pluggable. Events are plain values; sinks own their files.

/// Something the training loop reports. Steps count completed optimizer steps (the first
/// logged step is 1); a run resumed from a checkpoint taken after step S continues at S + 1.
public enum MetricsEvent: Sendable, Equatable {
    case runStart(RunStart)
    case trainStep(TrainStep)
    case evaluation(Evaluation)
    case runEnd(RunEnd)

    public struct RunStart: Sendable, Equatable {
        /// The config's name (its file name without extension, or `name:`), for titles.
        public var configName: String
        public var totalSteps: Int
        public var stepsPerEpoch: Int
        /// The checkpoint's step when resuming; nil for a fresh run. Sinks with files keep
        /// the records of steps up to this one and drop later ones (the run redoes them).
        public var resumedFromStep: Int?

        public init(configName: String, totalSteps: Int, stepsPerEpoch: Int, resumedFromStep: Int? = nil) {
            self.configName = configName
            self.totalSteps = totalSteps
            self.stepsPerEpoch = stepsPerEpoch
            self.resumedFromStep = resumedFromStep
        }

        /// The number of epochs, counting a last partial one.
        public var totalEpochs: Int {
            stepsPerEpoch > 0 ? (totalSteps + stepsPerEpoch - 1) / stepsPerEpoch : 0
        }
    }

    /// One loss head's value (GoogLeNet has `main`, `aux1`, `aux2`), as the loop computed
    /// it, before the head's loss weight is applied.
    public struct HeadLoss: Sendable, Equatable {
        public var name: String
        public var value: Float

        public init(name: String, value: Float) {
            self.name = name
            self.value = value
        }
    }

    public struct TrainStep: Sendable, Equatable {
        public var step: Int
        /// The 1-based epoch this step belongs to.
        public var epoch: Int
        /// Epochs completed as a real number (examples seen / examples per epoch), e.g. 2.5.
        public var epochProgress: Double
        /// The loss of each head, in the config's order.
        public var losses: [HeadLoss]
        /// The weighted sum the optimizer minimizes.
        public var totalLoss: Float
        public var learningRate: Float
        /// Training throughput over the last logging interval.
        public var imagesPerSecond: Double
        /// Training examples seen since the start of the run (resumes included).
        public var examplesSeen: Int

        public init(step: Int, epoch: Int, epochProgress: Double, losses: [HeadLoss], totalLoss: Float,
                    learningRate: Float, imagesPerSecond: Double, examplesSeen: Int) {
            self.step = step
            self.epoch = epoch
            self.epochProgress = epochProgress
            self.losses = losses
            self.totalLoss = totalLoss
            self.learningRate = learningRate
            self.imagesPerSecond = imagesPerSecond
            self.examplesSeen = examplesSeen
        }
    }

    public struct Evaluation: Sendable, Equatable {
        public var step: Int
        public var epoch: Int
        /// The mean loss of the evaluation set (the main head).
        public var loss: Float
        /// Top-k accuracy as a fraction in [0, 1], by k (usually 1 and 5).
        public var topK: [Int: Float]
        /// How many examples were evaluated.
        public var examples: Int

        public init(step: Int, epoch: Int, loss: Float, topK: [Int: Float], examples: Int) {
            self.step = step
            self.epoch = epoch
            self.loss = loss
            self.topK = topK
            self.examples = examples
        }

        public var top1: Float? { topK[1] }
        public var top5: Float? { topK[5] }
    }

    public struct RunEnd: Sendable, Equatable {
        public enum Reason: String, Sendable, Equatable, CaseIterable {
            /// Every step was run.
            case finished
            /// Stopped by a signal (Ctrl-C) or a request; a checkpoint allows resuming.
            case interrupted
            /// A loss became NaN or infinite; training cannot go on.
            case nonFiniteLoss = "non_finite_loss"
        }

        /// The last completed step.
        public var step: Int
        public var reason: Reason

        public init(step: Int, reason: Reason) {
            self.step = step
            self.reason = reason
        }
    }

    /// The step the event belongs to (0 for the start of a fresh run).
    public var step: Int {
        switch self {
        case .runStart(let s): s.resumedFromStep ?? 0
        case .trainStep(let s): s.step
        case .evaluation(let e): e.step
        case .runEnd(let e): e.step
        }
    }
}

/// An output for metrics. The loop sends `.runStart` first (sinks with files open or reopen
/// them then), any number of `.trainStep` and `.evaluation` events, `.runEnd`, then calls
/// `close()`. A sink throws a `MetricsError` naming its file when it cannot write; a record
/// it could not write is left out whole. Sinks are thread-safe (each holds its state behind
/// a lock), so the loop may hand them to another thread.
public protocol MetricsSink: AnyObject, Sendable {
    func record(_ event: MetricsEvent) throws
    /// Flushes and releases files; calling it again does nothing.
    func close() throws
}

/// A metrics sink's error, printed like a compiler diagnostic:
/// `runs/a/metrics.jsonl: error: cannot write a record: No space left on device`.
public struct MetricsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file the error is about.
    public var path: String
    /// The line of the file (1-based), when the error is about one (metrics.jsonl).
    public var line: Int?
    /// A sentence without the path prefix.
    public var message: String

    public init(path: String, line: Int? = nil, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String { "\(path)\(line.map { ":\($0)" } ?? ""): error: \(message)" }
}

/// Several sinks as one: each event goes to every sink, in order, even when an earlier one
/// throws; the errors are thrown afterwards (one as itself, several as one `MetricsError`
/// listing them all; errors that read the same are one).
public final class MetricsSinks: MetricsSink {
    public let sinks: [any MetricsSink]

    public init(_ sinks: [any MetricsSink]) { self.sinks = sinks }

    public func record(_ event: MetricsEvent) throws {
        try each { try $0.record(event) }
    }

    public func close() throws {
        try each { try $0.close() }
    }

    private func each(_ body: (any MetricsSink) throws -> Void) throws {
        var errors: [any Error] = []
        for sink in sinks {
            do { try body(sink) } catch {
                // Sinks that read one file (metrics.jsonl: its own sink, and curves.svg's
                // history on a resume) fail alike on it: its problem is said once.
                if !errors.contains(where: { "\($0)" == "\(error)" }) { errors.append(error) }
            }
        }
        if errors.count == 1, let only = errors.first { throw only }
        if errors.count > 1 {
            throw MetricsError(path: "metrics", message: "\(errors.count) sinks failed:\n"
                               + errors.map { "  \($0)" }.joined(separator: "\n"))
        }
    }
}
