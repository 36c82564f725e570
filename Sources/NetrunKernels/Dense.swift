// Fully connected layer via GEMM: y [n, out] = x [n, in] * W^T + b, W [out, in].
// Threads split the weight (each part reads only its share of W, the biggest
// operand), OpenBLAS single-threaded inside each part.
import CNetrunKernels

public enum Dense {
    /// `y[r, o] = bias[o] + sum_i x[r, i] * weight[o, i]`; x `[rows, inputs]`,
    /// weight `[outputs, inputs]` (PyTorch layout), y `[rows, outputs]`.
    /// Split over output columns.
    public static func forward(
        _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        _ y: UnsafeMutablePointer<Float>, rows: Int, inputs: Int, outputs: Int,
        threads: Int = Parallel.processorCount
    ) {
        precondition(rows >= 1 && inputs >= 1 && outputs >= 1, "Dense: sizes must be positive")
        Parallel.forEachPart(count: outputs, threads: threads) { _, cols in
            if let bias {
                for r in 0 ..< rows { (y + r * outputs + cols.lowerBound).update(from: bias + cols.lowerBound, count: cols.count) }
            }
            GEMM.multiply(transposeB: true, m: rows, n: cols.count, k: inputs, a: x,
                          b: weight + cols.lowerBound * inputs, ldb: inputs, beta: bias == nil ? 0 : 1,
                          c: y + cols.lowerBound, ldc: outputs)
        }
    }

    /// `dx = dy * W` (`[rows, inputs]`, overwritten, nil to skip; split over input
    /// columns), `dW (+)= dy^T * x` (`[outputs, inputs]`, split over outputs),
    /// `db (+)= sum_r dy[r, :]`. Weight and bias gradients are ADDED to when
    /// `accumulate`, overwritten otherwise; their sums over rows follow `Parallel.batchParts`.
    public static func backward(
        input x: UnsafePointer<Float>, weight: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
        inputGradient dx: UnsafeMutablePointer<Float>?, weightGradient dW: UnsafeMutablePointer<Float>,
        biasGradient db: UnsafeMutablePointer<Float>?, rows: Int, inputs: Int, outputs: Int,
        accumulate: Bool = true, threads: Int = Parallel.processorCount
    ) {
        precondition(rows >= 1 && inputs >= 1 && outputs >= 1, "Dense: sizes must be positive")
        if let dx {
            Parallel.forEachPart(count: inputs, threads: threads) { _, cols in
                GEMM.multiply(m: rows, n: cols.count, k: outputs, a: dy, b: weight + cols.lowerBound, ldb: inputs,
                              beta: 0, c: dx + cols.lowerBound, ldc: inputs)
            }
        }
        // Threads split the outputs; the sum over rows is taken as `batchParts` contiguous parts
        // of rows, each in row order, added part after part: the order in which ranks
        // holding those rows would add them (see Parallel.batchParts).
        let rowParts = Parallel.batchParts(rows, threads: threads)
        Parallel.forEachPart(count: outputs, threads: threads) { _, outs in
            for part in 0 ..< rowParts {
                let r = Parallel.range(part: part, of: rowParts, count: rows)
                GEMM.multiply(transposeA: true, m: outs.count, n: inputs, k: r.count,
                              a: dy + r.lowerBound * outputs + outs.lowerBound, lda: outputs,
                              b: x + r.lowerBound * inputs, beta: part > 0 || accumulate ? 1 : 0,
                              c: dW + outs.lowerBound * inputs)
            }
            guard let db else { return }
            let d = db + outs.lowerBound
            withUnsafeTemporaryAllocation(of: Float.self, capacity: outs.count) { buffer in
                guard let partSum = buffer.baseAddress else { return }
                for part in 0 ..< rowParts {
                    partSum.update(repeating: 0, count: outs.count)
                    for r in Parallel.range(part: part, of: rowParts, count: rows) {
                        netrun_accumulate(dy + r * outputs + outs.lowerBound, partSum, outs.count)
                    }
                    if part == 0 && !accumulate { d.update(from: partSum, count: outs.count) } else {
                        netrun_accumulate(partSum, d, outs.count)
                    }
                }
            }
        }
    }
}
