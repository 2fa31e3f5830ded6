/*
 * level_target.h -- included first by the C drivers of tools/ (built by
 * tools/c_levels.py): LEVEL 0 is the platform baseline, 1 AVX2 + FMA, 2
 * AVX-512, with the same target pragmas and CACT_KERNEL_FMA as
 * src/cact_isa_<level>.c, so the element functions included after it
 * compile to the very code of the extension's kernels.
 */
#if LEVEL == 1
#pragma GCC target("avx2,fma")
#define CACT_KERNEL_FMA 1
#elif LEVEL == 2
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")
#define CACT_KERNEL_FMA 1
#endif
