#include "CNetrunKernels.h"
#include <stdatomic.h>

int netrun_cpu_has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// -1: not asked yet; else the CPU's answer, asked once.
static _Atomic int cpu_ok = -1;
// Per thread, so that a test comparing both versions cannot switch other threads.
static _Thread_local int forced_scalar = 0;

int netrun_using_avx2(void) {
    int c = atomic_load_explicit(&cpu_ok, memory_order_relaxed);
    if (c < 0) {
        c = netrun_cpu_has_avx2_fma();
        atomic_store_explicit(&cpu_ok, c, memory_order_relaxed);
    }
    return c && !forced_scalar;
}

void netrun_force_scalar(int on) { forced_scalar = on ? 1 : 0; }
