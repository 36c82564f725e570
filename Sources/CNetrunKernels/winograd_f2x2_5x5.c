// Winograd F(2x2, 5x5) transforms for 5x5, stride-1 convolutions. A 6x6 input tile d gives a
// 2x2 output tile, Y = A^T [ (G g G^T) . (B^T d B) ] A, from the interpolation points 0, 1, -1,
// 2, -2 and infinity (Lavin & Gray 2016 use the same six for F(4x4, 3x3); B^T is theirs):
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   G   = [1/4 0 0 0 0; -1/6 (1 1 1 1 1); -1/6 (1 -1 1 -1 1); 1/24 (1 2 4 8 16);
//          1/24 (1 -2 4 -8 16); 0 0 0 0 1]
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 1]
// 36 products per tile and channel pair instead of 100. The calling conventions are winograd_f2x2_3x3.c's
// (see CNetrunKernels.h) with 36 position planes, q = 6 * row + column, and a padded plane of
// (2*rows+4) * 2*(tw+12) floats: tile (ty, tx) reads padded rows 2ty .. 2ty+5, columns 2tx .. 2tx+5.
// Each 1-D transform is written once, as a macro over its operations, and expanded for floats
// and for AVX2 vectors of 8 tiles, so the two do the same operations in the same order. Every
// product in them is by 2 or 4 (5x is 4x + x), so exact: fusing one into an add changes nothing,
// and the two agree bitwise.
#include "winograd_tiles.h"
#include "winograd_6point.h"

// A^T m: six to two.
#define W5_AT(ADD, SUB, X2, m, o0, o1) do {                                                             \
        (o0) = ADD(ADD(ADD((m)[1], (m)[2]), ADD((m)[3], (m)[4])), (m)[0]);                              \
        (o1) = ADD(ADD(SUB((m)[1], (m)[2]), X2(SUB((m)[3], (m)[4]))), (m)[5]);                          \
    } while (0)
// A z, its adjoint: two to six.
#define W5_A(ADD, SUB, X2, z0, z1, o) do {                                                              \
        (o)[0] = (z0); (o)[1] = ADD(z0, z1); (o)[2] = SUB(z0, z1);                                      \
        (o)[3] = ADD(z0, X2(z1)); (o)[4] = SUB(z0, X2(z1)); (o)[5] = (z1);                              \
    } while (0)

static void netrun_wino5_input_scalar(const float *x, long images, long c, long h, long w, long ph, long pw,
                                      long ty0, long rows, long tw, float *v, long stride, long cols, long col0,
                                      float *plane) {
    long PH = 2 * rows + 4, PW = 2 * tw + 4, T = rows * tw;
    for (long b = 0; b < images; b++)
        for (long ch = 0; ch < c; ch++) {
            nr_wino_pad(x + (b * c + ch) * h * w, h, w, ph, pw, ty0, PH, PW, plane);
            float *dst = v + ch * cols + col0 + b * T;
            for (long ty = 0; ty < rows; ty++)
                for (long tx = 0; tx < tw; tx++) {
                    const float *p = plane + 2 * ty * PW + 2 * tx;
                    float t[6][6];   // B^T d, column by column
                    for (long q = 0; q < 6; q++) {
                        float d[6], o[6];
                        for (long i = 0; i < 6; i++) d[i] = p[i * PW + q];
                        W6_BT(S_ADD, S_SUB, S_X2, S_X4, d, o);
                        for (long i = 0; i < 6; i++) t[i][q] = o[i];
                    }
                    for (long i = 0; i < 6; i++) {  // then (B^T d) B, row by row
                        float o[6];
                        W6_BT(S_ADD, S_SUB, S_X2, S_X4, t[i], o);
                        for (long k = 0; k < 6; k++) dst[(6 * i + k) * stride + ty * tw + tx] = o[k];
                    }
                }
        }
}

