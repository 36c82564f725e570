// Fully connected layer via GEMM: y [n, out] = x [n, in] * W^T + b, W [out, in].
// OpenBLAS single-threaded inside each call (Parallel.swift).
//
// Which matrix products run depends on the layer's shape and on `Parallel.batchParts` only,
// never otherwise on the thread count: one process whose threads hold the batch's parts makes
// the products, of the same shapes on the same values, that MPI ranks make holding one part
// each (Parallel.batchParts says what that rests on). A BLAS may round a product differently
// for another shape (OpenBLAS has small-matrix kernels chosen by size, edge kernels, its own
// blocking), so the calls themselves must match, not only the sums they stand for.
// Every pass cuts its columns into fixed chunks (`chunk`: forward and dW the outputs, dx the
// inputs), which the threads share out; per chunk, one product per part of the rows, so a chunk
// of W is read from memory once for all parts. For dW, each part's product has beta 0 (the
// first straight into dW, the others into the thread's scratch of one chunk) and netrun adds
// the parts into dW in part order (netrun_accumulate). Never BLAS's beta 1 across parts: how a
// kernel rounds C + A*B is its own business (some fold C into their sums).
// The cost, against the previous split of W between the threads (one product per thread over
// all rows, beta 1 for dW's second part): each part's call packs its share of W again, and dW's
// second part takes a pass of its own. AMD EPYC Zen 4, OpenBLAS SkylakeX kernels, 2 threads,
// release, load average 1.5-2 from other work:
//   `netrun bench` (3 alternating rounds, ms fwd / bwd): AlexNet batch 64, fc6 38-41 / 73-77
//   before, 55-57 / 99-102 after; fc7 17-18 / 34-35, 24-25 / 42-44; fc8 4.2-4.3 / 8.3-8.8,
//   5.8-6.2 / 9.8-10.3: the dense layers about a third slower, 5% of AlexNet's training step.
//   fashion-alexnet batch 128 (512-wide layers): 0.5-0.7 / 0.9-1.1 both, within the noise.
//   C calls, medians of 11 interleaved rounds, ms fwd / dx / dW: 64 x 9216 -> 4096 (fc6) 36 / 33
//   / 37 before, 49 / 42 / 50 in chunks of 256 x parts, 49 / 47 / 49 in chunks of 112; chunks of
//   32 are slower (51 / 63 / 52: more calls, more packing of the other operand); one product
//   per part over the whole W 49 / 40 / -. The double packing is inherent to one call per part.
import CNetrunKernels

public enum Dense {
    /// Floats of W (or of dW's scratch) one chunk aims at: 4 MiB, small enough to stay in the
    /// last-level cache while each part of the rows reads it, large enough that the repeated
    /// packing of the other operand stays small (the measurements above).
    static let chunkTarget = 1 << 20

    /// Columns (outputs, or dx's input columns) per chunk of a product whose columns hold
    /// `perColumn` floats of W each: a function of the layer's shape alone, never of the thread
    /// count, so a rank's chunks are one process's. A multiple of 16 near `chunkTarget` floats,
    /// and at least 8 chunks where there are 128 columns or more, for the threads to share.
    public static func chunk(perColumn: Int, columns: Int) -> Int {
        let byMemory = max(16, chunkTarget / max(1, perColumn) / 16 * 16)
        let bySharing = max(16, (columns + 8 * 16 - 1) / (8 * 16) * 16)
        return max(1, min(columns, byMemory, bySharing))
    }

    /// Runs `body(chunk)` for the chunks of `0..<columns`, the threads sharing them out.
    private static func forEachChunk(_ columns: Int, size: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        let chunks = (columns + size - 1) / size
        Parallel.forEachPart(count: chunks, threads: threads) { _, mine in
            for c in mine { body(c * size ..< min(columns, (c + 1) * size)) }
        }
    }

