// A graph planned for one batch size: storage allocated once, one step per node.
import NetrunConfig
import NetrunGraph
import NetrunKernels

/// Runs a graph on batches of exactly `batch` examples, NCHW float32 at every boundary.
///
/// Built once per graph, batch size and mode: every buffer (activations, gradients,
/// max-pool indices, LRN norms, dropout masks, workspaces) lives in three blocks
/// allocated here, laid out from the tensors' lifetimes (BufferPlanner), and every node's
/// kernel call is resolved here (Step). `forward` and `backward` then only walk the
/// steps: no allocation, dictionary or name lookup per step.
///
/// Threads: every kernel splits its own work over the cores (batch for convolutions,
/// weight rows for dense layers, planes or ranges elsewhere) with OpenBLAS kept
/// single-threaded (`GEMM.threadCount = 1`, set once per process by the first plan), as
/// NetrunKernels/Parallel.swift decides.
///
/// A final class: it owns raw storage, so a copy must be the same executor, never an alias
/// of its buffers. `@unchecked Sendable` is not claimed: one executor runs on one thread.
public final class Executor {
    /// OpenBLAS single-threaded, once per process (the kernels split work themselves).
    private static let processSetup: Void = { GEMM.threadCount = 1 }()

    /// The graph as planned: `graph.inference()` in inference and evaluation modes, else the whole graph.
    public let graph: Graph
    public let batch: Int
    /// Where this pass's examples start in the step's whole batch (dropout's masks are keyed
    /// by it): `PlanOptions.firstExample` at first; gradient accumulation moves it for each
    /// micro-batch, so that the masks are those of the whole batch.
    public var firstExample: Int
    public let mode: ExecutionMode
    let steps: [Step]
    let floats: TensorStorage<Float>
    let ints: TensorStorage<Int32>
    let bytes: TensorStorage<UInt8>
    /// Gradients of the parameters, the layout of `ParameterStore.values`. After `backward`
    /// this is the whole exchange a data-parallel step needs: all-reduce (average) it across
    /// ranks, then run the optimizer; nothing else differs between ranks.
    public let parameterGradients: TensorStorage<Float>
    let labelStorage: TensorStorage<Int32>
    /// The partners' labels of a mixed batch (`setMix`), and λ; nil λ: not mixed.
    let mixLabelStorage: TensorStorage<Int32>
    var mixLambda: Float?
    /// Each loss node's weighted loss, after a training or evaluation `forward`.
    let lossStorage: TensorStorage<Float>
    /// Per loss node and k of its `top_k`, the examples of the last batch whose label is
    /// among the k largest scores (evaluation and training plans).
    let correctStorage: TensorStorage<Int>
    let workspace: UnsafeMutablePointer<Float>
    let workspaceCount: Int
    /// Room for one input gradient, for kernels that cannot add into their output.
    let scratch: UnsafeMutablePointer<Float>
    let parameterCount: Int
    let tensors: [BatchTensor]
    let gradients: [BatchTensor?]
    /// When set, `forward` and `backward` time every step (`netrun bench`'s profile).
    public var recordsTimes = false
    /// Seconds each node's forward took in the last `forward`, indexed like `graph.nodes`
    /// (zero until a `forward` ran with `recordsTimes`).
    public internal(set) var forwardSeconds: [Double]
    /// Seconds each node's backward took in the last `backward` (zero for nodes whose
    /// backward does not run), indexed like `graph.nodes`.
    public internal(set) var backwardSeconds: [Double]

