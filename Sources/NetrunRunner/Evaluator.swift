// Evaluation of weights on a data set: the loss, top-k accuracies, per-class accuracy and
// the confusion matrix, over every example once (one view, or ten crops averaged).
import Foundation
import NetrunBackend
import NetrunData
import NetrunFormats
import NetrunGraph

/// What an evaluation measured.
public struct EvaluationResult: Sendable, Equatable {
    public var examples: Int
    /// The mean cross-entropy of the (view-averaged) predictions; NaN when an example's
    /// output was not finite (its loss is undefined).
    public var loss: Double
    /// Accuracy by k: the label is among the k highest scores (ties in the label's favour, as
    /// Caffe). An example whose output is not finite counts as wrong for every k.
    public var topK: [Int: Double]
    /// `confusion[true][predicted]`: examples of each class by their top-1 prediction
    /// (examples with a non-finite output have no prediction and are in `nonFinite`).
    public var confusion: [[Int]]
    /// Examples of each true class whose output (some view's logits) was NaN or infinite.
    public var nonFinite: [Int]
    /// Where the first such output came from: "node 'fc8' (dense)", nil when all were finite.
    public var firstNonFinite: String?

    /// Accuracy of each class (nil for a class with no example); non-finite outputs count as wrong.
    public var perClass: [Double?] {
        confusion.enumerated().map { c, row in
            let n = row.reduce(0, +) + nonFinite[c]
            return n == 0 ? nil : Double(row[c]) / Double(n)
        }
    }

    /// Examples whose output was not finite.
    public var nonFiniteExamples: Int { nonFinite.reduce(0, +) }
}

/// Runs the inference graph over an evaluation set: an evaluation plan (losses and top-k
/// against labels; batch norm's running statistics, no dropout) for full batches, a second
/// for the last, smaller one. The predictions are read from the plan's output node; with ten
/// crops the ten views' softmax probabilities are averaged first, as Krizhevsky et al.
public final class Evaluator {
    public let graph: Graph
    public let dataset: Dataset
    public let preprocessing: Preprocessing
    public let batch: Int
    /// The k measured: 1, 5 (when there are at least 5 classes) and the main loss's `top_k`.
    public let ks: [Int]
    private var plans: [Int: Executor] = [:]

    public init(graph: Graph, dataset: Dataset, preprocessing: Preprocessing, batch: Int) {
        self.graph = graph
        self.dataset = dataset
        self.preprocessing = preprocessing
        self.batch = batch
        let inference = graph.inference()
        var ks: Set<Int> = [1]
        if graph.classes >= 5 { ks.insert(5) }
        if let loss = inference.losses.first, case .loss(_, let topK, _) = inference[loss].op { ks.formUnion(topK) }
        self.ks = ks.sorted()
    }

    private func plan(for images: Int) -> Executor {
        if let p = plans[images] { return p }
        let p = Executor(graph: graph, batch: images, mode: .evaluation, parameters: ParameterStore(graph: graph),
                         options: PlanOptions(keep: [graph.inference().output]))
        plans[images] = p
        return p
    }

    /// Every example once, with `parameters` (not changed: evaluation does not update batch
    /// norm's statistics).
    public func run(_ parameters: inout ParameterStore) throws(FileError) -> EvaluationResult {
        try tally(&parameters).result
    }

    /// The sums of an evaluation of `shard`'s part of the set: the parts' tallies add up
    /// (`EvaluationTally.vector`) to the whole set's. `stop` is asked before each batch
    /// (Ctrl-C, SIGTERM): when it answers true the tally ends there, `interrupted`.
    public func tally(_ parameters: inout ParameterStore, shard: Shard = .whole, stop: () -> Bool = { false }) throws(FileError) -> EvaluationTally {
        let loader = try BatchLoader(dataset: dataset, preprocessing: preprocessing, batch: batch, shuffle: false, seed: 0,
                                     training: false, shard: shard)
        defer { loader.close() }
        let classes = graph.classes
        var t = EvaluationTally(ks: ks, examples: 0, lossSum: 0, correct: [Int](repeating: 0, count: ks.count),
                                confusion: [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes))
        var p = [Double](repeating: 0, count: classes)
        while true {
            if stop() {
                t.interrupted = true
                break
            }
            guard let b = loader.next() else { break }
            let views = max(1, b.views), n = b.count
            let executor = plan(for: n * views)
            executor.setInput(b.images)
            // Each view is scored against its example's label.
            executor.setLabels(b.labels.flatMap { Array(repeating: $0, count: views) })
            executor.forward(&parameters)
            let logits = executor.output(of: executor.graph.output)
            for i in 0 ..< n {
                let label = Int(b.labels[i])
                let outputs = logits[i * views * classes ..< (i + 1) * views * classes]
                // NaN compares false with everything: such an example would count as right for
                // every k. It has no prediction; it is wrong.
                guard outputs.allSatisfy(\.isFinite) else {
                    t.nonFinite[label] += 1
                    if t.firstNonFinite == nil { t.firstNonFinite = firstNonFinite(b.images, labels: b.labels, views: views, parameters: &parameters) }
                    continue
                }
                // Softmax of each view in Double, averaged over the views.
                for j in p.indices { p[j] = 0 }
                for v in 0 ..< views {
                    let row = logits[(i * views + v) * classes ..< (i * views + v + 1) * classes]
                    let m = Double(row.max() ?? 0)
                    var sum = 0.0
                    for x in row { sum += exp(Double(x) - m) }
                    for (j, x) in row.enumerated() { p[j] += exp(Double(x) - m) / sum / Double(views) }
                }
                t.lossSum += -log(max(p[label], Double.leastNormalMagnitude))
                var better = 0
                for x in p where x > p[label] { better += 1 }
                for (j, k) in ks.enumerated() where better < k { t.correct[j] += 1 }
                let predicted = p.indices.max { p[$0] < p[$1] } ?? 0
                t.confusion[label][predicted] += 1
            }
            t.examples += n
        }
        return t
    }

