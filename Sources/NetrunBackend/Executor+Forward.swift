// The forward pass: each step's op in order (Ops/), and what the caller reads before and after.
import NetrunConfig
import NetrunGraph
import NetrunKernels

extension Executor {
    /// Copies one batch (`batch * C*H*W` floats, NCHW) into the input.
    public func setInput(_ values: UnsafeBufferPointer<Float>) {
        let t = tensors[0]
        precondition(values.count == t.total, "Executor.setInput: expected \(t.total) floats, got \(values.count)")
        guard let src = values.baseAddress else { return }
        t.base.update(from: src, count: t.total)
    }

    public func setInput(_ values: [Float]) { values.withUnsafeBufferPointer { setInput($0) } }

    /// A mixed batch (Mixup, CutMix): each example's partner's label and the weight λ of its
    /// own label in the training losses; nil clears it (the next batch is not mixed).
    public func setMix(partnerLabels: [Int32]?, lambda: Float) {
        guard let partnerLabels else { mixLambda = nil; return }
        precondition(partnerLabels.count == batch && partnerLabels.allSatisfy { $0 >= 0 && Int($0) < graph.classes },
                     "Executor.setMix: \(batch) labels in 0..<\(graph.classes) expected")
        partnerLabels.withUnsafeBufferPointer { mixLabelStorage.base.update(from: $0.baseAddress.unsafelyUnwrapped, count: batch) }
        mixLambda = lambda
    }

    /// Labels for the losses of a training step, each in `0..<graph.classes`.
    public func setLabels(_ labels: [Int32]) {
        precondition(labels.count == batch && labels.allSatisfy { $0 >= 0 && Int($0) < graph.classes },
                     "Executor.setLabels: \(batch) labels in 0..<\(graph.classes) expected")
        labels.withUnsafeBufferPointer { labelStorage.base.update(from: $0.baseAddress.unsafelyUnwrapped, count: batch) }
    }

    /// A copy of a node's output `[batch, shape...]` after `forward` (the output node, a
    /// node kept with `PlanOptions.keep`, or any node in a training plan).
    public func output(of node: Node.ID) -> [Float] {
        let t = tensors[node]
        var out = [Float](repeating: 0, count: t.total)
        out.withUnsafeMutableBufferPointer { dst in
            for i in 0 ..< t.images { (dst.baseAddress.unsafelyUnwrapped + i * t.count).update(from: t.image(i), count: t.count) }
        }
        return out
    }

    /// Weighted loss of each loss node (`graph.losses` order) after a training or evaluation `forward`.
    public var lossValues: [Float] { lossStorage.copy(0 ..< lossStorage.count) }

    /// What each loss node measured on the last batch (training and evaluation plans), in
    /// `graph.losses` order: its weighted loss and, for each k of its `top_k`, the examples
    /// whose label is among the k largest scores.
    public var lossResults: [LossResult] {
        var next = 0
        return graph.losses.enumerated().map { index, id in
            guard case .loss(let weight, let topK, _) = graph[id].op else { preconditionFailure("Executor: losses are loss nodes") }
            let correct = topK.map { k -> (k: Int, correct: Int) in
                defer { next += 1 }
                return (k, correctStorage.base[next])
            }
            return LossResult(node: graph[id].name, weight: weight, loss: lossStorage.base[index], correct: correct)
        }
    }

    /// Runs every node. In training mode the losses are computed against `setLabels`, batch
    /// norm uses batch statistics and updates the running ones in `parameters`, dropout
    /// draws its mask from `(dropoutSeed, node, step)`. Returns the sum of weighted losses.
    @discardableResult
    public func forward(_ parameters: inout ParameterStore, step: UInt64 = 0) -> Float {
        precondition(parameters.count == parameterCount, "Executor.forward: parameters of another graph")
        return parameters.values.withUnsafeMutableBufferPointer { buffer in
            let r = run(parameters: buffer.baseAddress ?? scratch, step: step)
            var total: Float = 0
            if recordsTimes {
                for (k, s) in steps.enumerated() {
                    let start = ContinuousClock.now
                    total += s.op.forward(s, r)
                    forwardSeconds[k] = Self.seconds(since: start)
                }
            } else {
                for s in steps { total += s.op.forward(s, r) }
            }
            return total
        }
    }

    /// Seconds from `start` to now.
    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}

/// One loss node's measures on one batch.
public struct LossResult: Sendable {
    public var node: String
    public var weight: Double
    /// The weighted loss (mean over the batch, times `weight`).
    public var loss: Float
    /// For each k of the node's `top_k`: examples whose label is among the k largest scores.
    public var correct: [(k: Int, correct: Int)]
}
