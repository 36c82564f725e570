// LRN across channels, image by image ([c, hw] planes). The window of channel i
// is [i - lo, i + hi] with lo = size/2, hi = size-1-lo (centred for odd size, as
// PyTorch for even), zero outside [0, c). Sums slide over the channels: add the
// square entering, subtract the one leaving. The AVX2 version runs the slide for
// 8 spatial positions at once; the scalar one position at a time. Masked loads and
// stores only in the last block of a plane, when hw is not a multiple of 8 (vmaskmovps
// is slow on AMD Zen: masking every block cost LRN about half its time).
#include "simd_math.h"

#define NR_LD(p) (full ? _mm256_loadu_ps(p) : _mm256_maskload_ps((p), m))
#define NR_ST(p, v) do { if (full) _mm256_storeu_ps((p), (v)); else _mm256_maskstore_ps((p), m, (v)); } while (0)

static inline __attribute__((always_inline)) NR_AVX2 void
nr_lrn_fwd_block(const float *x, float *y, float *s, long c, long hw, long lo, long hi, __m256 va,
                 float nbeta, __m256 vk, __m256i m, const int full) {
    __m256 acc = _mm256_setzero_ps();
    for (long j = 0; j <= hi && j < c; j++) {
        __m256 v = NR_LD(x + j * hw);
        acc = _mm256_fmadd_ps(v, v, acc);
    }
    for (long i = 0; i < c; i++) {
        __m256 si = _mm256_fmadd_ps(va, acc, vk);
        __m256 xi = NR_LD(x + i * hw);
        NR_ST(s + i * hw, si);
        NR_ST(y + i * hw, _mm256_mul_ps(xi, nr_pow256(si, nbeta)));
        if (i + hi + 1 < c) {
            __m256 v = NR_LD(x + (i + hi + 1) * hw);
            acc = _mm256_fmadd_ps(v, v, acc);
        }
        if (i - lo >= 0) {
            __m256 v = NR_LD(x + (i - lo) * hw);
            acc = _mm256_fnmadd_ps(v, v, acc);
        }
    }
}
static NR_AVX2 void netrun_lrn_forward_avx2(const float *x, float *y, float *s, long images,
                                            long c, long hw, long size, float alpha, float beta,
                                            float k) {
    long lo = size / 2, hi = size - 1 - lo;
    __m256 va = _mm256_set1_ps(alpha), vk = _mm256_set1_ps(k);
    for (long n = 0; n < images; n++) {
        long base = n * c * hw;
        long b = 0;
        for (; b + 8 <= hw; b += 8)
            nr_lrn_fwd_block(x + base + b, y + base + b, s + base + b, c, hw, lo, hi, va, -beta, vk,
                             _mm256_setzero_si256(), 1);
        if (b < hw)
            nr_lrn_fwd_block(x + base + b, y + base + b, s + base + b, c, hw, lo, hi, va, -beta, vk,
                             nr_tail_mask(hw - b), 0);
    }
}
static void netrun_lrn_forward_scalar(const float *x, float *y, float *s, long images, long c,
                                      long hw, long size, float alpha, float beta, float k) {
    long lo = size / 2, hi = size - 1 - lo;
    for (long n = 0; n < images; n++)
        for (long b = 0; b < hw; b++) {
            const float *xp = x + n * c * hw + b;
            float *yp = y + n * c * hw + b, *sp = s + n * c * hw + b;
            float acc = 0.0f;
            for (long j = 0; j <= hi && j < c; j++) acc += xp[j * hw] * xp[j * hw];
            for (long i = 0; i < c; i++) {
                float si = k + alpha * acc;
                sp[i * hw] = si;
                yp[i * hw] = xp[i * hw] * nr_powf(si, -beta);
                if (i + hi + 1 < c) acc += xp[(i + hi + 1) * hw] * xp[(i + hi + 1) * hw];
                if (i - lo >= 0) acc -= xp[(i - lo) * hw] * xp[(i - lo) * hw];
            }
        }
}
NR_DISPATCH(netrun_lrn_forward,
            (const float *x, float *y, float *s, long images, long c, long hw, long size,
             float alpha, float beta, float k),
            (x, y, s, images, c, hw, size, alpha, beta, k))

