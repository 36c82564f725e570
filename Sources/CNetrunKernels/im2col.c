// im2col / col2im for one image (Caffe's layout): row (c*kh + i)*kw + j of col
// holds input pixel (c, oy*sh - ph + i*dh, ox*sw - pw + j*dw) at column oy*ow + ox.
// Plain C: each output row is split into its left padding, the valid run (memcpy when the
// stride is 1) and right padding. AVX2, stride 1: rows of 8 columns with masked loads (lanes
// outside the valid run read nothing and give 0), no library call per row: small images'
// rows are a few dozen bytes, where the calls cost more than the copies.
#include "simd_math.h"
#include <string.h>

// Columns ox in [*lo, *hi) read inside the row: 0 <= ox*s + off < w.
static inline void nr_valid_range(long off, long s, long w, long ow, long *lo, long *hi) {
    long a = off >= 0 ? 0 : (-off + s - 1) / s;
    long b = off >= w ? 0 : (w - 1 - off) / s + 1;
    if (a > ow) a = ow;
    if (b > ow) b = ow;
    if (b < a) b = a;
    *lo = a; *hi = b;
}

static void netrun_im2col_scalar(const float *im, long c, long h, long w, long kh, long kw,
                                 long sh, long sw, long ph, long pw, long dh, long dw,
                                 long oh, long ow, float *col) {
    float *dst = col;
    for (long ch = 0; ch < c; ch++) {
        const float *plane = im + ch * h * w;
        for (long i = 0; i < kh; i++) {
            for (long j = 0; j < kw; j++) {
                long off = -pw + j * dw, lo, hi;
                nr_valid_range(off, sw, w, ow, &lo, &hi);
                for (long oy = 0; oy < oh; oy++, dst += ow) {
                    long iy = oy * sh - ph + i * dh;
                    if (iy < 0 || iy >= h) { memset(dst, 0, (size_t)ow * sizeof(float)); continue; }
                    const float *src = plane + iy * w;
                    if (lo > 0) memset(dst, 0, (size_t)lo * sizeof(float));
                    if (sw == 1) {
                        if (hi > lo) memcpy(dst + lo, src + lo + off, (size_t)(hi - lo) * sizeof(float));
                    } else {
                        for (long ox = lo; ox < hi; ox++) dst[ox] = src[ox * sw + off];
                    }
                    if (hi < ow) memset(dst + hi, 0, (size_t)(ow - hi) * sizeof(float));
                }
            }
        }
    }
}

static void netrun_col2im_scalar(const float *col, long c, long h, long w, long kh, long kw,
                                 long sh, long sw, long ph, long pw, long dh, long dw,
                                 long oh, long ow, float *im) {
    const float *src = col;
    // Spans of 8 inside the image are read, added to in the run's lanes and written back
    // whole (the other lanes unchanged); masked stores, slow on AMD's Zen, only at its ends.
    const long size = c * h * w;
    for (long ch = 0; ch < c; ch++) {
        float *plane = im + ch * h * w;
        for (long i = 0; i < kh; i++) {
            for (long j = 0; j < kw; j++) {
                long off = -pw + j * dw, lo, hi;
                nr_valid_range(off, sw, w, ow, &lo, &hi);
                for (long oy = 0; oy < oh; oy++, src += ow) {
                    long iy = oy * sh - ph + i * dh;
                    if (iy < 0 || iy >= h) continue;
                    float *row = plane + iy * w;
                    if (sw == 1) {
                        float *dst = row + lo + off;
                        const float *s = src + lo;
                        for (long k = 0; k < hi - lo; k++) dst[k] += s[k];
                    } else {
                        for (long ox = lo; ox < hi; ox++) row[ox * sw + off] += src[ox];
                    }
                }
            }
        }
    }
}

