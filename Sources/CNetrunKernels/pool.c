// Max and average pooling over independent [h, w] planes.
// Window of output (oy, ox): rows oy*sh - ph ..< +kh, columns ox*sw - pw ..< +kw,
// clipped to the input; windows hanging past the input (ceil mode) are simply
// clipped. Max: the first largest value in row-major order wins ties; argmax is
// the index in the plane (iy*w + ix), -1 with output 0 for an empty window.
// Average: divisor (he-hs)*(we-ws) with he = min(hs+kh, h+ph) computed before
// clipping to the input when count_include_pad (PyTorch default, Caffe), else the
// number of input pixels in the window. The AVX2 max forward handles 8 outputs of a
// row at a time: interior blocks (whole windows inside, stride 1 or 2) with plain
// loads, every other block (borders, padding, planes narrower than 8, other strides)
// with per-lane validity: masked loads (stride 1) or gathers, a lane taking a value
// when it is valid and either larger or the lane's first. Planes small enough are pooled
// 8 at a time, interleaved (AVX2), or 16 at a time (AVX-512, the same comparisons per lane).
// The rest is scalar.
#include "interleave8.h"

static inline long nr_minl(long a, long b) { return a < b ? a : b; }
static inline long nr_maxl(long a, long b) { return a > b ? a : b; }

static inline void nr_max_window(const float *p, long h, long w, long hs, long ws, long kh,
                                 long kw, float *out, int32_t *arg) {
    long he = nr_minl(hs + kh, h), we = nr_minl(ws + kw, w);
    hs = nr_maxl(hs, 0); ws = nr_maxl(ws, 0);
    float best = 0.0f;
    int32_t bi = -1;
    for (long y = hs; y < he; y++)
        for (long x = ws; x < we; x++) {
            float v = p[y * w + x];
            if (bi < 0 || v > best) { best = v; bi = (int32_t)(y * w + x); }
        }
    *out = best; *arg = bi;
}

static inline float nr_avg_window(const float *p, long h, long w, long hs, long ws, long kh,
                                  long kw, long ph, long pw, int include) {
    long he = nr_minl(hs + kh, h + ph), we = nr_minl(ws + kw, w + pw);
    long size = (he - hs) * (we - ws);
    hs = nr_maxl(hs, 0); ws = nr_maxl(ws, 0); he = nr_minl(he, h); we = nr_minl(we, w);
    if (!include) size = (he - hs) * (we - ws);
    if (size <= 0 || he <= hs || we <= ws) return 0.0f;
    float s = 0.0f;
    for (long y = hs; y < he; y++)
        for (long x = ws; x < we; x++) s += p[y * w + x];
    return s / (float)size;
}

// 8 consecutive inputs starting at q with stride s (1 or 2); reads q[0..<8*s].
NR_VEC __m256 nr_load_strided(const float *q, long s) {
    if (s == 1) return _mm256_loadu_ps(q);
    __m256 a = _mm256_loadu_ps(q), b = _mm256_loadu_ps(q + 8);
    __m256 e = _mm256_shuffle_ps(a, b, 0x88);
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8));
}

// Whether the 8 outputs from ox have whole windows inside the row and every
// vector load (up to 8*sw floats from each window column) stays inside the row.
static inline int nr_block_ok(long ox, long ow, long sw, long pw, long kw, long w) {
    long ws = ox * sw - pw;
    return ox + 8 <= ow && ws >= 0 && ws + kw - 1 + 8 * sw <= w;
}

