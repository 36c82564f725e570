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

    /// The examples of each forward and backward pass: the rank's share, split into
    /// `accumulate` micro-batches; nil when either split is not even.
    public static func microBatch(_ batch: Int, ranks: Int, accumulate: Int) -> Int? {
        guard let local = localBatch(batch, ranks: ranks), accumulate >= 1, local % accumulate == 0 else { return nil }
        return local / accumulate
    }
    /// Each forward and backward pass's examples (`localBatch / train.accumulate`).
    public let microBatch: Int
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
    public internal(set) var evaluationSeconds = 0.0
    public internal(set) var saveSeconds = 0.0
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
    /// The weighted sum of a step's micro-batch gradients (`train.accumulate`).
    var accumulated: TensorStorage<Float>?
    /// Mixup and CutMix (`train.augment`), nil without them.
    let mixing: BatchMixing?
    /// The step's partner labels and λ when the batch was mixed (`compute` passes them on).
    var mix: (labels: [Int32], lambda: Float)?

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
        guard let microBatch = Self.microBatch(train.batch.value, ranks: ranks, accumulate: train.accumulate.value) else {
            throw TrainError(.input, "\(train.accumulate.location): error: accumulate: \(train.accumulate.value) does not divide the "
                             + "\(localBatch) examples of each rank's step (train.batch \(train.batch.value) over \(ranks) ranks)")
        }
        self.microBatch = microBatch
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
        mixing = BatchMixing(train.augment)
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
        optimizer = try input { try Optimizer(train.optimizer, parameters: parameters, cycledMomentum: schedule.momentum(at: 0)) }
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

    /// Runs from the current step to the configured length (or `stopAfter`).
    public func run() throws(TrainError) -> TrainOutcome {
        Interrupt.install()
        let end = min(totalSteps, options.stopAfter ?? totalSteps)
        let batch = train.batch.value
        let executor = Executor(graph: graph, batch: microBatch, mode: .training, parameters: parameters,
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
        // Under MPI a rank mixes its examples with those at the mirrored places of the whole
        // batch: the mirrored rank's part, which it loads too (the same examples, the same draws).
        var partnerLoader: BatchLoader?
        if mixing != nil, communicator.size > 1 {
            do {
                partnerLoader = try BatchLoader(dataset: dataset, preprocessing: preprocessing, batch: localBatch, shuffle: train.data.shuffle,
                                                seed: seed, training: true, start: start,
                                                shard: Shard(index: communicator.size - 1 - communicator.rank, count: communicator.size),
                                                dropLast: train.data.dropLast)
            } catch {
                throw TrainError(error)
            }
        }
        defer { partnerLoader?.close() }
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
            guard var b = loader.next() else { break }
            let partner = partnerLoader?.next()
            dataWaitSeconds += Date().timeIntervalSince(waitStart)
            mix = nil
            if let mixing {
                // An image C x H x W; any other input as one row.
                let d = graph.inputShape.dims
                let (c, h, w) = d.count == 3 ? (d[0], d[1], d[2]) : (1, 1, d.reduce(1, *))
                let draw = mixing.draw(seed: seed, step: state.step, height: h, width: w)
                if draw != .none {
                    let labels = BatchMixing.apply(draw, images: &b.images, labels: b.labels, partner: partner.map { ($0.images, $0.labels) },
                                                   channels: c, height: h, width: w)
                    mix = (labels, Float(draw.lambda))
                }
            }
            let step = state.step
            // Examples in the whole step (all ranks), and this rank's share of them.
            let stepExamples = min(batch, dataset.count - b.position.step * batch)
            let firstExample = stepExamples * communicator.rank / communicator.size
            let lr = schedule.rate(at: step, plateau: plateau)
            var result = compute(b, on: executor, step: step, firstExample: firstExample)
            if communicator.size > 1 { try exchange(&result, part: b.count, stepExamples: stepExamples) }
            try checkFinite(result, batch: b, step: step, firstExample: firstExample)
            optimizer.step(weights: &parameters, gradients: UnsafePointer(result.gradients.base), lr: lr,
                           momentum: schedule.momentum(at: step))
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
}
