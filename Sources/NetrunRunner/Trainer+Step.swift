// The pieces of a training step that `Trainer.run` strings together: this rank's forward
// and backward, the exchange with the other ranks (the seam MPI plugs into), the check that
// the loss and gradients are finite, and the log line with the window's throughput.
import Foundation
import NetrunBackend
import NetrunData
import NetrunDistributed
import NetrunGraph
import NetrunKernels

/// One step's losses and gradients: this rank's after `compute`, every rank's after `exchange`.
struct StepResult {
    var loss: Float
    /// Each loss head's value (weighted), in `graph.losses` order.
    var lossValues: [Float]
    var gradients: TensorStorage<Float>
    /// A signal asked this process (after `exchange`: any rank) to stop after the step.
    var interrupted: Bool
}

/// Images per second over the steps since the last log line; evaluations and saves inside
/// the window are taken out, so that the figure counts training only.
struct ThroughputWindow {
    private var start = Date(), images = 0, paused = 0.0

    mutating func add(_ n: Int) { images += n }
    mutating func pause(_ seconds: Double) { paused += seconds }

    /// The window's images per second; the next window starts now.
    mutating func take() -> Double {
        let seconds = Date().timeIntervalSince(start) - paused
        defer { self = ThroughputWindow() }
        return seconds > 0 ? Double(images) / seconds : 0
    }
}

extension Trainer {
    /// Where the run's time went, as lines for the terminal (none before the loop ran): the
    /// training, evaluation and saving, the loop's wait for data, and under MPI the exchange.
    public var timeReport: [String] {
        guard loopSeconds > 0 else { return [] }
        let training = loopSeconds - evaluationSeconds - saveSeconds
        let perEpoch = stepsRun > 0 ? training * Double(stepsPerEpoch) / Double(stepsRun) : 0
        var lines = [
            String(format: "time: %.1f s training (%.1f s per epoch of %d steps), %.1f s evaluating, %.1f s saving checkpoints",
                   training, perEpoch, stepsPerEpoch, evaluationSeconds, saveSeconds),
            String(format: "data loading: the loop waited %.2f s for batches in %.1f s (%.2f%%)",
                   dataWaitSeconds, loopSeconds, 100 * dataWaitSeconds / loopSeconds),
        ]
        if communicator.size > 1 && stepsRun > 0 {
            let steps = Double(stepsRun)
            lines.append(String(format: "gradient exchange: %.1f s over %d steps (%.1f ms per step) between %d ranks of %d examples each; "
                                + "rank 0 also waited %.1f ms per step for the slowest rank's backward",
                                exchangeSeconds, stepsRun, 1000 * exchangeSeconds / steps,
                                communicator.size, localBatch, 1000 * rankWaitSeconds / steps))
        }
        return lines
    }

    /// Forward and backward of this rank's part of the step, on `executor` (planned for
    /// `microBatch` examples). A part larger than that (`train.accumulate`) runs as
    /// micro-batches in order, their losses and gradients weighted by their share of the part
    /// and summed, so that the update is the part's mean as one pass would give it (batch
    /// norm aside, which sees each micro-batch). A smaller pass (an epoch's last step with
    /// `drop_last: false`) runs a plan of its size, made at its first use; a rank whose part
    /// of that step is empty sends zeros.
    func compute(_ b: Batch, on executor: Executor, step: Int, firstExample: Int) -> StepResult {
        guard b.count > 0 else {
            if noGradients == nil { noGradients = TensorStorage(count: parameters.count, zero: 0) }
            return StepResult(loss: 0, lossValues: [Float](repeating: 0, count: graph.losses.count),
                              gradients: noGradients ?? executor.parameterGradients, interrupted: Interrupt.pending != nil)
        }
        if b.count <= executor.batch {
            let e = pass(b, 0 ..< b.count, on: executor, step: step, firstExample: firstExample)
            return StepResult(loss: e.loss, lossValues: e.executor.lossValues, gradients: e.executor.parameterGradients,
                              interrupted: Interrupt.pending != nil)
        }
        if accumulated == nil { accumulated = TensorStorage(count: parameters.count, zero: 0) }
        let sum = accumulated ?? executor.parameterGradients
        sum.base.update(repeating: 0, count: sum.count)
        var loss: Float = 0
        var values = [Float](repeating: 0, count: graph.losses.count)
        for start in stride(from: 0, to: b.count, by: executor.batch) {
            let range = start ..< min(start + executor.batch, b.count)
            let share = Float(range.count) / Float(b.count)
            let e = pass(b, range, on: executor, step: step, firstExample: firstExample + start)
            loss += share * e.loss
            for (i, v) in e.executor.lossValues.enumerated() { values[i] += share * v }
            Elementwise.addScaled(e.executor.parameterGradients.base, by: share, into: sum.base, count: sum.count)
        }
        return StepResult(loss: loss, lossValues: values, gradients: sum, interrupted: Interrupt.pending != nil)
    }