    /// The first node whose output is not finite on this batch, rerun with every output kept:
    /// "node 'fc8' (dense)", or where the logits themselves are the first.
    func firstNonFinite(_ images: [Float], labels: [Int32], views: Int, parameters: inout ParameterStore) -> String {
        let inference = graph.inference()
        let probe = Executor(graph: graph, batch: labels.count * views, mode: .evaluation, parameters: parameters,
                             options: PlanOptions(keep: Set(inference.nodes.map(\.id))))
        probe.setInput(images)
        probe.setLabels(labels.flatMap { Array(repeating: $0, count: views) })
        probe.forward(&parameters)
        guard let node = probe.firstNonFiniteOutput() else { return "node '\(inference[inference.output].name)'" }
        return "node '\(node.name)' (\(node.op.keyword))"
    }
}

extension Executor {
    /// The first node, in the graph's order, whose output holds a NaN or an infinity (the
    /// input and the losses aside); the plan must keep every output (`PlanOptions.keep`).
    func firstNonFiniteOutput() -> Node? {
        graph.nodes.first { node in
            if node.id == 0 { return false }
            if case .loss = node.op { return false }
            return output(of: node.id).contains { !$0.isFinite }
        }
    }
}

/// An evaluation's counts and sums before they are divided: what the ranks of a
/// data-parallel run add together.
public struct EvaluationTally: Sendable, Equatable {
    public var ks: [Int]
    public var examples: Int
    public var lossSum: Double
    /// Examples whose label is within the top k, for each of `ks`.
    public var correct: [Int]
    public var confusion: [[Int]]
    /// Examples of each true class whose output was not finite (counted wrong).
    public var nonFinite: [Int]
    /// This process's diagnosis of the first non-finite output (not summed over ranks).
    public var firstNonFinite: String?
    /// The tally stopped before the end of the set (`Evaluator.tally`'s `stop`).
    public var interrupted = false

    public init(ks: [Int], examples: Int, lossSum: Double, correct: [Int], confusion: [[Int]], nonFinite: [Int]? = nil) {
        self.ks = ks
        self.examples = examples
        self.lossSum = lossSum
        self.correct = correct
        self.confusion = confusion
        self.nonFinite = nonFinite ?? [Int](repeating: 0, count: confusion.count)
    }

    /// Every count and sum as one vector (exact in Double for counts below 2^53).
    public var vector: [Double] {
        [Double(examples), lossSum] + correct.map(Double.init) + confusion.flatMap { $0.map(Double.init) } + nonFinite.map(Double.init)
    }

    /// The tally whose `vector` is `v` (the sum of several tallies' vectors), with this one's ks and classes.
    public func with(vector v: [Double]) -> EvaluationTally {
        precondition(v.count == vector.count, "EvaluationTally: a vector of another evaluation")
        let k = correct.count, classes = confusion.count
        let matrix = 2 + k + classes * classes
        var t = EvaluationTally(ks: ks, examples: Int(v[0]), lossSum: v[1], correct: v[2 ..< 2 + k].map { Int($0) },
                                confusion: (0 ..< classes).map { c in v[2 + k + c * classes ..< 2 + k + (c + 1) * classes].map { Int($0) } },
                                nonFinite: v[matrix ..< matrix + classes].map { Int($0) })
        t.firstNonFinite = firstNonFinite
        t.interrupted = interrupted
        return t
    }

    public var result: EvaluationResult {
        let total = Double(max(examples, 1))
        let anyNonFinite = nonFinite.contains { $0 > 0 }
        return EvaluationResult(examples: examples, loss: anyNonFinite ? .nan : lossSum / total,
                                topK: Dictionary(uniqueKeysWithValues: zip(ks, correct.map { Double($0) / total })),
                                confusion: confusion, nonFinite: nonFinite, firstNonFinite: firstNonFinite)
    }
}
