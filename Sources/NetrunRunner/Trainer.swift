// The training loop: data -> forward -> backward -> gradient exchange -> optimizer ->
// averaging, with evaluation, checkpoints and metrics at their cadences.
import Foundation
import NetrunBackend
import NetrunConfig
import NetrunData
import NetrunDistributed
import NetrunFormats
import NetrunGraph
import NetrunKernels

/// How one `netrun train` runs.
public struct TrainOptions: Sendable {
    /// The run directory (created when missing).
    public var runDirectory: String
    /// Continue the run saved in `runDirectory`.
    public var resume: Bool
    /// Start from these weights (finetuning) instead of the fillers.
    public var weights: String?
    /// Stop after this step of the run (steps before a resume count); the schedule still
    /// follows the configured length.
    public var stopAfter: Int?
    /// Overrides `train.seed`.
    public var seed: Int?
    /// Report a training step to the sinks every this many steps (and at each epoch's end).
    public var logEvery: Int

    public init(runDirectory: String, resume: Bool = false, weights: String? = nil, stopAfter: Int? = nil, seed: Int? = nil,
                logEvery: Int = 10) {
        self.runDirectory = runDirectory
        self.resume = resume
        self.weights = weights
        self.stopAfter = stopAfter
        self.seed = seed
        self.logEvery = logEvery
    }
}

/// Why a run could not start or go on. `description` names the file, step or node.
public struct TrainError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A file or setting that cannot be used (exit 2). Its description names the file
        /// or the config position first, as a diagnostic: `img.idx: error: ...`.
        case input
        /// The loss or a gradient became NaN or infinite (exit 3).
        case nonFinite
        /// The ranks of a data-parallel run could not exchange (exit 4): the job ends.
        case distributed
    }

    public var kind: Kind
    public var description: String
    /// The file problem behind an `.input` error, when a file is what could not be used (a
    /// data file, the weights, the run directory, its saved state): its path and `kind`
    /// survive to the caller. nil for a config setting, a non-finite loss or the ranks.
    public var file: FileError?

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
        self.file = nil
    }

    /// An input error about a file; it reads as the file error does.
    public init(_ file: FileError) {
        kind = .input
        description = file.description
        self.file = file
    }

    /// An input error for `error`: a `FileError` as itself, anything else by its description.
    static func input(_ error: any Error) -> TrainError {
        if let file = error as? FileError { return TrainError(file) }
        return TrainError(.input, "\(error)")
    }
}

/// How a run ended.
public enum TrainOutcome: Sendable, Equatable {
    case finished(step: Int)
    /// Stopped by `--steps` before the configured length.
    case stopped(step: Int)
    /// Stopped by SIGINT or SIGTERM after saving (exit 130).
    case interrupted(step: Int)
}

public final class Trainer {
    public let config: Config
    public let train: TrainConfig
    public let graph: Graph
    public let options: TrainOptions
    public let seed: Int
    let sinks: MetricsSinks
    /// The processes training together (data-parallel over MPI), or one. Every rank runs
    /// this same loop on `batch / size` examples of each step's batch: rank 0's weights are
    /// broadcast at the start, the gradients are averaged over the ranks after backward (so
    /// every rank takes the same optimizer step), evaluation is split and its counts added,
    /// and only rank 0 writes the run directory.
    let communicator: any Communicator
    /// Examples per step on this process: `train.batch / communicator.size`.
    public let localBatch: Int

    /// Each rank's examples per step when `ranks` processes share the global batch `batch`:
    /// `batch / ranks`, or nil when it does not split evenly (which `init` refuses). The one
    /// place of the rule, for the memory check before a run as for the run.
    public static func localBatch(_ batch: Int, ranks: Int) -> Int? {
        ranks >= 1 && batch % ranks == 0 ? batch / ranks : nil
    }
    let checkpoints: CheckpointFiles

