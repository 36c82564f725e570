// Elementwise loops: activations, add/accumulate, sums. AVX-512 (the maps), AVX2/FMA, scalar;
// each AVX-512 map does per element the operations of its AVX2 version, so both give the same bits.
#include "simd_math.h"

// ---- ReLU as PyTorch's (clamp_min(x, 0)): y = x < 0 ? 0 : x, so NaN stays NaN
// (sign kept), -0.0 stays -0.0, -inf gives 0. _mm256_max_ps(a, b)
// is `a > b ? a : b`: it returns b when either is NaN, so x must be the SECOND operand.
static NR_AVX2 void netrun_relu_forward_avx2(const float *x, float *y, long n) {
    __m256 z = _mm256_setzero_ps();
    NR_MAP1(x, y, n, _mm256_max_ps(z, v))
}
static NR_AVX512 void netrun_relu_forward_avx512(const float *x, float *y, long n) {
    __m512 z = _mm512_setzero_ps();
    NR_MAP1_512(x, y, n, _mm512_max_ps(z, v))
}
static void netrun_relu_forward_scalar(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}
NR_DISPATCH3(netrun_relu_forward, (const float *x, float *y, long n), (x, y, n))

// A convolution's epilogue over one image [channels, hw]: y += bias[c] (bias may be NULL),
// then with `relu` the ReLU above.
static NR_AVX2 void netrun_bias_relu_avx2(float *y, const float *bias, long channels, long hw, int relu) {
    __m256 z = _mm256_setzero_ps();
    for (long c = 0; c < channels; c++) {
        float *p = y + c * hw;
        __m256 b = _mm256_set1_ps(bias ? bias[c] : 0.0f);
        if (relu) { NR_MAP1(p, p, hw, _mm256_max_ps(z, _mm256_add_ps(v, b))) }
        else { NR_MAP1(p, p, hw, _mm256_add_ps(v, b)) }
    }
}
static NR_AVX512 void netrun_bias_relu_avx512(float *y, const float *bias, long channels, long hw, int relu) {
    __m512 z = _mm512_setzero_ps();
    for (long c = 0; c < channels; c++) {
        float *p = y + c * hw;
        __m512 b = _mm512_set1_ps(bias ? bias[c] : 0.0f);
        if (relu) { NR_MAP1_512(p, p, hw, _mm512_max_ps(z, _mm512_add_ps(v, b))) }
        else { NR_MAP1_512(p, p, hw, _mm512_add_ps(v, b)) }
    }
}
static void netrun_bias_relu_scalar(float *y, const float *bias, long channels, long hw, int relu) {
    for (long c = 0; c < channels; c++) {
        float b = bias ? bias[c] : 0.0f, *p = y + c * hw;
        for (long i = 0; i < hw; i++) {
            float v = p[i] + b;
            p[i] = relu && v < 0.0f ? 0.0f : v;
        }
    }
}
NR_DISPATCH3(netrun_bias_relu, (float *y, const float *bias, long channels, long hw, int relu),
            (y, bias, channels, hw, relu))

// As PyTorch's threshold_backward(dy, y, 0): dx = y <= 0 ? 0 : dy, so the gradient
// passes where y > 0 and where y is NaN (NLE_UQ: "not <=", true when unordered).
static NR_AVX2 void netrun_relu_backward_avx2(const float *y, const float *dy, float *dx, long n) {
    __m256 z = _mm256_setzero_ps();
    NR_MAP2(y, dy, dx, n, _mm256_and_ps(_mm256_cmp_ps(u, z, _CMP_NLE_UQ), v))
}
static NR_AVX512 void netrun_relu_backward_avx512(const float *y, const float *dy, float *dx, long n) {
    __m512 z = _mm512_setzero_ps();
    NR_MAP2_512(y, dy, dx, n, _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(u, z, _CMP_NLE_UQ), v))
}
static void netrun_relu_backward_scalar(const float *y, const float *dy, float *dx, long n) {
    for (long i = 0; i < n; i++) dx[i] = y[i] <= 0.0f ? 0.0f : dy[i];
}
NR_DISPATCH3(netrun_relu_backward, (const float *y, const float *dy, float *dx, long n), (y, dy, dx, n))