    /// `y[r, o] = bias[o] + sum_i x[r, i] * weight[o, i]`; x `[rows, inputs]`,
    /// weight `[outputs, inputs]` (PyTorch layout), y `[rows, outputs]`.
    public static func forward(
        _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        _ y: UnsafeMutablePointer<Float>, rows: Int, inputs: Int, outputs: Int,
        threads: Int = Parallel.processorCount
    ) {
        precondition(rows >= 1 && inputs >= 1 && outputs >= 1, "Dense: sizes must be positive")
        let parts = Parallel.batchParts(rows, threads: threads)
        forEachChunk(outputs, size: chunk(perColumn: inputs, columns: outputs), threads: threads) { cols in
            for part in 0 ..< parts {
                let rs = Parallel.range(part: part, of: parts, count: rows)
                let yb = y + rs.lowerBound * outputs + cols.lowerBound
                if let bias {
                    for r in 0 ..< rs.count { (yb + r * outputs).update(from: bias + cols.lowerBound, count: cols.count) }
                }
                // The bias as C with beta 1: the same call in a rank, so the same rounding.
                GEMM.multiply(transposeB: true, m: rs.count, n: cols.count, k: inputs, a: x + rs.lowerBound * inputs,
                              b: weight + cols.lowerBound * inputs, ldb: inputs, beta: bias == nil ? 0 : 1,
                              c: yb, ldc: outputs)
            }
        }
    }

    /// `dx = dy * W` (`[rows, inputs]`, overwritten, nil to skip), `dW (+)= dy^T * x`
    /// (`[outputs, inputs]`), `db (+)= sum_r dy[r, :]`. Weight and bias gradients are ADDED to
    /// when `accumulate`, overwritten otherwise; their sums over rows follow
    /// `Parallel.batchParts`: each part of the rows summed on its own (by one BLAS call for dW),
    /// then the parts added in order by netrun. `dW` nil (a frozen layer, with `db` nil too):
    /// the input gradient only.
    public static func backward(
        input x: UnsafePointer<Float>, weight: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
        inputGradient dx: UnsafeMutablePointer<Float>?, weightGradient dW: UnsafeMutablePointer<Float>?,
        biasGradient db: UnsafeMutablePointer<Float>?, rows: Int, inputs: Int, outputs: Int,
        accumulate: Bool = true, threads: Int = Parallel.processorCount
    ) {
        precondition(rows >= 1 && inputs >= 1 && outputs >= 1, "Dense: sizes must be positive")
        let parts = Parallel.batchParts(rows, threads: threads)
        if let dx {
            forEachChunk(inputs, size: chunk(perColumn: outputs, columns: inputs), threads: threads) { cols in
                for part in 0 ..< parts {
                    let rs = Parallel.range(part: part, of: parts, count: rows)
                    GEMM.multiply(m: rs.count, n: cols.count, k: outputs, a: dy + rs.lowerBound * outputs,
                                  b: weight + cols.lowerBound, ldb: inputs, beta: 0,
                                  c: dx + rs.lowerBound * inputs + cols.lowerBound, ldc: inputs)
                }
            }
        }
        // A frozen layer: the input gradient only, no parameter gradients.
        guard let dW else {
            precondition(db == nil, "Dense.backward: a bias gradient without the weight gradient")
            return
        }
        let size = chunk(perColumn: inputs, columns: outputs)
        // A part's product goes through the scratch unless it goes straight into dW (the first
        // part, overwriting); the bias sums use it too.
        let scratchCount = parts > 1 || accumulate ? size * inputs : size
        let chunks = (outputs + size - 1) / size
        Parallel.forEachPart(count: chunks, threads: threads) { _, mine in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: scratchCount) { buffer in
                guard let scratch = buffer.baseAddress else { return }
                for c in mine {
                    let outs = c * size ..< min(outputs, (c + 1) * size)
                    let d = dW + outs.lowerBound * inputs
                    for part in 0 ..< parts {
                        let r = Parallel.range(part: part, of: parts, count: rows)
                        let direct = part == 0 && !accumulate
                        GEMM.multiply(transposeA: true, m: outs.count, n: inputs, k: r.count,
                                      a: dy + r.lowerBound * outputs + outs.lowerBound, lda: outputs,
                                      b: x + r.lowerBound * inputs, beta: 0, c: direct ? d : scratch)
                        if !direct { netrun_accumulate(scratch, d, outs.count * inputs) }
                    }
                    guard let db else { continue }
                    // Each part's rows in order into the scratch, the parts added in order.
                    let partSum = scratch, b = db + outs.lowerBound
                    for part in 0 ..< parts {
                        partSum.update(repeating: 0, count: outs.count)
                        for r in Parallel.range(part: part, of: parts, count: rows) {
                            netrun_accumulate(dy + r * outputs + outs.lowerBound, partSum, outs.count)
                        }
                        if part == 0 && !accumulate { b.update(from: partSum, count: outs.count) } else {
                            netrun_accumulate(partSum, b, outs.count)
                        }
                    }
                }
            }
        }
    }
}
