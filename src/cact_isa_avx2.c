/* The kernels for AVX2 + FMA, selected at run time only on CPUs that have both.
 * The target pragma comes before any header so that every inline function of
 * the kernels is compiled for this target.  Elsewhere this file is empty. */
#include "cact_dispatch.h"
#ifdef CACT_X86_DISPATCH
#pragma GCC target("avx2,fma")
#define CACT_KERNEL_FMA 1 /* cact_exp.h: use the fma instruction */
#define CACT_CHUNK_TABLE cact_chunks_avx2
#include "cact_kernels.inc"
#else
typedef int cact_isa_avx2_unused;
#endif
