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
// Each 1-D transform is written once, as a macro over the lanes' operations (here and in
// winograd_6point.h), and the four data transforms once over 8 tiles (winograd_f2x2_5x5_body.h),
// expanded for AVX2 and for a scalar loop over the lanes: the same operations in the same order,
// so the two agree bitwise. AVX-512 runs the AVX2 version. Every product in them is by 2 or 4
// (5x is 4x + x), so exact: fusing one into an add changes nothing.
#include "winograd_tiles.h"
#include "winograd_6point.h"

// A^T m: six to two.
#define W5_AT(m, o0, o1) do {                                                                           \
        (o0) = ADD(ADD(ADD((m)[1], (m)[2]), ADD((m)[3], (m)[4])), (m)[0]);                              \
        (o1) = ADD(ADD(SUB((m)[1], (m)[2]), X2(SUB((m)[3], (m)[4]))), (m)[5]);                          \
    } while (0)
// A z, its adjoint: two to six.
#define W5_A(z0, z1, o) do {                                                                            \
        (o)[0] = (z0); (o)[1] = ADD(z0, z1); (o)[2] = SUB(z0, z1);                                      \
        (o)[3] = ADD(z0, X2(z1)); (o)[4] = SUB(z0, X2(z1)); (o)[5] = (z1);                              \
    } while (0)

#define NR_W_AVX2
#include "winograd_f2x2_5x5_body.h"
#undef NR_W_AVX2
#include "winograd_f2x2_5x5_body.h"

NR_DISPATCH(netrun_wino5_input,
            (const float *x, long images, long c, long h, long w, long ph, long pw, long ty0, long rows, long tw,
             float *v, long stride, long cols, long col0, float *plane),
            (x, images, c, h, w, ph, pw, ty0, rows, tw, v, stride, cols, col0, plane))
NR_DISPATCH(netrun_wino5_output,
            (const float *m, long stride, long cols, long col0, long images, long oc, long oh, long ow, long ty0,
             long rows, long tw, const float *bias, float *y, long ystride, int relu),
            (m, stride, cols, col0, images, oc, oh, ow, ty0, rows, tw, bias, y, ystride, relu))
NR_DISPATCH(netrun_wino5_output_backward,
            (const float *dy, long images, long oc, long oh, long ow, long ty0, long rows, long tw, float *m,
             long stride, long cols, long col0),
            (dy, images, oc, oh, ow, ty0, rows, tw, m, stride, cols, col0))
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
