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

static NR_AVX2 void netrun_adam_step_avx2(float *w, const float *g, float *m, float *v, long n,
                                          float grad_scale, float weight_decay, float decay_factor,
                                          float lerp_t, float beta2, float one_minus_beta2,
                                          float step_size, float bc2_sqrt, float eps) {
    const __m256 vs = _mm256_set1_ps(grad_scale), vwd = _mm256_set1_ps(weight_decay);
    const __m256 vdf = _mm256_set1_ps(decay_factor), vt = _mm256_set1_ps(lerp_t);
    const __m256 vt1 = _mm256_set1_ps(1.0f - lerp_t), vb2 = _mm256_set1_ps(beta2);
    const __m256 vomb2 = _mm256_set1_ps(one_minus_beta2), vstep = _mm256_set1_ps(step_size);
    const __m256 vbc2 = _mm256_set1_ps(bc2_sqrt), veps = _mm256_set1_ps(eps);
    const int small_t = fabsf(lerp_t) < 0.5f;
    for (long i = 0; i < n; i += 8) {
        __m256i msk = nr_tail_mask(n - i < 8 ? n - i : 8);
        __m256 wi = _mm256_maskload_ps(w + i, msk);
        __m256 gi = _mm256_mul_ps(_mm256_maskload_ps(g + i, msk), vs);
        wi = _mm256_mul_ps(wi, vdf);
        gi = _mm256_fmadd_ps(vwd, wi, gi);
        __m256 mi = _mm256_maskload_ps(m + i, msk);
        __m256 diff = _mm256_sub_ps(gi, mi);
        mi = small_t ? _mm256_fmadd_ps(vt, diff, mi) : _mm256_fnmadd_ps(diff, vt1, gi);
        __m256 vi = _mm256_mul_ps(_mm256_maskload_ps(v + i, msk), vb2);
        vi = _mm256_fmadd_ps(_mm256_mul_ps(vomb2, gi), gi, vi);
        __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), vbc2), veps);
        wi = _mm256_fnmadd_ps(vstep, _mm256_div_ps(mi, denom), wi);
        _mm256_maskstore_ps(m + i, msk, mi);
        _mm256_maskstore_ps(v + i, msk, vi);
        _mm256_maskstore_ps(w + i, msk, wi);
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
NR_DISPATCH(netrun_adam_step,
            (float *w, const float *g, float *m, float *v, long n, float grad_scale,
             float weight_decay, float decay_factor, float lerp_t, float beta2,
             float one_minus_beta2, float step_size, float bc2_sqrt, float eps),
            (w, g, m, v, n, grad_scale, weight_decay, decay_factor, lerp_t, beta2,
             one_minus_beta2, step_size, bc2_sqrt, eps))
