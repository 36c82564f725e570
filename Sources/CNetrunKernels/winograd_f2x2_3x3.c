// Winograd F(2x2, 3x3) transforms (Lavin & Gray 2016) for 3x3, stride-1 convolutions.
// A 4x4 input tile d gives a 2x2 output tile: Y = A^T [ (G g G^T) . (B^T d B) ] A, where
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1],
//   A^T = [1 1 1 0; 0 1 -1 -1].
// The 16 products per tile are 16 matrix products over channels, done by the caller
// (OpenBLAS); these functions only move data in and out of the transformed domain.
// Transformed arrays are "position-major": element (q, row, col) of a [16][rows][cols] array
// is at q * stride + row * cols + col. `stride` is rows * cols plus some padding, so the
// sixteen position planes do not start at the same offset modulo 4 KiB (with rows * cols a
// multiple of 1024 they would all map to one L1 set and every store would evict).
// Tile (ty, tx) covers output rows 2ty, 2ty+1 and columns 2tx, 2tx+1, and reads input
// rows 2ty - ph .. 2ty - ph + 3 (zero outside the image). A call handles the tile rows
// ty0 .. ty0 + rows - 1 of each of `images` images (all of them, or a band of one large
// image); the column of tile (b, ty, tx) is col0 + (b * rows + ty - ty0) * tw + tx. `plane`
// is a caller's scratch of (2*rows+2) * 2*(tw+10) floats: the band's padded input rows.
#include "winograd_tiles.h"

static void netrun_wino_input_scalar(const float *x, long images, long c, long h, long w, long ph, long pw,
                                     long ty0, long rows, long tw, float *v, long stride, long cols, long col0,
                                     float *plane) {
    long PW = 2 * tw + 2, T = rows * tw;
    for (long b = 0; b < images; b++)
        for (long ch = 0; ch < c; ch++) {
            nr_wino_pad(x + (b * c + ch) * h * w, h, w, ph, pw, ty0, 2 * rows + 2, 2 * tw + 2, plane);
            float *dst = v + ch * cols + col0 + b * T;
            for (long ty = 0; ty < rows; ty++) {
                const float *r0 = plane + 2 * ty * PW, *r1 = r0 + PW, *r2 = r1 + PW, *r3 = r2 + PW;
                for (long tx = 0; tx < tw; tx++) {
                    long j = 2 * tx, k = ty * tw + tx;
                    float t[4][4];
                    for (long q = 0; q < 4; q++) {
                        t[0][q] = r0[j + q] - r2[j + q];
                        t[1][q] = r1[j + q] + r2[j + q];
                        t[2][q] = r2[j + q] - r1[j + q];
                        t[3][q] = r1[j + q] - r3[j + q];
                    }
                    for (long i = 0; i < 4; i++) {
                        float *o = dst + (4 * i) * stride + k;
                        o[0] = t[i][0] - t[i][2];
                        o[stride] = t[i][1] + t[i][2];
                        o[2 * stride] = t[i][2] - t[i][1];
                        o[3 * stride] = t[i][1] - t[i][3];
                    }
                }
            }
        }
}

static void netrun_wino_output_scalar(const float *m, long stride, long cols, long col0, long images, long oc,
                                      long oh, long ow, long ty0, long rows, long tw, const float *bias, float *y,
                                      long ystride, int relu);

