/* The kernels for AVX2 + FMA, selected at run time only on CPUs that have both.
 *
 * The instruction set comes from one of two places (setup.py, CACT_ISA_BUILD):
 *   pragma  the target pragma below, before any kernel header, so that every
 *           inline function of the kernels is compiled for this target
 *           (gcc; the command line stays the platform's baseline);
 *   flags   per-source compiler flags that setup.py adds to this file only
 *           (gcc/clang -mavx2 -mfma, MSVC /arch:AVX2) and then defines
 *           CACT_ISA_FLAGS_FROM_BUILD for every file: no pragma here.
 * Either way CACT_KERNEL_FMA tells cact_exp.h to use the fma instruction (MSVC
 * defines no __FMA__).  Elsewhere (no run-time dispatch) this file is empty. */
#include "cact_dispatch.h"
#ifdef CACT_X86_DISPATCH
#ifndef CACT_ISA_FLAGS_FROM_BUILD
#pragma GCC target("avx2,fma")
#endif
#define CACT_KERNEL_FMA 1 /* cact_exp.h: use the fma instruction */
#define CACT_CHUNK_TABLE cact_chunks_avx2
#define CACT_FUSED_LEVEL avx2 /* the fused kernels (fd_bias also the AVX-512 level's) */
#include "cact_kernels.inc"
#else
typedef int cact_isa_avx2_unused;
#endif
