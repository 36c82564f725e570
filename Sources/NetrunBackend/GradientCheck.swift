// Numeric gradient checks: backward against central finite differences.
import NetrunFormats
import NetrunKernels
import NetrunGraph

/// Compares the executor's gradients with central differences of the training objective
/// `L = sum of weighted losses + sum_i r_i * y_i` (y the output node when the plan seeds it,
/// r a fixed random tensor), computed in Double from the float forward pass.
///
/// For each learnable tensor and the input batch, up to `samples` coordinates are checked:
/// `numeric = (L(v + h) - L(v - h)) / 2h` with h = 1e-2; the error of a coordinate is
/// `|analytic - numeric| / max(|analytic|, |numeric|, 1e-2 * max|analytic of the tensor|, 1e-4)`.
/// When a coordinate misses a tenth of the tolerance it is measured again with h = 1e-3 and the smaller
/// error kept: a kink (ReLU at 0, a max-pool tie) inside the step breaks the difference,
/// not the gradient. A coordinate that still misses, but whose analytic value lies between
/// the two (disagreeing) one-sided differences, sits on a kink: it is counted apart (`kinks`), not failed.
/// Weights are redrawn with unit gain (uniform, variance 1/fan_in): a config's std 0.01
/// would make every step as large as the weights. Dropout keeps one mask for every evaluation.
public struct GradientCheck {
    /// Relative error above which a tensor fails (float32 forward passes: differences of
    /// sums of about 1e3 terms carry ~1e-4 relative noise; a wrong gradient is off by O(1)).
    public static let tolerance = 1e-2

    public struct TensorResult: Sendable, Equatable {
        public var name: String
        public var worst: Double
        public var checked: Int
        /// Coordinates left out because a kink lies within the smallest step (the one-sided
        /// differences disagree), where no finite difference measures the gradient.
        public var kinks: Int = 0
    }

    public let graph: Graph
    public let batch: Int
    public var samples: Int
    /// When positive: probe each tensor along this many random +-1 directions instead of
    /// `samples` coordinates. Whole networks need it: a coordinate's gradient is often a
    /// few 1e-3, below what a float32 loss difference resolves, while `g . v` sums them all.
    public var directions: Int
    public var seed: UInt64

    public init(graph: Graph, batch: Int = 2, samples: Int = 12, directions: Int = 0, seed: UInt64 = 1) {
        self.graph = graph
        self.batch = batch
        self.samples = samples
        self.directions = directions
        self.seed = seed
    }

