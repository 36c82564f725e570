// Innermost SIMD loops of netrun's CPU backend (AVX2/FMA with runtime dispatch).
#pragma once
/// 1 when this CPU has AVX2 and FMA, 0 otherwise.
int netrun_cpu_has_avx2_fma(void);
