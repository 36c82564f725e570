// Innermost SIMD loops of netrun's CPU backend, with runtime dispatch.
//
// Every function below picks, at each call, the widest version this process runs
// (netrun_isa(): AVX-512, AVX2/FMA, or portable scalar C; functions without an AVX-512
// version use their AVX2/FMA one there). Versions are marked with
// `__attribute__((target(...)))`, so the library builds for any x86-64 and runs on it.
// Counts are `long` (Swift `Int`). Unless a comment says otherwise, `out` may alias an
// input of the same length (in-place use is allowed) and nothing is allocated.
// The Swift target NetrunKernels wraps these with shape preconditions and doc
// comments; call them through it.
#pragma once
#include <stdint.h>

// ---- which loops run (cpu.c) ---------------------------------------------------
enum { NETRUN_ISA_SCALAR = 0, NETRUN_ISA_AVX2 = 1, NETRUN_ISA_AVX512 = 2 };
/// The widest level this CPU and its OS run: AVX512 (F, CD, BW, DQ, VL), AVX2 (with FMA), or SCALAR.
int netrun_cpu_isa(void);
/// NETRUN_ISA from the environment: -1 when unset or empty, -2 when not one of
/// scalar, avx2, avx512, else the level asked for.
int netrun_isa_requested(void);
/// -1 for NULL or "", -2 for an unknown name, else the level named (scalar, avx2, avx512).
int netrun_isa_parse(const char *name);
/// The level in use on the calling thread: the CPU's, lowered by NETRUN_ISA, or the
/// calling thread's forced level (never above the CPU's).
int netrun_isa(void);
/// Forces a level (or -1: automatic) on the CALLING thread only; for tests.
void netrun_force_isa(int level);
/// 1 when this CPU has AVX2 and FMA, 0 otherwise.
int netrun_cpu_has_avx2_fma(void);
// The CPUs this process may run on (its affinity mask: taskset, cgroups' cpusets, mpirun's
// binding of a rank to a core); 0 when the system does not say.
int netrun_cpus_allowed(void);
/// Forces the scalar fallback (1) or the automatic choice (0) on the CALLING
/// thread only (kernels split over threads keep the automatic choice); for tests.
void netrun_force_scalar(int on);
/// 1 when the AVX2/FMA (or wider) versions are in use on the calling thread.
int netrun_using_avx2(void);

// ---- matrix products: OpenBLAS, loaded at first use (blas.c) --------------------
/// Row-major C = alpha op(A) op(B) + beta C (cblas_sgemm); -1 when OpenBLAS could not be loaded.
int netrun_sgemm(int transpose_a, int transpose_b, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc);
/// NULL when OpenBLAS is loaded, else why not (loads it first if needed).
const char *netrun_blas_error(void);
/// OpenBLAS's name for the kernels it runs (openblas_get_corename), "" when not loaded.
const char *netrun_blas_core(void);
/// OpenBLAS's build description (openblas_get_config), "" when not loaded.
const char *netrun_blas_config(void);
/// The user's OPENBLAS_CORETYPE when set (it wins), else "".
const char *netrun_blas_forced(void);
/// The kernels this CPU's features call for ("SkylakeX", "Haswell", "Sandybridge"), "" for none better than the library's default.
const char *netrun_blas_wanted(void);
/// The same, without loading the library; NULL for none.
const char *netrun_blas_core_for_features(void);
int netrun_blas_threads(void);
void netrun_blas_set_threads(int n);

