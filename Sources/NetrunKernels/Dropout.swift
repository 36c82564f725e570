// Inverted dropout with a counter-based mask (dropout.c).
import CNetrunKernels

public enum Dropout {
    /// The 64-bit key mixing `seed` and `step` (splitmix64 finaliser of each).
    @inlinable
    public static func key(seed: UInt64, step: UInt64) -> UInt64 {
        @inline(__always) func mix(_ x: UInt64) -> UInt64 {
            var z = x &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return mix(seed ^ mix(step))
    }

    /// Training forward: element i is kept with probability `1 - p` and scaled
    /// by `1/(1 - p)`, else zeroed; `mask[i]` is 1 (kept) or 0. Whether i is kept
    /// is a hash of `(seed, step, i)`: `lowbias32(lowbias32(i ^ k0) + k1)`, where
    /// `(k1, k0) = key(seed, step)`, kept when its top 24 bits are `>= p * 2^24`.
    /// The mask is therefore the same for any thread count, and a new `step`
    /// gives a new mask. `first` is the index of `x[0]` in a larger tensor split over
    /// processes (data-parallel ranks), so that each part draws that tensor's mask. `p` in [0, 1). At evaluation time dropout is the identity.
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                               mask: UnsafeMutablePointer<UInt8>, count: Int, p: Float,
                               seed: UInt64, step: UInt64, first: Int = 0, threads: Int = Parallel.processorCount) {
        precondition(p >= 0 && p < 1, "Dropout: p must be in [0, 1)")
        precondition(count <= Int(UInt32.max), "Dropout: more than 2^32 elements")
        let threshold = UInt32((Double(p) * 16_777_216).rounded())
        let k = key(seed: seed, step: step), scale = 1 / (1 - p)
        splitElementwise(count, threads) { o, n in
            netrun_dropout_forward(x + o, y + o, mask + o, n, k, UInt64(first + o), threshold, scale)
        }
    }

    /// `dx = dy * mask / (1 - p)`.
    public static func backward(outputGradient dy: UnsafePointer<Float>, mask: UnsafePointer<UInt8>,
                                inputGradient dx: UnsafeMutablePointer<Float>, count: Int, p: Float,
                                threads: Int = Parallel.processorCount) {
        precondition(p >= 0 && p < 1, "Dropout: p must be in [0, 1)")
        splitElementwise(count, threads) { o, n in netrun_dropout_backward(dy + o, mask + o, dx + o, n, 1 / (1 - p)) }
    }
}
