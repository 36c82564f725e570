// Release-mode figures behind the threading decision in Parallel.swift. Not a
// timed assertion: run with
//   NETRUN_KERNEL_BENCHMARKS=1 swift test -c release --filter KernelBenchmarks
// and read the printed lines. Each figure is the median (and best) of 5 runs.
import Foundation
import Testing
import NetrunKernels

@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["NETRUN_KERNEL_BENCHMARKS"] != nil))
struct KernelBenchmarks {
    /// Seconds: median and best of `repeats` runs after one warm-up.
    static func time(_ repeats: Int = 5, _ body: () -> Void) -> (median: Double, best: Double) {
        body()
        var t: [Double] = []
        for _ in 0 ..< repeats {
            let start = ContinuousClock.now
            body()
            let d = ContinuousClock.now - start
            t.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
        }
        t.sort()
        return (t[t.count / 2], t[0])
    }

    static func report(_ name: String, _ t: (median: Double, best: Double), flops: Double? = nil) {
        var line = "BENCH \(name): median \(String(format: "%.2f", t.median * 1e3)) ms, best \(String(format: "%.2f", t.best * 1e3)) ms"
        if let flops {
            line += ", \(String(format: "%.1f", flops / t.median * 1e-9)) GFLOP/s (best \(String(format: "%.1f", flops / t.best * 1e-9)))"
        }
        print(line)
    }

    /// The three ways of using two cores: our batch split with single-threaded
    /// OpenBLAS, OpenBLAS threading each product, and one core for reference.
    static let strategies: [(name: String, threads: Int, blas: Int)] = [
        ("split 2 x blas 1", 2, 1), ("split 1 x blas 2", 1, 2), ("split 1 x blas 1", 1, 1),
    ]

    /// Runs the strategies in turn, `repeats` rounds after a warm-up round, so
    /// that load from other processes hits them alike; median and best of each.
    static func interleaved(_ repeats: Int, _ bodies: [() -> Void]) -> [(median: Double, best: Double)] {
        for b in bodies { b() }
        var t = [[Double]](repeating: [], count: bodies.count)
        for _ in 0 ..< repeats {
            for (i, b) in bodies.enumerated() {
                let start = ContinuousClock.now
                b()
                let d = ContinuousClock.now - start
                t[i].append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
            }
        }
        return t.map { v in let s = v.sorted(); return (s[s.count / 2], s[0]) }
    }

    static func convCase(_ name: String, _ g: ConvGeometry) {
        var rng = SeededRNG(seed: 1)
        let x = rng.floats(g.inputCount), wt = rng.floats(g.weightCount, in: -0.05 ... 0.05), b = rng.floats(g.outC)
        let dy = rng.floats(g.outputCount)
        let flops = 3 * 2 * Double(g.multiplyAdds)   // forward + dInput + dWeight
        let saved = GEMM.threadCount
        let count = max(Conv.forwardWorkspaceCount(g, threads: 2), Conv.backwardWorkspaceCount(g, threads: 2))
        let y = UnsafeMutablePointer<Float>.allocate(capacity: g.outputCount)
        let dx = UnsafeMutablePointer<Float>.allocate(capacity: g.inputCount)
        let dw = UnsafeMutablePointer<Float>.allocate(capacity: g.weightCount)
        let db = UnsafeMutablePointer<Float>.allocate(capacity: g.outC)
        let ws = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        dw.initialize(repeating: 0, count: g.weightCount)
        db.initialize(repeating: 0, count: g.outC)
        defer { for p in [y, dx, dw, db, ws] { p.deallocate() } }
        let bodies = strategies.map { s in
            { () -> Void in
                GEMM.threadCount = s.blas
                Conv.forward(g, input: x, weight: wt, bias: b, output: y, workspace: ws, workspaceCount: count,
                             threads: s.threads)
                Conv.backward(g, input: x, weight: wt, outputGradient: dy, inputGradient: dx, weightGradient: dw,
                              biasGradient: db, workspace: ws, workspaceCount: count, threads: s.threads)
            }
        }
        for (s, t) in zip(strategies, interleaved(5, bodies)) { report("\(name) fwd+bwd [\(s.name)]", t, flops: flops) }
        GEMM.threadCount = saved
    }

