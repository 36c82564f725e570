// Batch normalisation over the channels of NCHW tensors `[n, c, spatial]` with
// `spatial` = H*W (per-channel statistics over n and spatial), forward for
// training and evaluation, and backward.
import CNetrunKernels

public enum BatchNorm {
    /// Training forward, per channel ch over the M = n*spatial values:
    /// `mean = sum x / M`, `var = sum (x - mean)^2 / M` (biased, used to normalise),
    /// `y = gamma * (x - mean) / sqrt(var + epsilon) + beta`; running statistics
    /// as PyTorch: `rm = (1 - momentum) * rm + momentum * mean`,
    /// `rv = (1 - momentum) * rv + momentum * var * M / (M - 1)` (unbiased).
    /// `savedMean` and `savedInvStd` (`[c]`, 1/sqrt(var + eps)) are for `backward`.
    /// Sums: float per plane, Double across planes. Split over channels.
    public static func forwardTraining(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, c: Int, spatial: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        runningMean: UnsafeMutablePointer<Float>, runningVariance: UnsafeMutablePointer<Float>,
        momentum: Float, epsilon: Float,
        savedMean: UnsafeMutablePointer<Float>, savedInvStd: UnsafeMutablePointer<Float>,
        threads: Int = Parallel.processorCount
    ) {
        precondition(n >= 1 && c >= 1 && spatial >= 1, "BatchNorm: sizes must be positive")
        let m = Double(n * spatial)
        Parallel.forEachPart(count: c, threads: threads) { _, channels in
            for ch in channels {
                var s = 0.0
                for img in 0 ..< n { s += Double(netrun_sum(x + (img * c + ch) * spatial, spatial)) }
                let mean = Float(s / m)
                var q = 0.0
                for img in 0 ..< n { q += Double(netrun_sum_sq_dev(x + (img * c + ch) * spatial, mean, spatial)) }
                let variance = q / m
                let invStd = Float(1 / (variance + Double(epsilon)).squareRoot())
                savedMean[ch] = mean
                savedInvStd[ch] = invStd
                let unbiased = m > 1 ? variance * m / (m - 1) : variance
                runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * mean
                runningVariance[ch] = (1 - momentum) * runningVariance[ch] + momentum * Float(unbiased)
                let a = gamma[ch] * invStd, b = beta[ch] - mean * a
                for img in 0 ..< n {
                    let o = (img * c + ch) * spatial
                    netrun_scale_shift(x + o, y + o, a, b, spatial)
                }
            }
        }
    }

    /// Evaluation forward: `y = gamma * (x - rm) / sqrt(rv + epsilon) + beta`.
    public static func forwardInference(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, c: Int, spatial: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        runningMean: UnsafePointer<Float>, runningVariance: UnsafePointer<Float>, epsilon: Float,
        threads: Int = Parallel.processorCount
    ) {
        precondition(n >= 1 && c >= 1 && spatial >= 1, "BatchNorm: sizes must be positive")
        Parallel.forEachPart(count: c, threads: threads) { _, channels in
            for ch in channels {
                let a = gamma[ch] / (runningVariance[ch] + epsilon).squareRoot(), b = beta[ch] - runningMean[ch] * a
                for img in 0 ..< n {
                    let o = (img * c + ch) * spatial
                    netrun_scale_shift(x + o, y + o, a, b, spatial)
                }
            }
        }
    }

    /// Backward of `forwardInference` with respect to `x` alone (a frozen batch norm, whose
    /// statistics and parameters are constants): `dx = dy * gamma / sqrt(var + epsilon)`,
    /// the factor computed as `forwardInference` computes it.
    public static func backwardFrozen(
        outputGradient dy: UnsafePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>, n: Int, c: Int, spatial: Int,
        gamma: UnsafePointer<Float>, runningVariance: UnsafePointer<Float>, epsilon: Float,
        threads: Int = Parallel.processorCount
    ) {
        precondition(n >= 1 && c >= 1 && spatial >= 1, "BatchNorm: sizes must be positive")
        Parallel.forEachPart(count: c, threads: threads) { _, channels in
            for ch in channels {
                let a = gamma[ch] / (runningVariance[ch] + epsilon).squareRoot()
                for img in 0 ..< n {
                    let o = (img * c + ch) * spatial
                    netrun_scale_shift(dy + o, dx + o, a, -0.0, spatial)
                }
            }
        }
    }

    /// Backward of `forwardTraining`, with `xhat = (x - mean) * invStd`:
    /// `dbeta = sum dy`, `dgamma = sum dy * xhat`,
    /// `dx = gamma * invStd / M * (M * dy - dbeta - xhat * dgamma)`.
    /// `dx` is overwritten (nil to skip it); `gammaGradient`, `betaGradient` are
    /// added to when `accumulate`, overwritten otherwise.
    public static func backward(
        input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
        inputGradient dx: UnsafeMutablePointer<Float>?, n: Int, c: Int, spatial: Int,
        gamma: UnsafePointer<Float>, savedMean: UnsafePointer<Float>, savedInvStd: UnsafePointer<Float>,
        gammaGradient: UnsafeMutablePointer<Float>, betaGradient: UnsafeMutablePointer<Float>,
        accumulate: Bool = true, threads: Int = Parallel.processorCount
    ) {
        precondition(n >= 1 && c >= 1 && spatial >= 1, "BatchNorm: sizes must be positive")
        let m = Float(n * spatial)
        Parallel.forEachPart(count: c, threads: threads) { _, channels in
            for ch in channels {
                let mean = savedMean[ch], invStd = savedInvStd[ch]
                var sdy = 0.0, sdyx = 0.0
                for img in 0 ..< n {
                    let o = (img * c + ch) * spatial
                    sdy += Double(netrun_sum(dy + o, spatial))
                    sdyx += Double(netrun_dot_dev(dy + o, x + o, mean, spatial))
                }
                let dgamma = Float(sdyx) * invStd, dbeta = Float(sdy)
                gammaGradient[ch] = accumulate ? gammaGradient[ch] + dgamma : dgamma
                betaGradient[ch] = accumulate ? betaGradient[ch] + dbeta : dbeta
                guard let dx else { continue }
                // dx = a*dy + b*x + cc
                let a = gamma[ch] * invStd
                let b = -a * invStd * invStd * Float(sdyx) / m
                let cc = -a * Float(sdy) / m - b * mean
                for img in 0 ..< n {
                    let o = (img * c + ch) * spatial
                    netrun_lincomb2(dy + o, x + o, dx + o, a, b, cc, spatial)
                }
            }
        }
    }
}
