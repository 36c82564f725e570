// Private to CNetrunKernels: the 6-point transforms of Winograd F(2x2, 5x5) (winograd_f2x2_5x5.c) and
// F(4x4, 3x3) (winograd_f4x4_3x3.c), which share their points 0, 1, -1, 2, -2 and infinity, so their
// B^T (Lavin & Gray's for F(4x4, 3x3)):
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
// Each 1-D transform is written once, as a macro over the lanes' operations (ADD, SUB, NEG, X2,
// X4: winograd_lanes.h), expanded in the bodies for each ISA. Every product is by 2 or 4 (5x is
// 4x + x), so exact: fusing one into an add changes nothing.
#pragma once
#include "simd_math.h"

// B^T d: six inputs to six outputs (o must not be d).
#define W6_BT(d, o) do {                                                                                \
        __typeof__((d)[0]) s_ = SUB((d)[4], (d)[2]), p_ = SUB((d)[4], X4((d)[2]));                      \
        __typeof__((d)[0]) q_ = SUB((d)[3], X4((d)[1])), r_ = X2(SUB((d)[3], (d)[1]));                  \
        (o)[0] = ADD(X4(SUB((d)[0], (d)[2])), s_); (o)[1] = ADD(p_, q_); (o)[2] = SUB(p_, q_);         \
        (o)[3] = ADD(s_, r_); (o)[4] = SUB(s_, r_); (o)[5] = ADD(X4(SUB((d)[1], (d)[3])), SUB((d)[5], (d)[3])); \
    } while (0)
// B v, its adjoint (o must not be v).
#define W6_B(v, o) do {                                                                                 \
        (o)[0] = X4((v)[0]);                                                                            \
        (o)[1] = ADD(X4(ADD(SUB((v)[2], (v)[1]), (v)[5])), X2(SUB((v)[4], (v)[3])));                    \
        (o)[2] = NEG(ADD(ADD(X4(ADD(ADD((v)[0], (v)[1]), (v)[2])), (v)[0]), ADD((v)[3], (v)[4])));      \
        (o)[3] = SUB(ADD(SUB((v)[1], (v)[2]), X2(SUB((v)[3], (v)[4]))), ADD(X4((v)[5]), (v)[5]));       \
        (o)[4] = ADD(ADD(ADD((v)[0], (v)[1]), ADD((v)[2], (v)[3])), (v)[4]);                            \
        (o)[5] = (v)[5];                                                                                \
    } while (0)
// The filter transforms, U = G g G^T and its adjoint dw = G^T dU G, for G (6 x r, r <= 5, row
// major): in double, once per step, so G's 1/6 and 1/24 round once. U at q * stride + o * cg + c
// for weights [oc, cg, r, r]; dw overwritten, or added to with `accumulate`.
static inline void nr_w6_filter(const float *w, long oc, long cg, float *u, long stride, const double *G, long r) {
    for (long o = 0; o < oc; o++)
        for (long ch = 0; ch < cg; ch++) {
            const float *g = w + (o * cg + ch) * r * r;
            double t[6][5];  // G g
            for (long i = 0; i < 6; i++)
                for (long j = 0; j < r; j++) {
                    double a = 0;
                    for (long k = 0; k < r; k++) a += G[i * r + k] * g[k * r + j];
                    t[i][j] = a;
                }
            for (long i = 0; i < 6; i++)  // (G g) G^T
                for (long l = 0; l < 6; l++) {
                    double a = 0;
                    for (long j = 0; j < r; j++) a += t[i][j] * G[l * r + j];
                    u[(6 * i + l) * stride + o * cg + ch] = (float)a;
                }
        }
}

static inline void nr_w6_filter_backward(const float *du, long stride, long oc, long cg, float *dw, int accumulate,
                                         const double *G, long r) {
    for (long o = 0; o < oc; o++)
        for (long ch = 0; ch < cg; ch++) {
            const float *s = du + o * cg + ch;
            double t[6][5];  // dU G
            for (long i = 0; i < 6; i++)
                for (long j = 0; j < r; j++) {
                    double a = 0;
                    for (long l = 0; l < 6; l++) a += s[(6 * i + l) * stride] * G[l * r + j];
                    t[i][j] = a;
                }
            float *d = dw + (o * cg + ch) * r * r;
            for (long k = 0; k < r; k++)  // then G^T (dU G)
                for (long j = 0; j < r; j++) {
                    double a = 0;
                    for (long i = 0; i < 6; i++) a += G[i * r + k] * t[i][j];
                    d[k * r + j] = accumulate ? d[k * r + j] + (float)a : (float)a;
                }
        }
}
