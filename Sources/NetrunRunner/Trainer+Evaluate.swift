// What the loop does at its cadences besides the step: metrics events, evaluation with the
// best and plateau bookkeeping, saving, and the message that names a non-finite loss's cause.
import Foundation
import NetrunBackend
import NetrunConfig
import NetrunData
import NetrunDistributed
import NetrunFormats
import NetrunGraph
import NetrunKernels

extension Trainer {
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