// AVX2: 8 tiles of a tile row at a time. The band is first copied into a plane whose rows
// are split into even and odd columns (half-rows of tw + 10 floats, zero where padding), so
// input column 2*tx + q of tiles tx .. tx+7 is one plain load: even[tx] (q = 0), odd[tx] (1),
// even[tx + 1] (2), odd[tx + 1] (3). The plane is zeroed once per call: every channel writes
// the same positions. A block narrower than 8 tiles stores only its lanes.
static NR_AVX2 void netrun_wino_input_avx2(const float *x, long images, long c, long h, long w, long ph, long pw,
                                           long ty0, long rows, long tw, float *v, long stride, long cols, long col0,
                                           float *plane) {
    long PH = 2 * rows + 2, HE = tw + 10, T = rows * tw;
    memset(plane, 0, (size_t)(PH * 2 * HE) * sizeof(float));
    for (long b = 0; b < images; b++)
        for (long ch = 0; ch < c; ch++) {
            const float *xp = x + (b * c + ch) * h * w;
            nr_wino_split_band(xp, h, w, ph, pw, ty0, PH, HE, plane);
            float *dst = v + ch * cols + col0 + b * T;
            for (long ty = 0; ty < rows; ty++)
                for (long t0 = 0; t0 < tw; t0 += 8) {
                    // Row i of B^T d (from padded rows 2ty .. 2ty+3), then its four outputs: one
                    // row at a time keeps a dozen registers live.
                    const float *p0 = plane + 2 * ty * 2 * HE + t0;
                    __m256i mk = nr_wino_lanes(tw - t0);
                    float *o = dst + ty * tw + t0;
                    // A short row's store may run on into the positions after it, which this
                    // call writes later (the next tile rows, the next images' tiles of this
                    // channel): masked stores only where it would pass the block's last tile.
                    int whole = tw - t0 >= 8 || b * T + ty * tw + t0 + 8 <= images * T;
                    for (long i = 0; i < 4; i++) {
                        // t[i] = d[a] op d[b]: (0: d0 - d2), (1: d1 + d2), (2: d2 - d1), (3: d1 - d3)
                        static const int ra[4] = {0, 1, 2, 1}, rb[4] = {2, 2, 1, 3};
                        const float *ea = p0 + ra[i] * 2 * HE, *eb = p0 + rb[i] * 2 * HE;
                        __m256 t[4];
                        for (long q = 0; q < 4; q++) {
                            long off = (q & 1) * HE + (q >> 1);   // even[tx], odd[tx], even[tx+1], odd[tx+1]
                            __m256 da = _mm256_loadu_ps(ea + off), db = _mm256_loadu_ps(eb + off);
                            t[q] = i == 1 ? _mm256_add_ps(da, db) : _mm256_sub_ps(da, db);
                        }
                        __m256 r0 = _mm256_sub_ps(t[0], t[2]), r1 = _mm256_add_ps(t[1], t[2]);
                        __m256 r2 = _mm256_sub_ps(t[2], t[1]), r3 = _mm256_sub_ps(t[1], t[3]);
                        float *oi = o + (4 * i) * stride;
                        if (whole) {
                            _mm256_storeu_ps(oi, r0);
                            _mm256_storeu_ps(oi + stride, r1);
                            _mm256_storeu_ps(oi + 2 * stride, r2);
                            _mm256_storeu_ps(oi + 3 * stride, r3);
                        } else {
                            _mm256_maskstore_ps(oi, mk, r0);
                            _mm256_maskstore_ps(oi + stride, mk, r1);
                            _mm256_maskstore_ps(oi + 2 * stride, mk, r2);
                            _mm256_maskstore_ps(oi + 3 * stride, mk, r3);
                        }
                    }
                }
        }
}
NR_DISPATCH(netrun_wino_input,
            (const float *x, long images, long c, long h, long w, long ph, long pw, long ty0, long rows, long tw,
             float *v, long stride, long cols, long col0, float *plane),
            (x, images, c, h, w, ph, pw, ty0, rows, tw, v, stride, cols, col0, plane))

static NR_AVX2 void netrun_wino_output_avx2(const float *m, long stride, long cols, long col0, long images, long oc,
                                            long oh, long ow, long ty0, long rows, long tw, const float *bias, float *y,
                                            long ystride, int relu) {
    long T = rows * tw;
    for (long b = 0; b < images; b++)
        for (long o = 0; o < oc; o++) {
            const float *src = m + o * cols + col0 + b * T;
            float *yo = y + b * ystride + o * oh * ow;
            __m256 bo = _mm256_set1_ps(bias ? bias[o] : 0.0f);
            for (long ty = ty0; ty < ty0 + rows; ty++)
                for (long t0 = 0; t0 < tw; t0 += 8) {
                    const float *s = src + (ty - ty0) * tw + t0;
                    __m256 t0q[4], t1q[4];
                    for (long q = 0; q < 4; q++) {
                        __m256 m0 = _mm256_loadu_ps(s + q * stride), m1 = _mm256_loadu_ps(s + (4 + q) * stride);
                        __m256 m2 = _mm256_loadu_ps(s + (8 + q) * stride), m3 = _mm256_loadu_ps(s + (12 + q) * stride);
                        t0q[q] = _mm256_add_ps(_mm256_add_ps(m0, m1), m2);
                        t1q[q] = _mm256_sub_ps(_mm256_sub_ps(m1, m2), m3);
                    }
                    for (long i = 0; i < 2; i++) {
                        const __m256 *tq = i ? t1q : t0q;
                        // bo + (t0 + t1 + t2) and bo + (t1 - t2 - t3), summed as the scalar code does
                        nr_wino_output_row(yo, oh, ow, ty0, rows, tw, ty, t0, i, bo,
                                           _mm256_add_ps(_mm256_add_ps(tq[0], tq[1]), tq[2]),
                                           _mm256_sub_ps(_mm256_sub_ps(tq[1], tq[2]), tq[3]), relu);
                    }
                }
        }
}
NR_DISPATCH(netrun_wino_output,
            (const float *m, long stride, long cols, long col0, long images, long oc, long oh, long ow, long ty0,
             long rows, long tw, const float *bias, float *y, long ystride, int relu),
            (m, stride, cols, col0, images, oc, oh, ow, ty0, rows, tw, bias, y, ystride, relu))

