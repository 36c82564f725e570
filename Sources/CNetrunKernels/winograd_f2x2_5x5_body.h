// Private to winograd_f2x2_5x5.c, which includes it once per ISA: the F(2x2, 5x5) transforms
// written once over 8 lanes, 8 tiles of a tile row (winograd_lanes.h: the operations, FN, ATTR),
// from the split plane (winograd_tiles.h, half-rows of tw + 12 floats) as winograd_f2x2_3x3_body.h.
#include "winograd_lanes.h"

// The plane is zeroed once per call: every channel writes the same positions.
static ATTR void FN(netrun_wino5_input)(const float *x, long images, long c, long h, long w, long ph, long pw,
                                        long ty0, long rows, long tw, float *v, long stride, long cols, long col0,
                                        float *plane) {
    long PH = 2 * rows + 4, HE = tw + 12, T = rows * tw;
    memset(plane, 0, (size_t)(PH * 2 * HE) * sizeof(float));
    for (long b = 0; b < images; b++)
        for (long ch = 0; ch < c; ch++) {
            const float *xp = x + (b * c + ch) * h * w;
            FN(nr_wino_split_band)(xp, h, w, ph, pw, ty0, PH, HE, plane);
            float *dst = v + ch * cols + col0 + b * T;
            for (long ty = 0; ty < rows; ty++)
                for (long t0 = 0; t0 < tw; t0 += 8) {
                    const float *p0 = plane + 2 * ty * 2 * HE + t0;
                    VMASK mk = VLANES(tw - t0);
                    float *o = dst + ty * tw + t0;
                    // Unmasked unless the store would pass the block's last tile (winograd_f2x2_3x3_body.h).
                    int whole = tw - t0 >= 8 || b * T + ty * tw + t0 + 8 <= images * T;
                    VT t[6][6];   // B^T d, column by column
                    for (long q = 0; q < 6; q++) {
                        long off = (q & 1) * HE + (q >> 1);
                        VT d[6], r[6];
                        for (long i = 0; i < 6; i++) d[i] = VLOAD(p0 + i * 2 * HE + off);
                        W6_BT(d, r);
                        for (long i = 0; i < 6; i++) t[i][q] = r[i];
                    }
                    for (long i = 0; i < 6; i++) {  // then (B^T d) B, row by row
                        VT r[6];
                        W6_BT(t[i], r);
                        for (long k = 0; k < 6; k++) {
                            if (whole) VSTORE(o + (6 * i + k) * stride, r[k]);
                            else VSTOREM(o + (6 * i + k) * stride, mk, r[k]);
                        }
                    }
                }
        }
}

static ATTR void FN(netrun_wino5_output)(const float *m, long stride, long cols, long col0, long images, long oc,
                                         long oh, long ow, long ty0, long rows, long tw, const float *bias, float *y,
                                         long ystride, int relu) {
    long T = rows * tw;
    for (long b = 0; b < images; b++)
        for (long o = 0; o < oc; o++) {
            const float *src = m + o * cols + col0 + b * T;
            float *yo = y + b * ystride + o * oh * ow;
            VT bo = VSET1(bias ? bias[o] : 0.0f);
            for (long ty = ty0; ty < ty0 + rows; ty++)
                for (long t0 = 0; t0 < tw; t0 += 8) {
                    const float *s = src + (ty - ty0) * tw + t0;
                    VT t0q[6], t1q[6];   // A^T M, column by column
                    for (long q = 0; q < 6; q++) {
                        VT mm[6];
                        for (long i = 0; i < 6; i++) mm[i] = VLOAD(s + (6 * i + q) * stride);
                        W5_AT(mm, t0q[q], t1q[q]);
                    }
                    for (long i = 0; i < 2; i++) {  // then along the row, the bias added after
                        VT even, odd;
                        W5_AT(i ? t1q : t0q, even, odd);
                        FN(nr_wino_output_row)(yo, oh, ow, ty0, rows, tw, ty, t0, i, bo, even, odd, relu);
                    }
                }
        }
}

