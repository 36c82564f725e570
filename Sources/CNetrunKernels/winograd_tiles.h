// Private to CNetrunKernels: what the Winograd transforms F(2x2, 3x3) (winograd_f2x2_3x3.c) and
// F(2x2, 5x5) (winograd_f2x2_5x5.c) share. Both have 2x2 output tiles, so tile tx starts at input
// column 2*tx in both: the band's padded plane, its rows split into even and odd half-rows
// for the AVX2 loads, the interleaved stores of output pairs, and the way a band's plane of
// input gradients goes back into dx's rows.
#pragma once
#include "simd_math.h"
#include <string.h>

// The band's padded plane, PH rows of PW: padded rows 2*ty0 .. 2*ty0 + PH - 1 (input row i is
// padded row i + ph), columns shifted by pw, zero outside the image.
static inline void nr_wino_pad(const float *x, long h, long w, long ph, long pw, long ty0, long PH, long PW,
                               float *plane) {
    memset(plane, 0, (size_t)(PH * PW) * sizeof(float));
    long j1 = w + pw > PW ? PW - pw : w;
    for (long r = 0; r < PH; r++) {
        long i = 2 * ty0 + r - ph;
        if (i < 0 || i >= h || j1 <= 0) continue;
        memcpy(plane + r * PW + pw, x + i * w, (size_t)j1 * sizeof(float));
    }
}

