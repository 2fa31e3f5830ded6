/*
 * cact_dispatch.c -- choose the kernels' instruction-set level at run time.
 * See cact_dispatch.h for the levels.  The check is done once at import; a
 * level can be lowered later (tests, bug reports), never raised above what
 * the CPU supports.  Switching is a single pointer store: a loop that is
 * running keeps the table it started with.
 */
#include "cact_dispatch.h"

#ifdef CACT_X86_CPUID
#include <immintrin.h> /* _xgetbv */
#include <intrin.h>    /* __cpuid, __cpuidex */
#if defined(__GNUC__) || defined(__clang__)
/* gcc's _xgetbv needs the xsave target; it runs only once OSXSAVE is seen. */
#define CACT_TARGET_XSAVE __attribute__((target("xsave")))
#else
#define CACT_TARGET_XSAVE
#endif
#endif

extern const cact_chunk_fn cact_chunks_baseline[];
#ifdef CACT_X86_DISPATCH
extern const cact_chunk_fn cact_chunks_avx2[];
#if CACT_N_LEVELS > 2
extern const cact_chunk_fn cact_chunks_avx512[];
#endif
#endif

static const char *const cact_level_names[] = {"baseline", "avx2", "avx512"};

const cact_chunk_fn *volatile cact_active_chunks = cact_chunks_baseline;
static volatile int cact_level = 0;

int cact_isa_count(void) { return CACT_N_LEVELS; }

const char *cact_isa_name(int level)
{
    return level >= 0 && level < CACT_N_LEVELS ? cact_level_names[level] : "";
}

#ifdef CACT_X86_CPUID
/* MSVC has no __builtin_cpu_supports: ask the CPU (cpuid) and the OS (xgetbv:
 * the register state it saves on a context switch) directly, with MSVC's
 * intrinsics.  Compile-checked with mingw-w64 gcc (which has the same
 * intrinsics) and CACT_FORCE_CPUID only: no MSVC was at hand.
 * Returns 0: baseline, 1: AVX2 + FMA, 2: also AVX-512 F/DQ/VL/BW, each only
 * when both the CPU and the OS support it. */
CACT_TARGET_XSAVE static int cact_cpuid_level(void)
{
    int r[4]; /* eax, ebx, ecx, edx */
    __cpuid(r, 0);
    const int max_leaf = r[0];
    if (max_leaf < 7) {
        return 0;
    }
    __cpuid(r, 1);
    const int fma = (r[2] >> 12) & 1, osxsave = (r[2] >> 27) & 1, avx = (r[2] >> 28) & 1;
    if (!(fma && osxsave && avx)) {
        return 0;
    }
    /* XCR0 bits 1 and 2: the OS saves the SSE and AVX (ymm) state. */
    const unsigned long long xcr0 = _xgetbv(0);
    if ((xcr0 & 0x6) != 0x6) {
        return 0;
    }
    __cpuidex(r, 7, 0);
    const unsigned ebx = (unsigned)r[1];
    if (!((ebx >> 5) & 1)) { /* AVX2 */
        return 0;
    }
    /* AVX-512 F (bit 16), DQ (17), BW (30), VL (31) */
    const unsigned avx512 = (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31);
    /* XCR0 bits 5, 6, 7: the opmask, upper-zmm0-15 and zmm16-31 state. */
    if ((ebx & avx512) == avx512 && (xcr0 & 0xe0) == 0xe0) {
        return 2;
    }
    return 1;
}
#endif

/* Does this CPU (and OS: libgcc checks XCR0 for the AVX and AVX-512 state,
 * and so does cact_cpuid_level) support the level? */
int cact_isa_supported(int level)
{
    if (level == 0) {
        return 1;
    }
    if (level < 0 || level >= CACT_N_LEVELS) { /* not compiled in */
        return 0;
    }
#if defined(CACT_X86_CPUID)
    return cact_cpuid_level() >= level;
#elif defined(CACT_X86_DISPATCH)
    __builtin_cpu_init();
    const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (level == 1) {
        return avx2;
    }
    if (level == 2) {
        return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
    }
#endif
    return 0;
}

int cact_isa_best(void)
{
    int best = 0;
    for (int level = 1; level < CACT_N_LEVELS; level++) {
        if (cact_isa_supported(level)) {
            best = level;
        }
    }
    return best;
}

/* Use the kernels of `level`; -1 if it is not compiled or not supported. */
int cact_isa_set(int level)
{
    if (level < 0 || level >= CACT_N_LEVELS || !cact_isa_supported(level)) {
        return -1;
    }
#if defined(CACT_X86_DISPATCH) && CACT_N_LEVELS > 2
    cact_active_chunks = level == 2 ? cact_chunks_avx512 : level == 1 ? cact_chunks_avx2
                                                                      : cact_chunks_baseline;
#elif defined(CACT_X86_DISPATCH)
    cact_active_chunks = level == 1 ? cact_chunks_avx2 : cact_chunks_baseline;
#else
    cact_active_chunks = cact_chunks_baseline;
#endif
    cact_level = level;
    cact_reset_kernel_costs(); /* the costs belong to the kernels of a level */
    return 0;
}

int cact_isa_get(void) { return cact_level; }

/* cact_common.h: the prefetch's form. */
volatile int cact_prefetch_short = 0;

/* On for an Intel CPU (cpuid's vendor string "GenuineIntel"), off for any
 * other vendor and off x86. */
int cact_prefetch_short_default(void)
{
#if defined(CACT_X86_CPUID)
    int r[4];
    __cpuid(r, 0);
    /* the vendor string is ebx, edx, ecx: "Genu" "ineI" "ntel" */
    return r[1] == 0x756e6547 && r[3] == 0x49656e69 && r[2] == 0x6c65746e;
#elif defined(CACT_X86_DISPATCH)
    __builtin_cpu_init();
    return __builtin_cpu_is("intel");
#else
    return 0;
#endif
}
