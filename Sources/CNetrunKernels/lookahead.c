// Lookahead's synchronization (Zhang et al. 2019): the slow weights move alpha of the way to
// the fast ones, and the fast ones restart from them.
#include <math.h>
#include "simd_math.h"

// slow = fma(alpha, w - slow, slow) (PyTorch's slow.add_(fast - slow, alpha=alpha) fuses
// the multiply-add); w = slow. Every path rounds the same two operations, so the same bits.
static void netrun_lookahead_sync_scalar(float *w, float *slow, long n, float alpha) {
    for (long i = 0; i < n; i++) {
        float s = fmaf(alpha, w[i] - slow[i], slow[i]);
        slow[i] = s;
        w[i] = s;
    }
}

static NR_AVX2 void netrun_lookahead_sync_avx2(float *w, float *slow, long n, float alpha) {
    __m256 va = _mm256_set1_ps(alpha);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 s = _mm256_loadu_ps(slow + i);
        s = _mm256_fmadd_ps(va, _mm256_sub_ps(_mm256_loadu_ps(w + i), s), s);
        _mm256_storeu_ps(slow + i, s);
        _mm256_storeu_ps(w + i, s);
    }
    if (i < n) {
        __m256i m = nr_tail_mask(n - i);
        __m256 s = _mm256_maskload_ps(slow + i, m);
        s = _mm256_fmadd_ps(va, _mm256_sub_ps(_mm256_maskload_ps(w + i, m), s), s);
        _mm256_maskstore_ps(slow + i, m, s);
        _mm256_maskstore_ps(w + i, m, s);
    }
}

static NR_AVX512 void netrun_lookahead_sync_avx512(float *w, float *slow, long n, float alpha) {
    __m512 va = _mm512_set1_ps(alpha);
    for (long i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? (__mmask16)0xFFFF : NR_TAIL16(n - i);
        __m512 s = _mm512_maskz_loadu_ps(k, slow + i);
        s = _mm512_fmadd_ps(va, _mm512_sub_ps(_mm512_maskz_loadu_ps(k, w + i), s), s);
        _mm512_mask_storeu_ps(slow + i, k, s);
        _mm512_mask_storeu_ps(w + i, k, s);
    }
}
NR_DISPATCH3(netrun_lookahead_sync, (float *w, float *slow, long n, float alpha), (w, slow, n, alpha))
