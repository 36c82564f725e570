#define _GNU_SOURCE
#include "CNetrunKernels.h"
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

// What this CPU (and its operating system, which must save the wider registers) runs:
// AVX-512 means F, CD, BW, DQ and VL (every AVX-512 core since Skylake-SP, AMD's Zen 4);
// AVX2 means AVX2 and FMA. Asked of CPUID through the compiler's runtime, once.
int netrun_cpu_isa(void) {
    static _Atomic int level = -1;
    int l = atomic_load_explicit(&level, memory_order_relaxed);
    if (l >= 0) return l;
    __builtin_cpu_init();
    l = NETRUN_ISA_SCALAR;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        l = NETRUN_ISA_AVX2;
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
            __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
            __builtin_cpu_supports("avx512vl"))
            l = NETRUN_ISA_AVX512;
    }
    atomic_store_explicit(&level, l, memory_order_relaxed);
    return l;
}

int netrun_cpu_has_avx2_fma(void) { return netrun_cpu_isa() >= NETRUN_ISA_AVX2; }

int netrun_isa_parse(const char *s) {
    if (!s || !*s) return -1;
    if (!strcmp(s, "scalar")) return NETRUN_ISA_SCALAR;
    if (!strcmp(s, "avx2")) return NETRUN_ISA_AVX2;
    if (!strcmp(s, "avx512")) return NETRUN_ISA_AVX512;
    return -2;
}

int netrun_isa_requested(void) {
    static _Atomic int requested = -3;
    int r = atomic_load_explicit(&requested, memory_order_relaxed);
    if (r == -3) {
        r = netrun_isa_parse(getenv("NETRUN_ISA"));
        atomic_store_explicit(&requested, r, memory_order_relaxed);
    }
    return r;
}

// The process's level: the CPU's, lowered by NETRUN_ISA (never raised: an unknown or
// unsupported request is the CLI's to report, and the loops stay on what the CPU runs).
static int process_isa(void) {
    static _Atomic int level = -1;
    int l = atomic_load_explicit(&level, memory_order_relaxed);
    if (l >= 0) return l;
    l = netrun_cpu_isa();
    int r = netrun_isa_requested();
    if (r >= 0 && r < l) l = r;
    atomic_store_explicit(&level, l, memory_order_relaxed);
    return l;
}

// Per thread, so that a test comparing versions cannot switch other threads: -1 automatic.
static _Thread_local int forced_isa = -1;

int netrun_isa(void) {
    if (forced_isa < 0) return process_isa();
    int cpu = netrun_cpu_isa();
    return forced_isa < cpu ? forced_isa : cpu;
}

void netrun_force_isa(int level) { forced_isa = level; }
void netrun_force_scalar(int on) { forced_isa = on ? NETRUN_ISA_SCALAR : -1; }
int netrun_using_avx2(void) { return netrun_isa() >= NETRUN_ISA_AVX2; }

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