    let dataset: Dataset
    let preprocessing: Preprocessing
    let evaluator: Evaluator?
    public let stepsPerEpoch: Int
    public let totalSteps: Int
    /// Steps between checkpoints and between evaluations (0: no evaluation).
    let saveEvery: Int
    let evalEvery: Int
    let schedule: LearningRateSchedule
    var optimizer: Optimizer
    var averager: WeightAverager?
    var parameters: ParameterStore
    var state: RunState
    var plateau: PlateauState
    /// Seconds the loop waited for the loader's next batch, and seconds of the whole loop:
    /// what data loading added to training (the loader works ahead on its own thread).
    public private(set) var dataWaitSeconds = 0.0
    public private(set) var loopSeconds = 0.0
    /// Seconds of the loop spent evaluating and saving checkpoints (the rest is training).
    public private(set) var evaluationSeconds = 0.0
    public private(set) var saveSeconds = 0.0
    /// Training steps this process ran (a resume counts only its own).
    public private(set) var stepsRun = 0
    /// Seconds spent all-reducing and averaging the gradients over the ranks, once all of
    /// them had finished backward (0 for one process).
    public internal(set) var exchangeSeconds = 0.0
    /// Seconds this rank waited, after its backward, for the slowest rank's.
    public internal(set) var rankWaitSeconds = 0.0
    /// The plan of an epoch's last, smaller step, and the zero gradients of a rank with no
    /// part in it (Trainer+Step.swift).
    var partialExecutor: Executor?
    var noGradients: TensorStorage<Float>?

    public init(config: Config, graph: Graph, options: TrainOptions, sinks: [any MetricsSink],
                communicator: any Communicator = SingleProcess()) throws(TrainError) {
        guard let train = config.train else { throw TrainError(.input, "\(config.file): error: the config has no 'train' section") }
        self.config = config
        self.train = train
        self.graph = graph
        self.options = options
        self.sinks = MetricsSinks(sinks)
        self.communicator = communicator
        let ranks = communicator.size
        guard let localBatch = Self.localBatch(train.batch.value, ranks: ranks) else {
            throw TrainError(.input, "\(train.batch.location): error: train.batch \(train.batch.value) cannot be split evenly over \(ranks) ranks "
                             + "(mpirun -np \(ranks)): the batch is the global one, so make it a multiple of \(ranks)")
        }
        self.localBatch = localBatch
        let seed = options.seed ?? train.seed
        self.seed = seed
        checkpoints = CheckpointFiles(directory: options.runDirectory, keep: train.checkpoint.keep)

        func input<T>(_ body: () throws -> T) throws(TrainError) -> T {
            do { return try body() } catch { throw TrainError.input(error) }
        }
        let shape = graph.inputShape.dims
        let dataset = try input { try Dataset.open(train.data, classes: graph.classes, input: shape, seed: seed) }
        self.dataset = dataset
        let meanImage: [Float]? = train.data.mean == .perPixel ? dataset.meanImage() : nil
        var pca: ColorPCA?
        if train.augment.contains(where: { if case .pcaColor = $0 { return true } else { return false } }) {
            // Computed once by rank 0 and cached in the run directory (created here: this comes
            // before the run's first file); the other ranks receive rank 0's components.
            var components = [Float](repeating: 0, count: 12)
            if communicator.isRoot {
                let directory = options.runDirectory
                let computed = try input {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                    return try ColorPCA.cached(dataset, scale: train.data.scale, path: "\(directory)/pca.npy")
                }
                components = computed.eigenvalues + computed.eigenvectors
            }
            if communicator.size > 1 { try Self.collective { try communicator.broadcast(&components) } }
            pca = ColorPCA(eigenvalues: Array(components[0 ..< 3]), eigenvectors: Array(components[3 ..< 12]))
        }
        preprocessing = try input { try Preprocessing(source: train.data, input: shape, augment: train.augment, meanImage: meanImage, pca: pca) }
        let stepsPerEpoch = train.data.stepsPerEpoch(examples: dataset.count, batch: train.batch.value)
        self.stepsPerEpoch = stepsPerEpoch
        guard stepsPerEpoch >= 1 else {
            throw TrainError(FileError(path: dataset.origin, kind: .setting,
                                       message: "\(dataset.count) examples, fewer than one batch of \(train.batch.value)"))
        }
        // Every duration to steps here, once; a too-long one is an error at its position.
        func steps(_ d: DurationConfig, _ what: String, at location: SourceLocation) throws(TrainError) -> Int {
            do { return max(1, try d.steps(perEpoch: stepsPerEpoch)) } catch {
                throw TrainError(.input, "\(location): error: \(what) \(error.reason)")
            }
        }
        totalSteps = try steps(train.length.value, "the run", at: train.length.location)
        saveEvery = try steps(train.checkpoint.every, "train.checkpoint.every", at: train.location)
        evalEvery = try config.eval.map { e throws(TrainError) in try steps(e.every, "eval.every", at: e.location) } ?? 0
        if let eval = config.eval {
            let evalSet = try input { try Dataset.open(eval.data, classes: graph.classes, input: shape, seed: seed) }
            let evalPre = try input { try Preprocessing(source: eval.data, input: shape, views: eval.views, meanImage: meanImage) }
            evaluator = Evaluator(graph: graph, dataset: evalSet, preprocessing: evalPre, batch: eval.batch.value)
        } else {
            evaluator = nil
        }
        let schedule = try input { try LearningRateSchedule(train.schedule, baseRate: train.optimizer.lr.value, length: train.length.value,
                                                            stepsPerEpoch: stepsPerEpoch) }
        self.schedule = schedule
        plateau = schedule.initialPlateauState
        var parameters = ParameterStore(graph: graph)
        parameters.initialize(seed: UInt64(seed))
        if let w = options.weights { try input { try parameters.load(path: w) } }
        // Every rank starts from rank 0's weights (the same seed gives the same fillers; this
        // also covers --weights files that differ between hosts).
        try Self.collective { try communicator.broadcast(&parameters.values) }
        optimizer = try input { try Optimizer(train.optimizer, parameters: parameters) }
        averager = try train.averaging.map { a throws(TrainError) in
            try input { try WeightAverager(a, parameters: parameters, stepsPerEpoch: stepsPerEpoch) }
        }
        let fingerprint = ConfigFingerprint.values(of: config.resolved)
        state = RunState(step: 0, stepsPerEpoch: stepsPerEpoch, seed: UInt64(seed), config: fingerprint,
                         configHash: ConfigFingerprint.hash(fingerprint), optimizerSteps: 0, averagedSteps: 0, plateau: nil,
                         best: nil, bestStep: nil, kept: [], ranks: ranks)
        self.parameters = parameters
        if options.resume { try resume() }
    }