// AVX2: 8 tiles of a tile row at a time from the split plane (winograd_tiles.h), as winograd_f2x2_3x3.c.
static NR_AVX2 void netrun_wino5_input_avx2(const float *x, long images, long c, long h, long w, long ph, long pw,
                                            long ty0, long rows, long tw, float *v, long stride, long cols, long col0,
                                            float *plane) {
    long PH = 2 * rows + 4, HE = tw + 12, T = rows * tw;
    memset(plane, 0, (size_t)(PH * 2 * HE) * sizeof(float));
    for (long b = 0; b < images; b++)
        for (long ch = 0; ch < c; ch++) {
            const float *xp = x + (b * c + ch) * h * w;
            nr_wino_split_band(xp, h, w, ph, pw, ty0, PH, HE, plane);
            float *dst = v + ch * cols + col0 + b * T;
            for (long ty = 0; ty < rows; ty++)
                for (long t0 = 0; t0 < tw; t0 += 8) {
                    const float *p0 = plane + 2 * ty * 2 * HE + t0;
                    __m256i mk = nr_wino_lanes(tw - t0);
                    float *o = dst + ty * tw + t0;
                    // Unmasked unless the store would pass the block's last tile (winograd_f2x2_3x3.c).
                    int whole = tw - t0 >= 8 || b * T + ty * tw + t0 + 8 <= images * T;
                    __m256 t[6][6];
                    for (long q = 0; q < 6; q++) {
                        long off = (q & 1) * HE + (q >> 1);
                        __m256 d[6], r[6];
                        for (long i = 0; i < 6; i++) d[i] = _mm256_loadu_ps(p0 + i * 2 * HE + off);
                        W6_BT(V_ADD, V_SUB, V_X2, V_X4, d, r);
                        for (long i = 0; i < 6; i++) t[i][q] = r[i];
                    }
                    for (long i = 0; i < 6; i++) {
                        __m256 r[6];
                        W6_BT(V_ADD, V_SUB, V_X2, V_X4, t[i], r);
                        for (long k = 0; k < 6; k++) {
                            if (whole) _mm256_storeu_ps(o + (6 * i + k) * stride, r[k]);
                            else _mm256_maskstore_ps(o + (6 * i + k) * stride, mk, r[k]);
                        }
                    }
                }
        }
}
NR_DISPATCH(netrun_wino5_input,
            (const float *x, long images, long c, long h, long w, long ph, long pw, long ty0, long rows, long tw,
             float *v, long stride, long cols, long col0, float *plane),
            (x, images, c, h, w, ph, pw, ty0, rows, tw, v, stride, cols, col0, plane))

static void netrun_wino5_output_scalar(const float *m, long stride, long cols, long col0, long images, long oc,
                                       long oh, long ow, long ty0, long rows, long tw, const float *bias, float *y,
                                       long ystride, int relu) {
    long T = rows * tw;
    for (long b = 0; b < images; b++)
        for (long o = 0; o < oc; o++) {
            const float *src = m + o * cols + col0 + b * T;
            float *yo = y + b * ystride + o * oh * ow, bo = bias ? bias[o] : 0.0f;
            for (long ty = ty0; ty < ty0 + rows; ty++)
                for (long tx = 0; tx < tw; tx++) {
                    long k = (ty - ty0) * tw + tx;
                    float t0[6], t1[6];   // A^T M, column by column
                    for (long q = 0; q < 6; q++) {
                        float mm[6];
                        for (long i = 0; i < 6; i++) mm[i] = src[(6 * i + q) * stride + k];
                        W5_AT(S_ADD, S_SUB, S_X2, mm, t0[q], t1[q]);
                    }
                    for (long i = 0; i < 2; i++) {
                        long yy = 2 * ty + i, xx = 2 * tx;
                        if (yy >= oh) break;
                        float e, d;
                        W5_AT(S_ADD, S_SUB, S_X2, i ? t1 : t0, e, d);
                        e = bo + e; d = bo + d;
                        yo[yy * ow + xx] = relu && e < 0.0f ? 0.0f : e;
                        if (xx + 1 < ow) yo[yy * ow + xx + 1] = relu && d < 0.0f ? 0.0f : d;
                    }
                }
        }
}

