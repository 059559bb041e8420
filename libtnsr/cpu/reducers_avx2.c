/* reducers_avx2.c: the reduction kernels of reducers.c and reducers_stats.c built again
 * for AVX2 (vectors of four f64 lanes), picked at run time when the CPU has it.  The
 * operations are the same, so the results are the same bits. */
#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC target("avx2")
#endif
#define RED_AVX2 1
#include "reducers.c"
#include "reducers_stats.c"
#ifdef __clang__
#pragma clang attribute pop
#endif
