/*
 * cact_parallel.c -- the loop driver and the thread-count state.
 *
 * cact_run() is called once per ufunc inner-loop call.  A loop with enough
 * work for more than one thread is handed to cact's thread pool (cact_pool.c:
 * the calling thread works too and never waits for a thread that has not
 * started; why cact does not use OpenMP parallel regions is explained there);
 * shorter loops run on the calling thread.  Every chunk runs the same kernel,
 * and the kernels compute each element independently, so the result is
 * bitwise the same for any number of threads.
 *
 * How much work is enough is decided by time, not by a count of elements
 * measured once on one machine: a kernel's cost per item differs 10x between
 * relu and sigmoid, 3-5x between instruction-set levels and again between
 * CPUs, while what a thread must get to pay for its wake-up and for fetching
 * its part of the data from the caller's cache is about the same time
 * everywhere.  So each kernel's cost is measured where it runs: the first
 * CACT_PROBE_FIRST long calls of a kernel (the very first one pays for cold
 * caches, TLB entries and page faults: 3x the steady cost of relu here) and
 * every CACT_PROBE_EVERY-th after them time their first CACT_PROBE_WORK items
 * on the calling thread, which is work the call does anyway, and cact_probe
 * keeps the estimate in ns per item (it falls at once to a
 * lower measurement and rises by an eighth of the difference towards a higher
 * one, so one descheduled probe does not make it jump).  A call then uses
 * one thread per CACT_THREAD_NS of estimated work, at most the thread count.
 * bench/thresholds.py compares the sizes this rule splits at with the
 * measured crossovers.
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
#include "cact_dispatch.h"
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

/* For the tests and bench/thresholds.py: when > 0, every loop of at least
 * this many items of work is split over all the threads, and the cost rule is
 * not used.  Not part of the public API. */
static volatile ptrdiff_t cact_min_parallel_override = 0;

void cact_set_min_parallel_override(ptrdiff_t n)
{
    cact_min_parallel_override = n > 0 ? n : 0;
}

ptrdiff_t cact_get_min_parallel_override(void) { return cact_min_parallel_override; }

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

/* Does an output partially overlap another operand?  NumPy hands a loop
 * operands that overlap in two ways only: exact aliasing (out=x), which every
 * kernel handles (element i reads inputs i before writing output i), and a
 * partial overlap that is safe for a loop running in increasing order (e.g.
 * x[1:] into x[:-1]), which it does not copy.  The serial kernels run in that
 * order; chunks on several threads do not, so such calls stay serial.
 * Ranges are conservative: each operand's byte range over the n outer items,
 * widened by 8 bytes (the largest item) and by the core span of a gufunc.
 * For the rows kinds (rows: every operand has the one core dimension len, its
 * stride steps[nargs + k], 0 for a parameter) each operand's own row is
 * added, below its start for a negative stride: one core span for every
 * operand made two arrays that NumPy allocated next to each other (large
 * arrays are mapped one below the other, a few KB apart) overlap by up to a
 * row, and softmax of one array into the next stayed on one thread (float64
 * 1000 x 1000, AMD EPYC Zen 4: 3.5 ms against 1.9 ms on 2 threads).  Without
 * a core span (core_span 0: the caller's operands are apart or alias
 * exactly, as src/_core.pyx's prelu_backward) only the outer ranges count.
 * The outputs are the last nout operands (two for the fused f and f'). */
static void cact_operand_range(char **args, ptrdiff_t n, const ptrdiff_t *steps, int nargs,
                               int k, ptrdiff_t core_span, ptrdiff_t len, const char **lo,
                               const char **hi)
{
    const char *a = args[k], *b = args[k] + (n - 1) * steps[k];
    ptrdiff_t below = 0, above = core_span;
    if (len > 0 && core_span != 0) {
        const ptrdiff_t c = (len - 1) * steps[nargs + k];
        below = c < 0 ? c : 0;
        above = c > 0 ? c : 0;
    }
    *lo = (a < b ? a : b) + below;
    *hi = (a < b ? b : a) + 8 + above;
}

