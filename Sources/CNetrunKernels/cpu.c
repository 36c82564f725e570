#include "CNetrunKernels.h"
#include <stdatomic.h>

int netrun_cpu_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// -1: not decided yet; 0: scalar; 1: AVX2/FMA. Decided once, on first use.
static _Atomic int chosen = -1;
static _Atomic int forced_scalar = 0;

int netrun_using_avx2(void) {
    int c = atomic_load_explicit(&chosen, memory_order_relaxed);
    if (c < 0) {
        c = netrun_cpu_has_avx2_fma() && !atomic_load(&forced_scalar);
        atomic_store_explicit(&chosen, c, memory_order_relaxed);
    }
    return c;
}

void netrun_force_scalar(int on) {
    atomic_store(&forced_scalar, on ? 1 : 0);
    atomic_store(&chosen, -1);
}