    /// Worst error per learnable tensor and for the input (named "input"), in store order.
    /// `seedOutput`: add `sum r * y(output)` to the objective (needed when the graph has no loss).
    public func run(seedOutput: Bool) -> [TensorResult] {
        var parameters = ParameterStore(graph: graph)
        parameters.initialize(seed: seed)
        var rng = SplitMix64(seed: seed &+ 7)
        // Weights of unit gain whatever the config's fillers (a config's std 0.01 makes the
        // step as large as the weights); biases and batch-norm scales moved off their constants.
        for e in parameters.entries where e.learnable {
            let fanIn = ParameterStore.fans(e.shape).in, bound = (3 / Double(max(fanIn, 1))).squareRoot()
            for i in e.offset ..< e.offset + e.count {
                if e.shape.count == 1 {
                    parameters.values[i] += Float(0.1 * rng.normal())
                } else {
                    parameters.values[i] = Float((2 * rng.unit() - 1) * bound)
                }
            }
        }
        let executor = Executor(graph: graph, batch: batch, mode: .training, parameters: parameters,
                                options: PlanOptions(seedOutput: seedOutput, inputGradient: true, dropoutSeed: seed))
        var input = (0 ..< batch * graph.inputShape.count).map { _ in Float(rng.normal()) }
        if graph.classes > 0 && !graph.losses.isEmpty {
            executor.setLabels((0 ..< batch).map { _ in Int32(rng.next() % UInt64(graph.classes)) })
        }
        let outputCount = batch * graph[graph.output].shape.count
        let r = seedOutput ? (0 ..< outputCount).map { _ in Float(rng.normal()) } : []

        func objective(_ p: inout ParameterStore, _ x: [Float]) -> Double {
            executor.setInput(x)
            var l = Double(executor.forward(&p))
            if seedOutput {
                let y = executor.output(of: graph.output)
                for i in 0 ..< y.count { l += Double(r[i]) * Double(y[i]) }
            }
            return l
        }
        let center = objective(&parameters, input)
        if seedOutput { executor.seedOutputGradient(r) }
        executor.backward(parameters)
        let analytic = executor.parameterGradientValues
        let inputAnalytic = executor.inputGradientValues ?? []

        /// Probes of one tensor: coordinates, or (with `directions > 0`) random +-1 directions
        /// over the whole tensor, where the analytic value is `g . v`.
        func check(_ name: String, _ grads: ArraySlice<Float>, _ apply: ([Float], Float) -> Double) -> TensorResult {
            var picker = SplitMix64(seed: seed ^ name.utf8.reduce(UInt64(0)) { $0 &* 31 &+ UInt64($1) })
            let g = Array(grads)
            let probes: [[Float]]
            let scale: Double
            if directions > 0 {
                probes = (0 ..< directions).map { _ in g.indices.map { _ in picker.next() & 1 == 0 ? 1 : -1 } }
                scale = g.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            } else {
                let picks = g.count <= samples ? Array(0 ..< g.count) : (0 ..< samples).map { _ in Int(picker.next() % UInt64(g.count)) }
                probes = picks.map { k in g.indices.map { $0 == k ? 1 : 0 } }
                scale = g.map { abs(Double($0)) }.max() ?? 0
            }
            var worst = 0.0, kinks = 0
            for v in probes {
                var a = 0.0
                for i in g.indices where v[i] != 0 { a += Double(g[i]) * Double(v[i]) }
                var best = Double.infinity, kink = false
                for h: Float in [1e-2, 1e-3] {
                    let up = apply(v, h), down = apply(v, -h)
                    let numeric = (up - down) / (2 * Double(h))
                    let error = abs(a - numeric) / max(abs(a), abs(numeric), 1e-2 * scale, 1e-4)
                    // At a kink the one-sided differences disagree and the analytic value (a
                    // one-sided derivative) lies between them; a wrong gradient lies outside.
                    let forward = (up - center) / Double(h), backward = (center - down) / Double(h)
                    let slack = Self.tolerance * max(abs(a), 1e-2 * scale, 1e-4)
                    kink = a >= min(forward, backward) - slack && a <= max(forward, backward) + slack
                        && abs(forward - backward) > slack
                    best = min(best, error)
                    if best <= Self.tolerance / 10 { break }
                }
                if best > Self.tolerance / 10 && kink { kinks += 1; continue }
                worst = max(worst, best)
            }
            return TensorResult(name: name, worst: worst, checked: probes.count - kinks, kinks: kinks)
        }

        var results: [TensorResult] = []
        for e in parameters.entries where e.learnable {
            results.append(check(e.name, analytic[e.offset ..< e.offset + e.count]) { v, h in
                let saved = parameters.values[e.offset ..< e.offset + e.count]
                for (i, d) in v.enumerated() where d != 0 { parameters.values[e.offset + i] += h * d }
                defer { parameters.values.replaceSubrange(e.offset ..< e.offset + e.count, with: saved) }
                return objective(&parameters, input)
            })
        }
        if !inputAnalytic.isEmpty {
            results.append(check("input", inputAnalytic[...]) { v, h in
                let saved = input
                for (i, d) in v.enumerated() where d != 0 { input[i] += h * d }
                defer { input = saved }
                return objective(&parameters, input)
            })
        }
        return results
    }
}
