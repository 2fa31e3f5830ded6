/*
 * cact_dispatch.h -- instruction-set levels and the kernel table in use.
 *
 * The kernels (src/cact_kernels.inc) are compiled once per level by
 * src/cact_isa_<level>.c; each exports a table of chunk functions in the same
 * order.  cact_active_chunks points at the table of the level in use: the best
 * one the CPU supports, chosen once at import (cact_dispatch_init), or a lower
 * one forced with CACT_ISA=<level> / cact._core._set_isa for tests.
 *
 * Levels (x86-64 with gcc or clang, or MSVC with per-source flags):
 *   0 baseline  the platform's baseline flags (x86-64: SSE2)
 *   1 avx2      AVX2 + FMA (Haswell, Zen and later)
 *   2 avx512    AVX-512 F/DQ/VL/BW + AVX2 + FMA (Skylake-SP, Zen 4 and later)
 * Other platforms and compilers (and MSVC built without per-source flags) have
 * the baseline level only (aarch64: NEON is its baseline).
 */
#ifndef CACT_DISPATCH_H
#define CACT_DISPATCH_H

#include "cact_common.h"

/* The AVX2 and AVX-512 files get their instruction sets either from a target
 * pragma (gcc, clang: the default build) or from per-source compiler flags that
 * setup.py adds to those two files only, defining CACT_ISA_FLAGS_FROM_BUILD
 * for every file (CACT_ISA_BUILD=flags; always with MSVC, which has no target
 * pragma).  Either way the CPU is checked at run time before those kernels are
 * used: with __builtin_cpu_supports (gcc, clang) or with cpuid and xgetbv
 * (MSVC, CACT_X86_CPUID; CACT_FORCE_CPUID selects that path for a compile
 * check with mingw-w64 gcc). */
#if (defined(__x86_64__) || defined(_M_X64)) && !defined(CACT_NO_DISPATCH) && \
    (defined(__GNUC__) || defined(__clang__) ||                                \
     (defined(_MSC_VER) && defined(CACT_ISA_FLAGS_FROM_BUILD)))
#define CACT_X86_DISPATCH 1
/* setup.py's CACT_ISA_MAX=avx2 defines CACT_NO_AVX512: the levels up to AVX2
 * only (a shorter build for checks that need no AVX-512 code, such as the
 * sanitizer build); CACT_ISA_MAX=baseline defines CACT_NO_DISPATCH. */
#ifdef CACT_NO_AVX512
#define CACT_N_LEVELS 2
#else
#define CACT_N_LEVELS 3
#endif
#if defined(_MSC_VER) || defined(CACT_FORCE_CPUID)
#define CACT_X86_CPUID 1
#endif
#else
#define CACT_N_LEVELS 1
#endif

extern const cact_chunk_fn *volatile cact_active_chunks;

#endif /* CACT_DISPATCH_H */
