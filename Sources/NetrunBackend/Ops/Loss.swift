// Softmax cross-entropy against the labels, times the node's weight, and its top-k counts.
import NetrunGraph
import NetrunKernels

struct LossStep: StepOp {
    /// The node's place in `graph.losses` (its slot of the losses).
    var index: Int
    var weight: Float
    /// Label smoothing ε of the training loss; evaluation measures the plain cross-entropy.
    var smoothing: Float
    var classes: Int
    /// Nil in inference plans, which skip losses (no labels).
    var probabilities: UnsafeMutablePointer<Float>?
    /// `topK[j]` is counted into the top-k slot `correct + j`.
    var topK: [Int]
    var correct: Int

    init(weight: Double, topK: [Int], smoothing: Double, _ setup: StepSetup) {
        index = setup.lossIndex
        self.weight = Float(weight)
        self.smoothing = Float(smoothing)
        classes = setup.input.count
        probabilities = setup.floats
        self.topK = topK
        correct = setup.correctIndex
    }

    func forward(_ s: Step, _ r: StepRun) -> Float {
        guard let probabilities else { return 0 }
        let logits = s.inputs[0].base, n = r.batch, training = r.mode == .training
        var l = SoftmaxCrossEntropy.forward(logits: logits, labels: r.labels, probabilities: probabilities,
                                            rows: n, classes: classes, weight: weight, smoothing: training ? smoothing : 0)
        if training, let mix = r.mix {
            // λ·L(y) + (1 − λ)·L(y'): the loss is linear in the (smoothed) target.
            let partner = SoftmaxCrossEntropy.forward(logits: logits, labels: mix.labels, probabilities: probabilities,
                                                      rows: n, classes: classes, weight: weight, smoothing: smoothing)
            l = mix.lambda * l + (1 - mix.lambda) * partner
        }
        r.losses[index] = l
        for (j, k) in topK.enumerated() {
            r.correct[correct + j] = TopK.correctCount(logits: logits, labels: r.labels, rows: n, classes: classes, k: k)
        }
        return l
    }

    func backward(_ s: Step, _ dy: BatchTensor, _ r: StepRun) {
        guard let probabilities, let dz = s.inputGradients[0] else { return }
        guard let mix = r.mix else {
            SoftmaxCrossEntropy.backward(probabilities: probabilities, labels: r.labels, logitsGradient: dz.base,
                                         rows: r.batch, classes: classes, weight: weight, smoothing: smoothing, accumulate: s.accumulate[0])
            return
        }
        // weight·(p − λ·t − (1 − λ)·t'), as two passes: λ·weight·(p − t), then (1 − λ)·weight·(p − t') added.
        SoftmaxCrossEntropy.backward(probabilities: probabilities, labels: r.labels, logitsGradient: dz.base, rows: r.batch,
                                     classes: classes, weight: weight * mix.lambda, smoothing: smoothing, accumulate: s.accumulate[0])
        SoftmaxCrossEntropy.backward(probabilities: probabilities, labels: mix.labels, logitsGradient: dz.base, rows: r.batch,
                                     classes: classes, weight: weight * (1 - mix.lambda), smoothing: smoothing, accumulate: true)
    }
}
