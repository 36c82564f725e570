// Winograd F(4x4, 3x3) for 3x3 stride-1 convolutions on small images. A 6x6 input tile gives a
// 4x4 output tile: 36 products per tile and channel pair, 2.25 per output against F(2x2, 3x3)'s
// 4. Its points are F(2x2, 5x5)'s (winograd_6point.h: B^T), with
//   G   = [1/4 0 0; -1/6 (1 1 1); -1/6 (1 -1 1); 1/24 (1 2 4); 1/24 (1 -2 4); 0 0 1]
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
// Tiles 4 outputs apart would make loads over a row's tiles strided, and small images have few
// tiles a row (4 on 14x14, 2 on 7x7), so the 8 AVX2 lanes are 8 images instead: a channel's
// planes of 8 images are interleaved (8x8 transposes, interleave8.h) into a zero-padded
// [rows][columns][8] scratch, every tile reads 36 plain vectors wherever it lies, and one tile's
// transformed values for the 8 images are 8 consecutive columns: image b (of the call's) and
// tile k = ty * tw + tx are column ((b / 8) * T + k) * 8 + b % 8, T = th * tw. Lanes past the
// last image read zeros, so their columns of V and M are zero and add nothing to the products.
// The transforms are written once (winograd_f4x4_3x3_body.h) and expanded for AVX2 and for a scalar
// loop over the lanes: the same operations in the same order, so the two agree bitwise. AVX-512
// runs the AVX2 version.
#include "interleave8.h"
#include "winograd_6point.h"

// A^T m: six to four (o's may not alias m).
#define W4_AT(m, o0, o1, o2, o3) do {                                                                   \
        __typeof__((m)[0]) s12_ = ADD((m)[1], (m)[2]), d12_ = SUB((m)[1], (m)[2]);                      \
        __typeof__((m)[0]) s34_ = ADD((m)[3], (m)[4]), d34_ = SUB((m)[3], (m)[4]);                      \
        (o0) = ADD(ADD((m)[0], s12_), s34_); (o1) = ADD(d12_, X2(d34_));                                \
        (o2) = ADD(s12_, X4(s34_)); (o3) = ADD(ADD(d12_, X8(d34_)), (m)[5]);                            \
    } while (0)
// A z, its adjoint: four to six.
#define W4_A(z, o) do {                                                                                 \
        __typeof__((z)[0]) s02_ = ADD((z)[0], (z)[2]), s13_ = ADD((z)[1], (z)[3]);                      \
        __typeof__((z)[0]) a_ = ADD((z)[0], X4((z)[2])), b_ = ADD(X2((z)[1]), X8((z)[3]));              \
        (o)[0] = (z)[0]; (o)[1] = ADD(s02_, s13_); (o)[2] = SUB(s02_, s13_);                            \
        (o)[3] = ADD(a_, b_); (o)[4] = SUB(a_, b_); (o)[5] = (z)[3];                                    \
    } while (0)

// The padded plane of 8-float vectors, a row of zeros (for lanes past the last image) of the
// row's length plus 8, and 64 floats of slack: a row's last transposed chunk reads 8 positions.
long netrun_wino4_scratch(long th, long tw, long w, long ow) {
    long input = (4 * th + 2) * (4 * tw + 2) * 8 + w + 8, output = 4 * th * 4 * tw * 8 + ow + 8;
    return (input > output ? input : output) + 64;
}

// One row of 8 planes (src[k], n floats) into n vectors at dst, by 8x8 transposes. The last chunk
// of fewer than 8 positions is transposed too when `room` (floats readable from every src[k]) has
// 8 past it, and only its real positions are stored; else it goes one by one.
NR_VEC void nr_w4_interleave_row_avx2(const float *const *src, long n, long room, float *dst) {
    long q = 0;
    for (; q + 8 <= n || (q < n && q + 8 <= room); q += 8) {
        __m256 r[8];
        for (long k = 0; k < 8; k++) r[k] = _mm256_loadu_ps(src[k] + q);
        nr_transpose8(r);
        long m = n - q < 8 ? n - q : 8;
        for (long k = 0; k < m; k++) _mm256_storeu_ps(dst + (q + k) * 8, r[k]);
    }
    for (; q < n; q++)
        for (long k = 0; k < 8; k++) dst[q * 8 + k] = src[k][q];
}