    /// Loads `state.safetensors` of the run directory; refuses a run of another config.
    func resume() throws(TrainError) {
        // Rank 0 reads the state; the others receive its bytes (no shared file system needed).
        var bytes = Data()
        if communicator.isRoot { bytes = try checkpoints.stateBytes() }
        bytes = try Self.collective { try communicator.broadcast(bytes) }
        let saved = try checkpoints.load(bytes)
        func differs(_ message: String) -> TrainError {
            TrainError(FileError(path: checkpoints.statePath, kind: .mismatch, message: message))
        }
        guard saved.state.processes == communicator.size else {
            throw differs("the run was trained by \(saved.state.processes) process\(saved.state.processes == 1 ? "" : "es") "
                             + "and would go on with \(communicator.size): resume it with the same number (mpirun -np \(saved.state.processes)"
                             + "\(saved.state.processes == 1 ? ", or without mpirun" : ""))")
        }
        let differences = ConfigFingerprint.differences(saved: saved.state.config, current: state.config)
        guard differences.isEmpty else {
            throw differs("the run was trained with another config; only train.epochs "
                             + "and train.steps may change on a resume. Differences:\n  " + differences.joined(separator: "\n  "))
        }
        guard saved.state.stepsPerEpoch == stepsPerEpoch else {
            throw differs("the run had \(saved.state.stepsPerEpoch) steps per epoch, the data now gives \(stepsPerEpoch)")
        }
        guard saved.state.seed == UInt64(seed) else {
            throw differs("the run's seed is \(saved.state.seed), not \(seed)")
        }
        do {
            try parameters.load(saved.weights, path: checkpoints.statePath)
            try optimizer.restore(saved.optimizer)
            if let s = saved.average { try averager?.restore(s) }
        } catch let mismatch as WeightsMismatch {
            throw TrainError(.input, mismatch.description)   // each line names the file already
        } catch {
            throw differs("\(error)")   // the optimizer's or the average's state does not fit the model
        }
        if let p = saved.state.plateau { plateau = p }
        state = saved.state
    }

