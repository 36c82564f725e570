// How much memory a plan takes, known before any of it is allocated: the one sizing
// formula that `Executor.init` allocates from and `Executor.requiredBytes` reports.
import NetrunGraph
import NetrunKernels

/// Every buffer of one plan, sized and placed, in three blocks (floats, ints, bytes).
/// Sizes are computed with checked arithmetic: `init` fails when any overflows `Int`.
struct PlanLayout {
    /// Per node (group owners only): handles into the float block of its output and its gradient.
    var activation: [Int?]
    var gradient: [Int?]
    /// Per node: max-pool indices (ints); LRN norms, loss probabilities, batch-norm
    /// statistics (floats); dropout masks (bytes).
    var extraInt: [Int?], extraFloat: [Int?], extraByte: [Int?]
    var floatOffsets: [Int], intOffsets: [Int], byteOffsets: [Int]
    /// Floats of the planned tensors; the convolution workspace and the scratch follow them.
    var floatTotal: Int
    var intTotal: Int, byteTotal: Int
    var workspaceCount: Int, scratchCount: Int
    /// The whole float block: planned tensors, workspace, scratch.
    var floatCount: Int

    init?(graph g: Graph, analysis a: PlanAnalysis, batch: Int, mode: ExecutionMode, options: PlanOptions) {
        let n = g.nodes.count
        var overflow = false
        // Sizes in checked arithmetic: an overflow is remembered and ends `init` with nil.
        func product(_ x: Int, _ y: Int) -> Int {
            guard let r = ByteCount.product(x, y) else { overflow = true; return 0 }
            return r
        }
        func sum(_ x: Int, _ y: Int) -> Int {
            guard let r = ByteCount.sum([x, y]) else { overflow = true; return 0 }
            return r
        }
        var floatsPlan = BufferPlanner(), intsPlan = BufferPlanner(), bytesPlan = BufferPlanner()

        // Outputs and gradients, by group owner.
        let actLife = a.activationLifetimes(keep: options.keep)
        let gradLife = a.gradientLifetimes(seedOutput: options.seedOutput)
        var activation = [Int?](repeating: nil, count: n), gradient = activation
        for i in 0 ..< n where a.group[i] == i {
            let size = product(batch, g[i].shape.count)
            if let l = actLife[i] { activation[i] = floatsPlan.add(size: size, start: l.start, end: l.end) }
            if let l = gradLife[i] { gradient[i] = floatsPlan.add(size: size, start: l.start, end: l.end) }
        }
        // Per-node extras: max-pool indices, LRN norms, dropout masks, loss probabilities, batch-norm statistics.
        var extraInt = [Int?](repeating: nil, count: n), extraFloat = extraInt, extraByte = extraInt
        var workspaceNeed = 0, scratchNeed = 0
        for node in g.nodes {
            let i = node.id, end = a.run[i] ? a.backwardStep(i) : i
            let outCount = product(batch, node.shape.count)
            let traits = node.op.traits
            switch traits.keeps {
            case .nothing: break
            case .indexPerOutput: extraInt[i] = intsPlan.add(size: outCount, start: i, end: end)
            case .floatPerOutput: extraFloat[i] = floatsPlan.add(size: outCount, start: i, end: end)
            case .maskPerOutputInTraining:
                if mode == .training { extraByte[i] = bytesPlan.add(size: outCount, start: i, end: end) }
            case .probabilitiesOfInput:
                if mode.computesLosses {
                    extraFloat[i] = floatsPlan.add(size: product(batch, g[node.inputs[0]].shape.count), start: i, end: end)
                }
            case .statisticsPerChannel: extraFloat[i] = floatsPlan.add(size: product(2, node.shape.channels), start: i, end: end)
            }
            if traits.usesConvolutionWorkspace {
                // Per-part workspaces: one image per thread (im2col) or a block of about 128 Winograd tiles (F(4x4, 3x3): 8 images at least), so they do not grow with the batch.
                let cg = Executor.convGeometry(g, node, batch: batch)
                workspaceNeed = max(workspaceNeed, Conv.forwardWorkspaceCount(cg, threads: Parallel.processorCount))
                if a.run[i] { workspaceNeed = max(workspaceNeed, Conv.backwardWorkspaceCount(cg, threads: Parallel.processorCount)) }
            }
            if a.run[i] {
                scratchNeed = max(scratchNeed, outCount, node.inputs.map { product(batch, g[$0].shape.count) }.max() ?? 0)
            }
        }
        // A block's layout is at most the sum of its tensors' sizes, each rounded up to 16
        // elements (every slot holds one of them): when that sum fits, `layout()` cannot overflow.
        for plan in [floatsPlan, intsPlan, bytesPlan] {
            _ = plan.lifetimes.reduce(0) { sum($0, sum($1.size, 15)) }
        }
        guard !overflow else { return nil }
        (floatOffsets, floatTotal) = floatsPlan.layout()
        (intOffsets, intTotal) = intsPlan.layout()
        (byteOffsets, byteTotal) = bytesPlan.layout()
        floatCount = sum(sum(floatTotal, workspaceNeed), scratchNeed)
        guard !overflow else { return nil }
        (self.activation, self.gradient) = (activation, gradient)
        (self.extraInt, self.extraFloat, self.extraByte) = (extraInt, extraFloat, extraByte)
        (workspaceCount, scratchCount) = (workspaceNeed, scratchNeed)
    }
}