// n vectors at src back into the rows dst[k] of the first np planes (written, or added to with
// `add`). With all 8 planes the last short chunk is transposed too when `room` (floats from every
// dst[k] inside the call's own region) has 8 past it: read, changed in the row's lanes, written
// back (masked stores are slow on AMD's Zen; on 14- and 7-wide rows every row ends in a tail).
NR_VEC void nr_w4_deinterleave_row_avx2(const float *src, long n, float *const *dst, long np, long room, int add) {
    long q = 0;
    if (np == 8)
        for (; q + 8 <= n || (q < n && q + 8 <= room); q += 8) {
            __m256 r[8];
            for (long k = 0; k < 8; k++) r[k] = _mm256_loadu_ps(src + (q + k) * 8);
            nr_transpose8(r);
            __m256 keep = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n - q)),
                                                                 _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
            for (long k = 0; k < 8; k++) {
                __m256 old = _mm256_loadu_ps(dst[k] + q);
                __m256 v = add ? _mm256_add_ps(old, r[k]) : r[k];
                _mm256_storeu_ps(dst[k] + q, _mm256_blendv_ps(old, v, keep));
            }
        }
    for (; q < n; q++)
        for (long k = 0; k < np; k++) dst[k][q] = add ? dst[k][q] + src[q * 8 + k] : src[q * 8 + k];
}

// The same for the scalar lanes (`room` unused: they go one by one).
static void nr_w4_interleave_row_scalar(const float *const *src, long n, long room, float *dst) {
    (void)room;
    for (long q = 0; q < n; q++)
        for (long k = 0; k < 8; k++) dst[q * 8 + k] = src[k][q];
}
static void nr_w4_deinterleave_row_scalar(const float *src, long n, float *const *dst, long np, long room, int add) {
    (void)room;
    for (long q = 0; q < n; q++)
        for (long k = 0; k < np; k++) dst[k][q] = add ? dst[k][q] + src[q * 8 + k] : src[q * 8 + k];
}

#define NR_W_AVX2
#include "winograd_f4x4_3x3_body.h"
#undef NR_W_AVX2
#include "winograd_f4x4_3x3_body.h"

NR_DISPATCH(netrun_wino4_input,
            (const float *x, long images, long c, long h, long w, long ph, long pw, long th, long tw, float *v,
             long stride, long cols, float *scratch),
            (x, images, c, h, w, ph, pw, th, tw, v, stride, cols, scratch))
NR_DISPATCH(netrun_wino4_output,
            (const float *m, long stride, long cols, long images, long oc, long oh, long ow, long th, long tw,
             const float *bias, float *y, long ystride, int relu, float *scratch),
            (m, stride, cols, images, oc, oh, ow, th, tw, bias, y, ystride, relu, scratch))
NR_DISPATCH(netrun_wino4_output_backward,
            (const float *dy, long images, long oc, long oh, long ow, long th, long tw, float *m, long stride,
             long cols, float *scratch),
            (dy, images, oc, oh, ow, th, tw, m, stride, cols, scratch))
NR_DISPATCH(netrun_wino4_input_backward,
            (const float *dv, long images, long c, long h, long w, long ph, long pw, long th, long tw, long stride,
             long cols, float *scratch, float *dx, int accumulate),
            (dv, images, c, h, w, ph, pw, th, tw, stride, cols, scratch, dx, accumulate))

// G, in double (the filter transforms run once per step).
static const double nr_w4_g[6][3] = {
    {1.0 / 4, 0, 0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 2.0 / 24, 4.0 / 24},
    {1.0 / 24, -2.0 / 24, 4.0 / 24},
    {0, 0, 1},
};

void netrun_wino4_filter(const float *w, long oc, long cg, float *u, long stride) {
    nr_w6_filter(w, oc, cg, u, stride, &nr_w4_g[0][0], 3);
}

void netrun_wino4_filter_backward(const float *du, long stride, long oc, long cg, float *dw, int accumulate) {
    nr_w6_filter_backward(du, stride, oc, cg, dw, accumulate, &nr_w4_g[0][0], 3);
}