static void netrun_wino_input_backward_scalar(const float *dv, long images, long c, long h, long w, long ph,
                                              long pw, long ty0, long rows, long tw, long stride, long cols,
                                              long col0, float *plane, float *dx, int accumulate) {
    long PH = 2 * rows + 2, PW = 2 * tw + 2, T = rows * tw;
    for (long b = 0; b < images; b++)
        for (long ch = 0; ch < c; ch++) {
            memset(plane, 0, (size_t)(PH * PW) * sizeof(float));
            const float *src = dv + ch * cols + col0 + b * T;
            for (long ty = 0; ty < rows; ty++) {
                float *r0 = plane + 2 * ty * PW, *r1 = r0 + PW, *r2 = r1 + PW, *r3 = r2 + PW;
                for (long tx = 0; tx < tw; tx++) {
                    long j = 2 * tx, k = ty * tw + tx;
                    float t[4][4];  // t = dV B^T, row by row (the adjoint of the column step)
                    for (long i = 0; i < 4; i++) {
                        const float *s = src + (4 * i) * stride + k;
                        float v0 = s[0], v1 = s[stride], v2 = s[2 * stride], v3 = s[3 * stride];
                        t[i][0] = v0;
                        t[i][1] = v1 - v2 + v3;
                        t[i][2] = -v0 + v1 + v2;
                        t[i][3] = -v3;
                    }
                    for (long q = 0; q < 4; q++) {  // then B t, added into the plane
                        r0[j + q] += t[0][q];
                        r1[j + q] += t[1][q] - t[2][q] + t[3][q];
                        r2[j + q] += -t[0][q] + t[1][q] + t[2][q];
                        r3[j + q] += -t[3][q];
                    }
                }
            }
            // The band's first two padded rows are the previous band's last two (tiles overlap
            // by two rows): that band wrote them, this one adds to them.
            nr_wino_plane_to_dx(plane, PH, PW, ty0, 2, h, w, ph, pw, dx + (b * c + ch) * h * w, accumulate);
        }
}

static void netrun_wino_output_scalar(const float *m, long stride, long cols, long col0, long images, long oc,
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
                    float t[2][4];
                    for (long q = 0; q < 4; q++) {
                        float m0 = src[q * stride + k], m1 = src[(4 + q) * stride + k];
                        float m2 = src[(8 + q) * stride + k], m3 = src[(12 + q) * stride + k];
                        t[0][q] = m0 + m1 + m2;
                        t[1][q] = m1 - m2 - m3;
                    }
                    for (long i = 0; i < 2; i++) {
                        long yy = 2 * ty + i, xx = 2 * tx;
                        if (yy >= oh) break;
                        float e = bo + (t[i][0] + t[i][1] + t[i][2]), d = bo + (t[i][1] - t[i][2] - t[i][3]);
                        yo[yy * ow + xx] = relu && e < 0.0f ? 0.0f : e;
                        if (xx + 1 < ow) yo[yy * ow + xx + 1] = relu && d < 0.0f ? 0.0f : d;
                    }
                }
        }
}

static void netrun_wino_output_backward_scalar(const float *dy, long images, long oc, long oh, long ow, long ty0,
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
                    // A z A^T with A z = [z0, z0 + z1, z0 - z1, -z1]: rows first, then columns.
                    float r[4][2] = {{z00, z01}, {z00 + z10, z01 + z11}, {z00 - z10, z01 - z11}, {-z10, -z11}};
                    for (long i = 0; i < 4; i++) {
                        float *d = dst + (4 * i) * stride + k;
                        d[0] = r[i][0];
                        d[stride] = r[i][0] + r[i][1];
                        d[2 * stride] = r[i][0] - r[i][1];
                        d[3 * stride] = -r[i][1];
                    }
                }
        }
}

