// The only file that calls the BLAS: single-precision matrix products, the library's
// thread count, and which library and kernels run (blas.c loads OpenBLAS at first use,
// its kernels chosen from the CPU's features).
import CNetrunKernels

/// Row-major single-precision GEMM over OpenBLAS's `cblas_sgemm`.
public enum GEMM {
    /// OpenBLAS's own thread count (`openblas_get_num_threads` /
    /// `openblas_set_num_threads`). netrun's kernels split work themselves
    /// (see Parallel.swift), so the backend keeps this at 1; set it higher only
    /// when one big product runs alone.
    public static var threadCount: Int {
        get { Int(netrun_blas_threads()) }
        set { netrun_blas_set_threads(Int32(max(1, newValue))) }
    }

    /// `C = alpha * op(A) * op(B) + beta * C`, all row-major, where op(A) is
    /// `[m, k]` and op(B) is `[k, n]`, C is `[m, n]`. A is stored `[m, k]`
    /// (`[k, m]` when `transposeA`), B `[k, n]` (`[n, k]` when `transposeB`).
    /// Leading dimensions default to the packed row lengths. With `beta == 0`
    /// C is only written (it may hold garbage or NaN).
    @inlinable
    public static func multiply(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int? = nil,
        b: UnsafePointer<Float>, ldb: Int? = nil,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil
    ) {
        let lda = lda ?? (transposeA ? m : k)
        let ldb = ldb ?? (transposeB ? k : n)
        let ldc = ldc ?? n
        precondition(m >= 0 && n >= 0 && k >= 0, "GEMM: negative size")
        precondition(lda >= max(1, transposeA ? m : k), "GEMM: lda too small")
        precondition(ldb >= max(1, transposeB ? k : n), "GEMM: ldb too small")
        precondition(ldc >= max(1, n), "GEMM: ldc too small")
        precondition(max(m, n, k, lda, ldb, ldc) <= Int(Int32.max), "GEMM: size exceeds 32-bit BLAS int")
        if m == 0 || n == 0 { return }
        sgemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    @usableFromInline
    static func sgemm(
        _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        let status = netrun_sgemm(ta ? 1 : 0, tb ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda),
                                  b, Int32(ldb), beta, c, Int32(ldc))
        // The CLI checks `loadError` before any computation; a library caller that did not is told why here.
        precondition(status == 0, "GEMM: \(GEMM.loadError ?? "OpenBLAS is not loaded")")
    }

    /// Why OpenBLAS could not be loaded, or nil when it is (loads it on first use).
    public static var loadError: String? { netrun_blas_error().map { String(cString: $0) } }

    /// The matrix-product library in use and its kernels.
    public static var library: Library {
        Library(core: String(cString: netrun_blas_core()), config: String(cString: netrun_blas_config()),
                forced: String(cString: netrun_blas_forced()), wanted: String(cString: netrun_blas_wanted()))
    }

    /// OpenBLAS as loaded: its kernels (`core`, OpenBLAS's own name), how they were chosen, and
    /// whether they fall short of what this CPU offers.
    public struct Library: Sendable, Equatable {
        /// OpenBLAS's name for the kernels it runs (Prescott, Haswell, SkylakeX, Cooperlake, Zen, ...).
        public var core: String
        /// OpenBLAS's build description (version, DYNAMIC_ARCH, threading).
        public var config: String
        /// The user's OPENBLAS_CORETYPE, "" when netrun chose the kernels.
        public var forced: String
        /// The kernels this CPU's features call for, "" when none beats the library's default.
        public var wanted: String

        public init(core: String, config: String, forced: String, wanted: String) {
            (self.core, self.config, self.forced, self.wanted) = (core, config, forced, wanted)
        }

        /// The widest instructions a kernel family uses, by OpenBLAS's core names (its
        /// DYNAMIC_ARCH list for x86-64): 3 AVX-512, 2 AVX2/FMA, 1 AVX, 0 SSE only.
        public static func level(ofCore name: String) -> Int {
            switch name.lowercased() {
            case "skylakex", "cooperlake", "sapphirerapids": 3
            case "haswell", "zen", "zen3": 2
            case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": 1
            default: 0
            }
        }

        /// A sentence naming the cause and the fix when the kernels in use are narrower
        /// than the CPU's (only possible when the user forced them), else nil.
        public var warning: String? {
            guard !wanted.isEmpty, Self.level(ofCore: core) < Self.level(ofCore: wanted) else { return nil }
            let cause = forced.isEmpty ? "OpenBLAS chose them" : "OPENBLAS_CORETYPE=\(forced) is set"
            let fix = forced.isEmpty ? "set OPENBLAS_CORETYPE=\(wanted)" : "unset OPENBLAS_CORETYPE to let netrun choose \(wanted)"
            return "matrix products run OpenBLAS's \(core) kernels, narrower than this CPU's (\(wanted)): \(cause); "
                + "depending on the CPU they run up to several times slower. To fix: \(fix)"
        }

        /// One line for `netrun bench` and `--version`-like reports.
        public var description: String {
            let how = forced.isEmpty ? (wanted.isEmpty ? "OpenBLAS's choice" : "chosen from the CPU's features")
                                     : "OPENBLAS_CORETYPE=\(forced)"
            return "OpenBLAS, \(core.isEmpty ? "?" : core) kernels (\(how))"
        }
    }
}