// r_i = dy_i * y_i / s_i; dx_j = dy_j * s_j^-beta - 2*alpha*beta * x_j * sum_{i in [j-hi, j+lo]} r_i.
// In a masked tail block the masked-off lanes of s read as 1 (no division by zero).
static inline __attribute__((always_inline)) NR_AVX2 __m256
nr_lrn_ratio(const float *y, const float *s, const float *dy, long off, __m256i m, const int full) {
    __m256 sv = NR_LD(s + off);
    if (!full) sv = _mm256_blendv_ps(_mm256_set1_ps(1.0f), sv, _mm256_castsi256_ps(m));
    return _mm256_div_ps(_mm256_mul_ps(NR_LD(dy + off), NR_LD(y + off)), sv);
}
static inline __attribute__((always_inline)) NR_AVX2 void
nr_lrn_bwd_block(const float *x, const float *y, const float *s, const float *dy, float *dx,
                 long o, long c, long hw, long lo, long hi, float beta, __m256 coef, __m256i m,
                 const int full) {
    __m256 acc = _mm256_setzero_ps();
    for (long i = 0; i <= lo && i < c; i++)
        acc = _mm256_add_ps(acc, nr_lrn_ratio(y, s, dy, o + i * hw, m, full));
    for (long j = 0; j < c; j++) {
        long oj = o + j * hw;
        __m256 sv = NR_LD(s + oj);
        if (!full) sv = _mm256_blendv_ps(_mm256_set1_ps(1.0f), sv, _mm256_castsi256_ps(m));
        __m256 t = _mm256_mul_ps(NR_LD(dy + oj), nr_pow256(sv, -beta));
        __m256 xj = NR_LD(x + oj);
        NR_ST(dx + oj, _mm256_fnmadd_ps(_mm256_mul_ps(coef, xj), acc, t));
        if (j + lo + 1 < c) acc = _mm256_add_ps(acc, nr_lrn_ratio(y, s, dy, o + (j + lo + 1) * hw, m, full));
        if (j - hi >= 0) acc = _mm256_sub_ps(acc, nr_lrn_ratio(y, s, dy, o + (j - hi) * hw, m, full));
    }
}
static NR_AVX2 void netrun_lrn_backward_avx2(const float *x, const float *y, const float *s,
                                             const float *dy, float *dx, long images, long c,
                                             long hw, long size, float alpha, float beta) {
    long lo = size / 2, hi = size - 1 - lo;
    __m256 coef = _mm256_set1_ps(2.0f * alpha * beta);
    for (long n = 0; n < images; n++) {
        long base = n * c * hw, b = 0;
        for (; b + 8 <= hw; b += 8)
            nr_lrn_bwd_block(x, y, s, dy, dx, base + b, c, hw, lo, hi, beta, coef, _mm256_setzero_si256(), 1);
        if (b < hw)
            nr_lrn_bwd_block(x, y, s, dy, dx, base + b, c, hw, lo, hi, beta, coef, nr_tail_mask(hw - b), 0);
    }
}
static void netrun_lrn_backward_scalar(const float *x, const float *y, const float *s,
                                       const float *dy, float *dx, long images, long c, long hw,
                                       long size, float alpha, float beta) {
    long lo = size / 2, hi = size - 1 - lo;
    float coef = 2.0f * alpha * beta;
    for (long n = 0; n < images; n++)
        for (long b = 0; b < hw; b++) {
            long o = n * c * hw + b;
#define R(i) (dy[o + (i) * hw] * y[o + (i) * hw] / s[o + (i) * hw])
            float acc = 0.0f;
            for (long i = 0; i <= lo && i < c; i++) acc += R(i);
            for (long j = 0; j < c; j++) {
                long oj = o + j * hw;
                dx[oj] = dy[oj] * nr_powf(s[oj], -beta) - coef * x[oj] * acc;
                if (j + lo + 1 < c) acc += R(j + lo + 1);
                if (j - hi >= 0) acc -= R(j - hi);
            }
#undef R
        }
}
NR_DISPATCH(netrun_lrn_backward,
            (const float *x, const float *y, const float *s, const float *dy, float *dx,
             long images, long c, long hw, long size, float alpha, float beta),
            (x, y, s, dy, dx, images, c, hw, size, alpha, beta))
