// Sum of squares accumulated in double: the global gradient norm of clipping, over
// tens of millions of floats, where a float sum would lose digits.
#include "simd_math.h"

static NR_AVX2 double netrun_sum_squares_avx2(const float *x, long n) {
    __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
        __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
        a0 = _mm256_fmadd_pd(lo, lo, a0);
        a1 = _mm256_fmadd_pd(hi, hi, a1);
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, _mm256_add_pd(a0, a1));
    double s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    for (; i < n; i++) s += (double)x[i] * (double)x[i];
    return s;
}
static double netrun_sum_squares_scalar(const float *x, long n) {
    double s = 0;
    for (long i = 0; i < n; i++) s += (double)x[i] * (double)x[i];
    return s;
}
double netrun_sum_squares(const float *x, long n) {
    return netrun_using_avx2() ? netrun_sum_squares_avx2(x, n) : netrun_sum_squares_scalar(x, n);
}
