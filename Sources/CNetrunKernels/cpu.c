#define _GNU_SOURCE
#include "CNetrunKernels.h"
#include <sched.h>
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

int netrun_cpus_allowed(void) {
#ifdef __linux__
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
#endif
    return 0;
}