    /// Runs from the current step to the configured length (or `stopAfter`).
    public func run() throws(TrainError) -> TrainOutcome {
        Interrupt.install()
        let end = min(totalSteps, options.stopAfter ?? totalSteps)
        let batch = train.batch.value
        let executor = Executor(graph: graph, batch: localBatch, mode: .training, parameters: parameters,
                                options: PlanOptions(dropoutSeed: UInt64(seed), firstExample: communicator.rank * localBatch))
        let start = LoaderPosition(epoch: state.step / stepsPerEpoch, step: state.step % stepsPerEpoch)
        let loader: BatchLoader
        do {
            loader = try BatchLoader(dataset: dataset, preprocessing: preprocessing, batch: localBatch, shuffle: train.data.shuffle,
                                     seed: seed, training: true, start: start,
                                     shard: Shard(index: communicator.rank, count: communicator.size), dropLast: train.data.dropLast)
        } catch {
            throw TrainError(error)
        }
        defer { loader.close() }
        if communicator.isRoot { try checkpoints.prepare(config: config, resumed: options.resume) }
        try emit(.runStart(.init(configName: config.name, totalSteps: totalSteps, stepsPerEpoch: stepsPerEpoch,
                                 resumedFromStep: options.resume ? state.step : nil)))
        var window = ThroughputWindow()
        var outcome = TrainOutcome.finished(step: end)
        // One process stops at a signal that came during the set-up (before any step) and
        // finishes an evaluation a signal stopped before the last save; ranks of an MPI
        // run agree on stopping at a step's end only.
        let alone = communicator.size == 1
        var stopNow = alone && Interrupt.pending != nil
        if !stopNow, let trainLoss = state.pendingEvaluation {
            state.pendingEvaluation = nil
            try evaluate(trainLoss: trainLoss)
            if state.pendingEvaluation != nil { try save() }
            stopNow = state.pendingEvaluation != nil
        }
        if stopNow {
            // Saved, so that `--resume` (which the CLI then suggests) finds a state.
            if state.pendingEvaluation == nil { try save() }
            outcome = .interrupted(step: state.step)
        }

        let loopStart = Date()
        defer { loopSeconds += Date().timeIntervalSince(loopStart) }
        while !stopNow && state.step < end {
            let waitStart = Date()
            guard let b = loader.next() else { break }
            dataWaitSeconds += Date().timeIntervalSince(waitStart)
            let step = state.step
            // Examples in the whole step (all ranks), and this rank's share of them.
            let stepExamples = min(batch, dataset.count - b.position.step * batch)
            let firstExample = stepExamples * communicator.rank / communicator.size
            let lr = schedule.rate(at: step, plateau: plateau)
            var result = compute(b, on: executor, step: step, firstExample: firstExample)
            if communicator.size > 1 { try exchange(&result, part: b.count, stepExamples: stepExamples) }
            try checkFinite(result, batch: b, step: step, firstExample: firstExample)
            optimizer.step(weights: &parameters, gradients: UnsafePointer(result.gradients.base), lr: lr)
            // In place: a copy would duplicate the averaged weights every step.
            _ = averager?.update(weights: parameters, step: step + 1)
            state.step = step + 1
            state.optimizerSteps = optimizer.steps
            stepsRun += 1
            window.add(stepExamples)
            let done = state.step
            if done % options.logEvery == 0 || done % stepsPerEpoch == 0 || done == end {
                try log(result, step: done, lr: lr, imagesPerSecond: window.take())
            }
            let pauseStart = Date()
            if evalEvery > 0 && (done % evalEvery == 0 || done == totalSteps) { try evaluate(trainLoss: Double(result.loss)) }
            // A signal during the step or its evaluation (one process: the evaluation stops
            // within a batch and is redone on resume) stops the run after this step.
            if alone && Interrupt.pending != nil { result.interrupted = true }
            if done % saveEvery == 0 || done == end { try save() }
            window.pause(Date().timeIntervalSince(pauseStart))
            if result.interrupted {
                if done % saveEvery != 0 && done != end { try save() }
                outcome = .interrupted(step: done)
                break
            }
        }
        if case .finished = outcome, state.step < totalSteps { outcome = .stopped(step: state.step) }
        let reason: MetricsEvent.RunEnd.Reason = if case .interrupted = outcome { .interrupted } else { .finished }
        try emit(.runEnd(.init(step: state.step, reason: reason)))
        do { try sinks.close() } catch { throw TrainError(.input, "\(error)") }
        return outcome
    }