// The outputs ox ..< ox + n (n <= 8) of row oy, any position and stride: lanes whose
// window pixel (i, j) lies outside the input, or past n, are masked out.
static inline __attribute__((always_inline)) NR_AVX2 void
nr_max_edge_block(const float *p, float *out, int32_t *arg, long h, long w, long hs, long ox, long n,
                  long kh, long kw, long sw, long pw) {
    __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i active = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), lane);
    __m256i col0 = _mm256_sub_epi32(_mm256_mullo_epi32(_mm256_add_epi32(_mm256_set1_epi32((int)ox), lane),
                                                       _mm256_set1_epi32((int)sw)),
                                    _mm256_set1_epi32((int)pw));
    __m256i minus1 = _mm256_set1_epi32(-1), vw = _mm256_set1_epi32((int)w);
    __m256 best = _mm256_setzero_ps();
    __m256i bi = minus1;
    long ws = ox * sw - pw;
    // Each window column's lanes and validity, computed once for all rows (kw <= 16).
    __m256i cols[16], valids[16];
    long kc = kw < 16 ? kw : 16;
    for (long j = 0; j < kc; j++) {
        cols[j] = _mm256_add_epi32(col0, _mm256_set1_epi32((int)j));
        valids[j] = _mm256_and_si256(active, _mm256_and_si256(_mm256_cmpgt_epi32(cols[j], minus1),
                                                              _mm256_cmpgt_epi32(vw, cols[j])));
    }
    for (long i = 0; i < kh; i++) {
        long iy = hs + i;
        if (iy < 0 || iy >= h) continue;
        for (long j = 0; j < kw; j++) {
            __m256i col = j < 16 ? cols[j] : _mm256_add_epi32(col0, _mm256_set1_epi32((int)j));
            __m256i valid = j < 16 ? valids[j]
                                   : _mm256_and_si256(active, _mm256_and_si256(_mm256_cmpgt_epi32(col, minus1),
                                                                               _mm256_cmpgt_epi32(vw, col)));
            __m256i idx = _mm256_add_epi32(_mm256_set1_epi32((int)(iy * w)), col);
            // Stride 1: a plain load where all 8 floats lie inside the plane (invalid lanes
            // are never taken), a masked one at the plane's two ends (vmaskmovps is slow here).
            long off = iy * w + ws + j;
            __m256 v = sw != 1 ? _mm256_mask_i32gather_ps(_mm256_setzero_ps(), p, idx, _mm256_castsi256_ps(valid), 4)
                     : (off >= 0 && off + 8 <= h * w) ? _mm256_loadu_ps(p + off)
                     : _mm256_maskload_ps(p + off, valid);
            __m256i first = _mm256_cmpgt_epi32(_mm256_setzero_si256(), bi);
            __m256i take = _mm256_and_si256(valid, _mm256_or_si256(first, _mm256_castps_si256(_mm256_cmp_ps(v, best, _CMP_GT_OQ))));
            best = _mm256_blendv_ps(best, v, _mm256_castsi256_ps(take));
            bi = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(bi), _mm256_castsi256_ps(idx), _mm256_castsi256_ps(take)));
        }
    }
    // An empty window (no input pixel) gives 0 and -1.
    best = _mm256_and_ps(best, _mm256_castsi256_ps(_mm256_cmpgt_epi32(bi, minus1)));
    if (n == 8) {
        _mm256_storeu_ps(out, best);
        _mm256_storeu_si256((__m256i *)arg, bi);
    } else {   // no masked stores: vmaskmovps stores are slow on AMD Zen
        float tv[8];
        int32_t ti[8];
        _mm256_storeu_ps(tv, best);
        _mm256_storeu_si256((__m256i *)ti, bi);
#pragma clang loop vectorize(disable)
        for (long l = 0; l < n; l++) { out[l] = tv[l]; arg[l] = ti[l]; }
    }
}