// ---- leaky ReLU (PyTorch's F.leaky_relu): y = x > 0 ? x : slope * x, so NaN
// propagates (slope * NaN); backward reads the INPUT: dx = x > 0 ? dy : slope * dy,
// right for any slope (0 or negative included).
static NR_AVX2 void netrun_leaky_relu_forward_avx2(const float *x, float *y, float slope, long n) {
    __m256 z = _mm256_setzero_ps(), s = _mm256_set1_ps(slope);
    NR_MAP1(x, y, n, _mm256_blendv_ps(_mm256_mul_ps(v, s), v, _mm256_cmp_ps(v, z, _CMP_GT_OQ)))
}
static NR_AVX512 void netrun_leaky_relu_forward_avx512(const float *x, float *y, float slope, long n) {
    __m512 z = _mm512_setzero_ps(), s = _mm512_set1_ps(slope);
    NR_MAP1_512(x, y, n, _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, z, _CMP_GT_OQ), _mm512_mul_ps(v, s), v))
}
static void netrun_leaky_relu_forward_scalar(const float *x, float *y, float slope, long n) {
    for (long i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : slope * x[i];
}
NR_DISPATCH3(netrun_leaky_relu_forward, (const float *x, float *y, float slope, long n), (x, y, slope, n))

static NR_AVX2 void netrun_leaky_relu_backward_avx2(const float *x, const float *dy, float *dx, float slope,
                                                    long n) {
    __m256 z = _mm256_setzero_ps(), s = _mm256_set1_ps(slope);
    NR_MAP2(x, dy, dx, n, _mm256_blendv_ps(_mm256_mul_ps(v, s), v, _mm256_cmp_ps(u, z, _CMP_GT_OQ)))
}
static NR_AVX512 void netrun_leaky_relu_backward_avx512(const float *x, const float *dy, float *dx, float slope,
                                                        long n) {
    __m512 z = _mm512_setzero_ps(), s = _mm512_set1_ps(slope);
    NR_MAP2_512(x, dy, dx, n, _mm512_mask_blend_ps(_mm512_cmp_ps_mask(u, z, _CMP_GT_OQ), _mm512_mul_ps(v, s), v))
}
static void netrun_leaky_relu_backward_scalar(const float *x, const float *dy, float *dx, float slope, long n) {
    for (long i = 0; i < n; i++) dx[i] = x[i] > 0.0f ? dy[i] : slope * dy[i];
}
NR_DISPATCH3(netrun_leaky_relu_backward, (const float *x, const float *dy, float *dx, float slope, long n),
            (x, dy, dx, slope, n))

// ---- sigmoid: 1 / (1 + e^-x)
NR_VEC __m256 nr_sigmoid256(__m256 v) {
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 e = nr_exp256(_mm256_sub_ps(_mm256_setzero_ps(), v));
    return _mm256_div_ps(one, _mm256_add_ps(one, e));
}
static NR_AVX2 void netrun_sigmoid_forward_avx2(const float *x, float *y, long n) {
    NR_MAP1(x, y, n, nr_sigmoid256(v))
}
static void netrun_sigmoid_forward_scalar(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = 1.0f / (1.0f + expf(-x[i]));
}
NR_DISPATCH(netrun_sigmoid_forward, (const float *x, float *y, long n), (x, y, n))

static NR_AVX2 void netrun_sigmoid_backward_avx2(const float *y, const float *dy, float *dx, long n) {
    __m256 one = _mm256_set1_ps(1.0f);
    NR_MAP2(y, dy, dx, n, _mm256_mul_ps(v, _mm256_mul_ps(u, _mm256_sub_ps(one, u))))
}
static NR_AVX512 void netrun_sigmoid_backward_avx512(const float *y, const float *dy, float *dx, long n) {
    __m512 one = _mm512_set1_ps(1.0f);
    NR_MAP2_512(y, dy, dx, n, _mm512_mul_ps(v, _mm512_mul_ps(u, _mm512_sub_ps(one, u))))
}
static void netrun_sigmoid_backward_scalar(const float *y, const float *dy, float *dx, long n) {
    for (long i = 0; i < n; i++) dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}
NR_DISPATCH3(netrun_sigmoid_backward, (const float *y, const float *dy, float *dx, long n), (y, dy, dx, n))

// ---- tanh: Cephes odd polynomial for |x| < 0.625, else 1 - 2 / (e^{2|x|} + 1)
NR_VEC __m256 nr_tanh256(__m256 v) {
    __m256 sign = _mm256_and_ps(v, _mm256_set1_ps(-0.0f));
    __m256 a = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 e = nr_exp256(_mm256_add_ps(a, a));
    __m256 big = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
    __m256 z = _mm256_mul_ps(a, a);
    __m256 p = _mm256_set1_ps(-5.70498872745E-3f);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954E-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531E-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036E-1f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422E-1f));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), a, a);
    __m256 r = _mm256_blendv_ps(big, small, _mm256_cmp_ps(a, _mm256_set1_ps(0.625f), _CMP_LT_OQ));
    return _mm256_or_ps(r, sign);
}
static NR_AVX2 void netrun_tanh_forward_avx2(const float *x, float *y, long n) {
    NR_MAP1(x, y, n, nr_tanh256(v))
}
static void netrun_tanh_forward_scalar(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = tanhf(x[i]);
}
NR_DISPATCH(netrun_tanh_forward, (const float *x, float *y, long n), (x, y, n))