    /// Forward and backward of the examples `range` of `b`, which start at `firstExample` of
    /// the step's whole batch: on `main`, or on a plan of their size when they are fewer.
    private func pass(_ b: Batch, _ range: Range<Int>, on main: Executor, step: Int,
                      firstExample: Int) -> (loss: Float, executor: Executor) {
        var e = main
        if range.count != main.batch {
            if partialExecutor?.batch != range.count {
                partialExecutor = Executor(graph: graph, batch: range.count, mode: .training, parameters: parameters,
                                           options: PlanOptions(dropoutSeed: UInt64(seed), firstExample: firstExample))
            }
            if let partialExecutor { e = partialExecutor }
        }
        e.firstExample = firstExample
        let perExample = b.images.count / b.count
        b.images.withUnsafeBufferPointer { all in
            e.setInput(UnsafeBufferPointer(rebasing: all[range.lowerBound * perExample ..< range.upperBound * perExample]))
        }
        e.setLabels(range.count == b.count ? b.labels : Array(b.labels[range]))
        e.setMix(partnerLabels: mix.map { range.count == b.count ? $0.labels : Array($0.labels[range]) }, lambda: mix?.lambda ?? 1)
        let loss = e.forward(&parameters, step: UInt64(step))
        e.backward(parameters)
        return (loss, e)
    }

    /// The exchange between ranks, after every rank's backward. First the step's losses (for
    /// the log) and whether any rank was asked to stop (every rank then stops after the same
    /// step): a few numbers, so their sum is the wait for the slowest rank, and the gradients'
    /// all-reduce after it is the exchange alone. A smaller last step may be split unevenly:
    /// each rank's mean then weighs by its share (`part` of `stepExamples`).
    func exchange(_ r: inout StepResult, part: Int, stepExamples: Int) throws(TrainError) {
        let even = stepExamples == train.batch.value
        let share = even ? 1 / Double(communicator.size) : Double(part) / Double(stepExamples)
        let started = Date()
        let values = [Double(r.loss) * share] + r.lossValues.map { Double($0) * share } + [r.interrupted ? 1 : 0]
        let shared = try Self.collective { try communicator.sum(values) }
        let gathered = Date()
        let g = r.gradients
        if even {
            try Self.collective { try communicator.average(g.base, count: g.count) }
        } else {
            let w = Float(share)
            for i in 0 ..< g.count { g.base[i] *= w }
            try Self.collective { try communicator.sum(g.base, count: g.count) }
        }
        rankWaitSeconds += gathered.timeIntervalSince(started)
        exchangeSeconds += Date().timeIntervalSince(gathered)
        r.loss = Float(shared[0])
        r.lossValues = shared[1 ..< 1 + r.lossValues.count].map { Float($0) }
        r.interrupted = shared[shared.count - 1] > 0
    }

    /// Ends the run (the sinks closed, the error naming the first node that went non-finite)
    /// when the loss or a gradient is not finite.
    func checkFinite(_ r: StepResult, batch b: Batch, step: Int, firstExample: Int) throws(TrainError) {
        let loss = r.loss
        guard !loss.isFinite || !Elementwise.sum(r.gradients.base, count: r.gradients.count).isFinite else { return }
        let culprit = b.count == 0 ? "" : diagnose(images: b.images, labels: b.labels, step: step, firstExample: firstExample)
        try emit(.runEnd(.init(step: step, reason: .nonFiniteLoss)))
        try? sinks.close()
        let value = loss.isNaN ? "NaN" : loss.isInfinite ? "\(loss > 0 ? "+" : "-")infinity" : "\(loss), but a gradient is not finite"
        let kept = state.kept.last.map { "the last checkpoint (step \($0)) is kept" } ?? "no checkpoint had been saved yet"
        throw TrainError(.nonFinite, "step \(step + 1): the loss is \(value)\(culprit); \(kept)")
    }

    /// The metrics line of step `done`: each head's loss (unweighted), the total, the rate and the throughput.
    func log(_ r: StepResult, step done: Int, lr: Double, imagesPerSecond: Double) throws(TrainError) {
        let heads = zip(graph.losses, r.lossValues).map { id, value -> MetricsEvent.HeadLoss in
            let weight = if case .loss(let w, _, _) = graph[id].op { w } else { 1.0 }
            return .init(name: graph[id].name, value: value / Float(weight == 0 ? 1 : weight))
        }
        try emit(.trainStep(.init(step: done, epoch: (done - 1) / stepsPerEpoch + 1,
                                  epochProgress: Double(done) / Double(stepsPerEpoch),
                                  losses: heads, totalLoss: r.loss, learningRate: Float(lr),
                                  imagesPerSecond: imagesPerSecond, examplesSeen: examplesSeen(after: done))))
    }
}
