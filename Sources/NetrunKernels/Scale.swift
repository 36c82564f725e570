// Caffe's Scale layer: a learned per-channel scale and optional shift, over NCHW
// tensors (`spatial` = H*W) or `[n, c]` vectors (`spatial` = 1). Built on the C
// loops netrun_scale_shift, netrun_lincomb2, netrun_dot_dev and netrun_sum
// (elementwise.c), one call per (image, channel) plane of `spatial` floats; with
// `spatial` = 1 that is one call per element, correct but not fast.
import CNetrunKernels

public enum Scale {
    /// `y[n, c, i] = x[n, c, i] * gamma[c] + beta[c]`, or `x * gamma[c]` when `beta` is nil.
    /// `y` may alias `x`. Planes are split over `threads`.
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, c: Int, spatial: Int,
                               gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>?,
                               threads: Int = Parallel.processorCount) {
        precondition(n >= 1 && c >= 1 && spatial >= 1, "Scale: sizes must be positive")
        let planes = n * c
        Parallel.forEachPart(count: planes, threads: Parallel.elementwiseThreads(planes * spatial, threads)) { _, r in
            for p in r {
                let ch = p % c, o = p * spatial
                // -0.0 is the additive identity for every float (+0.0 would turn x*g = -0.0 into +0.0).
                netrun_scale_shift(x + o, y + o, gamma[ch], beta.map { $0[ch] } ?? -0.0, spatial)
            }
        }
    }

    /// Backward of `forward`, with `x` its input:
    /// `gammaGradient[c] = sum_{n,i} dy * x`, `betaGradient[c] = sum_{n,i} dy` (overwritten;
    /// float per plane, Double across planes; nil `betaGradient` when there is no shift),
    /// `dx = dy * gamma[c]`, overwritten, or added to when `accumulateInputGradient`
    /// (nil `dx`: skipped). A channel's sums are taken before its `dx` is written, so `dx`
    /// may alias `x`, or `dy` when not accumulating. Channels are split over `threads`.
    public static func backward(input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                                inputGradient dx: UnsafeMutablePointer<Float>?, n: Int, c: Int, spatial: Int,
                                gamma: UnsafePointer<Float>, gammaGradient: UnsafeMutablePointer<Float>?,
                                betaGradient: UnsafeMutablePointer<Float>?, accumulateInputGradient: Bool = false,
                                threads: Int = Parallel.processorCount) {
        precondition(n >= 1 && c >= 1 && spatial >= 1, "Scale: sizes must be positive")
        precondition(gammaGradient != nil || betaGradient == nil, "Scale.backward: a beta gradient without gamma's")
        precondition(!(accumulateInputGradient && dx.map { UnsafePointer($0) == dy } == true),
                     "Scale.backward: cannot accumulate into the output gradient itself")
        Parallel.forEachPart(count: c, threads: Parallel.elementwiseThreads(n * c * spatial, threads)) { _, channels in
            for ch in channels {
                // A frozen layer (no gamma gradient, nor beta's): the input gradient only.
                if let gammaGradient {
                    var sdyx = 0.0, sdy = 0.0
                    for img in 0 ..< n {
                        let o = (img * c + ch) * spatial
                        sdyx += Double(netrun_dot_dev(dy + o, x + o, 0, spatial))
                        if betaGradient != nil { sdy += Double(netrun_sum(dy + o, spatial)) }
                    }
                    gammaGradient[ch] = Float(sdyx)
                    betaGradient?[ch] = Float(sdy)
                }
                guard let dx else { continue }
                for img in 0 ..< n {
                    let o = (img * c + ch) * spatial
                    if accumulateInputGradient {
                        netrun_lincomb2(dy + o, dx + o, dx + o, gamma[ch], 1, 0, spatial)
                    } else {
                        netrun_scale_shift(dy + o, dx + o, gamma[ch], -0.0, spatial)
                    }
                }
            }
        }
    }
}
