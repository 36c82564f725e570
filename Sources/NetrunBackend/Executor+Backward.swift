// The backward pass: steps in reverse, each writing its inputs' gradients (added to an
// earlier consumer's on fan-out) and its parameters' gradients (overwritten: every
// parameter belongs to one node).
import NetrunConfig
import NetrunGraph
import NetrunKernels

extension Executor {
    /// Sets the gradient of `graph.output` that backward starts from (plans with
    /// `PlanOptions.seedOutput`), `batch * shape` floats.
    public func seedOutputGradient(_ values: [Float]) {
        guard let t = gradients[graph.output] else { preconditionFailure("Executor: plan has no output gradient (seedOutput)") }
        precondition(values.count == t.total, "Executor.seedOutputGradient: wrong size")
        values.withUnsafeBufferPointer { src in
            for i in 0 ..< t.images { t.image(i).update(from: src.baseAddress.unsafelyUnwrapped + i * t.count, count: t.count) }
        }
    }

    /// Gradients of every parameter after `backward`, in `ParameterStore.values` layout.
    public var parameterGradientValues: [Float] { parameterGradients.copy(0 ..< parameterGradients.count) }

    /// Gradient of the input batch after `backward` (plans with `PlanOptions.inputGradient`).
    public var inputGradientValues: [Float]? {
        gradients[0].map { t in Array(UnsafeBufferPointer(start: t.base, count: t.total)) }
    }

    /// Gradients of the summed weighted losses (plus the seeded output gradient) with
    /// respect to every parameter. Run after a training `forward` with the same parameters.
    public func backward(_ parameters: ParameterStore) {
        precondition(mode == .training, "Executor.backward: an inference plan")
        precondition(parameters.count == parameterCount, "Executor.backward: parameters of another graph")
        parameters.values.withUnsafeBufferPointer { buffer in
            let w = UnsafeMutablePointer(mutating: buffer.baseAddress ?? UnsafePointer(scratch))
            if recordsTimes {
                for (k, s) in steps.enumerated().reversed() where s.outputGradient != nil {
                    let start = ContinuousClock.now
                    back(s, w, parameterGradients.base)
                    backwardSeconds[k] = Self.seconds(since: start)
                }
            } else {
                for s in steps.reversed() where s.outputGradient != nil { back(s, w, parameterGradients.base) }
            }
        }
    }

    /// Writes `compute`'s result into input gradient `k`: straight in, or through the
    /// scratch buffer and added when an earlier consumer already wrote there.
    @inline(__always)
    private func intoInputGradient(_ s: Step, _ k: Int, _ compute: (UnsafeMutablePointer<Float>) -> Void) {
        guard let dx = s.inputGradients[k] else { return }
        if s.accumulate[k] {
            compute(scratch)
            Elementwise.accumulate(scratch, into: dx.base, count: dx.total)
        } else {
            compute(dx.base)
        }
    }

    /// Where a kernel that only overwrites should write input gradient `k` (nil: not needed).
    @inline(__always)
    private func inputTarget(_ s: Step, _ k: Int) -> UnsafeMutablePointer<Float>? {
        s.inputGradients[k].map { s.accumulate[k] ? scratch : $0.base }
    }

    /// Adds the scratch into input gradient `k` when `inputTarget` pointed there.
    @inline(__always)
    private func finishInputGradient(_ s: Step, _ k: Int) {
        if s.accumulate[k], let dx = s.inputGradients[k] { Elementwise.accumulate(scratch, into: dx.base, count: dx.total) }
    }