    /// Plans `graph` (the whole graph, as built) for `batch` examples. `parameters` gives
    /// the layout of the weights that `forward` and `backward` will be handed.
    public init(graph whole: Graph, batch: Int, mode: ExecutionMode, parameters: ParameterStore,
                options: PlanOptions = PlanOptions()) {
        precondition(batch >= 1, "Executor: batch must be positive")
        _ = Self.processSetup
        let g = mode.graph(of: whole)
        let a = PlanAnalysis(graph: g, mode: mode, options: options)
        let n = g.nodes.count
        // Sizes and offsets of every buffer: PlanMemory.swift, shared with `requiredBytes`.
        guard let layout = PlanLayout(graph: g, analysis: a, batch: batch, mode: mode, options: options) else {
            preconditionFailure("Executor: the plan's size overflows Int; check Executor.requiredBytes first")
        }
        let (actHandle, gradHandle) = (layout.activation, layout.gradient)
        let (extraInt, extraFloat, extraByte) = (layout.extraInt, layout.extraFloat, layout.extraByte)
        let (floatOffsets, intOffsets, byteOffsets) = (layout.floatOffsets, layout.intOffsets, layout.byteOffsets)
        let (floatTotal, workspaceNeed) = (layout.floatTotal, layout.workspaceCount)
        let floats = TensorStorage<Float>(count: layout.floatCount, zero: 0)
        let ints = TensorStorage<Int32>(count: layout.intTotal, zero: 0)
        let bytes = TensorStorage<UInt8>(count: layout.byteTotal, zero: 0)
        let scratch = floats.base + floatTotal + workspaceNeed

        // Views: owners first (nodes are in topological order, a concat after its branches).
        var tensors = [BatchTensor?](repeating: nil, count: n), gradients = [BatchTensor?](repeating: nil, count: n)
        let base = floats.base
        func view(_ handle: Int?, _ i: Int) -> BatchTensor? {
            handle.map { BatchTensor(base: base + floatOffsets[$0], stride: g[i].shape.count, count: g[i].shape.count, images: batch) }
        }
        for i in 0 ..< n where a.group[i] == i {
            tensors[i] = view(actHandle[i], i)
            gradients[i] = view(gradHandle[i], i)
        }
        for i in 0 ..< n where a.group[i] != i {
            let owner = a.group[i], count = g[i].shape.count
            func derived(_ t: BatchTensor?) -> BatchTensor? {
                guard let t else { return nil }
                if let p = a.placedIn[i] {
                    let hw = g[i].shape.height * g[i].shape.width
                    return BatchTensor(base: t.base + p.channel * hw, stride: t.stride, count: count, images: batch)
                }
                return t
            }
            tensors[i] = derived(tensors[owner])
            gradients[i] = a.run[i] ? derived(gradients[owner]) : nil
        }
        // Every node has an output view (a node that nothing reads still writes somewhere).
        let resolved = tensors.enumerated().map { i, t in
            t ?? BatchTensor(base: scratch, stride: g[i].shape.count, count: g[i].shape.count, images: batch)
        }
        self.tensors = resolved
        self.gradients = gradients

        let offsets = Dictionary(parameters.entries.map { ($0.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        var steps: [Step] = []
        var correctCount = 0
        for node in g.nodes {
            let i = node.id
            let ptrInt = extraInt[i].map { ints.base + intOffsets[$0] }
            let ptrFloat = extraFloat[i].map { base + floatOffsets[$0] }
            let ptrByte = extraByte[i].map { bytes.base + byteOffsets[$0] }
            let setup = StepSetup(node: node, graph: g, batch: batch, placed: a.placedIn[i] != nil,
                                  placedInputs: node.inputs.map { a.placedIn[$0] != nil }, offsets: offsets,
                                  lossIndex: g.losses.firstIndex(of: i) ?? 0, correctIndex: correctCount,
                                  dropoutSeed: options.dropoutSeed, ints: ptrInt, floats: ptrFloat, bytes: ptrByte)
            if case .loss(_, let topK, _) = node.op { correctCount += topK.count }
            steps.append(Step(node: i, op: Self.stepOp(setup), output: resolved[i], inputs: node.inputs.map { resolved[$0] },
                              outputGradient: a.run[i] ? gradients[i] : nil,
                              inputGradients: node.inputs.enumerated().map { s, j in a.writesInputGradient[i][s] ? gradients[j] : nil },
                              accumulate: a.accumulate[i]))
        }
        self.steps = steps
        forwardSeconds = Array(repeating: 0, count: steps.count)
        backwardSeconds = Array(repeating: 0, count: steps.count)
        self.floats = floats
        self.ints = ints
        self.bytes = bytes
        workspace = floats.base + floatTotal
        workspaceCount = workspaceNeed
        self.scratch = scratch
        self.graph = g
        self.batch = batch
        firstExample = options.firstExample
        self.mode = mode
        parameterCount = parameters.count
        parameterGradients = TensorStorage(count: parameters.count, zero: 0)
        labelStorage = TensorStorage(count: batch, zero: 0)
        mixLabelStorage = TensorStorage(count: batch, zero: 0)
        lossStorage = TensorStorage(count: g.losses.count, zero: 0)
        correctStorage = TensorStorage(count: correctCount, zero: 0)
    }

    /// What the steps read while they run, for one pass with the parameters at `w`.
    func run(parameters w: UnsafeMutablePointer<Float>, step: UInt64) -> StepRun {
        StepRun(batch: batch, mode: mode, parameters: w, parameterGradients: parameterGradients.base, workspace: workspace,
                workspaceCount: workspaceCount, scratch: scratch, labels: labelStorage.base,
                mix: mixLambda.map { (mixLabelStorage.base, $0) }, losses: lossStorage.base,
                correct: correctStorage.base, step: step, firstExample: firstExample)
    }

    public static func convGeometry(_ g: Graph, _ node: Node, batch: Int) -> ConvGeometry {
        guard case .conv(let c) = node.op else { preconditionFailure("not a convolution") }
        let x = g[node.inputs[0]].shape
        return ConvGeometry(n: batch, c: x.channels, h: x.height, w: x.width, outC: c.out, kh: c.kernel.h, kw: c.kernel.w,
                            strideH: c.stride.h, strideW: c.stride.w, padH: c.pad.h, padW: c.pad.w,
                            dilationH: c.dilation.h, dilationW: c.dilation.w, groups: c.groups,
                            outH: node.shape.height, outW: node.shape.width)
    }
}
