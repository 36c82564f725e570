// Private to CNetrunKernels: the vector of 8 lanes the Winograd transforms are written over, once
// per form (winograd_f2x2_3x3_body.h, winograd_f2x2_5x5_body.h, winograd_f4x4_3x3_body.h), and
// expanded for each ISA. A form's .c file includes its body twice:
//     #define NR_W_AVX2
//     #include "winograd_f2x2_3x3_body.h"   // name##_avx2: __m256
//     #undef NR_W_AVX2
//     #include "winograd_f2x2_3x3_body.h"   // name##_scalar: nr_f8, each operation a loop over the lanes
// and NR_DISPATCH picks one at run time (AVX-512 runs the AVX2 versions). Each body includes this
// header first; it (re)defines the operations for NR_W_AVX2:
//   VT, the vector; VMASK, which lanes (the first n): VLANES(n)
//   VLOAD(p), VLOADM(p, mk) (zero in the other lanes), VSTORE(p, v), VSTOREM(p, mk, v) (the
//   mask's lanes only), VSET1(x), VZERO, VRELU(v) (max(0, v): NaN and -0 stay, as
//   netrun_relu_forward), and ADD, SUB, NEG, X2, X4, X8, which the 1-D transforms' macros use
//   (winograd_6point.h and each form's .c file)
//   FN(name): name##_avx2 or name##_scalar, the body's functions and the per-ISA helpers it
//   calls (winograd_tiles.h, winograd_f4x4_3x3.c); ATTR, the functions' target attribute.
// Both sets do the same operations in the same order, lane by lane, so the versions agree bitwise.
// Every product in the transforms is by 2, 4 or 8, so exact: fusing one into an add changes nothing.

#ifndef NR_WINOGRAD_LANES_ONCE
#define NR_WINOGRAD_LANES_ONCE
#include "simd_math.h"
#include <string.h>

// Mask of the lanes below n (any n: none when n <= 0, all when n >= 8).
NR_VEC __m256i nr_wino_lanes(long n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// The scalar vector: 8 lanes in a struct; its mask is the count of lanes.
typedef struct { float l[8]; } nr_f8;
static inline nr_f8 nr_f8_load(const float *p) { nr_f8 r; memcpy(r.l, p, sizeof r.l); return r; }
static inline nr_f8 nr_f8_loadm(const float *p, long n) {
    nr_f8 r;
    for (long i = 0; i < 8; i++) r.l[i] = i < n ? p[i] : 0.0f;
    return r;
}
static inline void nr_f8_store(float *p, nr_f8 a) { memcpy(p, a.l, sizeof a.l); }
static inline void nr_f8_storem(float *p, long n, nr_f8 a) { for (long i = 0; i < 8 && i < n; i++) p[i] = a.l[i]; }
static inline nr_f8 nr_f8_set1(float x) { nr_f8 r; for (int i = 0; i < 8; i++) r.l[i] = x; return r; }
static inline nr_f8 nr_f8_add(nr_f8 a, nr_f8 b) { for (int i = 0; i < 8; i++) a.l[i] = a.l[i] + b.l[i]; return a; }
static inline nr_f8 nr_f8_sub(nr_f8 a, nr_f8 b) { for (int i = 0; i < 8; i++) a.l[i] = a.l[i] - b.l[i]; return a; }
static inline nr_f8 nr_f8_neg(nr_f8 a) { for (int i = 0; i < 8; i++) a.l[i] = -a.l[i]; return a; }
static inline nr_f8 nr_f8_mul(nr_f8 a, float s) { for (int i = 0; i < 8; i++) a.l[i] = s * a.l[i]; return a; }
static inline nr_f8 nr_f8_relu(nr_f8 a) { for (int i = 0; i < 8; i++) a.l[i] = a.l[i] < 0.0f ? 0.0f : a.l[i]; return a; }
#endif

#undef VT
#undef VMASK
#undef VLANES
#undef VLOAD
#undef VLOADM
#undef VSTORE
#undef VSTOREM
#undef VSET1
#undef VZERO
#undef VRELU
#undef ADD
#undef SUB
#undef NEG
#undef X2
#undef X4
#undef X8
#undef FN
#undef ATTR

#ifdef NR_W_AVX2
#define VT __m256
#define VMASK __m256i
#define VLANES(n) nr_wino_lanes(n)
#define VLOAD(p) _mm256_loadu_ps(p)
#define VLOADM(p, mk) _mm256_maskload_ps(p, mk)
#define VSTORE(p, v) _mm256_storeu_ps(p, v)
#define VSTOREM(p, mk, v) _mm256_maskstore_ps(p, mk, v)
#define VSET1(x) _mm256_set1_ps(x)
#define VZERO _mm256_setzero_ps()
#define VRELU(v) _mm256_max_ps(_mm256_setzero_ps(), v)
#define ADD(a, b) _mm256_add_ps(a, b)
#define SUB(a, b) _mm256_sub_ps(a, b)
#define NEG(a) _mm256_xor_ps(a, _mm256_set1_ps(-0.0f))
#define X2(a) _mm256_add_ps(a, a)
#define X4(a) _mm256_mul_ps(a, _mm256_set1_ps(4.0f))
#define X8(a) _mm256_mul_ps(a, _mm256_set1_ps(8.0f))
#define FN(name) name##_avx2
#define ATTR NR_AVX2
#else
#define VT nr_f8
#define VMASK long
#define VLANES(n) (n)
#define VLOAD(p) nr_f8_load(p)
#define VLOADM(p, mk) nr_f8_loadm(p, mk)
#define VSTORE(p, v) nr_f8_store(p, v)
#define VSTOREM(p, mk, v) nr_f8_storem(p, mk, v)
#define VSET1(x) nr_f8_set1(x)
#define VZERO nr_f8_set1(0.0f)
#define VRELU(v) nr_f8_relu(v)
#define ADD(a, b) nr_f8_add(a, b)
#define SUB(a, b) nr_f8_sub(a, b)
#define NEG(a) nr_f8_neg(a)
#define X2(a) nr_f8_add(a, a)
#define X4(a) nr_f8_mul(a, 4.0f)
#define X8(a) nr_f8_mul(a, 8.0f)
#define FN(name) name##_scalar
#define ATTR
#endif
