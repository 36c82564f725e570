// Lookahead's synchronization of slow and fast weights: one fused pass.
import CNetrunKernels

public enum Lookahead {
    /// For each i in 0..<count: `slow = slow + alpha·(w − slow)` (one rounding of the
    /// multiply-add, as PyTorch's `slow.add_(w - slow, alpha=alpha)`), then `w = slow`.
    /// The same bits on every instruction set and thread count.
    public static func synchronize(weights w: UnsafeMutablePointer<Float>, slow: UnsafeMutablePointer<Float>, count: Int,
                                   alpha: Float, threads: Int = Parallel.processorCount) {
        splitElementwise(count, threads) { o, n in
            netrun_lookahead_sync(w + o, slow + o, n, alpha)
        }
    }
}
