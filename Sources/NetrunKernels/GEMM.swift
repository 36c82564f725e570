// The only file that calls OpenBLAS: single-precision matrix products and the
// library's thread count.
import COpenBLAS

/// Row-major single-precision GEMM over OpenBLAS's `cblas_sgemm`.
public enum GEMM {
    /// OpenBLAS's own thread count (`openblas_get_num_threads` /
    /// `openblas_set_num_threads`). netrun's kernels split work themselves
    /// (see Parallel.swift), so the backend keeps this at 1; set it higher only
    /// when one big product runs alone.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
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
        cblas_sgemm(
            CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
