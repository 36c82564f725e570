// Private to winograd_f2x2_3x3.c, which includes it once per ISA: the F(2x2, 3x3) transforms
// written once over 8 lanes, 8 tiles of a tile row (winograd_lanes.h: the operations, FN, ATTR).
// The band is first copied into the split plane (winograd_tiles.h, half-rows of tw + 10 floats),
// so input column 2*tx + q of tiles tx .. tx+7 is one plain load: even[tx] (q = 0), odd[tx] (1),
// even[tx + 1] (2), odd[tx + 1] (3). A block narrower than 8 tiles stores only its lanes.
#include "winograd_lanes.h"

// The plane is zeroed once per call: every channel writes the same positions.
static ATTR void FN(netrun_wino_input)(const float *x, long images, long c, long h, long w, long ph, long pw,
                                       long ty0, long rows, long tw, float *v, long stride, long cols, long col0,
                                       float *plane) {
    long PH = 2 * rows + 2, HE = tw + 10, T = rows * tw;
    memset(plane, 0, (size_t)(PH * 2 * HE) * sizeof(float));
    for (long b = 0; b < images; b++)
        for (long ch = 0; ch < c; ch++) {
            const float *xp = x + (b * c + ch) * h * w;
            FN(nr_wino_split_band)(xp, h, w, ph, pw, ty0, PH, HE, plane);
            float *dst = v + ch * cols + col0 + b * T;
            for (long ty = 0; ty < rows; ty++)
                for (long t0 = 0; t0 < tw; t0 += 8) {
                    // Row i of B^T d (from padded rows 2ty .. 2ty+3), then its four outputs: one
                    // row at a time keeps a dozen registers live.
                    const float *p0 = plane + 2 * ty * 2 * HE + t0;
                    VMASK mk = VLANES(tw - t0);
                    float *o = dst + ty * tw + t0;
                    // A short row's store may run on into the positions after it, which this
                    // call writes later (the next tile rows, the next images' tiles of this
                    // channel): masked stores only where it would pass the block's last tile.
                    int whole = tw - t0 >= 8 || b * T + ty * tw + t0 + 8 <= images * T;
                    for (long i = 0; i < 4; i++) {
                        // t[i] = d[a] op d[b]: (0: d0 - d2), (1: d1 + d2), (2: d2 - d1), (3: d1 - d3)
                        static const int ra[4] = {0, 1, 2, 1}, rb[4] = {2, 2, 1, 3};
                        const float *ea = p0 + ra[i] * 2 * HE, *eb = p0 + rb[i] * 2 * HE;
                        VT t[4];
                        for (long q = 0; q < 4; q++) {
                            long off = (q & 1) * HE + (q >> 1);   // even[tx], odd[tx], even[tx+1], odd[tx+1]
                            VT da = VLOAD(ea + off), db = VLOAD(eb + off);
                            t[q] = i == 1 ? ADD(da, db) : SUB(da, db);
                        }
                        // then along the row: (t0 - t2), (t1 + t2), (t2 - t1), (t1 - t3)
                        VT r0 = SUB(t[0], t[2]), r1 = ADD(t[1], t[2]);
                        VT r2 = SUB(t[2], t[1]), r3 = SUB(t[1], t[3]);
                        float *oi = o + (4 * i) * stride;
                        if (whole) {
                            VSTORE(oi, r0);
                            VSTORE(oi + stride, r1);
                            VSTORE(oi + 2 * stride, r2);
                            VSTORE(oi + 3 * stride, r3);
                        } else {
                            VSTOREM(oi, mk, r0);
                            VSTOREM(oi + stride, mk, r1);
                            VSTOREM(oi + 2 * stride, mk, r2);
                            VSTOREM(oi + 3 * stride, mk, r3);
                        }
                    }
                }
        }
}

static ATTR void FN(netrun_wino_output)(const float *m, long stride, long cols, long col0, long images, long oc,
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
                    VT t0q[4], t1q[4];   // A^T M down each column: (m0 + m1 + m2), (m1 - m2 - m3)
                    for (long q = 0; q < 4; q++) {
                        VT m0 = VLOAD(s + q * stride), m1 = VLOAD(s + (4 + q) * stride);
                        VT m2 = VLOAD(s + (8 + q) * stride), m3 = VLOAD(s + (12 + q) * stride);
                        t0q[q] = ADD(ADD(m0, m1), m2);
                        t1q[q] = SUB(SUB(m1, m2), m3);
                    }
                    for (long i = 0; i < 2; i++) {
                        const VT *tq = i ? t1q : t0q;
                        // then along the row, the bias added after: bo + (t0 + t1 + t2), bo + (t1 - t2 - t3)
                        FN(nr_wino_output_row)(yo, oh, ow, ty0, rows, tw, ty, t0, i, bo,
                                               ADD(ADD(tq[0], tq[1]), tq[2]), SUB(SUB(tq[1], tq[2]), tq[3]), relu);
                    }
                }
        }
}

