// Private to CNetrunKernels: AVX2/FMA helpers and vector exp/log (Cephes
// polynomials, as in Julien Pommier's sse_mathfun; ~1-2 ulp on floats).
#pragma once
#include <immintrin.h>
#include <math.h>
#include "CNetrunKernels.h"

#define NR_AVX2 __attribute__((target("avx2,fma")))
#define NR_VEC static inline NR_AVX2
// AVX-512 as netrun_cpu_isa() defines it (F, CD, BW, DQ, VL); the AVX2/FMA helpers may be
// called from these functions too.
#define NR_AVX512 __attribute__((target("avx512f,avx512cd,avx512bw,avx512dq,avx512vl,avx2,fma")))
#define NR_VEC512 static inline NR_AVX512

/// Defines `name(args)` that calls name##_avx2 or name##_scalar, chosen at run time.
#define NR_DISPATCH(name, params, args)                  \
    void name params {                                   \
        if (netrun_using_avx2()) name##_avx2 args;       \
        else name##_scalar args;                         \
    }
/// The same with an AVX-512 version, name##_avx512, too.
#define NR_DISPATCH3(name, params, args)                 \
    void name params {                                   \
        int isa_ = netrun_isa();                         \
        if (isa_ >= NETRUN_ISA_AVX512) name##_avx512 args; \
        else if (isa_ >= NETRUN_ISA_AVX2) name##_avx2 args; \
        else name##_scalar args;                         \
    }

/// Mask of the first `r` (0..8) lanes, for masked loads/stores of loop tails.
NR_VEC __m256i nr_tail_mask(long r) {
    static const int32_t m[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(m + 8 - r));
}

// Runs `body(v)` over 8-lane blocks; the tail goes through masked load/store.
#define NR_MAP1(x, y, n, body)                                                  \
    long i = 0;                                                                 \
    for (; i + 8 <= n; i += 8) {                                                \
        __m256 v = _mm256_loadu_ps(x + i);                                      \
        _mm256_storeu_ps(y + i, body);                                          \
    }                                                                           \
    if (i < n) {                                                                \
        __m256i m = nr_tail_mask(n - i);                                        \
        __m256 v = _mm256_maskload_ps(x + i, m);                                \
        _mm256_maskstore_ps(y + i, m, body);                                    \
    }
#define NR_MAP2(a, b, y, n, body)                                               \
    long i = 0;                                                                 \
    for (; i + 8 <= n; i += 8) {                                                \
        __m256 u = _mm256_loadu_ps(a + i), v = _mm256_loadu_ps(b + i);          \
        _mm256_storeu_ps(y + i, body);                                          \
    }                                                                           \
    if (i < n) {                                                                \
        __m256i m = nr_tail_mask(n - i);                                        \
        __m256 u = _mm256_maskload_ps(a + i, m), v = _mm256_maskload_ps(b + i, m); \
        _mm256_maskstore_ps(y + i, m, body);                                    \
    }

// The same over 16-lane blocks (AVX-512); the tail goes through a lane mask, which costs
// nothing extra on AVX-512 (unlike vmaskmovps on AMD Zen). Same operations per element as
// the 8-lane macros, so a body written in both widths gives the same bits.
#define NR_TAIL16(r) ((__mmask16)((1u << (r)) - 1u))
#define NR_MAP1_512(x, y, n, body)                                              \
    long i = 0;                                                                 \
    for (; i + 16 <= n; i += 16) {                                              \
        __m512 v = _mm512_loadu_ps(x + i);                                      \
        _mm512_storeu_ps(y + i, body);                                          \
    }                                                                           \
    if (i < n) {                                                                \
        __mmask16 m = NR_TAIL16(n - i);                                         \
        __m512 v = _mm512_maskz_loadu_ps(m, x + i);                             \
        _mm512_mask_storeu_ps(y + i, m, body);                                  \
    }
