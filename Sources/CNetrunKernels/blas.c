// OpenBLAS, loaded at run time with its kernels chosen from this CPU's features.
//
// A distribution's OpenBLAS (Debian's 0.3.21, built with DYNAMIC_ARCH) picks its kernels
// from a table of CPU models when it loads; a model newer than the table falls back to
// SSE3 ("Prescott") kernels, a fifth of the speed on an AVX-512 core. The library reads
// OPENBLAS_CORETYPE once, in its constructor, so netrun does not link it: the first
// matrix product sets OPENBLAS_CORETYPE from the CPU's features (unless the user set it),
// dlopens the library, and puts the environment back as it was, so that child processes
// (python with its own OpenBLAS) see what the user gave. Features, never models: the same
// CPU features always give the same kernels, so every rank of a run computes alike.
#define _GNU_SOURCE
#include "CNetrunKernels.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// cblas_sgemm's enums (cblas.h): row-major 101, no transpose 111, transpose 112.
typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                         float, float *, int);
static sgemm_fn blas_sgemm;
static void (*blas_set_threads)(int);
static int (*blas_get_threads)(void);
static char *(*blas_corename)(void);
static char *(*blas_config)(void);
static char blas_error[512];
static char blas_forced[64];   // the user's OPENBLAS_CORETYPE, "" when netrun chose
static const char *blas_wanted; // what the features call for, NULL when nothing better than the default
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;

const char *netrun_blas_core_for_features(void) {
    if (netrun_cpu_isa() >= NETRUN_ISA_AVX512) return "SkylakeX";
    if (netrun_cpu_isa() >= NETRUN_ISA_AVX2) return "Haswell";
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx")) return "Sandybridge";
    return NULL;
}

static void blas_load(void) {
    blas_wanted = netrun_blas_core_for_features();
    const char *user = getenv("OPENBLAS_CORETYPE");
    int set = 0;
    if (user && *user) {
        snprintf(blas_forced, sizeof blas_forced, "%s", user);
    } else if (blas_wanted) {
        set = setenv("OPENBLAS_CORETYPE", blas_wanted, 1) == 0;
    }
    static const char *names[] = {"libopenblas.so.0", "libopenblas.so"};
    void *h = NULL;
    const char *why = "";
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !h; i++) {
        h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!h) why = dlerror();
    }
    if (set) unsetenv("OPENBLAS_CORETYPE");
    if (!h) {
        snprintf(blas_error, sizeof blas_error, "cannot load OpenBLAS (libopenblas.so.0): %s; install it (Debian: apt-get install libopenblas0)",
                 why ? why : "not found");
        return;
    }
    blas_sgemm = (sgemm_fn)dlsym(h, "cblas_sgemm");
    blas_set_threads = (void (*)(int))dlsym(h, "openblas_set_num_threads");
    blas_get_threads = (int (*)(void))dlsym(h, "openblas_get_num_threads");
    blas_corename = (char *(*)(void))dlsym(h, "openblas_get_corename");
    blas_config = (char *(*)(void))dlsym(h, "openblas_get_config");
    if (!blas_sgemm || !blas_set_threads || !blas_get_threads) {
        snprintf(blas_error, sizeof blas_error, "the library loaded as libopenblas.so.0 lacks cblas_sgemm or openblas_set_num_threads");
        blas_sgemm = NULL;
    }
}

static int blas_ready(void) {
    pthread_once(&blas_once, blas_load);
    return blas_sgemm != NULL;
}

const char *netrun_blas_error(void) { return blas_ready() ? NULL : blas_error; }
const char *netrun_blas_core(void) { return blas_ready() && blas_corename ? blas_corename() : ""; }
const char *netrun_blas_config(void) { return blas_ready() && blas_config ? blas_config() : ""; }
const char *netrun_blas_forced(void) { blas_ready(); return blas_forced; }
const char *netrun_blas_wanted(void) { blas_ready(); return blas_wanted ? blas_wanted : ""; }

int netrun_blas_threads(void) { return blas_ready() ? blas_get_threads() : 1; }
void netrun_blas_set_threads(int n) { if (blas_ready()) blas_set_threads(n < 1 ? 1 : n); }

int netrun_sgemm(int transpose_a, int transpose_b, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc) {
    if (!blas_ready()) return -1;
    blas_sgemm(101, transpose_a ? 112 : 111, transpose_b ? 112 : 111, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return 0;
}
