// One fused Adam / AdamW pass, in the order of PyTorch's `_single_tensor_adam`
// (torch/optim/adam.py, the CPU default), each operation rounded to float as there:
//   g = g * grad_scale                                   (clip_grad_norm_'s mul_)
//   AdamW: w = w * decay_factor                          (p.mul_(1 - lr*wd))
//   Adam:  g = g + wd * w                                (grad.add(p, alpha=wd))
//   m = lerp(m, g, 1 - beta1)                            (exp_avg.lerp_)
//   v = v * beta2 + (1 - beta2) * g * g                  (mul_ then addcmul_)
//   w = w - step_size * m / (sqrt(v) / bc2_sqrt + eps)   (addcdiv_)
// ATen's lerp computes m + t*(g - m) when |t| < 0.5, else g - (g - m)*(1 - t)
// (aten/src/ATen/native/Lerp.h); both forms are kept.
#include "simd_math.h"

typedef struct {
    __m256 s, wd, df, t, t1, b2, omb2, step, bc2, eps;
    int small_t;
} adam_consts;

// One block of 8 (full) or the tail's first lanes (masked loads and stores only there:
// vmaskmovps stores are slow on AMD Zen).
static inline NR_AVX2 __attribute__((always_inline)) void
adam8(float *w, const float *g, float *m, float *v, int full, __m256i msk, const adam_consts *c) {
    __m256 wi = full ? _mm256_loadu_ps(w) : _mm256_maskload_ps(w, msk);
    __m256 gi = _mm256_mul_ps(full ? _mm256_loadu_ps(g) : _mm256_maskload_ps(g, msk), c->s);
    wi = _mm256_mul_ps(wi, c->df);
    gi = _mm256_fmadd_ps(c->wd, wi, gi);
    __m256 mi = full ? _mm256_loadu_ps(m) : _mm256_maskload_ps(m, msk);
    __m256 diff = _mm256_sub_ps(gi, mi);
    mi = c->small_t ? _mm256_fmadd_ps(c->t, diff, mi) : _mm256_fnmadd_ps(diff, c->t1, gi);
    __m256 vi = _mm256_mul_ps(full ? _mm256_loadu_ps(v) : _mm256_maskload_ps(v, msk), c->b2);
    vi = _mm256_fmadd_ps(_mm256_mul_ps(c->omb2, gi), gi, vi);
    __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), c->bc2), c->eps);
    wi = _mm256_fnmadd_ps(c->step, _mm256_div_ps(mi, denom), wi);
    if (full) {
        _mm256_storeu_ps(m, mi);
        _mm256_storeu_ps(v, vi);
        _mm256_storeu_ps(w, wi);
    } else {
        _mm256_maskstore_ps(m, msk, mi);
        _mm256_maskstore_ps(v, msk, vi);
        _mm256_maskstore_ps(w, msk, wi);
    }
}

static NR_AVX2 void netrun_adam_step_avx2(float *w, const float *g, float *m, float *v, long n,
                                          float grad_scale, float weight_decay, float decay_factor,
                                          float lerp_t, float beta2, float one_minus_beta2,
                                          float step_size, float bc2_sqrt, float eps) {
    const adam_consts c = {
        _mm256_set1_ps(grad_scale), _mm256_set1_ps(weight_decay), _mm256_set1_ps(decay_factor),
        _mm256_set1_ps(lerp_t), _mm256_set1_ps(1.0f - lerp_t), _mm256_set1_ps(beta2),
        _mm256_set1_ps(one_minus_beta2), _mm256_set1_ps(step_size), _mm256_set1_ps(bc2_sqrt),
        _mm256_set1_ps(eps), fabsf(lerp_t) < 0.5f};
    __m256i all = _mm256_set1_epi32(-1);
    long i = 0;
    for (; i + 8 <= n; i += 8) adam8(w + i, g + i, m + i, v + i, 1, all, &c);
    if (i < n) adam8(w + i, g + i, m + i, v + i, 0, nr_tail_mask(n - i), &c);
}
// AVX-512: 16 lanes, the tail through a lane mask; the operations of adam8, so the same bits.
static NR_AVX512 void netrun_adam_step_avx512(float *w, const float *g, float *m, float *v, long n,
                                              float grad_scale, float weight_decay, float decay_factor,
                                              float lerp_t, float beta2, float one_minus_beta2,
                                              float step_size, float bc2_sqrt, float eps) {
    const __m512 s = _mm512_set1_ps(grad_scale), wd = _mm512_set1_ps(weight_decay), df = _mm512_set1_ps(decay_factor),
                 t = _mm512_set1_ps(lerp_t), t1 = _mm512_set1_ps(1.0f - lerp_t), b2 = _mm512_set1_ps(beta2),
                 omb2 = _mm512_set1_ps(one_minus_beta2), step = _mm512_set1_ps(step_size),
                 bc2 = _mm512_set1_ps(bc2_sqrt), ve = _mm512_set1_ps(eps);
    const int small_t = fabsf(lerp_t) < 0.5f;
    for (long i = 0; i < n; i += 16) {
        __mmask16 k = n - i >= 16 ? (__mmask16)0xFFFF : NR_TAIL16(n - i);
        __m512 wi = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, w + i), df);
        __m512 gi = _mm512_fmadd_ps(wd, wi, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, g + i), s));
        __m512 mi = _mm512_maskz_loadu_ps(k, m + i);
        __m512 diff = _mm512_sub_ps(gi, mi);
        mi = small_t ? _mm512_fmadd_ps(t, diff, mi) : _mm512_fnmadd_ps(diff, t1, gi);
        __m512 vi = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, v + i), b2);
        vi = _mm512_fmadd_ps(_mm512_mul_ps(omb2, gi), gi, vi);
        // Masked-off lanes hold 0 / (sqrt(0) / bc2 + eps): finite unless eps is 0, and never stored.
        __m512 denom = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vi), bc2), ve);
        wi = _mm512_fnmadd_ps(step, _mm512_div_ps(mi, denom), wi);
        _mm512_mask_storeu_ps(m + i, k, mi);
        _mm512_mask_storeu_ps(v + i, k, vi);
        _mm512_mask_storeu_ps(w + i, k, wi);
    }
}
static void netrun_adam_step_scalar(float *w, const float *g, float *m, float *v, long n,
                                    float grad_scale, float weight_decay, float decay_factor,
                                    float lerp_t, float beta2, float one_minus_beta2,
                                    float step_size, float bc2_sqrt, float eps) {
    const int small_t = fabsf(lerp_t) < 0.5f;
    const float t1 = 1.0f - lerp_t;
    for (long i = 0; i < n; i++) {
        float wi = w[i] * decay_factor;
        float gi = g[i] * grad_scale + weight_decay * wi;
        float mi = m[i], diff = gi - mi;
        mi = small_t ? mi + lerp_t * diff : gi - diff * t1;
        float vi = v[i] * beta2 + one_minus_beta2 * gi * gi;
        float denom = sqrtf(vi) / bc2_sqrt + eps;
        m[i] = mi;
        v[i] = vi;
        w[i] = wi - step_size * (mi / denom);
    }
}
NR_DISPATCH3(netrun_adam_step,
            (float *w, const float *g, float *m, float *v, long n, float grad_scale,
             float weight_decay, float decay_factor, float lerp_t, float beta2,
             float one_minus_beta2, float step_size, float bc2_sqrt, float eps),
            (w, g, m, v, n, grad_scale, weight_decay, decay_factor, lerp_t, beta2,
             one_minus_beta2, step_size, bc2_sqrt, eps))