#define NR_MAP2_512(a, b, y, n, body)                                           \
    long i = 0;                                                                 \
    for (; i + 16 <= n; i += 16) {                                              \
        __m512 u = _mm512_loadu_ps(a + i), v = _mm512_loadu_ps(b + i);          \
        _mm512_storeu_ps(y + i, body);                                          \
    }                                                                           \
    if (i < n) {                                                                \
        __mmask16 m = NR_TAIL16(n - i);                                         \
        __m512 u = _mm512_maskz_loadu_ps(m, a + i), v = _mm512_maskz_loadu_ps(m, b + i); \
        _mm512_mask_storeu_ps(y + i, m, body);                                  \
    }

/// Sum of the eight lanes.
NR_VEC float nr_hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
/// e^x for x in about [-87.3, 88.4] (clamped outside).
NR_VEC __m256 nr_exp256(__m256 x) {
    x = _mm256_min_ps(x, _mm256_set1_ps(88.3762626647949f));
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.3365447504019f));
    __m256 fx = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f));
    fx = _mm256_floor_ps(fx);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 z = _mm256_mul_ps(x, x);
    __m256 y = _mm256_set1_ps(1.9875691500E-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507E-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073E-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894E-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201E-1f));
    y = _mm256_fmadd_ps(y, z, x);
    y = _mm256_add_ps(y, _mm256_set1_ps(1.0f));
    __m256i e = _mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127));
    e = _mm256_slli_epi32(e, 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

/// Natural log for x > 0 (normal floats).
NR_VEC __m256 nr_log256(__m256 x) {
    x = _mm256_max_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(0x00800000)));
    __m256i imm = _mm256_srli_epi32(_mm256_castps_si256(x), 23);
    x = _mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(~0x7f800000)));
    x = _mm256_or_ps(x, _mm256_set1_ps(0.5f));
    imm = _mm256_sub_epi32(imm, _mm256_set1_epi32(127));
    __m256 e = _mm256_add_ps(_mm256_cvtepi32_ps(imm), _mm256_set1_ps(1.0f));
    __m256 mask = _mm256_cmp_ps(x, _mm256_set1_ps(0.707106781186547524f), _CMP_LT_OQ);
    __m256 tmp = _mm256_and_ps(x, mask);
    x = _mm256_sub_ps(x, _mm256_set1_ps(1.0f));
    e = _mm256_sub_ps(e, _mm256_and_ps(_mm256_set1_ps(1.0f), mask));
    x = _mm256_add_ps(x, tmp);
    __m256 z = _mm256_mul_ps(x, x);
    __m256 y = _mm256_set1_ps(7.0376836292E-2f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(-1.1514610310E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.1676998740E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(-1.2420140846E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.4249322787E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(-1.6668057665E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(2.0000714765E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(-2.4999993993E-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(3.3333331174E-1f));
    y = _mm256_mul_ps(_mm256_mul_ps(y, x), z);
    y = _mm256_fmadd_ps(e, _mm256_set1_ps(-2.12194440e-4f), y);
    y = _mm256_fnmadd_ps(z, _mm256_set1_ps(0.5f), y);
    x = _mm256_add_ps(x, y);
    return _mm256_fmadd_ps(e, _mm256_set1_ps(0.693359375f), x);
}

/// x^p for x > 0: exp(p log x), with a sqrt-only path when p = -0.75 (LRN's usual beta).
NR_VEC __m256 nr_pow256(__m256 x, float p) {
    if (p == -0.75f) {
        __m256 r = _mm256_sqrt_ps(x);
        return _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_mul_ps(r, _mm256_sqrt_ps(r)));
    }
    return nr_exp256(_mm256_mul_ps(_mm256_set1_ps(p), nr_log256(x)));
}

static inline float nr_powf(float x, float p) {
    if (p == -0.75f) { float r = sqrtf(x); return 1.0f / (r * sqrtf(r)); }
    return powf(x, p);
}