// Stride 1 (GoogLeNet's 3x3 pad-1 pools beside the convolutions): each plane is copied into
// a zero-padded scratch plane, so every block of 8 outputs reads with plain loads however
// small the plane. Rows outside the input are skipped and padded columns are masked out: a
// lane takes the first input pixel of its window, then any larger one (nr_max_edge_block's
// rule, so ties and -infinity inputs come out the same). Needs kw <= 16 and the scratch to fit.
enum { NR_POOL_SCRATCH = 16384 };
static inline __attribute__((always_inline)) NR_AVX2 int
nr_maxpool_stride1(const float *x, float *y, int32_t *argmax, long planes, long h, long w, long oh,
                   long ow, long kh, long kw, long ph, long pw) {
    long W = (ow + 7) / 8 * 8 + kw - 1, H = oh + kh - 1;
    if (kw > 16 || H * W > NR_POOL_SCRATCH || h + ph > H || w + pw > W) return 0;
    float buf[NR_POOL_SCRATCH];
    memset(buf, 0, (size_t)(H * W) * sizeof(float));
    __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), minus1 = _mm256_set1_epi32(-1);
    __m256i vw = _mm256_set1_epi32((int)w);
    for (long pl = 0; pl < planes; pl++) {
        const float *p = x + pl * h * w;
        for (long i = 0; i < h; i++) memcpy(buf + (i + ph) * W + pw, p + i * w, (size_t)w * sizeof(float));
        float *out = y + pl * oh * ow;
        int32_t *arg = argmax + pl * oh * ow;
        for (long ox = 0; ox < ow; ox += 8) {
            // Lane l, window column j reads input column ox + l + j - pw: valid inside [0, w).
            __m256i cols[16], valids[16];
            for (long j = 0; j < kw; j++) {
                cols[j] = _mm256_add_epi32(_mm256_set1_epi32((int)(ox + j - pw)), lane);
                valids[j] = _mm256_and_si256(_mm256_cmpgt_epi32(cols[j], minus1), _mm256_cmpgt_epi32(vw, cols[j]));
            }
            for (long oy = 0; oy < oh; oy++) {
                // Padded row oy + i, column ox + j holds input pixel (oy + i - ph, ox + j - pw).
                const float *q = buf + oy * W + ox;
                __m256 best = _mm256_setzero_ps();
                __m256i bi = minus1;
                long i0 = ph - oy > 0 ? ph - oy : 0, i1 = h + ph - oy < kh ? h + ph - oy : kh;
                for (long i = i0; i < i1; i++) {
                    __m256i row = _mm256_set1_epi32((int)((oy + i - ph) * w));
                    for (long j = 0; j < kw; j++) {
                        __m256 v = _mm256_loadu_ps(q + i * W + j);
                        __m256i first = _mm256_cmpgt_epi32(_mm256_setzero_si256(), bi);
                        __m256i take = _mm256_and_si256(valids[j], _mm256_or_si256(first, _mm256_castps_si256(
                                                            _mm256_cmp_ps(v, best, _CMP_GT_OQ))));
                        best = _mm256_blendv_ps(best, v, _mm256_castsi256_ps(take));
                        bi = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(bi),
                                                                  _mm256_castsi256_ps(_mm256_add_epi32(row, cols[j])),
                                                                  _mm256_castsi256_ps(take)));
                    }
                }
                best = _mm256_and_ps(best, _mm256_castsi256_ps(_mm256_cmpgt_epi32(bi, minus1)));  // empty: 0, -1
                if (ox + 8 <= ow) {
                    _mm256_storeu_ps(out + oy * ow + ox, best);
                    _mm256_storeu_si256((__m256i *)(arg + oy * ow + ox), bi);
                } else {
                    float tv[8];
                    int32_t ti[8];
                    _mm256_storeu_ps(tv, best);
                    _mm256_storeu_si256((__m256i *)ti, bi);
#pragma clang loop vectorize(disable)
                    for (long l = 0; l < ow - ox; l++) { out[oy * ow + ox + l] = tv[l]; arg[oy * ow + ox + l] = ti[l]; }
                }
            }
        }
    }
    return 1;
}

// The 8 planes from p0 (`planes` in all, `size` floats each) as pointers; spare lanes of a last
// group of fewer than 8 repeat its last plane (read, never written).
NR_VEC long nr_group8(const float *base, long p0, long planes, long size, const float **src) {
    long np = planes - p0 < 8 ? planes - p0 : 8;
    for (long k = 0; k < 8; k++) src[k] = base + (p0 + (k < np ? k : np - 1)) * size;
    return np;
}

// One output position's window over 8 interleaved planes (`in` is [h*w][8]): the first real
// pixel, then any larger one (`_mm256_max_ps(v, best)` is `v > best ? v : best`), so the lanes
// follow nr_max_window's rule. Rows r0 ..< r1, columns c0 ..< c1, already clipped, not empty.
static inline __attribute__((always_inline)) NR_AVX2 void
nr_max_interleaved(const float *in, long w, long r0, long r1, long c0, long c1, float *out, int32_t *arg) {
    __m256 best = _mm256_loadu_ps(in + (r0 * w + c0) * 8);
    if (arg) {
        __m256i bi = _mm256_set1_epi32((int)(r0 * w + c0));
        for (long r = r0; r < r1; r++)
            for (long c = (r == r0 ? c0 + 1 : c0); c < c1; c++) {
                __m256 v = _mm256_loadu_ps(in + (r * w + c) * 8);
                __m256 gt = _mm256_cmp_ps(v, best, _CMP_GT_OQ);
                best = _mm256_max_ps(v, best);
                bi = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(bi),
                                                          _mm256_castsi256_ps(_mm256_set1_epi32((int)(r * w + c))), gt));
            }
        _mm256_storeu_si256((__m256i *)arg, bi);
    } else {
        for (long r = r0; r < r1; r++)
            for (long c = (r == r0 ? c0 + 1 : c0); c < c1; c++)
                best = _mm256_max_ps(_mm256_loadu_ps(in + (r * w + c) * 8), best);
    }
    _mm256_storeu_ps(out, best);
}