static ATTR void FN(netrun_wino5_output_backward)(const float *dy, long images, long oc, long oh, long ow, long ty0,
                                                  long rows, long tw, float *m, long stride, long cols, long col0) {
    long T = rows * tw;
    for (long b = 0; b < images; b++)
        for (long o = 0; o < oc; o++) {
            const float *g = dy + (b * oc + o) * oh * ow;
            float *dst = m + o * cols + col0 + b * T;
            for (long ty = ty0; ty < ty0 + rows; ty++)
                for (long t0 = 0; t0 < tw; t0 += 8) {
                    long y0 = 2 * ty, n = ow - 2 * t0;
                    VT z00, z01, z10 = VZERO, z11 = VZERO;   // zero past the output's rows and columns
                    FN(nr_wino_split_pairs)(g + y0 * ow + 2 * t0, n, &z00, &z01);
                    if (y0 + 1 < oh) FN(nr_wino_split_pairs)(g + (y0 + 1) * ow + 2 * t0, n, &z10, &z11);
                    VT c0[6], c1[6];   // A z down the two columns, then along each row
                    W5_A(z00, z10, c0);
                    W5_A(z01, z11, c1);
                    float *d = dst + (ty - ty0) * tw + t0;
                    VMASK mk = VLANES(tw - t0);
                    int whole = tw - t0 >= 8 || b * T + (ty - ty0) * tw + t0 + 8 <= images * T;
                    for (long i = 0; i < 6; i++) {
                        VT r[6];
                        W5_A(c0[i], c1[i], r);
                        for (long j = 0; j < 6; j++) {
                            if (whole) VSTORE(d + (6 * i + j) * stride, r[j]);
                            else VSTOREM(d + (6 * i + j) * stride, mk, r[j]);
                        }
                    }
                }
        }
}

// The adjoint of the input transform, added into the split plane (zeroed per channel). Within a
// tile row the six column passes go 4, 5, 2, 3, 0, 1, so each plane element receives its tiles'
// terms in tile order (tile tx - 2, then tx - 1, then tx).
static ATTR void FN(netrun_wino5_input_backward)(const float *dv, long images, long c, long h, long w, long ph,
                                                 long pw, long ty0, long rows, long tw, long stride, long cols,
                                                 long col0, float *plane, float *dx, int accumulate) {
    long PH = 2 * rows + 4, HE = tw + 12, T = rows * tw;
    for (long b = 0; b < images; b++)
        for (long ch = 0; ch < c; ch++) {
            memset(plane, 0, (size_t)(PH * 2 * HE) * sizeof(float));
            const float *src = dv + ch * cols + col0 + b * T;
            for (long ty = 0; ty < rows; ty++)
                for (long t0 = 0; t0 < tw; t0 += 8) {
                    VMASK mk = VLANES(tw - t0);
                    int full = tw - t0 >= 8;
                    VT t[6][6];  // dV B^T, row by row (the adjoint of the column step)
                    for (long i = 0; i < 6; i++) {
                        const float *s = src + (6 * i) * stride + ty * tw + t0;
                        VT vv[6];
                        for (long j = 0; j < 6; j++) vv[j] = full ? VLOAD(s + j * stride) : VLOADM(s + j * stride, mk);
                        W6_B(vv, t[i]);
                    }
                    static const long order[6] = {4, 5, 2, 3, 0, 1};
                    for (long k = 0; k < 6; k++) {  // then B t, added into the plane
                        long q = order[k];
                        float *p = plane + 2 * ty * 2 * HE + (q & 1) * HE + (q >> 1) + t0;
                        VT col[6], o[6];
                        for (long i = 0; i < 6; i++) col[i] = t[i][q];
                        W6_B(col, o);
                        // Lanes past the row's tiles carry zeros (masked loads): adding them changes nothing.
                        for (long a = 0; a < 6; a++) {
                            float *r = p + a * 2 * HE;
                            VSTORE(r, ADD(VLOAD(r), o[a]));
                        }
                    }
                }
            // Back into dx's rows; the band's first four padded rows are the previous band's last
            // four (tiles overlap by four rows): that band wrote them, this one adds to them.
            FN(nr_wino_split_plane_to_dx)(plane, PH, HE, ty0, 4, h, w, ph, pw, dx + (b * c + ch) * h * w,
                                          (c - ch) * h * w, accumulate);
        }
}
