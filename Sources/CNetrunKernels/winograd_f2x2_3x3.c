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
// The four data transforms are written once (winograd_f2x2_3x3_body.h), 8 tiles at a time, and
// expanded for AVX2 and for a scalar loop over the lanes: the same operations in the same order,
// so the two agree bitwise. AVX-512 runs the AVX2 version.
#include "winograd_tiles.h"

#define NR_W_AVX2
#include "winograd_f2x2_3x3_body.h"
#undef NR_W_AVX2
#include "winograd_f2x2_3x3_body.h"

NR_DISPATCH(netrun_wino_input,
            (const float *x, long images, long c, long h, long w, long ph, long pw, long ty0, long rows, long tw,
             float *v, long stride, long cols, long col0, float *plane),
            (x, images, c, h, w, ph, pw, ty0, rows, tw, v, stride, cols, col0, plane))
NR_DISPATCH(netrun_wino_output,
            (const float *m, long stride, long cols, long col0, long images, long oc, long oh, long ow, long ty0,
             long rows, long tw, const float *bias, float *y, long ystride, int relu),
            (m, stride, cols, col0, images, oc, oh, ow, ty0, rows, tw, bias, y, ystride, relu))
NR_DISPATCH(netrun_wino_output_backward,
            (const float *dy, long images, long oc, long oh, long ow, long ty0, long rows, long tw, float *m,
             long stride, long cols, long col0),
            (dy, images, oc, oh, ow, ty0, rows, tw, m, stride, cols, col0))
NR_DISPATCH(netrun_wino_input_backward,
            (const float *dv, long images, long c, long h, long w, long ph, long pw, long ty0, long rows, long tw,
             long stride, long cols, long col0, float *plane, float *dx, int accumulate),
            (dv, images, c, h, w, ph, pw, ty0, rows, tw, stride, cols, col0, plane, dx, accumulate))

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