    @Test func convolutions() {
        print("BENCH AVX2 loops: \(KernelDispatch.usesAVX2), processors: \(Parallel.processorCount), OpenBLAS threads at start: \(GEMM.threadCount)")
        Self.convCase("alexnet conv2 N=16 96->256 5x5 p2 g2 27x27",
                      ConvGeometry(n: 16, c: 96, h: 27, w: 27, outC: 256, kernel: 5, pad: 2, groups: 2))
        Self.convCase("alexnet conv1 N=16 3->96 11x11 s4 227x227",
                      ConvGeometry(n: 16, c: 3, h: 227, w: 227, outC: 96, kernel: 11, stride: 4))
        Self.convCase("googlenet 3a 3x3 N=16 96->128 p1 28x28",
                      ConvGeometry(n: 16, c: 96, h: 28, w: 28, outC: 128, kernel: 3, pad: 1))
        Self.convCase("googlenet 4a 1x1 N=16 480->192 14x14",
                      ConvGeometry(n: 16, c: 480, h: 14, w: 14, outC: 192, kernel: 1))
    }

    @Test func denseLayers() {
        let (rows, inputs, outputs) = (64, 9216, 4096)
        var rng = SeededRNG(seed: 2)
        let x = rng.floats(rows * inputs), wt = rng.floats(outputs * inputs, in: -0.01 ... 0.01), b = rng.floats(outputs)
        let dy = rng.floats(rows * outputs)
        var y = [Float](repeating: 0, count: rows * outputs), dx = x, dw = wt, db = b
        let saved = GEMM.threadCount
        for s in Self.strategies {
            GEMM.threadCount = s.blas
            let t = Self.time(3) {
                Dense.forward(x, weight: wt, bias: b, &y, rows: rows, inputs: inputs, outputs: outputs, threads: s.threads)
                Dense.backward(input: x, weight: wt, outputGradient: dy, inputGradient: &dx, weightGradient: &dw,
                               biasGradient: &db, rows: rows, inputs: inputs, outputs: outputs, threads: s.threads)
            }
            Self.report("alexnet fc6 N=64 9216->4096 fwd+bwd [\(s.name)]", t, flops: 3 * 2 * Double(rows * inputs * outputs))
        }
        GEMM.threadCount = saved
    }

    @Test func memoryBoundLoops() {
        // AlexNet conv1 output at N=16: 96 x 55 x 55 per image.
        let (n, c, h, w) = (16, 96, 55, 55)
        let count = n * c * h * w
        var rng = SeededRNG(seed: 3)
        let x = rng.floats(count), dy = rng.floats(count)
        var y = [Float](repeating: 0, count: count), s = y, dx = y
        let pg = PoolGeometry(n: n, c: c, h: h, w: w, kernel: 3, stride: 2, ceilMode: false)
        var py = [Float](repeating: 0, count: pg.outputCount), arg = [Int32](repeating: 0, count: pg.outputCount)
        let pdy = rng.floats(pg.outputCount)
        GEMM.threadCount = 1
        for threads in [1, 2] {
            Self.report("relu fwd+bwd 16x96x55x55 [threads \(threads)]", Self.time {
                ReLU.forward(x, &y, count: count, threads: threads)
                ReLU.backward(output: y, outputGradient: dy, inputGradient: &dx, count: count, threads: threads)
            })
            Self.report("lrn fwd 16x96x55x55 size 5 beta 0.75 [threads \(threads)]", Self.time {
                LRN.forward(x, &y, norms: &s, n: n, c: c, spatial: h * w, size: 5, scale: 1e-4, beta: 0.75, k: 2, threads: threads)
            })
            Self.report("lrn bwd 16x96x55x55 size 5 beta 0.75 [threads \(threads)]", Self.time {
                LRN.backward(input: x, output: y, norms: s, outputGradient: dy, inputGradient: &dx, n: n, c: c, spatial: h * w,
                             size: 5, scale: 1e-4, beta: 0.75, threads: threads)
            })
            Self.report("maxpool 3/2 fwd+bwd 16x96x55x55 [threads \(threads)]", Self.time {
                MaxPool.forward(pg, x, &py, argmax: &arg, threads: threads)
                MaxPool.backward(pg, outputGradient: pdy, argmax: arg, inputGradient: &dx, threads: threads)
            })
        }
    }
}
