// Which version of the C loops runs: AVX-512, AVX2/FMA, or the portable scalar fallback.
import CNetrunKernels
import Synchronization

/// Whether this CPU can run the AVX2/FMA kernels.
public var cpuHasAVX2FMA: Bool { netrun_cpu_has_avx2_fma() != 0 }

/// The instruction sets netrun's own loops come in, narrowest first.
public enum ISA: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case scalar = 0, avx2 = 1, avx512 = 2

    /// The name NETRUN_ISA takes and `netrun bench` prints.
    public var description: String {
        switch self {
        case .scalar: "scalar"
        case .avx2: "avx2"
        case .avx512: "avx512"
        }
    }

    public init?(name: String) {
        let level = netrun_isa_parse(name)
        guard level >= 0, let isa = ISA(rawValue: Int(level)) else { return nil }
        self = isa
    }

    public static func < (a: ISA, b: ISA) -> Bool { a.rawValue < b.rawValue }
}

/// The choice of C loop versions: the CPU's widest, lowered by NETRUN_ISA, made once.
public enum KernelDispatch {
    /// True when the AVX2/FMA (or wider) loops are in use on the calling thread.
    public static var usesAVX2: Bool { netrun_using_avx2() != 0 }

    /// The level in use on the calling thread.
    public static var isa: ISA { ISA(rawValue: Int(netrun_isa())) ?? .scalar }

    /// The widest level this CPU (and OS) runs.
    public static var cpuISA: ISA { ISA(rawValue: Int(netrun_cpu_isa())) ?? .scalar }

    /// NETRUN_ISA's complaint, when it is set to something that cannot be honoured (an
    /// unknown name, or a level above the CPU's), else nil.
    public static var requestError: String? {
        let r = netrun_isa_requested()
        if r == -2 { return "NETRUN_ISA must be one of scalar, avx2, avx512" }
        if r >= 0, let asked = ISA(rawValue: Int(r)), asked > cpuISA {
            return "NETRUN_ISA=\(asked) asks for more than this CPU runs (its widest: \(cpuISA))"
        }
        return nil
    }

    /// Forces the scalar fallback (for tests and comparisons), or goes back to
    /// the automatic choice, on the calling thread only: run the kernel with
    /// `threads: 1` (and no `await` in between) to see the effect.
    public static func forceScalar(_ on: Bool) { netrun_force_scalar(on ? 1 : 0) }

    /// The machine's fused multiply-add peak in GFLOP/s: `netrun_fma_loop` (16 independent
    /// FMA chains in the CPU's widest vectors) on every core at once, best of three rounds.
    public static func measureFMAPeak(threads: Int = Parallel.processorCount, iterations: Int = 4_000_000) -> Double {
        var best = Double.infinity, flops = 0
        for _ in 0 ..< 3 {
            let done = Mutex(0)
            let start = ContinuousClock.now
            Parallel.forEachPart(count: threads, threads: threads) { _, _ in
                let f = netrun_fma_loop(iterations)
                done.withLock { $0 += f }
            }
            let (s, a) = (ContinuousClock.now - start).components
            best = min(best, Double(s) + Double(a) * 1e-18)
            flops = done.withLock { $0 }
        }
        return Double(flops) / best / 1e9
    }

    /// Forces a level (nil: automatic) on the calling thread only, never above the CPU's.
    public static func force(_ isa: ISA?) { netrun_force_isa(Int32(isa?.rawValue ?? -1)) }
}
