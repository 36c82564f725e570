// OpenBLAS's CBLAS interface; netrun calls cblas_sgemm (and openblas_set_num_threads).
#include <cblas.h>