// Small planes (any window, stride and padding), 8 planes at a time: the 8 planes are
// interleaved into a scratch [h*w][8] (8x8 transposes), so every output position scans its
// window once for all 8 with plain loads and one geometry, no masks, no per-lane validity,
// however narrow the plane (Fashion and GoogLeNet's 7- and 14-wide planes); then the results
// are de-interleaved, a chunk of output positions at a time. Whole windows inside the plane
// take the fixed-size loop (unrolled for 3x3). `argmax` may be NULL (inference). Returns 0
// when the plane does not fit the scratch.
enum { NR_IL_INPUT = 16384, NR_IL_CHUNK = 256 };
// Per thread: a group's de-interleaved outputs (and argmax), written out in one copy.
static __thread float nr_il_stage[NR_IL_INPUT], nr_il_stage_ints[NR_IL_INPUT];
static inline __attribute__((always_inline)) NR_AVX2 int
nr_maxpool_interleaved(const float *x, float *y, int32_t *argmax, long planes, long h, long w, long oh,
                       long ow, long kh, long kw, long sh, long sw, long ph, long pw) {
    long hw = h * w, ohw = oh * ow;
    if (hw * 8 > NR_IL_INPUT || ohw * 8 > NR_IL_INPUT) return 0;
    float in[NR_IL_INPUT], outv[NR_IL_CHUNK * 8];
    int32_t outi[NR_IL_CHUNK * 8];
    float *stage = nr_il_stage, *stagei = nr_il_stage_ints;
    for (long p0 = 0; p0 < planes; p0 += 8) {
        const float *src[8];
        long np = nr_group8(x, p0, planes, hw, src);
        nr_interleave8(src, 0, hw, in);
        long oy = 0, ox = 0;
        for (long o0 = 0; o0 < ohw; o0 += NR_IL_CHUNK) {
            long o1 = o0 + NR_IL_CHUNK < ohw ? o0 + NR_IL_CHUNK : ohw;
            for (long o = o0; o < o1; o++) {
                float *ov = outv + (o - o0) * 8;
                int32_t *oi = argmax ? outi + (o - o0) * 8 : 0;
                long rs = oy * sh - ph, cs = ox * sw - pw;
                if (rs >= 0 && rs + kh <= h && cs >= 0 && cs + kw <= w) {
                    if (kh == 3 && kw == 3) nr_max_interleaved(in, w, rs, rs + 3, cs, cs + 3, ov, oi);
                    else nr_max_interleaved(in, w, rs, rs + kh, cs, cs + kw, ov, oi);
                } else {
                    long r0 = nr_maxl(rs, 0), r1 = nr_minl(rs + kh, h), c0 = nr_maxl(cs, 0), c1 = nr_minl(cs + kw, w);
                    if (r0 < r1 && c0 < c1) nr_max_interleaved(in, w, r0, r1, c0, c1, ov, oi);
                    else {  // an empty window: 0 and -1
                        _mm256_storeu_ps(ov, _mm256_setzero_ps());
                        if (oi) _mm256_storeu_si256((__m256i *)oi, _mm256_set1_epi32(-1));
                    }
                }
                if (++ox == ow) { ox = 0; oy++; }
            }
            float *dst[8], *dsti[8];
            for (long k = 0; k < 8; k++) { dst[k] = stage + k * ohw; dsti[k] = stagei + k * ohw; }
            nr_deinterleave8(outv, o0, o1, dst, np);
            if (argmax) nr_deinterleave8((const float *)outi, o0, o1, dsti, np);
        }
        // The group's outputs are contiguous: one sequential copy (16 scattered write
        // streams, outputs and argmax, ran about 15% slower from memory).
        memcpy(y + p0 * ohw, stage, (size_t)(np * ohw) * sizeof(float));
        if (argmax) memcpy(argmax + p0 * ohw, stagei, (size_t)(np * ohw) * sizeof(float));
    }
    return 1;
}

// AVX-512: the same scan over 16 interleaved planes ([h*w][16], each half filled by the 8x8
// transposes), with the same comparisons lane by lane (a mask where AVX2 blends), so the same
// bits and argmax. Returns 0 when 16 planes do not fit the scratch (the AVX2 path takes them).
static inline __attribute__((always_inline)) NR_AVX512 void
nr_max_interleaved16(const float *in, long w, long r0, long r1, long c0, long c1, float *out, int32_t *arg) {
    __m512 best = _mm512_loadu_ps(in + (r0 * w + c0) * 16);
    if (arg) {
        __m512i bi = _mm512_set1_epi32((int)(r0 * w + c0));
        for (long r = r0; r < r1; r++)
            for (long c = (r == r0 ? c0 + 1 : c0); c < c1; c++) {
                __m512 v = _mm512_loadu_ps(in + (r * w + c) * 16);
                __mmask16 gt = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ);
                best = _mm512_max_ps(v, best);
                bi = _mm512_mask_mov_epi32(bi, gt, _mm512_set1_epi32((int)(r * w + c)));
            }
        _mm512_storeu_si512(arg, bi);
    } else {
        for (long r = r0; r < r1; r++)
            for (long c = (r == r0 ? c0 + 1 : c0); c < c1; c++)
                best = _mm512_max_ps(_mm512_loadu_ps(in + (r * w + c) * 16), best);
    }
    _mm512_storeu_ps(out, best);
}

