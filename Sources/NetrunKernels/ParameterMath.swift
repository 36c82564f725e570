// Whole-buffer reductions and updates for optimizers and weight averaging (norm.c, average.c).
import CNetrunKernels

/// Reductions and updates over whole parameter buffers.
public enum ParameterMath {
    /// `sum(x[i]^2)` over `count` floats, accumulated in Double (AVX2: four double lanes twice).
    public static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
        precondition(count >= 0, "negative element count")
        return netrun_sum_squares(x, count)
    }

    /// `a[i] += t * (x[i] - a[i])`: a running average moved toward `x` (Polyak with
    /// `t = 1/(n+1)`, EMA with `t = 1 - decay`).
    public static func lerp(_ a: UnsafeMutablePointer<Float>, toward x: UnsafePointer<Float>, count: Int, weight t: Float,
                            threads: Int = Parallel.processorCount) {
        splitElementwise(count, threads) { o, n in netrun_lerp_toward(a + o, x + o, n, t) }
    }
}