static int cact_partial_overlap(int nargs, int nout, char **args, ptrdiff_t n,
                                const ptrdiff_t *steps, ptrdiff_t core_span, int rows,
                                ptrdiff_t len)
{
    for (int out = nargs - nout; out < nargs; out++) {
        const char *olo, *ohi, *lo, *hi;
        cact_operand_range(args, n, steps, nargs, out, core_span, len, &olo, &ohi);
        for (int k = 0; k < nargs; k++) {
            if (k == out) {
                continue;
            }
            if ((core_span == 0 || (rows && steps[nargs + k] == steps[nargs + out]))
                && args[k] == args[out] && steps[k] == steps[out]) {
                continue; /* exact aliasing (rows: the core strides equal too) */
            }
            cact_operand_range(args, n, steps, nargs, k, core_span, len, &lo, &hi);
            if (lo < ohi && olo < hi) {
                return 1;
            }
        }
    }
    return 0;
}

/* The thread rule (see the header comment).  CACT_THREAD_NS: on the project
 * machine (2-core AMD EPYC Zen 3, AVX2 level, cact's pool) 2 threads beat one
 * from 1.8-3.7 us of serial work for relu (float32 32768 items: 1.12x;
 * float64 16384: 1.29x; half that lost, 0.87-0.94x) and from 2 us for sigmoid
 * (1.10x at 1024 items, 1.31x at 2048): 1.5 us per thread is the crossover
 * of the memory-bound kernels and a little past that of the compute-bound
 * ones.  CACT_SERIAL_WORK: shorter loops are neither split nor timed (512
 * items of the cheapest kernel take ~0.1 us, of the dearest ~3 us at the
 * baseline level: never enough for two threads at 1.5 us each but the
 * dearest, which loses little by staying serial). */
#define CACT_SERIAL_WORK 512
#define CACT_PROBE_WORK 2048
#define CACT_PROBE_FIRST 4
#define CACT_PROBE_EVERY 64
#define CACT_THREAD_NS 1500.0f

/* Calls handed to the pool (for pool_stats and the tests). */
static volatile long long cact_split_calls = 0;

long long cact_get_split_calls(void) { return cact_split_calls; }

void cact_split_rule(ptrdiff_t *serial_work, ptrdiff_t *probe_work, double *thread_ns)
{
    *serial_work = CACT_SERIAL_WORK;
    *probe_work = CACT_PROBE_WORK;
    *thread_ns = CACT_THREAD_NS;
}

void cact_reset_kernel_costs(void)
{
    for (int k = 0; k < cact_n_chunks; k++) {
        cact_kernel_cost_ns[k] = 0.0f;
        cact_kernel_probes[k] = 0;
    }
}

/* Time fn over the first p items (the caller then runs the rest), update the
 * kernel's estimate and return it. */
static float cact_probe(int kernel, cact_chunk_fn fn, char **args, ptrdiff_t p,
                        const ptrdiff_t *dims, const ptrdiff_t *steps, ptrdiff_t work_per_item)
{
    const long long t0 = cact_now_ns();
    fn(args, p, dims, steps);
    const long long t1 = cact_now_ns();
    const float ns = (float)(t1 - t0) / (float)(p * work_per_item);
    const float old = cact_kernel_cost_ns[kernel];
    const float cost = old == 0.0f || ns < old ? ns : old + (ns - old) * 0.125f;
    cact_kernel_cost_ns[kernel] = cost > 1e-3f ? cost : 1e-3f;
    return cact_kernel_cost_ns[kernel];
}

