// Graph + batch size -> steps and memory, once. The analysis: which branch writes
// straight into its concat's output, which gradients exist, how long each tensor lives.
import NetrunConfig
import NetrunGraph
import NetrunKernels

/// Inference runs the inference graph (training-only heads and dropout removed) to its
/// outputs; evaluation runs the same graph and also its losses and top-k accuracies against
/// labels (validation, `netrun eval`); training runs the whole graph and keeps what backward reads.
public enum ExecutionMode: Sendable, Equatable {
    case inference, evaluation, training

    /// The graph a plan of this mode runs.
    public func graph(of whole: Graph) -> Graph { self == .training ? whole : whole.inference() }

    /// Losses are computed (labels are needed).
    public var computesLosses: Bool { self != .inference }
}

public struct PlanOptions: Sendable, Equatable {
    /// Nodes (of the planned graph) whose outputs stay readable after `forward`.
    public var keep: Set<Node.ID> = []
    /// Training only: backward may start from a gradient of `graph.output` given with
    /// `seedOutputGradient` (gradient checks), in addition to the losses.
    public var seedOutput = false
    /// Training only: also compute the gradient of the input batch.
    public var inputGradient = false
    /// Mixed with each dropout node's id into that node's mask key.
    public var dropoutSeed: UInt64 = 0
    /// The index of the plan's first example in a batch split over processes (MPI ranks):
    /// dropout draws the mask of the whole batch's examples, whichever process runs them.
    public var firstExample = 0

    public init(keep: Set<Node.ID> = [], seedOutput: Bool = false, inputGradient: Bool = false, dropoutSeed: UInt64 = 0,
                firstExample: Int = 0) {
        self.keep = keep
        self.seedOutput = seedOutput
        self.inputGradient = inputGradient
        self.dropoutSeed = dropoutSeed
        self.firstExample = firstExample
    }
}

/// The analysis of one graph for one mode, before any memory exists.
struct PlanAnalysis {
    let graph: Graph
    /// Memory owner of each node's output: a flatten shares its input's; a branch placed
    /// in a concat shares the concat's.
    var group: [Int]
    /// For a placed branch: its concat and its first channel there.
    var placedIn: [(concat: Int, channel: Int)?]
    /// Whether the node's backward runs (and its output gradient exists).
    var run: [Bool]
    /// Per node and input slot: the gradient write adds to an earlier one.
    var accumulate: [[Bool]]
    /// Per node and input slot: backward writes that input's gradient.
    var writesInputGradient: [[Bool]]

    init(graph g: Graph, mode: ExecutionMode, options: PlanOptions) {
        graph = g
        let n = g.nodes.count, consumers = g.consumers, training = mode == .training
        var root = Array(0 ..< n)
        for node in g.nodes where node.op.traits.aliasesInput { if let src = node.inputs.first { root[node.id] = root[src] } }
        placedIn = Array(repeating: nil, count: n)
        for c in g.nodes {
            guard case .concat = c.op else { continue }
            var channel = 0
            for j in c.inputs {
                if case .conv = g[j].op, consumers[j] == [c.id], c.inputs.filter({ $0 == j }).count == 1,
                   !options.keep.contains(j), j != g.output, g[j].shape.isImage {
                    placedIn[j] = (c.id, channel)
                }
                channel += g[j].shape.channels
            }
        }
        let placed = placedIn
        let group = (0 ..< n).map { placed[$0]?.concat ?? root[$0] }
        self.group = group
        // A node's backward runs when a learned parameter lies at or before it: a frozen
        // layer's parameters do not count, so a frozen start of the network runs no backward.
        var upstream = [Bool](repeating: false, count: n)
        for node in g.nodes {
            upstream[node.id] = (!node.parameters.isEmpty && !node.frozen) || node.inputs.contains { upstream[$0] }
                || (node.id == 0 && options.inputGradient)
        }
        var active = [Bool](repeating: false, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) where training {
            var isLoss = false
            if case .loss = g[i].op { isLoss = true }
            active[i] = isLoss || (options.seedOutput && i == g.output) || consumers[i].contains { active[$0] }
        }
        run = (0 ..< n).map { active[$0] && upstream[$0] }
        // Gradient writes, in backward order: the first into a group overwrites, later ones add.
        var written = [Bool](repeating: false, count: n)
        if training && options.seedOutput { written[group[g.output]] = true }
        accumulate = g.nodes.map { [Bool](repeating: false, count: $0.inputs.count) }
        writesInputGradient = accumulate
        for k in stride(from: n - 1, through: 0, by: -1) where run[k] {
            if g[k].op.traits.aliasesInput { continue }
            for (s, j) in g[k].inputs.enumerated() where run[j] {
                if case .concat = g[k].op, placed[j] != nil { continue }
                writesInputGradient[k][s] = true
                accumulate[k][s] = written[group[j]]
                written[group[j]] = true
            }
        }
    }

    /// Lifetimes on one timeline: forward of node i at step i, its backward at 2n-1-i.
    func forwardStep(_ i: Int) -> Int { i }
    func backwardStep(_ i: Int) -> Int { 2 * graph.nodes.count - 1 - i }
    var lastStep: Int { 2 * graph.nodes.count }

    /// First and last step of each output group (indexed by group owner), or nil for non-owners.
    func activationLifetimes(keep: Set<Node.ID>) -> [(start: Int, end: Int)?] {
        let g = graph
        var life = [(start: Int, end: Int)?](repeating: nil, count: g.nodes.count)
        func touch(_ r: Int, _ t: Int) {
            let old = life[r] ?? (t, t)
            life[r] = (min(old.start, t), max(old.end, t))
        }
        for node in g.nodes {
            let i = node.id, r = group[i]
            touch(r, forwardStep(i))
            if keep.contains(i) || i == g.output { touch(r, lastStep) }
            if run[i] && node.op.traits.backwardReadsOutput { touch(r, backwardStep(i)) }
            for j in node.inputs {
                touch(group[j], forwardStep(i))
                if run[i] && node.op.traits.backwardReadsInputs { touch(group[j], backwardStep(i)) }
            }
        }
        return life
    }

    /// First and last step of each gradient group (by group owner), nil where none exists.
    func gradientLifetimes(seedOutput: Bool) -> [(start: Int, end: Int)?] {
        let g = graph
        var life = [(start: Int, end: Int)?](repeating: nil, count: g.nodes.count)
        func touch(_ r: Int, _ t: Int) {
            let old = life[r] ?? (t, t)
            life[r] = (min(old.start, t), max(old.end, t))
        }
        if seedOutput && run[g.output] { touch(group[g.output], g.nodes.count) }
        for node in g.nodes where run[node.id] {
            touch(group[node.id], backwardStep(node.id))
            for (s, j) in node.inputs.enumerated() where writesInputGradient[node.id][s] {
                touch(group[j], backwardStep(node.id))
            }
        }
        return life
    }
}
