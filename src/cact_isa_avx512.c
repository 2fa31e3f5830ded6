/* The kernels for AVX-512 (F, DQ, VL, BW) with AVX2 and FMA, selected at run
 * time only on CPUs that have all of them.
 *
 * As in cact_isa_avx2.c, the instruction set comes from the target pragma
 * below (CACT_ISA_BUILD=pragma) or from per-source flags that setup.py adds
 * to this file only (CACT_ISA_BUILD=flags: gcc/clang -mavx512f -mavx512dq
 * -mavx512vl -mavx512bw -mavx2 -mfma, MSVC /arch:AVX512), which define
 * CACT_ISA_FLAGS_FROM_BUILD.  Elsewhere, and in a build without the AVX-512
 * level (CACT_ISA_MAX), this file is empty. */
#include "cact_dispatch.h"
#if defined(CACT_X86_DISPATCH) && CACT_N_LEVELS > 2
#ifndef CACT_ISA_FLAGS_FROM_BUILD
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")
#endif
#define CACT_KERNEL_FMA 1 /* cact_exp.h: use the fma instruction */
#define CACT_CHUNK_TABLE cact_chunks_avx512
/* The fused bias forms (cact/_table.py FUSED): f_bias, the inference
 * path, is compiled here (taking the AVX2 file's, 256-bit code, made the
 * fused gelu float32 1.9x slower than the plain AVX-512 gelu on AMD EPYC
 * Zen 4, slower than adding the bias first); fd_bias (deriv_out=, for
 * training) comes from the AVX2 file (same C, same FMA, the same bits:
 * tests/test_fused.py checks them bitwise against this level's plain
 * kernels), which saves a third compile of it in every build. */
#define CACT_FUSED_LEVEL avx512
#define CACT_FUSED2_LEVEL avx2
#define CACT_FUSED2_ELSEWHERE 1
#include "cact_kernels.inc"
#else
typedef int cact_isa_avx512_unused;
#endif