// ---- elementwise (elementwise.c) --------------------------------------------
/// y = x < 0 ? 0 : x (PyTorch's relu: NaN and -0.0 pass through unchanged).
void netrun_relu_forward(const float *x, float *y, long n);
/// One image [channels, hw] in place: y += bias[c] (bias may be NULL), then ReLU when `relu`.
void netrun_bias_relu(float *y, const float *bias, long channels, long hw, int relu);
/// dx = y <= 0 ? 0 : dy; y is the forward output (a NaN output passes dy, as PyTorch).
void netrun_relu_backward(const float *y, const float *dy, float *dx, long n);
/// y = x > 0 ? x : slope * x.
void netrun_leaky_relu_forward(const float *x, float *y, float slope, long n);
/// dx = x > 0 ? dy : slope * dy; x is the forward INPUT.
void netrun_leaky_relu_backward(const float *x, const float *dy, float *dx, float slope, long n);
void netrun_sigmoid_forward(const float *x, float *y, long n);
/// dx = dy * y * (1 - y).
void netrun_sigmoid_backward(const float *y, const float *dy, float *dx, long n);
void netrun_tanh_forward(const float *x, float *y, long n);
/// dx = dy * (1 - y^2).
void netrun_tanh_backward(const float *y, const float *dy, float *dx, long n);
/// out = a + b.
void netrun_add(const float *a, const float *b, float *out, long n);
/// y += x.
void netrun_accumulate(const float *x, float *y, long n);
/// Sum of x[0..<n] (eight float lanes, then a pairwise finish).
float netrun_sum(const float *x, long n);
/// Sum of squares of (x - m): for variance.
float netrun_sum_sq_dev(const float *x, float m, long n);
/// y = x * a + b.
void netrun_scale_shift(const float *x, float *y, float a, float b, long n);
/// Sum of a * (x - m).
float netrun_dot_dev(const float *a, const float *x, float m, long n);
/// y = a*p + b*q + c.
void netrun_lincomb2(const float *p, const float *q, float *y, float a, float b, float c, long n);

// ---- softmax (softmax.c), rows of `classes` floats --------------------------
/// Per row: dx = y * (dy - sum_j dy_j * y_j); y is the forward output. dx may
/// alias dy or y.
void netrun_softmax_backward(const float *y, const float *dy, float *dx, long rows, long classes);

// ---- dropout (dropout.c) ----------------------------------------------------
/// keep[i] = hash(key, first + i) >= threshold ? 1 : 0; y = keep ? x * scale : 0.
/// `key` mixes seed and step (see Dropout.swift); `threshold` is p * 2^24.
void netrun_dropout_forward(const float *x, float *y, uint8_t *mask, long n,
                            uint64_t key, uint64_t first, uint32_t threshold,
                            float scale);
/// dx = dy * mask * scale.
void netrun_dropout_backward(const float *dy, const uint8_t *mask, float *dx,
                             long n, float scale);

// ---- SGD (sgd.c) ------------------------------------------------------------
/// d = g*grad_scale + wd*w; v = m*v + d; w -= lr * (nesterov ? d + m*v : v).
void netrun_sgd_step(float *w, const float *g, float *v, long n, float lr,
                     float momentum, float weight_decay, int nesterov, float grad_scale);

// ---- Lookahead (lookahead.c) ------------------------------------------------
/// slow = fma(alpha, w - slow, slow); w = slow (every path the same bits).
void netrun_lookahead_sync(float *w, float *slow, long n, float alpha);

// ---- Adam, AdamW (adam.c) ---------------------------------------------------
/// PyTorch's single-tensor Adam step over n values (formulas in adam.c): pass
/// weight_decay 0 and decay_factor (1 - lr*wd) for AdamW, or weight_decay wd and
/// decay_factor 1 for Adam; lerp_t = 1 - beta1; step_size = lr / (1 - beta1^t);
/// bc2_sqrt = sqrt(1 - beta2^t).
void netrun_adam_step(float *w, const float *g, float *m, float *v, long n, float grad_scale,
                      float weight_decay, float decay_factor, float lerp_t, float beta2,
                      float one_minus_beta2, float step_size, float bc2_sqrt, float eps);

// ---- norms and averages (norm.c, average.c) ---------------------------------
/// Sum of x[i]^2 accumulated in double.
double netrun_sum_squares(const float *x, long n);
/// a += t * (x - a).
void netrun_lerp_toward(float *a, const float *x, long n, float t);

// ---- im2col (im2col.c) ------------------------------------------------------
/// One image [c, h, w] -> col [c*kh*kw, oh*ow]; zeros where the window is padding.
void netrun_im2col(const float *im, long c, long h, long w, long kh, long kw,
                   long sh, long sw, long ph, long pw, long dh, long dw,
                   long oh, long ow, float *col);