void netrun_wino_filter(const float *w, long oc, long cg, float *u, long stride) {
    for (long o = 0; o < oc; o++)
        for (long ch = 0; ch < cg; ch++) {
            const float *g = w + (o * cg + ch) * 9;
            float t[4][3];  // G g
            for (long j = 0; j < 3; j++) {
                t[0][j] = g[j];
                t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
                t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
                t[3][j] = g[6 + j];
            }
            float *d = u + o * cg + ch;
            for (long i = 0; i < 4; i++) {  // (G g) G^T
                d[(4 * i) * stride] = t[i][0];
                d[(4 * i + 1) * stride] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
                d[(4 * i + 2) * stride] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
                d[(4 * i + 3) * stride] = t[i][2];
            }
        }
}

void netrun_wino_filter_backward(const float *du, long stride, long oc, long cg, float *dw, int accumulate) {
    for (long o = 0; o < oc; o++)
        for (long ch = 0; ch < cg; ch++) {
            const float *s = du + o * cg + ch;
            float t[4][3];  // dU G (the adjoint of the G^T step), row by row
            for (long i = 0; i < 4; i++) {
                float u0 = s[(4 * i) * stride], u1 = s[(4 * i + 1) * stride];
                float u2 = s[(4 * i + 2) * stride], u3 = s[(4 * i + 3) * stride];
                t[i][0] = u0 + 0.5f * (u1 + u2);
                t[i][1] = 0.5f * (u1 - u2);
                t[i][2] = 0.5f * (u1 + u2) + u3;
            }
            float *d = dw + (o * cg + ch) * 9;
            for (long j = 0; j < 3; j++) {  // then G^T t
                float g0 = t[0][j] + 0.5f * (t[1][j] + t[2][j]);
                float g1 = 0.5f * (t[1][j] - t[2][j]);
                float g2 = 0.5f * (t[1][j] + t[2][j]) + t[3][j];
                d[j] = accumulate ? d[j] + g0 : g0;
                d[3 + j] = accumulate ? d[3 + j] + g1 : g1;
                d[6 + j] = accumulate ? d[6 + j] + g2 : g2;
            }
        }
}

// AVX2 adjoints, 8 tiles of a tile row at a time, each the scalar version's operations in its
// order (so the two agree bitwise).

// The output gradient's tiles: M = A dY A^T (nr_wino_split_pairs, above, reads dY's rows).

static NR_AVX2 void netrun_wino_output_backward_avx2(const float *dy, long images, long oc, long oh, long ow,
                                                     long ty0, long rows, long tw, float *m, long stride, long cols,
                                                     long col0) {
    long T = rows * tw;
    __m256 neg = _mm256_set1_ps(-0.0f), zero = _mm256_setzero_ps();
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
                    __m256 r[4][2] = {{z00, z01},
                                      {_mm256_add_ps(z00, z10), _mm256_add_ps(z01, z11)},
                                      {_mm256_sub_ps(z00, z10), _mm256_sub_ps(z01, z11)},
                                      {_mm256_xor_ps(z10, neg), _mm256_xor_ps(z11, neg)}};
                    float *d = dst + (ty - ty0) * tw + t0;
                    __m256i mk = nr_wino_lanes(tw - t0);
                    // As the input transform: unmasked unless the store would pass the block's last tile.
                    int whole = tw - t0 >= 8 || b * T + (ty - ty0) * tw + t0 + 8 <= images * T;
                    for (long i = 0; i < 4; i++) {
                        __m256 v[4] = {r[i][0], _mm256_add_ps(r[i][0], r[i][1]), _mm256_sub_ps(r[i][0], r[i][1]),
                                       _mm256_xor_ps(r[i][1], neg)};
                        for (long j = 0; j < 4; j++) {
                            if (whole) _mm256_storeu_ps(d + (4 * i + j) * stride, v[j]);
                            else _mm256_maskstore_ps(d + (4 * i + j) * stride, mk, v[j]);
                        }
                    }
                }
        }
}
NR_DISPATCH(netrun_wino_output_backward,
            (const float *dy, long images, long oc, long oh, long ow, long ty0, long rows, long tw, float *m,
             long stride, long cols, long col0),
            (dy, images, oc, oh, ow, ty0, rows, tw, m, stride, cols, col0))

