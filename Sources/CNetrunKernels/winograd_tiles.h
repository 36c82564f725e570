// Private to CNetrunKernels: what the Winograd transforms F(2x2, 3x3) (winograd_f2x2_3x3.c) and
// F(2x2, 5x5) (winograd_f2x2_5x5.c) share. Both have 2x2 output tiles, so tile tx starts at input
// column 2*tx in both: the band's padded plane, its rows split into even and odd half-rows
// so that 8 tiles' inputs are plain loads, the interleaved stores of output pairs, and the way a
// band's plane of input gradients goes back into dx's rows. Each helper the bodies call comes as
// name_avx2 and name_scalar (FN(name), winograd_lanes.h), the scalar one storing what the AVX2 one
// stores for the call (the AVX2 one may also write positions the call writes again later).
#pragma once
#include "winograd_lanes.h"

// The split plane: each padded row (input row 2*ty0 + r - ph is padded row r, columns shifted
// by pw, zero outside the image) is split into even and odd columns, half-rows of HE floats, so
// input column 2*tx + q of tiles tx .. tx+7 is one plain load at half q & 1, offset tx + (q >> 1).

// The even and odd elements of row[0 ..< 16], zero past n (masked loads read nothing there):
// an input row's halves, or the z00, z01 (z10, z11) of 8 output-gradient tiles.
NR_VEC void nr_wino_split_pairs_avx2(const float *row, long n, __m256 *even, __m256 *odd) {
    __m256 a = n >= 8 ? _mm256_loadu_ps(row) : _mm256_maskload_ps(row, nr_wino_lanes(n));
    __m256 b = n >= 16 ? _mm256_loadu_ps(row + 8) : _mm256_maskload_ps(row + 8, nr_wino_lanes(n - 8));
    *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
    *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
}
static inline void nr_wino_split_pairs_scalar(const float *row, long n, nr_f8 *even, nr_f8 *odd) {
    if (n >= 16)
        for (long l = 0; l < 8; l++) {
            even->l[l] = row[2 * l];
            odd->l[l] = row[2 * l + 1];
        }
    else
        for (long l = 0; l < 8; l++) {
            even->l[l] = 2 * l < n ? row[2 * l] : 0.0f;
            odd->l[l] = 2 * l + 1 < n ? row[2 * l + 1] : 0.0f;
        }
}

// One input row into its padded plane row: padded column pw + j goes to half (pw + j) & 1 at
// (pw + j) >> 1. 16 floats at a time, split into even and odd elements; masked loads past the
// row's end give zeros, so the lanes written past the data (into the slack, or the next row's
// start, written later) are zeros, as the padding is.
NR_VEC void nr_wino_split_row(const float *x, long w, long pw, float *even, float *odd) {
    for (long j0 = 0; j0 < w; j0 += 16) {
        __m256 ev, od;
        nr_wino_split_pairs_avx2(x + j0, w - j0, &ev, &od);
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
NR_VEC void nr_wino_split_band_avx2(const float *xp, long h, long w, long ph, long pw, long ty0, long PH, long HE,
                               float *plane) {
    for (long r = 0; r < PH; r++) {
        long i = 2 * ty0 + r - ph;
        if (i >= 0 && i < h) nr_wino_split_row(xp + i * w, w, pw, plane + r * 2 * HE, plane + r * 2 * HE + HE);
    }
}
static inline void nr_wino_split_band_scalar(const float *xp, long h, long w, long ph, long pw, long ty0, long PH,
                                             long HE, float *plane) {
    for (long r = 0; r < PH; r++) {
        long i = 2 * ty0 + r - ph;
        if (i >= 0 && i < h)
            for (long j = 0; j < w; j++) plane[r * 2 * HE + ((pw + j) & 1) * HE + ((pw + j) >> 1)] = xp[i * w + j];
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
NR_VEC void nr_wino_output_row_avx2(float *yo, long oh, long ow, long ty0, long rows, long tw, long ty, long t0, long i,
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
static inline void nr_wino_output_row_scalar(float *yo, long oh, long ow, long ty0, long rows, long tw, long ty,
                                             long t0, long i, nr_f8 bo, nr_f8 even, nr_f8 odd, int relu) {
    (void)ty0, (void)rows, (void)tw;
    long yy = 2 * ty + i;
    if (yy >= oh) return;
    even = nr_f8_add(bo, even);
    odd = nr_f8_add(bo, odd);
    if (relu) {
        even = nr_f8_relu(even);
        odd = nr_f8_relu(odd);
    }
    float *d = yo + yy * ow + 2 * t0;
    for (long l = 0; l < 16 && l < ow - 2 * t0; l++) d[l] = l & 1 ? odd.l[l >> 1] : even.l[l >> 1];
}

// A band's split plane of input gradients (PH padded rows) into dx's rows of one channel: written,
// or added to with `accumulate`, or for the band's first `shared` rows when ty0 > 0 (the rows the
// band before wrote: tiles of consecutive bands overlap there). `image_end`: floats from `out` to
// the end of the image, which a row's 16-float read-modify-write may reach into (unchanged there).
NR_VEC void nr_wino_split_plane_to_dx_avx2(const float *plane, long PH, long HE, long ty0, long shared, long h, long w,
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

static inline void nr_wino_split_plane_to_dx_scalar(const float *plane, long PH, long HE, long ty0, long shared, long h,
                                                    long w, long ph, long pw, float *out, long image_end,
                                                    int accumulate) {
    (void)image_end;
    for (long r = 0; r < PH; r++) {
        long i = 2 * ty0 + r - ph;
        if (i < 0 || i >= h) continue;
        int add = accumulate || (ty0 > 0 && r < shared);
        for (long j = 0; j < w; j++) {
            float g = plane[r * 2 * HE + ((pw + j) & 1) * HE + ((pw + j) >> 1)];
            out[i * w + j] = add ? out[i * w + j] + g : g;
        }
    }
}
