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
// is a caller's scratch of (2*rows+2) * (2*tw+2) floats: the band's padded input rows.
#include "CNetrunKernels.h"
#include <string.h>

// The band's padded plane: padded rows 2*ty0 .. 2*ty0 + 2*rows + 1 (input row i is padded row
// i + ph), columns shifted by pw, zero outside the image.
static void nr_wino_pad(const float *x, long h, long w, long ph, long pw, long ty0, long rows, long tw,
                        float *plane) {
    long PH = 2 * rows + 2, PW = 2 * tw + 2;
    memset(plane, 0, (size_t)(PH * PW) * sizeof(float));
    long j1 = w + pw > PW ? PW - pw : w;
    for (long r = 0; r < PH; r++) {
        long i = 2 * ty0 + r - ph;
        if (i < 0 || i >= h || j1 <= 0) continue;
        memcpy(plane + r * PW + pw, x + i * w, (size_t)j1 * sizeof(float));
    }
}

void netrun_wino_input(const float *x, long images, long c, long h, long w, long ph, long pw,
                       long ty0, long rows, long tw, float *v, long stride, long cols, long col0, float *plane) {
    long PW = 2 * tw + 2, T = rows * tw;
    for (long b = 0; b < images; b++)
        for (long ch = 0; ch < c; ch++) {
            nr_wino_pad(x + (b * c + ch) * h * w, h, w, ph, pw, ty0, rows, tw, plane);
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

void netrun_wino_input_backward(const float *dv, long images, long c, long h, long w, long ph, long pw,
                                long ty0, long rows, long tw, long stride, long cols, long col0, float *plane,
                                float *dx, int accumulate) {
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
            float *out = dx + (b * c + ch) * h * w;
            for (long r = 0; r < PH; r++) {
                long i = 2 * ty0 + r - ph;
                if (i < 0 || i >= h) continue;
                int add = accumulate || (ty0 > 0 && r < 2);
                for (long jj = 0; jj < w; jj++) {
                    long cc = jj + pw;
                    float g = cc < PW ? plane[r * PW + cc] : 0.0f;
                    out[i * w + jj] = add ? out[i * w + jj] + g : g;
                }
            }
        }
}

void netrun_wino_output(const float *m, long stride, long cols, long col0, long images, long oc,
                        long oh, long ow, long ty0, long rows, long tw, const float *bias, float *y, long ystride) {
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
                        yo[yy * ow + xx] = bo + (t[i][0] + t[i][1] + t[i][2]);
                        if (xx + 1 < ow) yo[yy * ow + xx + 1] = bo + (t[i][1] - t[i][2] - t[i][3]);
                    }
                }
        }
}

void netrun_wino_output_backward(const float *dy, long images, long oc, long oh, long ow, long ty0, long rows,
                                 long tw, float *m, long stride, long cols, long col0) {
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
