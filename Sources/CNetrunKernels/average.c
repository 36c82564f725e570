// a += t * (x - a): one update of a running average (Polyak: t = 1/(n+1); EMA:
// t = 1 - decay, the same as decay*a + (1-decay)*x up to rounding).
#include "simd_math.h"

static NR_AVX2 void netrun_lerp_toward_avx2(float *a, const float *x, long n, float t) {
    __m256 vt = _mm256_set1_ps(t);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 ai = _mm256_loadu_ps(a + i);
        _mm256_storeu_ps(a + i, _mm256_fmadd_ps(vt, _mm256_sub_ps(_mm256_loadu_ps(x + i), ai), ai));
    }
    if (i < n) {   // masked only at the tail: vmaskmovps stores are slow on AMD Zen
        __m256i msk = nr_tail_mask(n - i);
        __m256 ai = _mm256_maskload_ps(a + i, msk);
        __m256 d = _mm256_sub_ps(_mm256_maskload_ps(x + i, msk), ai);
        _mm256_maskstore_ps(a + i, msk, _mm256_fmadd_ps(vt, d, ai));
    }
}
static void netrun_lerp_toward_scalar(float *a, const float *x, long n, float t) {
    for (long i = 0; i < n; i++) a[i] += t * (x[i] - a[i]);
}
NR_DISPATCH(netrun_lerp_toward, (float *a, const float *x, long n, float t), (a, x, n, t))