/// Adds col [c*kh*kw, oh*ow] back into one image [c, h, w] (im is not zeroed).
void netrun_col2im(const float *col, long c, long h, long w, long kh, long kw,
                   long sh, long sw, long ph, long pw, long dh, long dw,
                   long oh, long ow, float *im);

// ---- Winograd F(2x2, 3x3) transforms (winograd_f2x2_3x3.c) ---------------------------
// Transformed arrays are [16][rows][cols] at q * stride + row * cols + col. A call handles tile
// rows ty0 ..< ty0 + rows (tiles of 2x2 outputs, tw per row) of `images` images; tile (b, ty, tx)
// is column col0 + (b * rows + ty - ty0) * tw + tx. `plane`: scratch of (2*rows+2) * 2*(tw+10)
// floats. AVX2 (8 tiles of a row at a time) where the CPU has it; the products between them
// are OpenBLAS's.
/// V = B^T d B for every 4x4 input tile of `images` images [c, h, w] padded by (ph, pw).
void netrun_wino_input(const float *x, long images, long c, long h, long w, long ph, long pw,
                       long ty0, long rows, long tw, float *v, long stride, long cols, long col0, float *plane);
/// The adjoint of netrun_wino_input: dx = sum over tiles of B dV B^T (overwritten, or added to
/// when `accumulate`). Bands of one image go in order: a band with ty0 > 0 adds to the two input
/// rows it shares with the band before.
void netrun_wino_input_backward(const float *dv, long images, long c, long h, long w, long ph, long pw,
                                long ty0, long rows, long tw, long stride, long cols, long col0, float *plane,
                                float *dx, int accumulate);
/// y = A^T M A (+ bias) for `images` images [oc, oh, ow], `ystride` floats apart (written, not added);
/// with `relu`, max(0, y) (NaN kept) as it is stored.
void netrun_wino_output(const float *m, long stride, long cols, long col0, long images, long oc,
                        long oh, long ow, long ty0, long rows, long tw, const float *bias, float *y, long ystride,
                        int relu);
/// The adjoint of netrun_wino_output without bias: M = A dY A^T per tile.
void netrun_wino_output_backward(const float *dy, long images, long oc, long oh, long ow, long ty0, long rows,
                                 long tw, float *m, long stride, long cols, long col0);
/// U = G g G^T for weights [oc, cg, 3, 3]: U at q * stride + o * cg + c.
void netrun_wino_filter(const float *w, long oc, long cg, float *u, long stride);
/// The adjoint: dw = G^T dU G (overwritten, or added to when `accumulate`).
void netrun_wino_filter_backward(const float *du, long stride, long oc, long cg, float *dw, int accumulate);

// ---- Winograd F(2x2, 5x5) transforms (winograd_f2x2_5x5.c) ---------------------------
// The same conventions and meanings as the F(2x2, 3x3) functions above, for 5x5 filters: 36
// position planes ([36][rows][cols]), 6x6 input tiles, `plane` of (2*rows+4) * 2*(tw+12) floats;
// a band with ty0 > 0 adds to the four input rows it shares with the band before.
void netrun_wino5_input(const float *x, long images, long c, long h, long w, long ph, long pw,
                        long ty0, long rows, long tw, float *v, long stride, long cols, long col0, float *plane);
void netrun_wino5_input_backward(const float *dv, long images, long c, long h, long w, long ph, long pw,
                                 long ty0, long rows, long tw, long stride, long cols, long col0, float *plane,
                                 float *dx, int accumulate);
void netrun_wino5_output(const float *m, long stride, long cols, long col0, long images, long oc,
                         long oh, long ow, long ty0, long rows, long tw, const float *bias, float *y, long ystride,
                         int relu);
void netrun_wino5_output_backward(const float *dy, long images, long oc, long oh, long ow, long ty0, long rows,
                                  long tw, float *m, long stride, long cols, long col0);
