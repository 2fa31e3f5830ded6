/*
 * cact_dispatch.c -- choose the kernels' instruction-set level at run time.
 * See cact_dispatch.h for the levels.  The check is done once at import; a
 * level can be lowered later (tests, bug reports), never raised above what
 * the CPU supports.  Switching is a single pointer store: a loop that is
 * running keeps the table it started with.
 */
#include "cact_dispatch.h"

extern const cact_chunk_fn cact_chunks_baseline[];
#ifdef CACT_X86_DISPATCH
extern const cact_chunk_fn cact_chunks_avx2[];
extern const cact_chunk_fn cact_chunks_avx512[];
#endif

static const char *const cact_level_names[] = {"baseline", "avx2", "avx512"};

const cact_chunk_fn *volatile cact_active_chunks = cact_chunks_baseline;
static volatile int cact_level = 0;

int cact_isa_count(void) { return CACT_N_LEVELS; }

const char *cact_isa_name(int level)
{
    return level >= 0 && level < CACT_N_LEVELS ? cact_level_names[level] : "";
}

/* Does this CPU (and OS: libgcc checks XCR0 for the AVX and AVX-512 state)
 * support the level? */
int cact_isa_supported(int level)
{
    if (level == 0) {
        return 1;
    }
#ifdef CACT_X86_DISPATCH
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
#ifdef CACT_X86_DISPATCH
    cact_active_chunks = level == 2 ? cact_chunks_avx512 : level == 1 ? cact_chunks_avx2
                                                                      : cact_chunks_baseline;
#else
    cact_active_chunks = cact_chunks_baseline;
#endif
    cact_level = level;
    cact_reset_kernel_costs(); /* the costs belong to the kernels of a level */
    return 0;
}

int cact_isa_get(void) { return cact_level; }
