// The forward pass: one kernel call per step.
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
            guard case .loss(let weight, let topK) = graph[id].op else { preconditionFailure("Executor: losses are loss nodes") }
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
            let w = buffer.baseAddress ?? scratch
            var total: Float = 0
            if recordsTimes {
                for (k, s) in steps.enumerated() {
                    let start = ContinuousClock.now
                    total += run(s, parameters: w, step: step)
                    forwardSeconds[k] = Self.seconds(since: start)
                }
            } else {
                for s in steps { total += run(s, parameters: w, step: step) }
            }
            return total
        }
    }

    private func run(_ s: Step, parameters w: UnsafeMutablePointer<Float>, step: UInt64) -> Float {
        let y = s.output, n = batch
        switch s.kind {
        case .none:
            break
        case .conv(let c):
            let bias = c.bias.map { UnsafePointer(w + $0) }
            // A branch of a concat writes its channel slice of each image (`y.stride` apart).
            // ReLU is applied by the convolution, image by image as it is written.
            let relu = c.activation == .relu
            Conv.forward(c.geometry, input: s.inputs[0].base, weight: w + c.weight, bias: bias, output: y.base,
                         outputImageStride: y.stride, relu: relu, workspace: workspace, workspaceCount: workspaceCount)
            if let f = c.activation, !relu {
                if !c.placed {
                    Self.activate(f, y.base, y.base, y.total)
                } else {
                    Parallel.forEachPart(count: n, threads: Parallel.processorCount) { _, images in
                        for i in images { Self.activate(f, y.image(i), y.image(i), y.count, threads: 1) }
                    }
                }
            }
        case .dense(let d):
            Dense.forward(s.inputs[0].base, weight: w + d.weight, bias: d.bias.map { UnsafePointer(w + $0) }, y.base,
                          rows: n, inputs: d.inputs, outputs: d.outputs)
            if let f = d.activation { Self.activate(f, y.base, y.base, y.total) }
        case .activation(.leakyReLU(let slope)):
            LeakyReLU.forward(s.inputs[0].base, y.base, count: y.total, slope: Float(slope))
        case .activation(let f):
            Self.activate(f, s.inputs[0].base, y.base, y.total)
        case .lrn(let size, let scale, let beta, let k, let norms, let c, let spatial):
            LRN.forward(s.inputs[0].base, y.base, norms: norms, n: n, c: c, spatial: spatial, size: size, scale: scale, beta: beta, k: k)
        case .maxPool(let g, let argmax):
            MaxPool.forward(g, s.inputs[0].base, y.base, argmax: argmax, argmaxNeeded: mode == .training)
        case .avgPool(let g, let includePad):
            AvgPool.forward(g, s.inputs[0].base, y.base, countIncludePad: includePad)
        case .dropout(let p, let seed, let mask):
            Dropout.forward(s.inputs[0].base, y.base, mask: mask, count: y.total, p: p, seed: seed, step: step,
                            first: firstExample * (y.total / max(n, 1)))
        case .concat(let channels, let offsets, let placed, let total, let hw):
            for (k, x) in s.inputs.enumerated() where !placed[k] {
                Concat.forward(x.base, into: y.base, n: n, channels: channels[k], totalChannels: total, offset: offsets[k], hw: hw)
            }
        case .add:
            Add.forward(s.inputs.map { UnsafePointer($0.base) }, into: y.base, count: y.total)
        case .shortcut(let g):
            Shortcut.forward(g, main: s.inputs[0].base, added: s.inputs[1].base, output: y.base)
        case .softmax(let classes):
            Softmax.forward(s.inputs[0].base, y.base, rows: n, classes: classes)
        case .scale(let c):
            Scale.forward(s.inputs[0].base, y.base, n: n, c: c.c, spatial: c.spatial, gamma: w + c.weight,
                          beta: c.bias.map { UnsafePointer(w + $0) })
        case .batchNorm(let b):
            let x = s.inputs[0].base
            if mode == .training {
                BatchNorm.forwardTraining(x, y.base, n: n, c: b.c, spatial: b.spatial, gamma: w + b.gamma, beta: w + b.beta,
                                          runningMean: w + b.runningMean, runningVariance: w + b.runningVariance,
                                          momentum: b.momentum, epsilon: b.epsilon, savedMean: b.saved, savedInvStd: b.saved + b.c)
            } else {
                BatchNorm.forwardInference(x, y.base, n: n, c: b.c, spatial: b.spatial, gamma: w + b.gamma, beta: w + b.beta,
                                           runningMean: w + b.runningMean, runningVariance: w + b.runningVariance, epsilon: b.epsilon)
            }
        case .loss(let index, let weight, let classes, let probabilities, let topK, let correct):
            guard let probabilities else { break }
            let logits = s.inputs[0].base
            let l = SoftmaxCrossEntropy.forward(logits: logits, labels: labelStorage.base, probabilities: probabilities,
                                                rows: n, classes: classes, weight: weight)
            lossStorage.base[index] = l
            for (j, k) in topK.enumerated() {
                correctStorage.base[correct + j] = TopK.correctCount(logits: logits, labels: labelStorage.base, rows: n, classes: classes, k: k)
            }
            return l
        }
        return 0
    }

    /// Seconds from `start` to now.
    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    static func activate(_ f: Activation, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int,
                         threads: Int = Parallel.processorCount) {
        activate(Op.Nonlinearity(f), x, y, count, threads: threads)
    }

    /// `f` from `x` into `y`, elementwise.
    static func activate(_ f: Op.Nonlinearity, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int,
                         threads: Int = Parallel.processorCount) {
        switch f {
        case .relu: ReLU.forward(x, y, count: count, threads: threads)
        case .sigmoid: Sigmoid.forward(x, y, count: count, threads: threads)
        case .tanh: Tanh.forward(x, y, count: count, threads: threads)
        case .leakyReLU(let slope): LeakyReLU.forward(x, y, count: count, slope: Float(slope), threads: threads)
        }
    }

    /// The gradient of a fused activation (ReLU, sigmoid, tanh), from the forward output `y`.
    static func activationBackward(_ f: Activation, output y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                   _ dx: UnsafeMutablePointer<Float>, _ count: Int, threads: Int = Parallel.processorCount) {
        switch f {
        case .relu: ReLU.backward(output: y, outputGradient: dy, inputGradient: dx, count: count, threads: threads)
        case .sigmoid: Sigmoid.backward(output: y, outputGradient: dy, inputGradient: dx, count: count, threads: threads)
        case .tanh: Tanh.backward(output: y, outputGradient: dy, inputGradient: dx, count: count, threads: threads)
        }
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