static NR_AVX512 int nr_maxpool_interleaved16(const float *x, float *y, int32_t *argmax, long planes, long h, long w,
                                              long oh, long ow, long kh, long kw, long sh, long sw, long ph, long pw) {
    long hw = h * w, ohw = oh * ow;
    if (hw * 16 > NR_IL_INPUT || ohw * 16 > NR_IL_INPUT) return 0;
    float in[NR_IL_INPUT], outv[NR_IL_CHUNK * 16];
    int32_t outi[NR_IL_CHUNK * 16];
    float *stage = nr_il_stage, *stagei = nr_il_stage_ints;
    for (long p0 = 0; p0 < planes; p0 += 16) {
        // Spare lanes of a last group of fewer than 16 repeat its last plane (read, never written).
        const float *src[16];
        long np = planes - p0 < 16 ? planes - p0 : 16;
        for (long k = 0; k < 16; k++) src[k] = x + (p0 + (k < np ? k : np - 1)) * hw;
        nr_interleave8s(src, 0, hw, in, 16);
        nr_interleave8s(src + 8, 0, hw, in + 8, 16);
        long oy = 0, ox = 0;
        for (long o0 = 0; o0 < ohw; o0 += NR_IL_CHUNK) {
            long o1 = o0 + NR_IL_CHUNK < ohw ? o0 + NR_IL_CHUNK : ohw;
            for (long o = o0; o < o1; o++) {
                float *ov = outv + (o - o0) * 16;
                int32_t *oi = argmax ? outi + (o - o0) * 16 : 0;
                long rs = oy * sh - ph, cs = ox * sw - pw;
                if (rs >= 0 && rs + kh <= h && cs >= 0 && cs + kw <= w) {
                    if (kh == 3 && kw == 3) nr_max_interleaved16(in, w, rs, rs + 3, cs, cs + 3, ov, oi);
                    else nr_max_interleaved16(in, w, rs, rs + kh, cs, cs + kw, ov, oi);
                } else {
                    long r0 = nr_maxl(rs, 0), r1 = nr_minl(rs + kh, h), c0 = nr_maxl(cs, 0), c1 = nr_minl(cs + kw, w);
                    if (r0 < r1 && c0 < c1) nr_max_interleaved16(in, w, r0, r1, c0, c1, ov, oi);
                    else {  // an empty window: 0 and -1
                        _mm512_storeu_ps(ov, _mm512_setzero_ps());
                        if (oi) _mm512_storeu_si512(oi, _mm512_set1_epi32(-1));
                    }
                }
                if (++ox == ow) { ox = 0; oy++; }
            }
            float *dst[16], *dsti[16];
            for (long k = 0; k < 16; k++) { dst[k] = stage + k * ohw; dsti[k] = stagei + k * ohw; }
            long n0 = np < 8 ? np : 8, n1 = np - n0;
            nr_deinterleave8s(outv, o0, o1, dst, n0, 16);
            if (n1 > 0) nr_deinterleave8s(outv + 8, o0, o1, dst + 8, n1, 16);
            if (argmax) {
                nr_deinterleave8s((const float *)outi, o0, o1, dsti, n0, 16);
                if (n1 > 0) nr_deinterleave8s((const float *)outi + 8, o0, o1, dsti + 8, n1, 16);
            }
        }
        memcpy(y + p0 * ohw, stage, (size_t)(np * ohw) * sizeof(float));
        if (argmax) memcpy(argmax + p0 * ohw, stagei, (size_t)(np * ohw) * sizeof(float));
    }
    return 1;
}