static NR_AVX2 void netrun_wino5_output_avx2(const float *m, long stride, long cols, long col0, long images, long oc,
                                             long oh, long ow, long ty0, long rows, long tw, const float *bias,
                                             float *y, long ystride, int relu) {
    long T = rows * tw;
    for (long b = 0; b < images; b++)
        for (long o = 0; o < oc; o++) {
            const float *src = m + o * cols + col0 + b * T;
            float *yo = y + b * ystride + o * oh * ow;
            __m256 bo = _mm256_set1_ps(bias ? bias[o] : 0.0f);
            for (long ty = ty0; ty < ty0 + rows; ty++)
                for (long t0 = 0; t0 < tw; t0 += 8) {
                    const float *s = src + (ty - ty0) * tw + t0;
                    __m256 t0q[6], t1q[6];
                    for (long q = 0; q < 6; q++) {
                        __m256 mm[6];
                        for (long i = 0; i < 6; i++) mm[i] = _mm256_loadu_ps(s + (6 * i + q) * stride);
                        W5_AT(V_ADD, V_SUB, V_X2, mm, t0q[q], t1q[q]);
                    }
                    for (long i = 0; i < 2; i++) {
                        __m256 even, odd;
                        W5_AT(V_ADD, V_SUB, V_X2, i ? t1q : t0q, even, odd);
                        nr_wino_output_row(yo, oh, ow, ty0, rows, tw, ty, t0, i, bo, even, odd, relu);
                    }
                }
        }
}
NR_DISPATCH(netrun_wino5_output,
            (const float *m, long stride, long cols, long col0, long images, long oc, long oh, long ow, long ty0,
             long rows, long tw, const float *bias, float *y, long ystride, int relu),
            (m, stride, cols, col0, images, oc, oh, ow, ty0, rows, tw, bias, y, ystride, relu))

static void netrun_wino5_output_backward_scalar(const float *dy, long images, long oc, long oh, long ow, long ty0,
                                                long rows, long tw, float *m, long stride, long cols, long col0) {
    long T = rows * tw;
    for (long b = 0; b < images; b++)
        for (long o = 0; o < oc; o++) {
            const float *g = dy + (b * oc + o) * oh * ow;
            float *dst = m + o * cols + col0 + b * T;
            for (long ty = ty0; ty < ty0 + rows; ty++)
                for (long tx = 0; tx < tw; tx++) {
                    long y0 = 2 * ty, x0 = 2 * tx, k = (ty - ty0) * tw + tx;
                    int right = x0 + 1 < ow, below = y0 + 1 < oh;
                    float z00 = g[y0 * ow + x0], z01 = right ? g[y0 * ow + x0 + 1] : 0.0f;
                    float z10 = below ? g[(y0 + 1) * ow + x0] : 0.0f;
                    float z11 = right && below ? g[(y0 + 1) * ow + x0 + 1] : 0.0f;
                    float c0[6], c1[6];   // A z down the two columns, then along each row
                    W5_A(S_ADD, S_SUB, S_X2, z00, z10, c0);
                    W5_A(S_ADD, S_SUB, S_X2, z01, z11, c1);
                    for (long i = 0; i < 6; i++) {
                        float r[6];
                        W5_A(S_ADD, S_SUB, S_X2, c0[i], c1[i], r);
                        for (long j = 0; j < 6; j++) dst[(6 * i + j) * stride + k] = r[j];
                    }
                }
        }
}

