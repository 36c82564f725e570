// Softmax backward over rows [rows, classes]: dx = y * (dy - sum_j dy_j * y_j).
// AVX2/FMA + scalar. The dot product is read in full before any dx of its row is
// written, so dx may alias dy or y.
#include "simd_math.h"

static NR_AVX2 void netrun_softmax_backward_avx2(const float *y, const float *dy, float *dx, long rows,
                                                 long classes) {
    for (long r = 0; r < rows; r++) {
        const float *yr = y + r * classes, *gr = dy + r * classes;
        float *xr = dx + r * classes;
        __m256 s0 = _mm256_setzero_ps(), s1 = s0;
        long i = 0;
        for (; i + 16 <= classes; i += 16) {
            s0 = _mm256_fmadd_ps(_mm256_loadu_ps(gr + i), _mm256_loadu_ps(yr + i), s0);
            s1 = _mm256_fmadd_ps(_mm256_loadu_ps(gr + i + 8), _mm256_loadu_ps(yr + i + 8), s1);
        }
        for (; i + 8 <= classes; i += 8)
            s0 = _mm256_fmadd_ps(_mm256_loadu_ps(gr + i), _mm256_loadu_ps(yr + i), s0);
        if (i < classes) {
            __m256i m = nr_tail_mask(classes - i);
            s1 = _mm256_fmadd_ps(_mm256_maskload_ps(gr + i, m), _mm256_maskload_ps(yr + i, m), s1);
        }
        __m256 dot = _mm256_set1_ps(nr_hsum256(_mm256_add_ps(s0, s1)));
        { NR_MAP2(yr, gr, xr, classes, _mm256_mul_ps(u, _mm256_sub_ps(v, dot))) } // u = y, v = dy
    }
}
static void netrun_softmax_backward_scalar(const float *y, const float *dy, float *dx, long rows, long classes) {
    for (long r = 0; r < rows; r++) {
        const float *yr = y + r * classes, *gr = dy + r * classes;
        float *xr = dx + r * classes;
        float s[8] = {0};
        long i = 0;
        for (; i + 8 <= classes; i += 8)
            for (int l = 0; l < 8; l++) s[l] += gr[i + l] * yr[i + l];
        for (; i < classes; i++) s[0] += gr[i] * yr[i];
        float dot = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
        for (long j = 0; j < classes; j++) xr[j] = yr[j] * (gr[j] - dot);
    }
}
NR_DISPATCH(netrun_softmax_backward, (const float *y, const float *dy, float *dx, long rows, long classes),
            (y, dy, dx, rows, classes))