static NR_AVX2 void netrun_tanh_backward_avx2(const float *y, const float *dy, float *dx, long n) {
    __m256 one = _mm256_set1_ps(1.0f);
    NR_MAP2(y, dy, dx, n, _mm256_mul_ps(v, _mm256_fnmadd_ps(u, u, one)))
}
static NR_AVX512 void netrun_tanh_backward_avx512(const float *y, const float *dy, float *dx, long n) {
    __m512 one = _mm512_set1_ps(1.0f);
    NR_MAP2_512(y, dy, dx, n, _mm512_mul_ps(v, _mm512_fnmadd_ps(u, u, one)))
}
static void netrun_tanh_backward_scalar(const float *y, const float *dy, float *dx, long n) {
    for (long i = 0; i < n; i++) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}
NR_DISPATCH3(netrun_tanh_backward, (const float *y, const float *dy, float *dx, long n), (y, dy, dx, n))

// ---- add, accumulate, scale-shift
static NR_AVX2 void netrun_add_avx2(const float *a, const float *b, float *out, long n) {
    NR_MAP2(a, b, out, n, _mm256_add_ps(u, v))
}
static NR_AVX512 void netrun_add_avx512(const float *a, const float *b, float *out, long n) {
    NR_MAP2_512(a, b, out, n, _mm512_add_ps(u, v))
}
static void netrun_add_scalar(const float *a, const float *b, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = a[i] + b[i];
}
NR_DISPATCH3(netrun_add, (const float *a, const float *b, float *out, long n), (a, b, out, n))
void netrun_accumulate(const float *x, float *y, long n) { netrun_add(x, y, y, n); }

static NR_AVX2 void netrun_scale_shift_avx2(const float *x, float *y, float a, float b, long n) {
    __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b);
    NR_MAP1(x, y, n, _mm256_fmadd_ps(v, va, vb))
}
static NR_AVX512 void netrun_scale_shift_avx512(const float *x, float *y, float a, float b, long n) {
    __m512 va = _mm512_set1_ps(a), vb = _mm512_set1_ps(b);
    NR_MAP1_512(x, y, n, _mm512_fmadd_ps(v, va, vb))
}
static void netrun_scale_shift_scalar(const float *x, float *y, float a, float b, long n) {
    for (long i = 0; i < n; i++) y[i] = x[i] * a + b;
}
NR_DISPATCH3(netrun_scale_shift, (const float *x, float *y, float a, float b, long n), (x, y, a, b, n))

// ---- sums: eight lanes (four accumulators when long), reduced at the end
static NR_AVX2 float netrun_sum_avx2(const float *x, long n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    long i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
        a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + i + 8));
        a2 = _mm256_add_ps(a2, _mm256_loadu_ps(x + i + 16));
        a3 = _mm256_add_ps(a3, _mm256_loadu_ps(x + i + 24));
    }
    for (; i + 8 <= n; i += 8) a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
    if (i < n) a1 = _mm256_add_ps(a1, _mm256_maskload_ps(x + i, nr_tail_mask(n - i)));
    return nr_hsum256(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
}
static float netrun_sum_scalar(const float *x, long n) {
    float a[8] = {0};
    long i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) a[l] += x[i + l];
    for (; i < n; i++) a[0] += x[i];
    return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
}
float netrun_sum(const float *x, long n) {
    return netrun_using_avx2() ? netrun_sum_avx2(x, n) : netrun_sum_scalar(x, n);
}