extension Executor {
    /// Bytes an `Executor` for these arguments allocates: its float, int and byte blocks
    /// (activations, gradients, extras, workspace, scratch), the parameter gradients, the
    /// labels and the losses. Nil when the sizes overflow `Int`.
    public static func planBytes(graph whole: Graph, batch: Int, mode: ExecutionMode,
                                 options: PlanOptions = PlanOptions()) -> Int? {
        guard batch >= 1 else { return nil }
        let g = mode.graph(of: whole)
        guard let layout = PlanLayout(graph: g, analysis: PlanAnalysis(graph: g, mode: mode, options: options),
                                      batch: batch, mode: mode, options: options) else { return nil }
        let int32 = MemoryLayout<Int32>.stride, float = MemoryLayout<Float>.stride
        return ByteCount.sum([
            ByteCount.product(layout.floatCount, float),
            ByteCount.product(layout.intTotal, int32),
            layout.byteTotal,
            ByteCount.product(parameterStoreCount(whole), float),   // parameterGradients
            ByteCount.product(batch, int32),                         // labelStorage
            ByteCount.product(batch, int32),                         // mixLabelStorage
            ByteCount.product(g.losses.count, float),                // lossStorage
            ByteCount.product(g.losses.reduce(0) { n, id in         // correctStorage
                if case .loss(_, let topK, _) = g[id].op { return n + topK.count } else { return n }
            }, MemoryLayout<Int>.stride),
        ])
    }

    /// The memory needed to run a plan: `planBytes`, plus the `ParameterStore`, one input
    /// batch (float32 NCHW), and in training mode the batch's labels and one optimizer
    /// buffer per parameter (SGD's momentum). Nil when the sizes overflow `Int`.
    public static func requiredBytes(graph whole: Graph, batch: Int, mode: ExecutionMode,
                                     options: PlanOptions = PlanOptions()) -> Int? {
        let float = MemoryLayout<Float>.stride
        let parameters = ByteCount.product(parameterStoreCount(whole), float)
        return ByteCount.sum([
            planBytes(graph: whole, batch: batch, mode: mode, options: options),
            parameters,
            ByteCount.product(ByteCount.product(batch, whole.inputShape.count), float),
            mode == .training ? ByteCount.product(batch, MemoryLayout<Int32>.stride) : 0,
            mode == .training ? parameters : 0,
        ])
    }

    /// `ParameterStore(graph:).count`, from the store's own layout (no values allocated).
    static func parameterStoreCount(_ graph: Graph) -> Int? {
        ParameterStore.layout(graph).last.map { $0.offset + $0.count } ?? 0
    }
}

/// Sizes in checked arithmetic: nil in, or an overflow, gives nil.
public enum ByteCount {
    public static func product(_ a: Int?, _ b: Int?) -> Int? {
        guard let a, let b else { return nil }
        let (r, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : r
    }

    public static func sum(_ terms: [Int?]) -> Int? {
        terms.reduce(Int?(0)) { total, term in
            guard let total, let term else { return nil }
            let (r, overflow) = total.addingReportingOverflow(term)
            return overflow ? nil : r
        }
    }
}
