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
            let r = run(parameters: UnsafeMutablePointer(mutating: buffer.baseAddress ?? UnsafePointer(scratch)), step: 0)
            if recordsTimes {
                for (k, s) in steps.enumerated().reversed() {
                    guard let dy = s.outputGradient else { continue }
                    let start = ContinuousClock.now
                    s.op.backward(s, dy, r)
                    backwardSeconds[k] = Self.seconds(since: start)
                }
            } else {
                for s in steps.reversed() { if let dy = s.outputGradient { s.op.backward(s, dy, r) } }
            }
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