    /// A collective operation; its failure (a rank gone, a timeout) ends the run.
    static func collective<T>(_ body: () throws -> T) throws(TrainError) -> T {
        do { return try body() } catch { throw TrainError(.distributed, "\(error)") }
    }

    /// Training examples of the run's first `steps` steps (an epoch's last step may be smaller).
    func examplesSeen(after steps: Int) -> Int {
        let batch = train.batch.value
        let perEpoch = min(stepsPerEpoch * batch, dataset.count)
        return steps / stepsPerEpoch * perEpoch + min(steps % stepsPerEpoch * batch, perEpoch)
    }

    func emit(_ event: MetricsEvent) throws(TrainError) {
        do { try sinks.record(event) } catch { throw TrainError(.input, "\(error)") }
    }

    /// The weights evaluation and `best.safetensors` use: the average when configured.
    var evaluatedWeights: ParameterStore {
        guard let a = averager, !a.isEmpty else { return parameters }
        var p = parameters
        p.values = a.values
        return p
    }

    func evaluate(trainLoss: Double) throws(TrainError) {
        guard let evaluator else { return }
        let started = Date()
        defer { evaluationSeconds += Date().timeIntervalSince(started) }
        var weights = evaluatedWeights
        var tally: EvaluationTally
        // One process stops its evaluation within a batch at a signal; the ranks of an MPI
        // run would wait for each other at the sum, so they finish it.
        let alone = communicator.size == 1
        do {
            tally = try evaluator.tally(&weights, shard: Shard(index: communicator.rank, count: communicator.size),
                                        stop: { alone && Interrupt.pending != nil })
        } catch {
            throw TrainError(error)
        }
        if tally.interrupted {
            state.pendingEvaluation = trainLoss
            return
        }
        if communicator.size > 1 {
            let v = tally.vector
            tally = tally.with(vector: try Self.collective { try communicator.sum(v) })
        }
        let r = tally.result
        try emit(.evaluation(.init(step: state.step, epoch: (state.step - 1) / stepsPerEpoch + 1, loss: Float(r.loss),
                                   topK: r.topK.mapValues(Float.init), examples: r.examples)))
        let metric: (MonitorConfig) -> Double = { m in
            switch m {
            case .valLoss: return r.loss
            case .valTop1: return r.topK[1] ?? 0
            case .valTop5: return r.topK[5] ?? 0
            case .trainLoss: return trainLoss
            }
        }
        if case .plateau(let p) = schedule.policy {
            schedule.observe(metric(p.monitor), state: &plateau)
            state.plateau = plateau
        }
        if let m = train.checkpoint.best {
            let v = metric(m)
            if state.best.map({ m.maximize ? v > $0 : v < $0 }) ?? true {
                state.best = v
                state.bestStep = state.step
                if communicator.isRoot { try checkpoints.saveBest(weights, step: state.step, metric: m.rawValue, value: v) }
            }
        }
    }

    func save() throws(TrainError) {
        let started = Date()
        defer { saveSeconds += Date().timeIntervalSince(started) }
        guard communicator.isRoot else { return }
        try checkpoints.save(state: &state, weights: parameters, optimizer: optimizer.state(), average: averager?.state)
    }

    /// The first node whose output (forward) or parameter gradient (backward) is not finite,
    /// rerunning the step's batch with every output kept.
    func diagnose(images: [Float], labels: [Int32], step: Int, firstExample: Int) -> String {
        var probe = parameters
        let all = Set(graph.nodes.map(\.id))
        let e = Executor(graph: graph, batch: labels.count, mode: .training, parameters: probe,
                         options: PlanOptions(keep: all, dropoutSeed: UInt64(seed), firstExample: firstExample))
        e.setInput(images)
        e.setLabels(labels)
        e.forward(&probe, step: UInt64(step))
        if let node = e.firstNonFiniteOutput() { return "; the first non-finite output is node '\(node.name)' (\(node.op.keyword))" }
        e.backward(probe)
        let grads = e.parameterGradientValues
        for entry in probe.entries where entry.learnable {
            if grads[entry.offset ..< entry.offset + entry.count].contains(where: { !$0.isFinite }) {
                return "; the first non-finite gradient is that of '\(entry.name)'"
            }
        }
        return ""
    }
}
