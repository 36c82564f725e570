// The core's fused multiply-add peak, measured: independent FMA chains in the widest
// vectors the CPU runs, enough of them (16) to cover the latency of two FMA units.
// `netrun bench` compares its figures with this, not with a library's sgemm.
#include "simd_math.h"

static volatile float peak_sink;

static NR_AVX512 long fma_loop_avx512(long iterations) {
    __m512 a[16], x = _mm512_set1_ps(0.999f), y = _mm512_set1_ps(1e-6f);
    for (int j = 0; j < 16; j++) a[j] = _mm512_set1_ps((float)j);
    for (long i = 0; i < iterations; i++)
        for (int j = 0; j < 16; j++) a[j] = _mm512_fmadd_ps(a[j], x, y);
    __m512 s = a[0];
    for (int j = 1; j < 16; j++) s = _mm512_add_ps(s, a[j]);
    peak_sink = _mm512_reduce_add_ps(s);
    return iterations * 16 * 16 * 2;
}

static NR_AVX2 long fma_loop_avx2(long iterations) {
    __m256 a[16], x = _mm256_set1_ps(0.999f), y = _mm256_set1_ps(1e-6f);
    for (int j = 0; j < 16; j++) a[j] = _mm256_set1_ps((float)j);
    for (long i = 0; i < iterations; i++)
        for (int j = 0; j < 16; j++) a[j] = _mm256_fmadd_ps(a[j], x, y);
    __m256 s = a[0];
    for (int j = 1; j < 16; j++) s = _mm256_add_ps(s, a[j]);
    peak_sink = nr_hsum256(s);
    return iterations * 16 * 8 * 2;
}

static long fma_loop_scalar(long iterations) {
    float a[16];
    for (int j = 0; j < 16; j++) a[j] = (float)j;
    for (long i = 0; i < iterations; i++)
        for (int j = 0; j < 16; j++) a[j] = fmaf(a[j], 0.999f, 1e-6f);
    float s = 0;
    for (int j = 0; j < 16; j++) s += a[j];
    peak_sink = s;
    return iterations * 16 * 2;
}

long netrun_fma_loop(long iterations) {
    int isa = netrun_cpu_isa();
    if (isa >= NETRUN_ISA_AVX512) return fma_loop_avx512(iterations);
    if (isa >= NETRUN_ISA_AVX2) return fma_loop_avx2(iterations);
    return fma_loop_scalar(iterations);
}
