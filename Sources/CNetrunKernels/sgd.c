// One fused SGD-with-momentum pass (PyTorch semantics, dampening 0).
#include "simd_math.h"

// One block of 8 (full) or of the tail's first `msk` lanes: plain loads and stores in the
// main loop, masked ones only at the tail (vmaskmovps stores are slow on AMD Zen).
static inline NR_AVX2 __attribute__((always_inline)) void
sgd8(float *w, const float *g, float *v, int full, __m256i msk, __m256 vlr, __m256 vm, __m256 vwd,
     __m256 vs, int nesterov) {
    __m256 wi = full ? _mm256_loadu_ps(w) : _mm256_maskload_ps(w, msk);
    __m256 gi = _mm256_mul_ps(full ? _mm256_loadu_ps(g) : _mm256_maskload_ps(g, msk), vs);
    __m256 d = _mm256_fmadd_ps(vwd, wi, gi);
    __m256 vi = _mm256_fmadd_ps(vm, full ? _mm256_loadu_ps(v) : _mm256_maskload_ps(v, msk), d);
    __m256 step = nesterov ? _mm256_fmadd_ps(vm, vi, d) : vi;
    __m256 wo = _mm256_fnmadd_ps(vlr, step, wi);
    if (full) {
        _mm256_storeu_ps(v, vi);
        _mm256_storeu_ps(w, wo);
    } else {
        _mm256_maskstore_ps(v, msk, vi);
        _mm256_maskstore_ps(w, msk, wo);
    }
}

static NR_AVX2 void netrun_sgd_step_avx2(float *w, const float *g, float *v, long n, float lr,
                                         float momentum, float weight_decay, int nesterov,
                                         float grad_scale) {
    __m256 vlr = _mm256_set1_ps(lr), vm = _mm256_set1_ps(momentum), vwd = _mm256_set1_ps(weight_decay);
    __m256 vs = _mm256_set1_ps(grad_scale);
    __m256i all = _mm256_set1_epi32(-1);
    long i = 0;
    for (; i + 8 <= n; i += 8) sgd8(w + i, g + i, v + i, 1, all, vlr, vm, vwd, vs, nesterov);
    if (i < n) sgd8(w + i, g + i, v + i, 0, nr_tail_mask(n - i), vlr, vm, vwd, vs, nesterov);
}
// AVX-512: 16 lanes, the tail through a lane mask; the operations of sgd8, so the same bits.
static NR_AVX512 void netrun_sgd_step_avx512(float *w, const float *g, float *v, long n, float lr,
                                             float momentum, float weight_decay, int nesterov,
                                             float grad_scale) {
    __m512 vlr = _mm512_set1_ps(lr), vm = _mm512_set1_ps(momentum), vwd = _mm512_set1_ps(weight_decay);
    __m512 vs = _mm512_set1_ps(grad_scale);
    for (long i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? (__mmask16)0xFFFF : NR_TAIL16(n - i);
        __m512 wi = _mm512_maskz_loadu_ps(k, w + i);
        __m512 gi = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, g + i), vs);
        __m512 d = _mm512_fmadd_ps(vwd, wi, gi);
        __m512 vi = _mm512_fmadd_ps(vm, _mm512_maskz_loadu_ps(k, v + i), d);
        __m512 step = nesterov ? _mm512_fmadd_ps(vm, vi, d) : vi;
        _mm512_mask_storeu_ps(v + i, k, vi);
        _mm512_mask_storeu_ps(w + i, k, _mm512_fnmadd_ps(vlr, step, wi));
    }
}
static void netrun_sgd_step_scalar(float *w, const float *g, float *v, long n, float lr,
                                   float momentum, float weight_decay, int nesterov,
                                   float grad_scale) {
    for (long i = 0; i < n; i++) {
        float d = g[i] * grad_scale + weight_decay * w[i];
        float vi = momentum * v[i] + d;
        v[i] = vi;
        w[i] -= lr * (nesterov ? d + momentum * vi : vi);
    }
}
NR_DISPATCH3(netrun_sgd_step,
            (float *w, const float *g, float *v, long n, float lr, float momentum,
             float weight_decay, int nesterov, float grad_scale),
            (w, g, v, n, lr, momentum, weight_decay, nesterov, grad_scale))
