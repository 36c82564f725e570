// One fused SGD-with-momentum pass (PyTorch semantics, dampening 0).
#include "simd_math.h"

static NR_AVX2 void netrun_sgd_step_avx2(float *w, const float *g, float *v, long n, float lr,
                                         float momentum, float weight_decay, int nesterov,
                                         float grad_scale) {
    __m256 vlr = _mm256_set1_ps(lr), vm = _mm256_set1_ps(momentum), vwd = _mm256_set1_ps(weight_decay);
    __m256 vs = _mm256_set1_ps(grad_scale);
    long i = 0;
    for (; i < n; i += 8) {
        __m256i msk = nr_tail_mask(n - i < 8 ? n - i : 8);
        __m256 wi = _mm256_maskload_ps(w + i, msk);
        __m256 gi = _mm256_mul_ps(_mm256_maskload_ps(g + i, msk), vs);
        __m256 d = _mm256_fmadd_ps(vwd, wi, gi);
        __m256 vi = _mm256_fmadd_ps(vm, _mm256_maskload_ps(v + i, msk), d);
        __m256 step = nesterov ? _mm256_fmadd_ps(vm, vi, d) : vi;
        _mm256_maskstore_ps(v + i, msk, vi);
        _mm256_maskstore_ps(w + i, msk, _mm256_fnmadd_ps(vlr, step, wi));
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
NR_DISPATCH(netrun_sgd_step,
            (float *w, const float *g, float *v, long n, float lr, float momentum,
             float weight_decay, int nesterov, float grad_scale),
            (w, g, v, n, lr, momentum, weight_decay, nesterov, grad_scale))