static NR_AVX2 void netrun_maxpool_forward_avx2(const float *x, float *y, int32_t *argmax,
                                                long planes, long h, long w, long oh, long ow,
                                                long kh, long kw, long sh, long sw, long ph,
                                                long pw) {
    if (nr_maxpool_interleaved(x, y, argmax, planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw)) return;
    if (sh == 1 && sw == 1 && nr_maxpool_stride1(x, y, argmax, planes, h, w, oh, ow, kh, kw, ph, pw)) return;
    int vec = sw == 1 || sw == 2;
    __m256i lane = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int)sw));
    for (long pl = 0; pl < planes; pl++) {
        const float *p = x + pl * h * w;
        float *out = y + pl * oh * ow;
        int32_t *arg = argmax + pl * oh * ow;
        for (long oy = 0; oy < oh; oy++) {
            long hs = oy * sh - ph;
            int rowok = vec && hs >= 0 && hs + kh <= h;
            for (long ox = 0; ox < ow; ox += 8) {
                long ws = ox * sw - pw;
                if (rowok && nr_block_ok(ox, ow, sw, pw, kw, w)) {
                    __m256 best = nr_load_strided(p + hs * w + ws, sw);
                    __m256i bi = _mm256_add_epi32(_mm256_set1_epi32((int)(hs * w + ws)), lane);
                    for (long i = 0; i < kh; i++)
                        for (long j = (i == 0); j < kw; j++) {
                            long off = (hs + i) * w + ws + j;
                            __m256 v = nr_load_strided(p + off, sw);
                            __m256 gt = _mm256_cmp_ps(v, best, _CMP_GT_OQ);
                            best = _mm256_blendv_ps(best, v, gt);
                            __m256i ci = _mm256_add_epi32(_mm256_set1_epi32((int)off), lane);
                            bi = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(bi),
                                                                      _mm256_castsi256_ps(ci), gt));
                        }
                    _mm256_storeu_ps(out + oy * ow + ox, best);
                    _mm256_storeu_si256((__m256i *)(arg + oy * ow + ox), bi);
                } else {
                    nr_max_edge_block(p, out + oy * ow + ox, arg + oy * ow + ox, h, w, hs, ox,
                                      ow - ox < 8 ? ow - ox : 8, kh, kw, sw, pw);
                }
            }
        }
    }
}
static void netrun_maxpool_forward_scalar(const float *x, float *y, int32_t *argmax, long planes,
                                          long h, long w, long oh, long ow, long kh, long kw,
                                          long sh, long sw, long ph, long pw) {
    for (long pl = 0; pl < planes; pl++)
        for (long oy = 0; oy < oh; oy++)
            for (long ox = 0; ox < ow; ox++) {
                long o = pl * oh * ow + oy * ow + ox;
                int32_t a;
                nr_max_window(x + pl * h * w, h, w, oy * sh - ph, ox * sw - pw, kh, kw, y + o, argmax ? argmax + o : &a);
            }
}
int netrun_maxpool_interleaves(long h, long w, long oh, long ow) { return h * w * 8 <= NR_IL_INPUT && oh * ow * 8 <= NR_IL_INPUT; }
static NR_AVX512 void netrun_maxpool_forward_avx512(const float *x, float *y, int32_t *argmax, long planes, long h,
                                                    long w, long oh, long ow, long kh, long kw, long sh, long sw,
                                                    long ph, long pw) {
    if (nr_maxpool_interleaved16(x, y, argmax, planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw)) return;
    netrun_maxpool_forward_avx2(x, y, argmax, planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw);
}
NR_DISPATCH3(netrun_maxpool_forward,
             (const float *x, float *y, int32_t *argmax, long planes, long h, long w, long oh,
              long ow, long kh, long kw, long sh, long sw, long ph, long pw),
             (x, y, argmax, planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw))

void netrun_maxpool_backward(const float *dy, const int32_t *argmax, float *dx, long planes,
                             long h, long w, long oh, long ow) {
    memset(dx, 0, (size_t)(planes * h * w) * sizeof(float));
    for (long pl = 0; pl < planes; pl++) {
        float *d = dx + pl * h * w;
        const float *g = dy + pl * oh * ow;
        const int32_t *a = argmax + pl * oh * ow;
        for (long o = 0; o < oh * ow; o++)
            if (a[o] >= 0) d[a[o]] += g[o];
    }
}