static void cact_run_(int kernel, cact_chunk_fn fn, int nargs, int nout, char **args,
                      const ptrdiff_t *dims, const ptrdiff_t *steps, ptrdiff_t work_per_item,
                      ptrdiff_t core_span, int rows)
{
    ptrdiff_t n = dims[0];
    char *rest[CACT_MAX_ARGS];
    const ptrdiff_t override = cact_min_parallel_override;
    /* override > 0 (tests, bench/thresholds.py): split every loop of at least
     * `override` items of work (and 128 items) over all the threads */
    const int long_enough = override > 0 ? n >= 128 && n * work_per_item >= override
                                         : n * work_per_item >= CACT_SERIAL_WORK;
    int nthreads = long_enough ? cact_get_num_threads() : 1;
    long long work_ns = -1; /* estimated serial time; unknown under the override */
    if (nthreads > 1
        && cact_partial_overlap(nargs, nout, args, n, steps, core_span, rows,
                                rows ? dims[1] : 0)) {
        nthreads = 1;
    }
    if (nthreads > 1 && override <= 0) {
        float cost = cact_kernel_cost_ns[kernel];
        const unsigned probes = cact_kernel_probes[kernel]++;
        if (cost == 0.0f || probes < CACT_PROBE_FIRST || probes % CACT_PROBE_EVERY == 0) {
            ptrdiff_t p = CACT_PROBE_WORK / work_per_item;
            p = p < 1 ? 1 : p < n ? p : n;
            cost = cact_probe(kernel, fn, args, p, dims, steps, work_per_item);
            for (int k = 0; k < nargs; k++) {
                rest[k] = args[k] + p * steps[k];
            }
            args = rest;
            n -= p;
        }
        work_ns = (long long)(cost * (float)n * (float)work_per_item);
        const float threads = (float)work_ns / CACT_THREAD_NS;
        nthreads = threads < (float)nthreads ? (int)threads : nthreads;
    }
    if (nthreads > 1) {
        cact_split_calls++; /* a statistic: a lost increment under a race is harmless */
        /* rows (an item is a whole row): any number per chunk, or a few
         * long rows would make one chunk for one thread */
        cact_pool_run(fn, nargs, args, n, dims, steps, nthreads, rows ? 1 : 64, work_ns);
    }
    else if (n > 0) {
        fn(args, n, dims, steps);
    }
    cact_clear_fpe();
}

void cact_run(int kernel, int nargs, char **args, const ptrdiff_t *dims, const ptrdiff_t *steps,
              ptrdiff_t work_per_item, ptrdiff_t core_span)
{
    cact_run_(kernel, cact_active_chunks[kernel], nargs, 1, args, dims, steps, work_per_item,
              core_span, 0);
}

void cact_run_n(int kernel, int nargs, int nout, char **args, const ptrdiff_t *dims,
                const ptrdiff_t *steps)
{
    cact_run_(kernel, cact_active_chunks[kernel], nargs, nout, args, dims, steps, 1, 0, 0);
}

/* An empty row is no work (and no division by zero in the probe). */
void cact_run_rows(int kernel, int nargs, char **args, const ptrdiff_t *dims,
                   const ptrdiff_t *steps, ptrdiff_t core_span)
{
    cact_run_(kernel, cact_active_chunks[kernel], nargs, 1, args, dims, steps,
              dims[1] > 0 ? dims[1] : 1, core_span, 1);
}

/* The chunk of cact_run_elem_rows: rows [0, n) of the outer items, each one
 * call of the elementwise kernel dims[2] over dims[1] elements.  steps holds
 * the outer steps, then the elementwise strides of every operand (its core
 * stride, 0 for a parameter: one value per row); dims[3] = nargs. */
static void cact_elem_rows_chunk(char **args, ptrdiff_t n, const ptrdiff_t *dims,
                                 const ptrdiff_t *steps)
{
    const cact_chunk_fn fn = cact_active_chunks[dims[2]];
    const int nargs = (int)dims[3];
    char *a[CACT_MAX_ARGS];
    for (ptrdiff_t i = 0; i < n; i++) {
        for (int k = 0; k < nargs; k++) {
            a[k] = args[k] + i * steps[k];
        }
        fn(a, dims[1], dims + 1, steps + nargs);
    }
}

void cact_run_elem_rows(int kernel, int nargs, int nout, int ndata, char **args,
                        const ptrdiff_t *dims, const ptrdiff_t *steps)
{
    /* the gufunc's steps: nargs outer steps, then the core strides of the
     * data operands and of the outputs (the parameters have none) */
    ptrdiff_t st[2 * CACT_MAX_ARGS];
    ptrdiff_t span = 0;
    int c = nargs;
    for (int k = 0; k < nargs; k++) {
        st[k] = steps[k];
        const int core = k < ndata || k >= nargs - nout;
        st[nargs + k] = core ? steps[c++] : 0;
        span = cact_absp(st[nargs + k]) > span ? cact_absp(st[nargs + k]) : span;
    }
    const ptrdiff_t d[4] = {dims[0], dims[1], kernel, nargs};
    cact_run_(kernel, cact_elem_rows_chunk, nargs, nout, args, d, st,
              dims[1] > 0 ? dims[1] : 1, dims[1] * span, 1);
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
