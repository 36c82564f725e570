// Private to winograd_f4x4_3x3.c, which includes it once per ISA: the F(4x4, 3x3) transforms
// written once over 8 lanes, 8 images (winograd_lanes.h: the operations, FN, ATTR). `room`
// arguments: floats from a row's start to the end of the call's region of that image (input, or
// this convolution's output channels), which a row's last chunk may read or rewrite unchanged.
#include "winograd_lanes.h"

static ATTR void FN(netrun_wino4_input)(const float *x, long images, long c, long h, long w, long ph, long pw,
                                        long th, long tw, float *v, long stride, long cols, float *scratch) {
    long PH = 4 * th + 2, PW = 4 * tw + 2, T = th * tw, groups = (images + 7) / 8;
    float *pad = scratch, *zeros = scratch + PH * PW * 8;
    // Zeroed once: each channel and group writes only the image's positions.
    memset(scratch, 0, (size_t)(PH * PW * 8 + w + 8) * sizeof(float));
    for (long ch = 0; ch < c; ch++)
        for (long g = 0; g < groups; g++) {
            long np = images - 8 * g < 8 ? images - 8 * g : 8;
            const float *src[8];
            for (long r = 0; r < h; r++) {
                for (long k = 0; k < 8; k++) src[k] = k < np ? x + ((8 * g + k) * c + ch) * h * w + r * w : zeros;
                FN(nr_w4_interleave_row)(src, w, (c - ch) * h * w - r * w, pad + ((r + ph) * PW + pw) * 8);
            }
            float *dst = v + ch * cols + g * T * 8;
            for (long ty = 0; ty < th; ty++)
                for (long tx = 0; tx < tw; tx++) {
                    const float *p = pad + (4 * ty * PW + 4 * tx) * 8;
                    VT t[6][6];   // B^T d, column by column
                    for (long j = 0; j < 6; j++) {
                        VT d[6], o[6];
                        for (long i = 0; i < 6; i++) d[i] = VLOAD(p + (i * PW + j) * 8);
                        W6_BT(d, o);
                        for (long i = 0; i < 6; i++) t[i][j] = o[i];
                    }
                    float *o8 = dst + (ty * tw + tx) * 8;
                    for (long i = 0; i < 6; i++) {  // then (B^T d) B, row by row
                        VT o[6];
                        W6_BT(t[i], o);
                        for (long k = 0; k < 6; k++) VSTORE(o8 + (6 * i + k) * stride, o[k]);
                    }
                }
        }
}

static ATTR void FN(netrun_wino4_output)(const float *m, long stride, long cols, long images, long oc, long oh,
                                         long ow, long th, long tw, const float *bias, float *y, long ystride,
                                         int relu, float *scratch) {
    long OW = 4 * tw, T = th * tw, groups = (images + 7) / 8;
    float *out = scratch;
    for (long o = 0; o < oc; o++) {
        VT bo = VSET1(bias ? bias[o] : 0.0f);
        for (long g = 0; g < groups; g++) {
            long np = images - 8 * g < 8 ? images - 8 * g : 8;
            const float *src = m + o * cols + g * T * 8;
            for (long ty = 0; ty < th; ty++)
                for (long tx = 0; tx < tw; tx++) {
                    const float *s = src + (ty * tw + tx) * 8;
                    VT t[4][6];   // A^T M, column by column
                    for (long j = 0; j < 6; j++) {
                        VT mm[6];
                        for (long i = 0; i < 6; i++) mm[i] = VLOAD(s + (6 * i + j) * stride);
                        W4_AT(mm, t[0][j], t[1][j], t[2][j], t[3][j]);
                    }
                    for (long r = 0; r < 4; r++) {  // then (A^T M) A, bias, ReLU: the tile's row r
                        VT e[4];
                        W4_AT(t[r], e[0], e[1], e[2], e[3]);
                        for (long cc = 0; cc < 4; cc++) {
                            VT val = ADD(bo, e[cc]);
                            if (relu) val = VRELU(val);
                            VSTORE(out + ((4 * ty + r) * OW + 4 * tx + cc) * 8, val);
                        }
                    }
                }
            float *dst[8];
            for (long r = 0; r < oh; r++) {
                for (long k = 0; k < np; k++) dst[k] = y + (8 * g + k) * ystride + o * oh * ow + r * ow;
                FN(nr_w4_deinterleave_row)(out + r * OW * 8, ow, dst, np, (oc - o) * oh * ow - r * ow, 0);
            }
        }
    }
}