// The input's gradient: the adjoint of the input transform, added into a plane split into even
// and odd half-rows as the forward's, then interleaved back into dx's rows. Within a tile row
// the four column passes go 2, 3, 0, 1, so each plane element receives its tiles' terms in the
// scalar loop's order (tile tx - 1 before tile tx).
static NR_AVX2 void netrun_wino_input_backward_avx2(const float *dv, long images, long c, long h, long w, long ph,
                                                    long pw, long ty0, long rows, long tw, long stride, long cols,
                                                    long col0, float *plane, float *dx, int accumulate) {
    long PH = 2 * rows + 2, HE = tw + 10, T = rows * tw;
    __m256 neg = _mm256_set1_ps(-0.0f);
    for (long b = 0; b < images; b++)
        for (long ch = 0; ch < c; ch++) {
            memset(plane, 0, (size_t)(PH * 2 * HE) * sizeof(float));
            const float *src = dv + ch * cols + col0 + b * T;
            for (long ty = 0; ty < rows; ty++)
                for (long t0 = 0; t0 < tw; t0 += 8) {
                    __m256i mk = nr_wino_lanes(tw - t0);
                    int full = tw - t0 >= 8;
                    __m256 t[4][4];  // t = dV B^T, row by row
                    for (long i = 0; i < 4; i++) {
                        const float *s = src + (4 * i) * stride + ty * tw + t0;
                        __m256 v0 = full ? _mm256_loadu_ps(s) : _mm256_maskload_ps(s, mk);
                        __m256 v1 = full ? _mm256_loadu_ps(s + stride) : _mm256_maskload_ps(s + stride, mk);
                        __m256 v2 = full ? _mm256_loadu_ps(s + 2 * stride) : _mm256_maskload_ps(s + 2 * stride, mk);
                        __m256 v3 = full ? _mm256_loadu_ps(s + 3 * stride) : _mm256_maskload_ps(s + 3 * stride, mk);
                        t[i][0] = v0;
                        t[i][1] = _mm256_add_ps(_mm256_sub_ps(v1, v2), v3);
                        t[i][2] = _mm256_add_ps(_mm256_add_ps(_mm256_xor_ps(v0, neg), v1), v2);
                        t[i][3] = _mm256_xor_ps(v3, neg);
                    }
                    static const long order[4] = {2, 3, 0, 1};
                    for (long k = 0; k < 4; k++) {  // then B t, added into the plane
                        long q = order[k], off = (q & 1) * HE + (q >> 1) + t0;
                        float *r0 = plane + 2 * ty * 2 * HE + off, *r1 = r0 + 2 * HE, *r2 = r1 + 2 * HE, *r3 = r2 + 2 * HE;
                        __m256 a0 = t[0][q], a1 = _mm256_add_ps(_mm256_sub_ps(t[1][q], t[2][q]), t[3][q]);
                        __m256 a2 = _mm256_add_ps(_mm256_add_ps(_mm256_xor_ps(t[0][q], neg), t[1][q]), t[2][q]);
                        __m256 a3 = _mm256_xor_ps(t[3][q], neg);
                        // Lanes past the row's tiles carry zeros (masked loads): adding them changes nothing.
                        _mm256_storeu_ps(r0, _mm256_add_ps(_mm256_loadu_ps(r0), a0));
                        _mm256_storeu_ps(r1, _mm256_add_ps(_mm256_loadu_ps(r1), a1));
                        _mm256_storeu_ps(r2, _mm256_add_ps(_mm256_loadu_ps(r2), a2));
                        _mm256_storeu_ps(r3, _mm256_add_ps(_mm256_loadu_ps(r3), a3));
                    }
                }
            // Back into dx's rows; the band's first two padded rows are the previous band's last two.
            nr_wino_split_plane_to_dx(plane, PH, HE, ty0, 2, h, w, ph, pw, dx + (b * c + ch) * h * w,
                                      (c - ch) * h * w, accumulate);
        }
}
NR_DISPATCH(netrun_wino_input_backward,
            (const float *dv, long images, long c, long h, long w, long ph, long pw, long ty0, long rows, long tw,
             long stride, long cols, long col0, float *plane, float *dx, int accumulate),
            (dv, images, c, h, w, ph, pw, ty0, rows, tw, stride, cols, col0, plane, dx, accumulate))
