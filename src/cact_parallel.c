/*
 * cact_parallel.c -- the loop driver and the thread-count state.
 *
 * cact_run() is called once per ufunc inner-loop call.  A loop long enough to
 * pay for waking threads (work >= min_parallel, thresholds measured per cost
 * class and dtype, see cact/_table.py MIN_PARALLEL) is handed to cact's
 * thread pool (cact_pool.c: the calling thread works too and never waits for
 * a thread that has not started; why cact does not use OpenMP parallel
 * regions is explained there); shorter loops run on the calling thread.
 * Every chunk runs the same kernel, and the kernels compute each element
 * independently, so the result is bitwise the same for any number of threads.
 *
 * Thread count: an explicit cact_set_num_threads(n) wins; otherwise the
 * OpenMP runtime's omp_get_max_threads() of the calling thread is used, which
 * honours OMP_NUM_THREADS and threadpoolctl's limits.  Either is capped at
 * cact_thread_limit().  Without OpenMP everything is serial and the count
 * is 1.
 *
 * Floating-point flags: NumPy clears the calling thread's FP status before a
 * ufunc loop and warns about whatever is set afterwards.  cact's kernels raise
 * flags in unused branches and for legitimate subnormal results (underflow),
 * none of which is an error of the caller, so the driver clears them.  Flags
 * of worker threads are thread-local and never reach NumPy.
 */
/* dladdr() and Dl_info are GNU extensions in glibc's and musl's <dlfcn.h>;
 * this must come before the first system header. */
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#include "cact_common.h"
#include "cact_pool.h"

#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#else
#include <dlfcn.h>
#endif
#endif

static volatile int cact_requested_threads = 0; /* 0: follow the OpenMP runtime */

/* Register the fork handler of the pool; 0 on success. */
int cact_install_fork_handler(void) { return cact_pool_install_fork_handler(); }

/* For measuring the thresholds (bench/thresholds.py): when > 0, replaces
 * every compiled min_parallel.  Not part of the public API. */
static volatile ptrdiff_t cact_min_parallel_override = 0;

void cact_set_min_parallel_override(ptrdiff_t n)
{
    cact_min_parallel_override = n > 0 ? n : 0;
}

int cact_openmp_enabled(void)
{
#ifdef _OPENMP
    return _OPENMP; /* the yyyymm version of the specification */
#else
    return 0;
#endif
}

int cact_get_num_threads(void)
{
#ifdef _OPENMP
    const int requested = cact_requested_threads;
    const int n = requested > 0 ? requested : omp_get_max_threads();
    const int limit = cact_thread_limit();
    return n < 1 ? 1 : n < limit ? n : limit;
#else
    return 1; /* serial build: set_num_threads is accepted and has no effect */
#endif
}

/* n >= 1 sets the count, n == 0 returns to the OpenMP default. */
void cact_set_num_threads(int n) { cact_requested_threads = n > 0 ? n : 0; }

/* The count set by cact_set_num_threads, 0 when following the default. */
int cact_get_requested_threads(void) { return cact_requested_threads; }

/* The flags NumPy reports.  FE_INEXACT is left alone: nearly every call
 * raises it, NumPy ignores it, and clearing the status (fnstenv/fldenv on
 * x86) costs more than a short call's whole computation. */
#define CACT_FE_REPORTED (FE_DIVBYZERO | FE_OVERFLOW | FE_UNDERFLOW | FE_INVALID)

static void cact_clear_fpe(void)
{
    if (fetestexcept(CACT_FE_REPORTED)) {
        feclearexcept(CACT_FE_REPORTED);
    }
}

/* Does the output partially overlap an input?  NumPy hands a loop operands
 * that overlap in two ways only: exact aliasing (out=x), which every kernel
 * handles (element i reads inputs i before writing output i), and a partial
 * overlap that is safe for a loop running in increasing order (e.g. x[1:]
 * into x[:-1]), which it does not copy.  The serial kernels run in that
 * order; chunks on several threads do not, so such calls stay serial.
 * Ranges are conservative: each operand's byte range over the n outer items,
 * widened by 8 bytes (the largest item) and by the core span of a gufunc. */
static int cact_partial_overlap(int nargs, char **args, ptrdiff_t n, const ptrdiff_t *steps,
                                ptrdiff_t core_span)
{
    const int out = nargs - 1;
    const char *a = args[out], *b = args[out] + (n - 1) * steps[out];
    const char *olo = a < b ? a : b, *ohi = (a < b ? b : a) + 8 + core_span;
    for (int k = 0; k < out; k++) {
        if (core_span == 0 && args[k] == args[out] && steps[k] == steps[out]) {
            continue; /* exact aliasing */
        }
        a = args[k];
        b = args[k] + (n - 1) * steps[k];
        const char *lo = a < b ? a : b, *hi = (a < b ? b : a) + 8 + core_span;
        if (lo < ohi && olo < hi) {
            return 1;
        }
    }
    return 0;
}

void cact_run(cact_chunk_fn fn, int nargs, char **args, const ptrdiff_t *dims,
              const ptrdiff_t *steps, ptrdiff_t work_per_item, ptrdiff_t core_span,
              ptrdiff_t min_parallel)
{
    const ptrdiff_t n = dims[0];
    int nthreads = n >= 128 ? cact_get_num_threads() : 1;
    const ptrdiff_t override = cact_min_parallel_override;
    if (override > 0) {
        min_parallel = override;
    }
    if (nthreads > 1 && n * work_per_item >= min_parallel &&
        !cact_partial_overlap(nargs, args, n, steps, core_span)) {
        cact_pool_run(fn, nargs, args, n, dims, steps, nthreads);
    } else {
        fn(args, n, dims, steps);
    }
    cact_clear_fpe();
}

/* Build information for cact.show_config(). */
const char *cact_compiler(void)
{
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "gcc " __VERSION__;
#elif defined(_MSC_VER)
#define CACT_STR2(x) #x
#define CACT_STR(x) CACT_STR2(x)
    return "MSVC " CACT_STR(_MSC_FULL_VER);
#else
    return "unknown";
#endif
}

/* The compile flags setup.py used (OpenMP and optimisation). */
const char *cact_build_flags(void)
{
#ifdef CACT_BUILD_FLAGS
    return CACT_BUILD_FLAGS;
#else
    return "";
#endif
}

/* The file of the OpenMP runtime library this module calls (libgomp, libomp,
 * vcomp140.dll; in a repaired wheel the vendored copy), found from the address
 * of omp_get_max_threads as this module resolved it.  "" without OpenMP or if
 * the platform cannot tell. */
const char *cact_openmp_library(void)
{
#if defined(_OPENMP) && defined(_WIN32)
    static char path[4 * MAX_PATH];
    HMODULE module = NULL;
    if (GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                               GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                           (LPCSTR)(void *)&omp_get_max_threads, &module) &&
        GetModuleFileNameA(module, path, (DWORD)sizeof path) > 0) {
        return path;
    }
    return "";
#elif defined(_OPENMP)
    Dl_info info;
    if (dladdr((void *)&omp_get_max_threads, &info) != 0 && info.dli_fname != NULL) {
        return info.dli_fname;
    }
    return "";
#else
    return "";
#endif
}