// Lanes ox0 + l with lo <= ox0 + l < hi.
NR_VEC __m256i nr_run_lanes(long ox0, long lo, long hi) {
    __m256i x = _mm256_add_epi32(_mm256_set1_epi32((int)ox0), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    return _mm256_and_si256(_mm256_cmpgt_epi32(x, _mm256_set1_epi32((int)lo - 1)),
                            _mm256_cmpgt_epi32(_mm256_set1_epi32((int)hi), x));
}

static NR_AVX2 void netrun_im2col_avx2(const float *im, long c, long h, long w, long kh, long kw,
                                       long sh, long sw, long ph, long pw, long dh, long dw,
                                       long oh, long ow, float *col) {
    if (sw != 1) { netrun_im2col_scalar(im, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, col); return; }
    __m256i tail = nr_tail_mask(ow % 8);
    float *dst = col;
    // A short row's store runs on into the next row (written next) unless it would pass the end.
    const float *end = col + c * kh * kw * oh * ow;
    for (long ch = 0; ch < c; ch++) {
        const float *plane = im + ch * h * w;
        for (long i = 0; i < kh; i++)
            for (long j = 0; j < kw; j++) {
                long off = -pw + j * dw, lo, hi;
                nr_valid_range(off, 1, w, ow, &lo, &hi);
                for (long oy = 0; oy < oh; oy++, dst += ow) {
                    long iy = oy * sh - ph + i * dh;
                    int inside = iy >= 0 && iy < h;
                    const float *src = plane + (inside ? iy : 0) * w + off;
                    for (long ox0 = 0; ox0 < ow; ox0 += 8) {
                        __m256 v = inside ? _mm256_maskload_ps(src + ox0, nr_run_lanes(ox0, lo, hi)) : _mm256_setzero_ps();
                        if (ox0 + 8 <= ow || dst + ox0 + 8 <= end) _mm256_storeu_ps(dst + ox0, v);
                        else _mm256_maskstore_ps(dst + ox0, tail, v);
                    }
                }
            }
    }
}
NR_DISPATCH(netrun_im2col,
            (const float *im, long c, long h, long w, long kh, long kw, long sh, long sw, long ph, long pw,
             long dh, long dw, long oh, long ow, float *col),
            (im, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, col))

// The same additions in the same order as the scalar loop, 8 columns at a time.
static NR_AVX2 void netrun_col2im_avx2(const float *col, long c, long h, long w, long kh, long kw,
                                       long sh, long sw, long ph, long pw, long dh, long dw,
                                       long oh, long ow, float *im) {
    if (sw != 1) { netrun_col2im_scalar(col, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, im); return; }
    const float *src = col;
    // Spans of 8 inside the image are read, added to in the run's lanes and written back
    // whole (the other lanes unchanged); masked stores, slow on AMD's Zen, only at its ends.
    const long size = c * h * w;
    for (long ch = 0; ch < c; ch++) {
        float *plane = im + ch * h * w;
        for (long i = 0; i < kh; i++)
            for (long j = 0; j < kw; j++) {
                long off = -pw + j * dw, lo, hi;
                nr_valid_range(off, 1, w, ow, &lo, &hi);
                for (long oy = 0; oy < oh; oy++, src += ow) {
                    long iy = oy * sh - ph + i * dh;
                    if (iy < 0 || iy >= h || hi <= lo) continue;
                    float *row = plane + iy * w + off;
                    for (long ox0 = lo & ~7L; ox0 < hi; ox0 += 8) {
                        __m256i m = nr_run_lanes(ox0, lo, hi);
                        long at = ch * h * w + iy * w + off + ox0;   // row + ox0, from im
                        if (at >= 0 && at + 8 <= size) {
                            __m256 r = _mm256_loadu_ps(row + ox0);
                            __m256 d = _mm256_add_ps(r, _mm256_maskload_ps(src + ox0, m));
                            _mm256_storeu_ps(row + ox0, _mm256_blendv_ps(r, d, _mm256_castsi256_ps(m)));
                        } else {
                            __m256 d = _mm256_add_ps(_mm256_maskload_ps(row + ox0, m), _mm256_maskload_ps(src + ox0, m));
                            _mm256_maskstore_ps(row + ox0, m, d);
                        }
                    }
                }
            }
    }
}
NR_DISPATCH(netrun_col2im,
            (const float *col, long c, long h, long w, long kh, long kw, long sh, long sw, long ph, long pw,
             long dh, long dw, long oh, long ow, float *im),
            (col, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, im))