    private func back(_ s: Step, _ w: UnsafeMutablePointer<Float>, _ dw: UnsafeMutablePointer<Float>) {
        guard let dy = s.outputGradient else { return }
        let y = s.output, n = batch
        switch s.kind {
        case .none:
            break
        case .conv(let c):
            // The gradient before the fused activation, or (a branch writing into a concat) the
            // image's slice of the concat's gradient: prepared by Conv image by image, in cache.
            var prepare: Conv.OutputGradientPreparation?
            if c.placed || c.activation != nil {
                let count = dy.count, ys = y, activation = c.activation
                prepare = { i, into in
                    if let f = activation {
                        Self.activationBackward(f, output: ys.image(i), dy.image(i), into, count, threads: 1)
                    } else {
                        into.update(from: dy.image(i), count: count)
                    }
                }
            }
            Conv.backward(c.geometry, input: s.inputs[0].base, weight: w + c.weight, outputGradient: prepare == nil ? dy.base : nil,
                          preparingOutputGradient: prepare, inputGradient: s.inputGradients[0]?.base, weightGradient: dw + c.weight,
                          biasGradient: c.bias.map { dw + $0 }, accumulate: false,
                          accumulateInputGradient: s.accumulate[0], workspace: workspace, workspaceCount: workspaceCount)
        case .dense(let d):
            if let f = d.activation { Self.activationBackward(f, output: y.base, dy.base, dy.base, dy.total) }
            Dense.backward(input: s.inputs[0].base, weight: w + d.weight, outputGradient: dy.base, inputGradient: inputTarget(s, 0),
                           weightGradient: dw + d.weight, biasGradient: d.bias.map { dw + $0 },
                           rows: n, inputs: d.inputs, outputs: d.outputs, accumulate: false)
            finishInputGradient(s, 0)
        case .activation(.leakyReLU(let slope)):
            // From the forward input (OpTraits: its backward reads its input, not its output).
            intoInputGradient(s, 0) { dx in
                LeakyReLU.backward(input: s.inputs[0].base, outputGradient: dy.base, inputGradient: dx, count: dy.total, slope: Float(slope))
            }
        case .activation(.relu): intoInputGradient(s, 0) { dx in Self.activationBackward(.relu, output: y.base, dy.base, dx, dy.total) }
        case .activation(.sigmoid): intoInputGradient(s, 0) { dx in Self.activationBackward(.sigmoid, output: y.base, dy.base, dx, dy.total) }
        case .activation(.tanh): intoInputGradient(s, 0) { dx in Self.activationBackward(.tanh, output: y.base, dy.base, dx, dy.total) }
        case .lrn(let size, let scale, let beta, _, let norms, let c, let spatial):
            intoInputGradient(s, 0) { dx in
                LRN.backward(input: s.inputs[0].base, output: y.base, norms: norms, outputGradient: dy.base, inputGradient: dx,
                             n: n, c: c, spatial: spatial, size: size, scale: scale, beta: beta)
            }
        case .maxPool(let g, let argmax):
            intoInputGradient(s, 0) { dx in MaxPool.backward(g, outputGradient: dy.base, argmax: argmax, inputGradient: dx) }
        case .avgPool(let g, let includePad):
            intoInputGradient(s, 0) { dx in AvgPool.backward(g, outputGradient: dy.base, inputGradient: dx, countIncludePad: includePad) }
        case .dropout(let p, _, let mask):
            intoInputGradient(s, 0) { dx in Dropout.backward(outputGradient: dy.base, mask: mask, inputGradient: dx, count: dy.total, p: p) }
        case .concat(let channels, let offsets, let placed, let total, let hw):
            for k in s.inputs.indices where !placed[k] {
                guard let dx = s.inputGradients[k] else { continue }
                Concat.backward(dy.base, into: dx.base, n: n, channels: channels[k], totalChannels: total, offset: offsets[k],
                                hw: hw, accumulate: s.accumulate[k])
            }
        case .add:
            // Every input's gradient is the output's.
            for k in s.inputs.indices {
                guard let dx = s.inputGradients[k] else { continue }
                Add.backward(outputGradient: dy.base, inputGradient: dx.base, count: dy.total, accumulate: s.accumulate[k])
            }
        case .shortcut(let g):
            // The main input's gradient is the output's; the added one's, the output's at the
            // positions it was added to (main first: when both are one node, the second adds).
            if let dx = s.inputGradients[0] {
                Add.backward(outputGradient: dy.base, inputGradient: dx.base, count: dy.total, accumulate: s.accumulate[0])
            }
            if let da = s.inputGradients[1] {
                Shortcut.backwardAdded(g, outputGradient: dy.base, addedGradient: da.base, accumulate: s.accumulate[1])
            }
        case .scale(let c):
            Scale.backward(input: s.inputs[0].base, outputGradient: dy.base, inputGradient: s.inputGradients[0]?.base, n: n, c: c.c,
                           spatial: c.spatial, gamma: w + c.weight, gammaGradient: dw + c.weight, betaGradient: c.bias.map { dw + $0 },
                           accumulateInputGradient: s.accumulate[0])
        case .softmax(let classes):
            intoInputGradient(s, 0) { dx in
                Softmax.backward(output: y.base, outputGradient: dy.base, inputGradient: dx, rows: n, classes: classes)
            }
        case .batchNorm(let b):
            BatchNorm.backward(input: s.inputs[0].base, outputGradient: dy.base, inputGradient: inputTarget(s, 0), n: n, c: b.c,
                               spatial: b.spatial, gamma: w + b.gamma, savedMean: b.saved, savedInvStd: b.saved + b.c,
                               gammaGradient: dw + b.gamma, betaGradient: dw + b.beta, accumulate: false)
            finishInputGradient(s, 0)
        case .loss(_, let weight, let classes, let probabilities, _, _):
            guard let probabilities, let dz = s.inputGradients[0] else { break }
            SoftmaxCrossEntropy.backward(probabilities: probabilities, labels: labelStorage.base, logitsGradient: dz.base,
                                         rows: n, classes: classes, weight: weight, accumulate: s.accumulate[0])
        }
    }
}

extension Executor {
    /// Whether `backward` computes node `id`'s first input's gradient (false for a first
    /// layer, whose input is the data): what its backward's multiply-adds count.
    public func computesInputGradient(_ id: Node.ID) -> Bool {
        steps[id].inputGradients.first.map { $0 != nil } ?? false
    }
}