// The output gradient's tiles: M = A dY A^T.
static ATTR void FN(netrun_wino_output_backward)(const float *dy, long images, long oc, long oh, long ow, long ty0,
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
                    // A z A^T with A z = [z0, z0 + z1, z0 - z1, -z1]: rows first, then columns.
                    VT r[4][2] = {{z00, z01}, {ADD(z00, z10), ADD(z01, z11)}, {SUB(z00, z10), SUB(z01, z11)},
                                  {NEG(z10), NEG(z11)}};
                    float *d = dst + (ty - ty0) * tw + t0;
                    VMASK mk = VLANES(tw - t0);
                    // As the input transform: unmasked unless the store would pass the block's last tile.
                    int whole = tw - t0 >= 8 || b * T + (ty - ty0) * tw + t0 + 8 <= images * T;
                    for (long i = 0; i < 4; i++) {
                        VT v[4] = {r[i][0], ADD(r[i][0], r[i][1]), SUB(r[i][0], r[i][1]), NEG(r[i][1])};
                        for (long j = 0; j < 4; j++) {
                            if (whole) VSTORE(d + (4 * i + j) * stride, v[j]);
                            else VSTOREM(d + (4 * i + j) * stride, mk, v[j]);
                        }
                    }
                }
        }
}

// The input's gradient: the adjoint of the input transform, added into the split plane (zeroed
// per channel), then back into dx's rows. Within a tile row the four column passes go 2, 3, 0,
// 1, so each plane element receives its tiles' terms in tile order (tile tx - 1 before tile tx).
static ATTR void FN(netrun_wino_input_backward)(const float *dv, long images, long c, long h, long w, long ph,
                                                long pw, long ty0, long rows, long tw, long stride, long cols,
                                                long col0, float *plane, float *dx, int accumulate) {
    long PH = 2 * rows + 2, HE = tw + 10, T = rows * tw;
    for (long b = 0; b < images; b++)
        for (long ch = 0; ch < c; ch++) {
            memset(plane, 0, (size_t)(PH * 2 * HE) * sizeof(float));
            const float *src = dv + ch * cols + col0 + b * T;
            for (long ty = 0; ty < rows; ty++)
                for (long t0 = 0; t0 < tw; t0 += 8) {
                    VMASK mk = VLANES(tw - t0);
                    int full = tw - t0 >= 8;
                    VT t[4][4];  // t = dV B^T, row by row (the adjoint of the column step)
                    for (long i = 0; i < 4; i++) {
                        const float *s = src + (4 * i) * stride + ty * tw + t0;
                        VT v0 = full ? VLOAD(s) : VLOADM(s, mk);
                        VT v1 = full ? VLOAD(s + stride) : VLOADM(s + stride, mk);
                        VT v2 = full ? VLOAD(s + 2 * stride) : VLOADM(s + 2 * stride, mk);
                        VT v3 = full ? VLOAD(s + 3 * stride) : VLOADM(s + 3 * stride, mk);
                        t[i][0] = v0;
                        t[i][1] = ADD(SUB(v1, v2), v3);
                        t[i][2] = ADD(ADD(NEG(v0), v1), v2);
                        t[i][3] = NEG(v3);
                    }
                    static const long order[4] = {2, 3, 0, 1};
                    for (long k = 0; k < 4; k++) {  // then B t, added into the plane
                        long q = order[k], off = (q & 1) * HE + (q >> 1) + t0;
                        float *r0 = plane + 2 * ty * 2 * HE + off, *r1 = r0 + 2 * HE, *r2 = r1 + 2 * HE, *r3 = r2 + 2 * HE;
                        VT a0 = t[0][q], a1 = ADD(SUB(t[1][q], t[2][q]), t[3][q]);
                        VT a2 = ADD(ADD(NEG(t[0][q]), t[1][q]), t[2][q]);
                        VT a3 = NEG(t[3][q]);
                        // Lanes past the row's tiles carry zeros (masked loads): adding them changes nothing.
                        VSTORE(r0, ADD(VLOAD(r0), a0));
                        VSTORE(r1, ADD(VLOAD(r1), a1));
                        VSTORE(r2, ADD(VLOAD(r2), a2));
                        VSTORE(r3, ADD(VLOAD(r3), a3));
                    }
                }
            // Back into dx's rows; the band's first two padded rows are the previous band's last
            // two (tiles overlap by two rows): that band wrote them, this one adds to them.
            FN(nr_wino_split_plane_to_dx)(plane, PH, HE, ty0, 2, h, w, ph, pw, dx + (b * c + ch) * h * w,
                                          (c - ch) * h * w, accumulate);
        }
}