static NR_AVX2 void netrun_wino5_output_backward_avx2(const float *dy, long images, long oc, long oh, long ow,
                                                      long ty0, long rows, long tw, float *m, long stride, long cols,
                                                      long col0) {
    long T = rows * tw;
    __m256 zero = _mm256_setzero_ps();
    for (long b = 0; b < images; b++)
        for (long o = 0; o < oc; o++) {
            const float *g = dy + (b * oc + o) * oh * ow;
            float *dst = m + o * cols + col0 + b * T;
            for (long ty = ty0; ty < ty0 + rows; ty++)
                for (long t0 = 0; t0 < tw; t0 += 8) {
                    long y0 = 2 * ty, n = ow - 2 * t0;
                    __m256 z00, z01, z10 = zero, z11 = zero;
                    nr_wino_split_pairs(g + y0 * ow + 2 * t0, n, &z00, &z01);
                    if (y0 + 1 < oh) nr_wino_split_pairs(g + (y0 + 1) * ow + 2 * t0, n, &z10, &z11);
                    __m256 c0[6], c1[6];
                    W5_A(V_ADD, V_SUB, V_X2, z00, z10, c0);
                    W5_A(V_ADD, V_SUB, V_X2, z01, z11, c1);
                    float *d = dst + (ty - ty0) * tw + t0;
                    __m256i mk = nr_wino_lanes(tw - t0);
                    int whole = tw - t0 >= 8 || b * T + (ty - ty0) * tw + t0 + 8 <= images * T;
                    for (long i = 0; i < 6; i++) {
                        __m256 r[6];
                        W5_A(V_ADD, V_SUB, V_X2, c0[i], c1[i], r);
                        for (long j = 0; j < 6; j++) {
                            if (whole) _mm256_storeu_ps(d + (6 * i + j) * stride, r[j]);
                            else _mm256_maskstore_ps(d + (6 * i + j) * stride, mk, r[j]);
                        }
                    }
                }
        }
}
NR_DISPATCH(netrun_wino5_output_backward,
            (const float *dy, long images, long oc, long oh, long ow, long ty0, long rows, long tw, float *m,
             long stride, long cols, long col0),
            (dy, images, oc, oh, ow, ty0, rows, tw, m, stride, cols, col0))

static void netrun_wino5_input_backward_scalar(const float *dv, long images, long c, long h, long w, long ph,
                                               long pw, long ty0, long rows, long tw, long stride, long cols,
                                               long col0, float *plane, float *dx, int accumulate) {
    long PH = 2 * rows + 4, PW = 2 * tw + 4, T = rows * tw;
    for (long b = 0; b < images; b++)
        for (long ch = 0; ch < c; ch++) {
            memset(plane, 0, (size_t)(PH * PW) * sizeof(float));
            const float *src = dv + ch * cols + col0 + b * T;
            for (long ty = 0; ty < rows; ty++)
                for (long tx = 0; tx < tw; tx++) {
                    float *p = plane + 2 * ty * PW + 2 * tx;
                    long k = ty * tw + tx;
                    float t[6][6];  // dV B^T, row by row (the adjoint of the column step)
                    for (long i = 0; i < 6; i++) {
                        float vv[6];
                        for (long j = 0; j < 6; j++) vv[j] = src[(6 * i + j) * stride + k];
                        W6_B(S_ADD, S_SUB, S_NEG, S_X2, S_X4, vv, t[i]);
                    }
                    for (long q = 0; q < 6; q++) {  // then B t, added into the plane
                        float col[6], o[6];
                        for (long i = 0; i < 6; i++) col[i] = t[i][q];
                        W6_B(S_ADD, S_SUB, S_NEG, S_X2, S_X4, col, o);
                        for (long a = 0; a < 6; a++) p[a * PW + q] += o[a];
                    }
                }
            // The band's first four padded rows are the previous band's last four (tiles overlap
            // by four rows): that band wrote them, this one adds to them.
            nr_wino_plane_to_dx(plane, PH, PW, ty0, 4, h, w, ph, pw, dx + (b * c + ch) * h * w, accumulate);
        }
}