static NR_AVX2 float netrun_sum_sq_dev_avx2(const float *x, float m, long n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, vm = _mm256_set1_ps(m);
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), vm);
        __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), vm);
        a0 = _mm256_fmadd_ps(d0, d0, a0);
        a1 = _mm256_fmadd_ps(d1, d1, a1);
    }
    for (; i + 8 <= n; i += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), vm);
        a0 = _mm256_fmadd_ps(d, d, a0);
    }
    if (i < n) {
        __m256i msk = nr_tail_mask(n - i);
        __m256 d = _mm256_and_ps(_mm256_sub_ps(_mm256_maskload_ps(x + i, msk), vm),
                                 _mm256_castsi256_ps(msk));
        a1 = _mm256_fmadd_ps(d, d, a1);
    }
    return nr_hsum256(_mm256_add_ps(a0, a1));
}
static float netrun_sum_sq_dev_scalar(const float *x, float m, long n) {
    float a[8] = {0};
    long i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) { float d = x[i + l] - m; a[l] += d * d; }
    for (; i < n; i++) { float d = x[i] - m; a[0] += d * d; }
    return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
}
float netrun_sum_sq_dev(const float *x, float m, long n) {
    return netrun_using_avx2() ? netrun_sum_sq_dev_avx2(x, m, n) : netrun_sum_sq_dev_scalar(x, m, n);
}

// ---- batch-norm helpers: sum a*(x - m), and y = a*p + b*q + c
static NR_AVX2 float netrun_dot_dev_avx2(const float *a, const float *x, float m, long n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, vm = _mm256_set1_ps(m);
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_sub_ps(_mm256_loadu_ps(x + i), vm), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), vm), s1);
    }
    for (; i < n; i += 8) {
        __m256i msk = nr_tail_mask(n - i < 8 ? n - i : 8);
        __m256 d = _mm256_and_ps(_mm256_sub_ps(_mm256_maskload_ps(x + i, msk), vm), _mm256_castsi256_ps(msk));
        s0 = _mm256_fmadd_ps(_mm256_maskload_ps(a + i, msk), d, s0);
    }
    return nr_hsum256(_mm256_add_ps(s0, s1));
}
static float netrun_dot_dev_scalar(const float *a, const float *x, float m, long n) {
    float s[8] = {0};
    long i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) s[l] += a[i + l] * (x[i + l] - m);
    for (; i < n; i++) s[0] += a[i] * (x[i] - m);
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}
float netrun_dot_dev(const float *a, const float *x, float m, long n) {
    return netrun_using_avx2() ? netrun_dot_dev_avx2(a, x, m, n) : netrun_dot_dev_scalar(a, x, m, n);
}

static NR_AVX2 void netrun_lincomb2_avx2(const float *p, const float *q, float *y, float a, float b,
                                         float c, long n) {
    __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b), vc = _mm256_set1_ps(c);
    NR_MAP2(p, q, y, n, _mm256_fmadd_ps(va, u, _mm256_fmadd_ps(vb, v, vc)))
}
static NR_AVX512 void netrun_lincomb2_avx512(const float *p, const float *q, float *y, float a, float b,
                                             float c, long n) {
    __m512 va = _mm512_set1_ps(a), vb = _mm512_set1_ps(b), vc = _mm512_set1_ps(c);
    NR_MAP2_512(p, q, y, n, _mm512_fmadd_ps(va, u, _mm512_fmadd_ps(vb, v, vc)))
}
static void netrun_lincomb2_scalar(const float *p, const float *q, float *y, float a, float b,
                                   float c, long n) {
    for (long i = 0; i < n; i++) y[i] = a * p[i] + (b * q[i] + c);
}
NR_DISPATCH3(netrun_lincomb2,
            (const float *p, const float *q, float *y, float a, float b, float c, long n),
            (p, q, y, a, b, c, n))
