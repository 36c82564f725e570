// Elementwise sums: the residual/fan-out glue of the backward pass.
import CNetrunKernels

public enum Elementwise {
    /// `out[i] = a[i] + b[i]` for i in 0..<count; `out` may alias `a` or `b`.
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                           into out: UnsafeMutablePointer<Float>, count: Int,
                           threads: Int = Parallel.processorCount) {
        splitElementwise(count, threads) { o, n in netrun_add(a + o, b + o, out + o, n) }
    }

    /// `y[i] += x[i]`: adds one consumer's gradient into a fan-out sum.
    public static func accumulate(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int,
                                  threads: Int = Parallel.processorCount) {
        splitElementwise(count, threads) { o, n in netrun_accumulate(x + o, y + o, n) }
    }

    /// `y[i] += a·x[i]` (one rounding where the CPU fuses multiply-adds): gradient
    /// accumulation's weighted sum of micro-batches.
    public static func addScaled(_ x: UnsafePointer<Float>, by a: Float, into y: UnsafeMutablePointer<Float>, count: Int,
                                 threads: Int = Parallel.processorCount) {
        splitElementwise(count, threads) { o, n in netrun_lincomb2(x + o, y + o, y + o, a, 1, 0, n) }
    }

    /// Sum of `x[0..<count]` in float, eight lanes (then four accumulators) at a time.
    public static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        precondition(count >= 0, "negative element count")
        return netrun_sum(x, count)
    }
}
