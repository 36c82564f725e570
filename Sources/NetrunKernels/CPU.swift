// Which version of the C loops runs: AVX2/FMA or the portable scalar fallback.
import CNetrunKernels

/// Whether this CPU can run the AVX2/FMA kernels.
public var cpuHasAVX2FMA: Bool { netrun_cpu_has_avx2_fma() != 0 }

/// The choice of C loop versions, made once on first use (`netrun_using_avx2`).
public enum KernelDispatch {
    /// True when the AVX2/FMA loops are in use, false for the scalar fallback.
    public static var usesAVX2: Bool { netrun_using_avx2() != 0 }

    /// Forces the scalar fallback (for tests and comparisons), or goes back to
    /// the automatic choice, on the calling thread only: run the kernel with
    /// `threads: 1` (and no `await` in between) to see the effect.
    public static func forceScalar(_ on: Bool) { netrun_force_scalar(on ? 1 : 0) }
}