// AVX2's plane: each padded row is split into even and odd columns (half-rows of HE floats,
// zero where padding), so input column 2*tx + q of tiles tx .. tx+7 is one plain load at
// half q & 1, offset tx + (q >> 1).
NR_VEC __m256i nr_wino_lanes(long n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// The even and odd elements of row[0 ..< 16], zero past n (masked loads read nothing there):
// an input row's halves, or the z00, z01 (z10, z11) of 8 output-gradient tiles.
NR_VEC void nr_wino_split_pairs(const float *row, long n, __m256 *even, __m256 *odd) {
    __m256 a = n >= 8 ? _mm256_loadu_ps(row) : _mm256_maskload_ps(row, nr_wino_lanes(n));
    __m256 b = n >= 16 ? _mm256_loadu_ps(row + 8) : _mm256_maskload_ps(row + 8, nr_wino_lanes(n - 8));
    *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
    *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
}

// One input row into its padded plane row: padded column pw + j goes to half (pw + j) & 1 at
// (pw + j) >> 1. 16 floats at a time, split into even and odd elements; masked loads past the
// row's end give zeros, so the lanes written past the data (into the slack, or the next row's
// start, written later) are zeros, as the padding is.
NR_VEC void nr_wino_split_row(const float *x, long w, long pw, float *even, float *odd) {
    for (long j0 = 0; j0 < w; j0 += 16) {
        __m256 ev, od;
        nr_wino_split_pairs(x + j0, w - j0, &ev, &od);
        long m0 = j0 / 2;
        if (pw % 2 == 0) {
            _mm256_storeu_ps(even + m0 + pw / 2, ev);
            _mm256_storeu_ps(odd + m0 + pw / 2, od);
        } else {
            _mm256_storeu_ps(even + m0 + (pw + 1) / 2, od);
            _mm256_storeu_ps(odd + m0 + (pw - 1) / 2, ev);
        }
    }
}

// One channel's band into the split plane: padded rows 0 ..< PH (input row 2*ty0 + r - ph), each
// split by nr_wino_split_row; rows outside the image are left as they are (zero).
NR_VEC void nr_wino_split_band(const float *xp, long h, long w, long ph, long pw, long ty0, long PH, long HE,
                               float *plane) {
    for (long r = 0; r < PH; r++) {
        long i = 2 * ty0 + r - ph;
        if (i >= 0 && i < h) nr_wino_split_row(xp + i * w, w, pw, plane + r * 2 * HE, plane + r * 2 * HE + HE);
    }
}

// Output columns 2*tx, 2*tx + 1 of tiles tx .. tx+7: the even and odd vectors interleaved
// into 16 consecutive floats, stored up to `n` of them (n < 16 at the row's end). `room`:
// floats from dst the caller lets it overwrite (positions it writes afterwards); with 16 of
// them the store runs on unmasked (masked stores are slow on AMD's Zen).
NR_VEC void nr_wino_store_pairs(float *dst, __m256 even, __m256 odd, long n, long room) {
    __m256 lo = _mm256_unpacklo_ps(even, odd), hi = _mm256_unpackhi_ps(even, odd);
    __m256 a = _mm256_permute2f128_ps(lo, hi, 0x20), b = _mm256_permute2f128_ps(lo, hi, 0x31);
    if (n >= 16 || room >= 16) {
        _mm256_storeu_ps(dst, a);
        _mm256_storeu_ps(dst + 8, b);
    } else {
        _mm256_maskstore_ps(dst, nr_wino_lanes(n), a);
        if (n > 8) _mm256_maskstore_ps(dst + 8, nr_wino_lanes(n - 8), b);
    }
}

// Output row yy = 2*ty + i of tiles t0 .. t0+7, from its even and odd columns: the bias added,
// ReLU applied (max(0, v): NaN stays NaN, as netrun_relu_forward), stored by
// nr_wino_store_pairs. A short row's store runs on into the rows after it that this call writes
// later, except for a pair's first row when rows take two chunks (the second row's first chunk
// is already written). Rows past oh are skipped.
NR_VEC void nr_wino_output_row(float *yo, long oh, long ow, long ty0, long rows, long tw, long ty, long t0, long i,
                               __m256 bo, __m256 even, __m256 odd, int relu) {
    long yy = 2 * ty + i;
    if (yy >= oh) return;
    even = _mm256_add_ps(bo, even);
    odd = _mm256_add_ps(bo, odd);
    if (relu) {
        even = _mm256_max_ps(_mm256_setzero_ps(), even);
        odd = _mm256_max_ps(_mm256_setzero_ps(), odd);
    }
    long end = (oh < 2 * (ty0 + rows) ? oh : 2 * (ty0 + rows)) * ow;
    nr_wino_store_pairs(yo + yy * ow + 2 * t0, even, odd, ow - 2 * t0, tw <= 8 || i == 1 ? end - (yy * ow + 2 * t0) : 0);
}

// A band's plane of input gradients (PH padded rows of PW, the scalar layout) into dx's rows of
// one channel: written, or added to with `accumulate`, or for the band's first `shared` rows
// when ty0 > 0 (the rows the band before wrote: tiles of consecutive bands overlap there).
static inline void nr_wino_plane_to_dx(const float *plane, long PH, long PW, long ty0, long shared, long h, long w,
                                       long ph, long pw, float *out, int accumulate) {
    for (long r = 0; r < PH; r++) {
        long i = 2 * ty0 + r - ph;
        if (i < 0 || i >= h) continue;
        int add = accumulate || (ty0 > 0 && r < shared);
        for (long jj = 0; jj < w; jj++) {
            long cc = jj + pw;
            float g = cc < PW ? plane[r * PW + cc] : 0.0f;
            out[i * w + jj] = add ? out[i * w + jj] + g : g;
        }
    }
}

// The same from AVX2's split plane (half-rows of HE). `image_end`: floats from `out` to the end
// of the image, which a row's 16-float read-modify-write may reach into (unchanged there).
NR_VEC void nr_wino_split_plane_to_dx(const float *plane, long PH, long HE, long ty0, long shared, long h, long w,
                                      long ph, long pw, float *out, long image_end, int accumulate) {
    for (long r = 0; r < PH; r++) {
        long i = 2 * ty0 + r - ph;
        if (i < 0 || i >= h) continue;
        int add = accumulate || (ty0 > 0 && r < shared);
        const float *even = plane + r * 2 * HE, *odd = even + HE;
        for (long j0 = 0; j0 < w; j0 += 16) {
            long m0 = j0 / 2, n = w - j0;
            __m256 ev, od;   // dx's even and odd columns j0 + 2l, j0 + 2l + 1
            if (pw % 2 == 0) { ev = _mm256_loadu_ps(even + m0 + pw / 2); od = _mm256_loadu_ps(odd + m0 + pw / 2); }
            else { ev = _mm256_loadu_ps(odd + m0 + (pw - 1) / 2); od = _mm256_loadu_ps(even + m0 + (pw + 1) / 2); }
            __m256 lo = _mm256_unpacklo_ps(ev, od), hi = _mm256_unpackhi_ps(ev, od);
            __m256 g0 = _mm256_permute2f128_ps(lo, hi, 0x20), g1 = _mm256_permute2f128_ps(lo, hi, 0x31);
            float *d = out + i * w + j0;
            if (n >= 16) {
                if (add) { g0 = _mm256_add_ps(_mm256_loadu_ps(d), g0); g1 = _mm256_add_ps(_mm256_loadu_ps(d + 8), g1); }
                _mm256_storeu_ps(d, g0);
                _mm256_storeu_ps(d + 8, g1);
            } else if (i * w + j0 + 16 <= image_end) {
                // Room inside the image: read the whole 16, write them back with the row's
                // lanes changed and the others as they were (masked stores are slow on AMD's
                // Zen; 14- and 7-wide rows took one or two per row).
                __m256 k0 = _mm256_castsi256_ps(nr_wino_lanes(n)), k1 = _mm256_castsi256_ps(nr_wino_lanes(n - 8));
                __m256 d0 = _mm256_loadu_ps(d), d1 = _mm256_loadu_ps(d + 8);
                if (add) { g0 = _mm256_add_ps(d0, g0); g1 = _mm256_add_ps(d1, g1); }
                _mm256_storeu_ps(d, _mm256_blendv_ps(d0, g0, k0));
                _mm256_storeu_ps(d + 8, _mm256_blendv_ps(d1, g1, k1));
            } else {
                __m256i k0 = nr_wino_lanes(n), k1 = nr_wino_lanes(n - 8);
                if (add) {
                    g0 = _mm256_add_ps(_mm256_maskload_ps(d, k0), g0);
                    g1 = _mm256_add_ps(_mm256_maskload_ps(d + 8, k1), g1);
                }
                _mm256_maskstore_ps(d, k0, g0);
                _mm256_maskstore_ps(d + 8, k1, g1);
            }
        }
    }
}
