// Kernels over raw Float buffers; see the backend issue.
import CNetrunKernels

/// Whether this CPU can run the AVX2/FMA kernels.
public var cpuHasAVX2FMA: Bool { netrun_cpu_has_avx2_fma() != 0 }