// Average pooling's window and divisor for output (oy, ox): rows [*r0, *r1), columns
// [*c0, *c1) clipped to the input; 0 when the window holds no input pixel (nr_avg_window's rules).
static inline long nr_avg_geometry(long h, long w, long oy, long ox, long kh, long kw, long sh, long sw, long ph,
                                   long pw, int include, long *r0, long *r1, long *c0, long *c1) {
    long hs = oy * sh - ph, ws = ox * sw - pw;
    long he = nr_minl(hs + kh, h + ph), we = nr_minl(ws + kw, w + pw);
    long size = (he - hs) * (we - ws);
    hs = nr_maxl(hs, 0); ws = nr_maxl(ws, 0); he = nr_minl(he, h); we = nr_minl(we, w);
    if (!include) size = (he - hs) * (we - ws);
    if (size <= 0 || he <= hs || we <= ws) return 0;
    *r0 = hs; *r1 = he; *c0 = ws; *c1 = we;
    return size;
}

// Small planes, 8 at a time as the max pool: the same sums in the same order as the scalar
// loops (row-major from 0, then one division), so the two agree bitwise. Returns 0 when the
// plane does not fit.
static NR_AVX2 int nr_avgpool_forward_interleaved(const float *x, float *y, long planes, long h, long w, long oh,
                                                  long ow, long kh, long kw, long sh, long sw, long ph, long pw,
                                                  int include) {
    long hw = h * w, ohw = oh * ow;
    if (hw * 8 > NR_IL_INPUT || ohw * 8 > NR_IL_INPUT) return 0;
    float in[NR_IL_INPUT], outv[NR_IL_CHUNK * 8];
    float *stage = nr_il_stage;
    for (long p0 = 0; p0 < planes; p0 += 8) {
        const float *src[8];
        long np = nr_group8(x, p0, planes, hw, src);
        nr_interleave8(src, 0, hw, in);
        for (long o0 = 0; o0 < ohw; o0 += NR_IL_CHUNK) {
            long o1 = o0 + NR_IL_CHUNK < ohw ? o0 + NR_IL_CHUNK : ohw;
            for (long o = o0; o < o1; o++) {
                long r0 = 0, r1 = 0, c0 = 0, c1 = 0;
                long size = nr_avg_geometry(h, w, o / ow, o % ow, kh, kw, sh, sw, ph, pw, include, &r0, &r1, &c0, &c1);
                __m256 sum = _mm256_setzero_ps();
                for (long r = r0; r < r1; r++)
                    for (long c = c0; c < c1; c++) sum = _mm256_add_ps(sum, _mm256_loadu_ps(in + (r * w + c) * 8));
                _mm256_storeu_ps(outv + (o - o0) * 8, size ? _mm256_div_ps(sum, _mm256_set1_ps((float)size)) : sum);
            }
            float *dst[8];
            for (long k = 0; k < 8; k++) dst[k] = stage + k * ohw;
            nr_deinterleave8(outv, o0, o1, dst, np);
        }
        memcpy(y + p0 * ohw, stage, (size_t)(np * ohw) * sizeof(float));
    }
    return 1;
}

// Its backward: dy / divisor added over each window into an interleaved dx, outputs in order
// (the scalar loop's order), then de-interleaved over dx. Returns 0 when the plane does not fit.
static NR_AVX2 int nr_avgpool_backward_interleaved(const float *dy, float *dx, long planes, long h, long w, long oh,
                                                   long ow, long kh, long kw, long sh, long sw, long ph, long pw,
                                                   int include) {
    long hw = h * w, ohw = oh * ow;
    if (hw * 8 > NR_IL_INPUT) return 0;
    float acc[NR_IL_INPUT], g[NR_IL_CHUNK * 8];
    for (long p0 = 0; p0 < planes; p0 += 8) {
        const float *src[8];
        long np = nr_group8(dy, p0, planes, ohw, src);
        memset(acc, 0, (size_t)(hw * 8) * sizeof(float));
        for (long o0 = 0; o0 < ohw; o0 += NR_IL_CHUNK) {
            long o1 = o0 + NR_IL_CHUNK < ohw ? o0 + NR_IL_CHUNK : ohw;
            nr_interleave8(src, o0, o1, g);
            for (long o = o0; o < o1; o++) {
                long r0 = 0, r1 = 0, c0 = 0, c1 = 0;
                long size = nr_avg_geometry(h, w, o / ow, o % ow, kh, kw, sh, sw, ph, pw, include, &r0, &r1, &c0, &c1);
                if (!size) continue;
                __m256 v = _mm256_div_ps(_mm256_loadu_ps(g + (o - o0) * 8), _mm256_set1_ps((float)size));
                for (long r = r0; r < r1; r++)
                    for (long c = c0; c < c1; c++) {
                        float *a = acc + (r * w + c) * 8;
                        _mm256_storeu_ps(a, _mm256_add_ps(_mm256_loadu_ps(a), v));
                    }
            }
        }
        float *dst[8];
        for (long k = 0; k < 8; k++) dst[k] = nr_il_stage + k * hw;
        nr_deinterleave8(acc, 0, hw, dst, np);
        memcpy(dx + p0 * hw, nr_il_stage, (size_t)(np * hw) * sizeof(float));
    }
    return 1;
}

