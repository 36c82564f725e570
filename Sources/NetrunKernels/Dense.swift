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
    /// `accumulate`, overwritten otherwise.
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
        Parallel.forEachPart(count: outputs, threads: threads) { _, outs in
            GEMM.multiply(transposeA: true, m: outs.count, n: inputs, k: rows, a: dy + outs.lowerBound, lda: outputs,
                          b: x, beta: accumulate ? 1 : 0, c: dW + outs.lowerBound * inputs)
            if let db {
                if !accumulate { (db + outs.lowerBound).update(repeating: 0, count: outs.count) }
                for r in 0 ..< rows {
                    netrun_accumulate(dy + r * outputs + outs.lowerBound, db + outs.lowerBound, outs.count)
                }
            }
        }
    }
}
