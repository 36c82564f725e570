// Local response normalisation across channels (loops in lrn.c).
import CNetrunKernels

public enum LRN {
    /// For input `[n, c, spatial]` (NCHW with `spatial` = H*W) and output of the same shape:
    /// `s[n,i,p] = k + scale * sum_{j = i - size/2}^{i - size/2 + size - 1} a[n,j,p]^2`
    /// (channels outside [0, c) count as zero) and `b = a * s^-beta`.
    /// `scale` is the caller's: the paper's form passes `alpha`, Caffe's and
    /// PyTorch's form `alpha / size`. `norms` (same shape) receives `s`, needed by
    /// `backward`. `k > 0`. beta = 0.75 takes a sqrt-only path; other betas use
    /// a vector exp(log). Split over images across `threads`.
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                               norms: UnsafeMutablePointer<Float>, n: Int, c: Int, spatial: Int,
                               size: Int, scale: Float, beta: Float, k: Float,
                               threads: Int = Parallel.processorCount) {
        precondition(n >= 1 && c >= 1 && spatial >= 1 && size >= 1, "LRN: sizes must be positive")
        precondition(k > 0 && scale >= 0, "LRN: needs k > 0 and scale >= 0")
        let image = c * spatial
        Parallel.forEachPart(count: n, threads: threads) { _, r in
            let o = r.lowerBound * image
            netrun_lrn_forward(x + o, y + o, norms + o, r.count, c, spatial, size, scale, beta, k)
        }
    }

    /// Exact gradient (Caffe's and PyTorch's formula):
    /// `dx_j = dy_j * s_j^-beta - 2 * scale * beta * a_j * sum_{i : j in window(i)} dy_i * b_i / s_i`,
    /// with `x` the forward input, `y` its output and `norms` its `s`. `dx` is overwritten.
    public static func backward(input x: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                                norms: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                                inputGradient dx: UnsafeMutablePointer<Float>, n: Int, c: Int, spatial: Int,
                                size: Int, scale: Float, beta: Float,
                                threads: Int = Parallel.processorCount) {
        precondition(n >= 1 && c >= 1 && spatial >= 1 && size >= 1, "LRN: sizes must be positive")
        let image = c * spatial
        Parallel.forEachPart(count: n, threads: threads) { _, r in
            let o = r.lowerBound * image
            netrun_lrn_backward(x + o, y + o, norms + o, dy + o, dx + o, r.count, c, spatial, size, scale, beta)
        }
    }
}