static NR_AVX2 void netrun_avgpool_forward_avx2(const float *x, float *y, long planes, long h,
                                                long w, long oh, long ow, long kh, long kw,
                                                long sh, long sw, long ph, long pw, int include) {
    if (nr_avgpool_forward_interleaved(x, y, planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, include)) return;
    int vec = sw == 1 || sw == 2;
    __m256 inv = _mm256_set1_ps(1.0f / (float)(kh * kw));
    for (long pl = 0; pl < planes; pl++) {
        const float *p = x + pl * h * w;
        float *out = y + pl * oh * ow;
        for (long oy = 0; oy < oh; oy++) {
            long hs = oy * sh - ph;
            int rowok = vec && hs >= 0 && hs + kh <= h;
            long ox = 0;
            while (ox < ow) {
                long ws = ox * sw - pw;
                if (rowok && nr_block_ok(ox, ow, sw, pw, kw, w)) {
                    __m256 s = _mm256_setzero_ps();
                    for (long i = 0; i < kh; i++)
                        for (long j = 0; j < kw; j++)
                            s = _mm256_add_ps(s, nr_load_strided(p + (hs + i) * w + ws + j, sw));
                    _mm256_storeu_ps(out + oy * ow + ox, _mm256_mul_ps(s, inv));
                    ox += 8;
                } else {
                    out[oy * ow + ox] = nr_avg_window(p, h, w, hs, ws, kh, kw, ph, pw, include);
                    ox += 1;
                }
            }
        }
    }
}
static void netrun_avgpool_forward_scalar(const float *x, float *y, long planes, long h, long w,
                                          long oh, long ow, long kh, long kw, long sh, long sw,
                                          long ph, long pw, int include) {
    for (long pl = 0; pl < planes; pl++)
        for (long oy = 0; oy < oh; oy++)
            for (long ox = 0; ox < ow; ox++)
                y[pl * oh * ow + oy * ow + ox] = nr_avg_window(x + pl * h * w, h, w, oy * sh - ph,
                                                               ox * sw - pw, kh, kw, ph, pw, include);
}
NR_DISPATCH(netrun_avgpool_forward,
            (const float *x, float *y, long planes, long h, long w, long oh, long ow, long kh,
             long kw, long sh, long sw, long ph, long pw, int count_include_pad),
            (x, y, planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, count_include_pad))

static void netrun_avgpool_backward_scalar(const float *dy, float *dx, long planes, long h, long w, long oh,
                                           long ow, long kh, long kw, long sh, long sw, long ph, long pw,
                                           int include) {
    memset(dx, 0, (size_t)(planes * h * w) * sizeof(float));
    for (long pl = 0; pl < planes; pl++) {
        float *d = dx + pl * h * w;
        const float *g = dy + pl * oh * ow;
        for (long oy = 0; oy < oh; oy++)
            for (long ox = 0; ox < ow; ox++) {
                long hs = oy * sh - ph, ws = ox * sw - pw;
                long he = nr_minl(hs + kh, h + ph), we = nr_minl(ws + kw, w + pw);
                long size = (he - hs) * (we - ws);
                hs = nr_maxl(hs, 0); ws = nr_maxl(ws, 0); he = nr_minl(he, h); we = nr_minl(we, w);
                if (!include) size = (he - hs) * (we - ws);
                if (size <= 0 || he <= hs || we <= ws) continue;
                float v = g[oy * ow + ox] / (float)size;
                for (long yy = hs; yy < he; yy++)
                    for (long xx = ws; xx < we; xx++) d[yy * w + xx] += v;
            }
    }
}
static NR_AVX2 void netrun_avgpool_backward_avx2(const float *dy, float *dx, long planes, long h, long w, long oh,
                                                 long ow, long kh, long kw, long sh, long sw, long ph, long pw,
                                                 int include) {
    if (!nr_avgpool_backward_interleaved(dy, dx, planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, include))
        netrun_avgpool_backward_scalar(dy, dx, planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, include);
}
NR_DISPATCH(netrun_avgpool_backward,
            (const float *dy, float *dx, long planes, long h, long w, long oh, long ow, long kh, long kw, long sh,
             long sw, long ph, long pw, int count_include_pad),
            (dy, dx, planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, count_include_pad))