// AVX2: the adjoint added into the split plane. Within a tile row the six column passes go
// 4, 5, 2, 3, 0, 1, so each plane element receives its tiles' terms in the scalar loop's order
// (tile tx - 2, then tx - 1, then tx).
static NR_AVX2 void netrun_wino5_input_backward_avx2(const float *dv, long images, long c, long h, long w, long ph,
                                                     long pw, long ty0, long rows, long tw, long stride, long cols,
                                                     long col0, float *plane, float *dx, int accumulate) {
    long PH = 2 * rows + 4, HE = tw + 12, T = rows * tw;
    for (long b = 0; b < images; b++)
        for (long ch = 0; ch < c; ch++) {
            memset(plane, 0, (size_t)(PH * 2 * HE) * sizeof(float));
            const float *src = dv + ch * cols + col0 + b * T;
            for (long ty = 0; ty < rows; ty++)
                for (long t0 = 0; t0 < tw; t0 += 8) {
                    __m256i mk = nr_wino_lanes(tw - t0);
                    int full = tw - t0 >= 8;
                    __m256 t[6][6];
                    for (long i = 0; i < 6; i++) {
                        const float *s = src + (6 * i) * stride + ty * tw + t0;
                        __m256 vv[6];
                        for (long j = 0; j < 6; j++)
                            vv[j] = full ? _mm256_loadu_ps(s + j * stride) : _mm256_maskload_ps(s + j * stride, mk);
                        W6_B(V_ADD, V_SUB, V_NEG, V_X2, V_X4, vv, t[i]);
                    }
                    static const long order[6] = {4, 5, 2, 3, 0, 1};
                    for (long k = 0; k < 6; k++) {
                        long q = order[k];
                        float *p = plane + 2 * ty * 2 * HE + (q & 1) * HE + (q >> 1) + t0;
                        __m256 col[6], o[6];
                        for (long i = 0; i < 6; i++) col[i] = t[i][q];
                        W6_B(V_ADD, V_SUB, V_NEG, V_X2, V_X4, col, o);
                        // Lanes past the row's tiles carry zeros (masked loads): adding them changes nothing.
                        for (long a = 0; a < 6; a++) {
                            float *r = p + a * 2 * HE;
                            _mm256_storeu_ps(r, _mm256_add_ps(_mm256_loadu_ps(r), o[a]));
                        }
                    }
                }
            nr_wino_split_plane_to_dx(plane, PH, HE, ty0, 4, h, w, ph, pw, dx + (b * c + ch) * h * w,
                                      (c - ch) * h * w, accumulate);
        }
}
NR_DISPATCH(netrun_wino5_input_backward,
            (const float *dv, long images, long c, long h, long w, long ph, long pw, long ty0, long rows, long tw,
             long stride, long cols, long col0, float *plane, float *dx, int accumulate),
            (dv, images, c, h, w, ph, pw, ty0, rows, tw, stride, cols, col0, plane, dx, accumulate))

// G, in double: the filter transforms run once per step, and their 1/6 and 1/24 round once.
static const double nr_w5_g[6][5] = {
    {1.0 / 4, 0, 0, 0, 0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 2.0 / 24, 4.0 / 24, 8.0 / 24, 16.0 / 24},
    {1.0 / 24, -2.0 / 24, 4.0 / 24, -8.0 / 24, 16.0 / 24},
    {0, 0, 0, 0, 1},
};

void netrun_wino5_filter(const float *w, long oc, long cg, float *u, long stride) {
    nr_w6_filter(w, oc, cg, u, stride, &nr_w5_g[0][0], 5);
}

void netrun_wino5_filter_backward(const float *du, long stride, long oc, long cg, float *dw, int accumulate) {
    nr_w6_filter_backward(du, stride, oc, cg, dw, accumulate, &nr_w5_g[0][0], 5);
}
