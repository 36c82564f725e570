import ArgumentParser
import Foundation
import NetrunBackend
import NetrunConfig
import NetrunGraph
import NetrunKernels

/// `netrun bench CONFIG [--batch N] [--steps N] [--format text|json]`: where a training step's
/// time goes, node by node, in the spirit of `caffe time`.
struct Bench: NetrunCommand {
    static let configuration = CommandConfiguration(
        abstract: "Profile a training step and inference: time per node, GFLOP/s, img/s, peak memory.",
        discussion: """
            On random data and labels: a training step is forward, backward and SGD (momentum \
            0.9, weight decay 5e-4; what Tests/Peers/bench.py times). Two untimed warm-up \
            steps, then --steps timed ones; every figure is the median over the timed steps. \
            GFLOP/s counts the multiply-adds of convolutions and dense layers (2 FLOPs each; \
            backward: the weight gradient, and the input gradient where one is needed), as a \
            direct convolution does them, and is compared with the machine's FMA peak measured \
            at start (fused multiply-adds in the widest vectors, every core at once); the sgemm \
            rate (1024^3 products, one per core) is shown beside it, and the kernels in use. \
            Peak memory is the process's maximum resident set.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "Examples per step (default: the config's train.batch, else 16).")
    var batch: Int?

    @Option(help: "Timed steps, after two untimed ones (1 to 1000000).")
    var steps: Int = 5

    @Option(help: "text: a table per node; json: the same figures, with train_img_s and infer_img_s at the top level.")
    var format: OutputFormat = .text

    func validate() throws {
        if let batch { try NetrunCLI.validate(batch, in: 1 ... Int.max, option: "batch") }
        try NetrunCLI.validate(steps, in: 1 ... 1_000_000, option: "steps")
    }

    func execute(_ console: Console) -> Int32 {
        var code = ExitStatus.ok
        guard let checked = Checked(options, console: console, exitCode: &code) else { return code }
        if let code = Netrun.prepareCompute(console) { return code }
        let graph = checked.graph
        let batch = self.batch ?? checked.config.train?.batch.value ?? 16
        // The training plan and its buffers, and beside it the inference plan.
        let need = ByteCount.sum([Executor.requiredBytes(graph: graph, batch: batch, mode: .training),
                                  Executor.planBytes(graph: graph, batch: batch, mode: .inference)])
        if let refusal = MemoryCheck.check(need, for: "--batch \(batch)") {
            console.printError(refusal)
            return ExitStatus.usage
        }
        let peak = Self.sgemmPeak(), fmaPeak = KernelDispatch.measureFMAPeak()
        let profile = Self.profile(graph, batch: batch, steps: steps)
        let report = BenchReport(model: checked.config.name, batch: batch, steps: steps, profile: profile,
                                 sgemmPeak: peak, fmaPeak: fmaPeak, peakResidentBytes: Self.peakResidentBytes())
        console.print(format == .json ? report.json.text() : report.text, terminator: "")
        if format == .json { console.print("") }
        return ExitStatus.ok
    }

    /// Times `steps` training steps and inference passes after two of each untimed.
    static func profile(_ graph: Graph, batch: Int, steps: Int) -> BenchProfile {
        var parameters = ParameterStore(graph: graph)
        parameters.initialize(seed: 0)
        var rng = SystemRandomNumberGenerator()
        let input = (0 ..< batch * graph.inputShape.count).map { _ in Float.random(in: -1 ... 1, using: &rng) }
        let labels = (0 ..< batch).map { _ in Int32.random(in: 0 ..< Int32(clamping: max(graph.classes, 1)), using: &rng) }

        let train = Executor(graph: graph, batch: batch, mode: .training, parameters: parameters)
        train.setInput(input)
        train.setLabels(labels)
        train.recordsTimes = true
        // The optimizer step of Tests/Peers/bench.py: SGD, momentum 0.9, weight decay 5e-4, on the
        // learnable tensors (batch norm's running statistics are not).
        var velocity = [Float](repeating: 0, count: parameters.count)
        let learnable = parameters.entries.filter(\.learnable).map { $0.offset ..< $0.offset + $0.count }
        var timed = BenchProfile(graph: train.graph)
        for s in 0 ..< steps + 2 {
            let start = ContinuousClock.now
            train.forward(&parameters, step: UInt64(s))
            let forwardEnd = ContinuousClock.now
            train.backward(parameters)
            let backwardEnd = ContinuousClock.now
            let g = train.parameterGradients.base
            parameters.values.withUnsafeMutableBufferPointer { w in
                velocity.withUnsafeMutableBufferPointer { v in
                    guard let wb = w.baseAddress, let vb = v.baseAddress else { return }
                    for r in learnable {
                        SGD.step(weights: wb + r.lowerBound, gradients: g + r.lowerBound, velocity: vb + r.lowerBound,
                                 count: r.count, learningRate: 0.01, momentum: 0.9, weightDecay: 5e-4)
                    }
                }
            }
            let end = ContinuousClock.now
            guard s >= 2 else { continue }
            timed.forward.append(seconds(forwardEnd - start))
            timed.backward.append(seconds(backwardEnd - forwardEnd))
            timed.optimizer.append(seconds(end - backwardEnd))
            timed.step.append(seconds(end - start))
            for k in 0 ..< timed.nodeForward.count {
                timed.nodeForward[k].append(train.forwardSeconds[k])
                timed.nodeBackward[k].append(train.backwardSeconds[k])
            }
        }
        timed.inputGradient = train.graph.nodes.map { train.computesInputGradient($0.id) }

        let infer = Executor(graph: graph, batch: batch, mode: .inference, parameters: parameters)
        infer.setInput(input)
        infer.recordsTimes = true
        let names = Dictionary(infer.graph.nodes.map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a })
        timed.inferenceIndex = train.graph.nodes.map { names[$0.name] }
        timed.nodeInference = Array(repeating: [], count: infer.graph.nodes.count)
        for s in 0 ..< steps + 2 {
            let start = ContinuousClock.now
            infer.forward(&parameters)
            guard s >= 2 else { continue }
            timed.inference.append(seconds(ContinuousClock.now - start))
            for k in 0 ..< timed.nodeInference.count { timed.nodeInference[k].append(infer.forwardSeconds[k]) }
        }
        return timed
    }

    /// GFLOP/s of single-threaded 1024^3 sgemms, one per core at once (how the kernels run
    /// OpenBLAS), best of three rounds.
    static func sgemmPeak() -> Double {
        let n = 1024, threads = Parallel.processorCount
        let a = [Float](repeating: 0.5, count: n * n)
        var c = [Float](repeating: 0, count: n * n * threads)
        var best = Double.infinity
        a.withUnsafeBufferPointer { ap in
            c.withUnsafeMutableBufferPointer { cp in
                guard let a0 = ap.baseAddress, let c0 = cp.baseAddress else { return }
                for _ in 0 ..< 3 {
                    let start = ContinuousClock.now
                    Parallel.forEachPart(count: threads, threads: threads) { part, _ in
                        GEMM.multiply(m: n, n: n, k: n, a: a0, b: a0, c: c0 + part * n * n)
                    }
                    best = min(best, seconds(ContinuousClock.now - start))
                }
            }
        }
        return 2 * Double(n * n * n) * Double(threads) / best / 1e9
    }

    /// The process's maximum resident set so far, in bytes.
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return usage.ru_maxrss * 1024
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}

/// Every timed figure of a bench run, in seconds, one entry per timed step.
struct BenchProfile {
    var graph: Graph
    var forward: [Double] = [], backward: [Double] = [], optimizer: [Double] = [], step: [Double] = []
    var inference: [Double] = []
    /// Per node of the training graph.
    var nodeForward: [[Double]], nodeBackward: [[Double]]
    var inputGradient: [Bool] = []
    /// Per node of the inference graph.
    var nodeInference: [[Double]] = []
    /// For each training-graph node, its index in the inference graph (nil: training only).
    var inferenceIndex: [Int?] = []

    init(graph: Graph) {
        self.graph = graph
        nodeForward = Array(repeating: [], count: graph.nodes.count)
        nodeBackward = Array(repeating: [], count: graph.nodes.count)
    }
}

/// The figures `netrun bench` prints: medians of `BenchProfile`.
struct BenchReport {
    struct Row {
        var name, op, output: String
        /// A convolution's algorithm (ConvGeometry.algorithm), nil for other nodes.
        var algorithm: String?
        var forward, backward: Double
        var inference: Double?
        /// Multiply-adds of forward plus backward for the whole batch (conv and dense nodes).
        var trainMACs: Int
        var trainOnly: Bool
    }

    var model: String
    var batch: Int
    var steps: Int
    var rows: [Row]
    var forward, backward, optimizer, step, inference: Double
    var trainMACs, inferenceMACs: Int
    var sgemmPeak: Double
    /// The machine's measured FMA peak (every core): what the GFLOP/s figures are compared with.
    var fmaPeak: Double
    var peakResidentBytes: Int
    /// The matrix-product library and kernels, and the level of netrun's own loops.
    var gemm: GEMM.Library
    var isa: ISA

    init(model: String, batch: Int, steps: Int, profile p: BenchProfile, sgemmPeak: Double, fmaPeak: Double, peakResidentBytes: Int,
         gemm: GEMM.Library = GEMM.library, isa: ISA = KernelDispatch.isa) {
        (self.model, self.batch, self.steps, self.sgemmPeak, self.fmaPeak, self.peakResidentBytes) = (model, batch, steps, sgemmPeak, fmaPeak, peakResidentBytes)
        (self.gemm, self.isa) = (gemm, isa)
        rows = p.graph.nodes.map { n in
            let backwardMACs = n.macs == 0 ? 0 : n.macs * (p.inputGradient[n.id] ? 2 : 1)
            let backward = p.nodeBackward[n.id].median
            let algorithm: String? = if case .conv = n.op { Executor.convGeometry(p.graph, n, batch: batch).algorithm } else { nil }
            return Row(name: n.name, op: n.op.keyword, output: n.shape.description, algorithm: algorithm,
                       forward: p.nodeForward[n.id].median, backward: backward,
                       inference: p.inferenceIndex[n.id].map { p.nodeInference[$0].median },
                       trainMACs: (n.macs + (backward > 0 ? backwardMACs : 0)) * batch, trainOnly: n.trainOnly)
        }
        (forward, backward, optimizer, step, inference) = (p.forward.median, p.backward.median, p.optimizer.median, p.step.median, p.inference.median)
        trainMACs = rows.reduce(0) { $0 + $1.trainMACs }
        inferenceMACs = p.graph.inference().inferenceMACs * batch
    }

    var trainRate: Double { Double(batch) / step }
    var inferenceRate: Double { Double(batch) / inference }
    static func gflops(_ macs: Int, _ seconds: Double) -> Double { seconds > 0 ? 2 * Double(macs) / seconds / 1e9 : 0 }

    var text: String {
        var table = TextTable(header: ["node", "op", "algorithm", "output", "fwd ms", "bwd ms", "share", "GFLOP/s", "infer ms"],
                              numeric: [4, 5, 6, 7, 8])
        for r in rows {
            let share = (r.forward + r.backward) / step
            table.append([r.name + (r.trainOnly ? " *" : ""), r.op, r.algorithm ?? "", r.output, Self.ms(r.forward), Self.ms(r.backward),
                          String(format: "%.1f%%", 100 * share),
                          r.trainMACs == 0 ? "" : String(format: "%.1f", Self.gflops(r.trainMACs, r.forward + r.backward)),
                          r.inference.map(Self.ms) ?? ""])
        }
        let trainFlops = Self.gflops(trainMACs, step), inferFlops = Self.gflops(inferenceMACs, inference)
        var out = "\(model), batch \(batch): medians of \(steps) timed step\(steps == 1 ? "" : "s") after 2 untimed\n\n"
        out += table.text
        out += String(format: "training step  %9.2f ms (forward %.2f, backward %.2f, optimizer %.2f)  %8.1f img/s  %6.1f GFLOP/s = %2.0f%% of FMA peak\n",
                      step * 1e3, forward * 1e3, backward * 1e3, optimizer * 1e3, trainRate, trainFlops, 100 * trainFlops / fmaPeak)
        out += String(format: "inference      %9.2f ms  %8.1f img/s  %6.1f GFLOP/s = %2.0f%% of FMA peak\n",
                      inference * 1e3, inferenceRate, inferFlops, 100 * inferFlops / fmaPeak)
        let width = KernelDispatch.cpuISA == .avx512 ? "512-bit" : KernelDispatch.cpuISA == .avx2 ? "256-bit" : "scalar"
        out += String(format: "FMA peak       %.1f GFLOP/s", fmaPeak) + " (measured: \(width) fused multiply-adds on \(Parallel.processorCount) cores at once)\n"
        out += String(format: "sgemm          %.1f GFLOP/s (1024^3, %d at once, one per core)\n", sgemmPeak, Parallel.processorCount)
        out += "kernels        netrun's loops \(isa) (CPU: \(KernelDispatch.cpuISA)); \(gemm.description)\n"
        out += "GFLOP/s count a direct convolution's products (2 per multiply-add); Winograd does fewer, so they can exceed the peak\n"
        out += String(format: "peak memory    %.1f MB resident (both plans)\n", Double(peakResidentBytes) / 1e6)
        out += "(* training only)\n"
        return out
    }

    var json: JSONValue {
        .object([
            ("model", .string(model)), ("batch", .int(batch)), ("steps", .int(steps)),
            ("train_img_s", .double(Self.rounded(trainRate))), ("infer_img_s", .double(Self.rounded(inferenceRate))),
            ("train_step_ms", .double(Self.rounded(step * 1e3))), ("forward_ms", .double(Self.rounded(forward * 1e3))),
            ("backward_ms", .double(Self.rounded(backward * 1e3))), ("optimizer_ms", .double(Self.rounded(optimizer * 1e3))),
            ("infer_step_ms", .double(Self.rounded(inference * 1e3))),
            ("train_gflop_s", .double(Self.rounded(Self.gflops(trainMACs, step)))),
            ("infer_gflop_s", .double(Self.rounded(Self.gflops(inferenceMACs, inference)))),
            ("sgemm_peak_gflop_s", .double(Self.rounded(sgemmPeak))), ("fma_peak_gflop_s", .double(Self.rounded(fmaPeak))),
            ("peak_rss_bytes", .int(peakResidentBytes)),
            ("isa", .string(isa.description)), ("cpu_isa", .string(KernelDispatch.cpuISA.description)),
            ("gemm", .object([("library", .string("OpenBLAS")), ("core", .string(gemm.core)),
                              ("forced", gemm.forced.isEmpty ? .null : .string(gemm.forced)),
                              ("wanted", gemm.wanted.isEmpty ? .null : .string(gemm.wanted))])),
            ("nodes", .array(rows.map { r in
                .object([("name", .string(r.name)), ("op", .string(r.op)), ("algorithm", r.algorithm.map(JSONValue.string) ?? .null),
                         ("output", .string(r.output)),
                         ("forward_ms", .double(Self.rounded(r.forward * 1e3, 4))), ("backward_ms", .double(Self.rounded(r.backward * 1e3, 4))),
                         ("share", .double(Self.rounded((r.forward + r.backward) / step, 4))),
                         ("gflop_s", r.trainMACs == 0 ? .null : .double(Self.rounded(Self.gflops(r.trainMACs, r.forward + r.backward)))),
                         ("inference_ms", r.inference.map { .double(Self.rounded($0 * 1e3, 4)) } ?? .null),
                         ("train_only", .bool(r.trainOnly))])
            })),
        ])
    }

    static func ms(_ s: Double) -> String { String(format: "%.2f", s * 1e3) }
    static func rounded(_ x: Double, _ digits: Int = 2) -> Double {
        let f = pow(10, Double(digits))
        return (x * f).rounded() / f
    }
}

extension Array where Element == Double {
    /// The median (the mean of the middle two for an even count); 0 when empty.
    var median: Double {
        guard !isEmpty else { return 0 }
        let s = sorted(), m = s.count / 2
        return s.count % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2
    }
}