/// U = G g G^T for weights [oc, cg, 5, 5] (computed in double): U at q * stride + o * cg + c.
void netrun_wino5_filter(const float *w, long oc, long cg, float *u, long stride);
void netrun_wino5_filter_backward(const float *du, long stride, long oc, long cg, float *dw, int accumulate);

// ---- Winograd F(4x4, 3x3) transforms (winograd_f4x4_3x3.c), 8 images in the AVX2 lanes ------------
// The same meanings as the F(2x2, 3x3) functions, for whole images (no bands): 36 position
// planes; tiles of 4x4 outputs, th x tw per image; image b of the call's `images` and tile
// k = ty * tw + tx is column ((b / 8) * th * tw + k) * 8 + b % 8 of each [cols] row, so a call's
// columns are ceil(images / 8) * 8 * th * tw. `scratch`: netrun_wino4_scratch(th, tw, w, ow) floats.
long netrun_wino4_scratch(long th, long tw, long w, long ow);
void netrun_wino4_input(const float *x, long images, long c, long h, long w, long ph, long pw, long th, long tw,
                        float *v, long stride, long cols, float *scratch);
void netrun_wino4_input_backward(const float *dv, long images, long c, long h, long w, long ph, long pw, long th,
                                 long tw, long stride, long cols, float *scratch, float *dx, int accumulate);
void netrun_wino4_output(const float *m, long stride, long cols, long images, long oc, long oh, long ow, long th,
                         long tw, const float *bias, float *y, long ystride, int relu, float *scratch);
void netrun_wino4_output_backward(const float *dy, long images, long oc, long oh, long ow, long th, long tw,
                                  float *m, long stride, long cols, float *scratch);
void netrun_wino4_filter(const float *w, long oc, long cg, float *u, long stride);
void netrun_wino4_filter_backward(const float *du, long stride, long oc, long cg, float *dw, int accumulate);

// ---- pooling (pool.c), `planes` independent [h, w] -> [oh, ow] planes -------
/// y = the max of each window, argmax its index in the plane (the first largest in row-major
/// order; -1 and y = 0 for an empty window). argmax may be NULL (inference) only when
/// netrun_maxpool_interleaves(h, w, oh, ow): planes that small are pooled 8 at a time.
int netrun_maxpool_interleaves(long h, long w, long oh, long ow);
void netrun_maxpool_forward(const float *x, float *y, int32_t *argmax,
                            long planes, long h, long w, long oh, long ow,
                            long kh, long kw, long sh, long sw, long ph, long pw);
/// dx = 0, then dx[argmax] += dy per plane.
void netrun_maxpool_backward(const float *dy, const int32_t *argmax, float *dx,
                             long planes, long h, long w, long oh, long ow);
void netrun_avgpool_forward(const float *x, float *y, long planes, long h,
                            long w, long oh, long ow, long kh, long kw, long sh,
                            long sw, long ph, long pw, int count_include_pad);
/// dx = 0, then each dy spread evenly over its window.
void netrun_avgpool_backward(const float *dy, float *dx, long planes, long h,
                             long w, long oh, long ow, long kh, long kw, long sh,
                             long sw, long ph, long pw, int count_include_pad);

// ---- LRN across channels (lrn.c), images [c, hw] ----------------------------
/// s = k + alpha * sum_{j in [i-size/2, i-size/2+size-1]} x_j^2; y = x * s^-beta.
void netrun_lrn_forward(const float *x, float *y, float *s, long images,
                        long c, long hw, long size, float alpha, float beta,
                        float k);
/// dx_j = dy_j s_j^-beta - 2 alpha beta x_j sum_{i: j in window(i)} dy_i y_i / s_i.
void netrun_lrn_backward(const float *x, const float *y, const float *s,
                         const float *dy, float *dx, long images, long c,
                         long hw, long size, float alpha, float beta);

// ---- the machine's peak (peak.c) ------------------------------------------------
/// Runs `iterations` rounds of 16 independent fused multiply-adds in the CPU's widest
/// vectors (netrun_cpu_isa, whatever NETRUN_ISA says) and returns the floating-point
/// operations done (2 per lane per FMA); time it to get one core's FMA peak.
long netrun_fma_loop(long iterations);
