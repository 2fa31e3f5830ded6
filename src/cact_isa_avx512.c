/* The kernels for AVX-512 (F, DQ, VL, BW) with AVX2 and FMA, selected at run
 * time only on CPUs that have all of them.  Elsewhere this file is empty. */
#include "cact_dispatch.h"
#ifdef CACT_X86_DISPATCH
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")
#define CACT_KERNEL_FMA 1 /* cact_exp.h: use the fma instruction */
#define CACT_CHUNK_TABLE cact_chunks_avx512
#include "cact_kernels.inc"
#else
typedef int cact_isa_avx512_unused;
#endif
