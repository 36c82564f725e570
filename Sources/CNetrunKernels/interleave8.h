// Private to CNetrunKernels: 8 planes interleaved into one array of 8-float vectors and back,
// so 8 independent planes (pooling's, or 8 images' for Winograd F(4x4, 3x3)) share one geometry
// and one set of plain loads. Bits are moved, never computed, so Int32s go through too.
#pragma once
#include "simd_math.h"
#include <string.h>

// 8x8 transpose of r[0..7] in place (unpack, shuffle, then 128-bit lane swaps).
NR_VEC void nr_transpose8(__m256 *r) {
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20); r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20); r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31); r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31); r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// Positions q0 ..< q1 of 8 planes (src[k] + q) into dst[(q - q0) * step + k]: 8x8 transposes,
// the last positions one by one. Bits are moved, never computed, so Int32s go through too.
// `step` is 8 for an array of 8-float vectors, 16 to fill one half of 16-float ones (AVX-512).
NR_VEC void nr_interleave8s(const float *const *src, long q0, long q1, float *dst, long step) {
    long q = q0;
    for (; q + 8 <= q1; q += 8) {
        __m256 r[8];
        for (long k = 0; k < 8; k++) r[k] = _mm256_loadu_ps(src[k] + q);
        nr_transpose8(r);
        for (long k = 0; k < 8; k++) _mm256_storeu_ps(dst + (q - q0 + k) * step, r[k]);
    }
    for (; q < q1; q++)
        for (long k = 0; k < 8; k++) dst[(q - q0) * step + k] = src[k][q];
}
NR_VEC void nr_interleave8(const float *const *src, long q0, long q1, float *dst) { nr_interleave8s(src, q0, q1, dst, 8); }

// The inverse, into the first `np` planes only (dst[k] + q, q in q0 ..< q1).
NR_VEC void nr_deinterleave8s(const float *src, long q0, long q1, float *const *dst, long np, long step) {
    long q = q0;
    if (np == 8)
        for (; q + 8 <= q1; q += 8) {
            __m256 r[8];
            for (long k = 0; k < 8; k++) r[k] = _mm256_loadu_ps(src + (q - q0 + k) * step);
            nr_transpose8(r);
            for (long k = 0; k < 8; k++) _mm256_storeu_ps(dst[k] + q, r[k]);
        }
    for (; q < q1; q++)
        for (long k = 0; k < np; k++) dst[k][q] = src[(q - q0) * step + k];
}
NR_VEC void nr_deinterleave8(const float *src, long q0, long q1, float *const *dst, long np) {
    nr_deinterleave8s(src, q0, q1, dst, np, 8);
}