static ATTR void FN(netrun_wino4_output_backward)(const float *dy, long images, long oc, long oh, long ow, long th,
                                                  long tw, float *m, long stride, long cols, float *scratch) {
    long OH = 4 * th, OW = 4 * tw, T = th * tw, groups = (images + 7) / 8;
    float *z = scratch, *zeros = scratch + OH * OW * 8;
    // Zeroed once: past the output's rows and columns, and in lanes past the last image, dY is 0.
    memset(scratch, 0, (size_t)(OH * OW * 8 + ow + 8) * sizeof(float));
    for (long o = 0; o < oc; o++)
        for (long g = 0; g < groups; g++) {
            long np = images - 8 * g < 8 ? images - 8 * g : 8;
            const float *src[8];
            for (long r = 0; r < oh; r++) {
                for (long k = 0; k < 8; k++) src[k] = k < np ? dy + ((8 * g + k) * oc + o) * oh * ow + r * ow : zeros;
                FN(nr_w4_interleave_row)(src, ow, (oc - o) * oh * ow - r * ow, z + r * OW * 8);
            }
            float *dst = m + o * cols + g * T * 8;
            for (long ty = 0; ty < th; ty++)
                for (long tx = 0; tx < tw; tx++) {
                    const float *p = z + (4 * ty * OW + 4 * tx) * 8;
                    VT c6[6][4];   // A z down each column, then along each row
                    for (long cc = 0; cc < 4; cc++) {
                        VT zz[4], col[6];
                        for (long r = 0; r < 4; r++) zz[r] = VLOAD(p + (r * OW + cc) * 8);
                        W4_A(zz, col);
                        for (long i = 0; i < 6; i++) c6[i][cc] = col[i];
                    }
                    float *o8 = dst + (ty * tw + tx) * 8;
                    for (long i = 0; i < 6; i++) {
                        VT r6[6];
                        W4_A(c6[i], r6);
                        for (long j = 0; j < 6; j++) VSTORE(o8 + (6 * i + j) * stride, r6[j]);
                    }
                }
        }
}

static ATTR void FN(netrun_wino4_input_backward)(const float *dv, long images, long c, long h, long w, long ph,
                                                 long pw, long th, long tw, long stride, long cols, float *scratch,
                                                 float *dx, int accumulate) {
    long PH = 4 * th + 2, PW = 4 * tw + 2, T = th * tw, groups = (images + 7) / 8;
    float *acc = scratch;
    for (long ch = 0; ch < c; ch++)
        for (long g = 0; g < groups; g++) {
            long np = images - 8 * g < 8 ? images - 8 * g : 8;
            memset(acc, 0, (size_t)(PH * PW * 8) * sizeof(float));
            const float *src = dv + ch * cols + g * T * 8;
            for (long ty = 0; ty < th; ty++)
                for (long tx = 0; tx < tw; tx++) {
                    const float *s = src + (ty * tw + tx) * 8;
                    VT t[6][6];  // dV B^T, row by row (the adjoint of the column step)
                    for (long i = 0; i < 6; i++) {
                        VT vv[6];
                        for (long j = 0; j < 6; j++) vv[j] = VLOAD(s + (6 * i + j) * stride);
                        W6_B(vv, t[i]);
                    }
                    float *p = acc + (4 * ty * PW + 4 * tx) * 8;
                    for (long j = 0; j < 6; j++) {  // then B t, added into the tile's window, tiles in order
                        VT col[6], o[6];
                        for (long i = 0; i < 6; i++) col[i] = t[i][j];
                        W6_B(col, o);
                        for (long a = 0; a < 6; a++) {
                            float *q = p + (a * PW + j) * 8;
                            VSTORE(q, ADD(VLOAD(q), o[a]));
                        }
                    }
                }
            float *dst[8];
            for (long r = 0; r < h; r++) {
                for (long k = 0; k < np; k++) dst[k] = dx + ((8 * g + k) * c + ch) * h * w + r * w;
                FN(nr_w4_deinterleave_row)(acc + ((r + ph) * PW + pw) * 8, w, dst, np, (c - ch) * h * w - r * w, accumulate);
            }
        }
}
