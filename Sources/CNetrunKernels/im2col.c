// im2col / col2im for one image (Caffe's layout): row (c*kh + i)*kw + j of col
// holds input pixel (c, oy*sh - ph + i*dh, ox*sw - pw + j*dw) at column oy*ow + ox.
// These are copies, not arithmetic: plain C; each output row is split into its
// left padding, the valid run (memcpy when the stride is 1) and right padding.
#include "CNetrunKernels.h"
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

void netrun_im2col(const float *im, long c, long h, long w, long kh, long kw,
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

void netrun_col2im(const float *col, long c, long h, long w, long kh, long kw,
                   long sh, long sw, long ph, long pw, long dh, long dw,
                   long oh, long ow, float *im) {
    const float *src = col;
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
