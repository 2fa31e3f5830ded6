/*
 * cact_common.h -- shared definitions for cact's C layer.
 *
 * The C layer of cact has three levels (see README "Architecture"):
 *
 *   element functions   static inline, scalar-looking, one element in and out
 *                       (cact_exp_family.h, cact_linear.h, cact_maxout.h);
 *   loop kernels        generated from src/cact_kernels.inc.tp: a contiguous and a
 *                       strided loop over one chunk, both calling the same element
 *                       function, so results never depend on layout, offset or
 *                       the number of threads;
 *   the driver          cact_run() below: hands a long loop to cact's thread
 *                       pool (cact_pool.c), or runs it serially.
 *
 * Nothing here includes Python or NumPy headers: the kernels are plain C over
 * byte pointers and byte strides (ptrdiff_t has the size of npy_intp).
 */
#ifndef CACT_COMMON_H
#define CACT_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <fenv.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#if defined(_MSC_VER)
#define CACT_INLINE static __forceinline
#define CACT_NOINLINE static __declspec(noinline)
#else
#define CACT_INLINE static inline __attribute__((always_inline))
#define CACT_NOINLINE static __attribute__((noinline))
#endif
/* CACT_NOINLINE: a rare path kept out of the function that calls it.  A
 * second vector loop inlined beside the hot one hoists its own constants to
 * the function's entry, and the hot loop then reads spilled constants from
 * the stack: log_softmax_backward float64 over rows of 1000, AMD EPYC Zen 4,
 * one thread in cache, interleaved runs of one build, 2.30-2.32 -> 1.69-2.04
 * ns an entry at avx512 (src/cact_softmax.h, cact_lsm_row_other_f64). */

/* Tell the compiler that a contiguous loop carries no dependence.  Element i
 * reads inputs i and writes output i only.  NumPy passes a kernel overlapping
 * operands in two cases: exact aliasing (out=x), and an output that trails its
 * input (out below x, e.g. x[1:] into x[:-1]), which it judges safe for a
 * loop in increasing order and does not copy; every other partial overlap is
 * copied first.  In both cases each vector of inputs is loaded before the
 * stores that could reach it, in increasing order, so ignoring the assumed
 * dependence is safe; cact_run keeps the second case on one thread. */
#if defined(__clang__)
#define CACT_IVDEP _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define CACT_IVDEP _Pragma("GCC ivdep")
#else
#define CACT_IVDEP
#endif

/* A loop of a small constant count whose iterations are the vector lanes
 * (the block forms of src/cact_softmax.h: one lane a row): gcc unrolls such
 * a loop completely before its vectoriser runs when the body is small (16
 * iterations of a max), leaving 16 scalar copies; this keeps it a loop. */
#if defined(__clang__)
#define CACT_LANES_LOOP _Pragma("nounroll")
#elif defined(__GNUC__)
#define CACT_LANES_LOOP _Pragma("GCC unroll 1")
#else
#define CACT_LANES_LOOP
#endif

/* A chunk of a loop: n outer iterations starting at args[k], with the
 * ufunc's dims and steps (dims[0] is ignored, the chunk length is n). */
typedef void (*cact_chunk_fn)(char **args, ptrdiff_t n, const ptrdiff_t *dims,
                              const ptrdiff_t *steps);

/* Elements per tail block of a contiguous loop (a multiple of every vector
 * width in elements: 16 floats fill one AVX-512 register). */
#define CACT_TAIL 16

/* Software prefetch in the contiguous loops.  The exp-family kernels spend
 * ~60 instructions on 16 elements, so the out-of-order window holds only a few
 * cache lines of loads, and on the project machine (a KVM guest) the hardware
 * prefetchers did not make up for it: float32 sigmoid over 10^7 elements (40
 * MB, beyond L3) ran at 2.0 ns an element against 0.6 from cache.  Prefetching
 * the inputs and the output 1 KiB ahead, once per 64-byte line at the start of
 * each block of CACT_BLOCK elements, brought it to 0.71 ns (256, 512, 1024,
 * 2048 and 4096 floats ahead measured 0.71, 0.72, 0.76, 0.80, 0.79 ns), and
 * costs one instruction per line where the data is in cache.  A hint only:
 * results are unchanged.  Only those loops prefetch (src/render.py,
 * prefetches: the exp family's f, grad and backward from x, their fused
 * and stats forms).  The light loops (the linear and rational rows, every
 * backward from y) keep enough loads in flight without it, and the burst of
 * prefetches at each block's start slowed them: AMD EPYC Zen 4, 2 vCPUs,
 * float32 relu_backward from y over 10^8 elements on one thread 34.0-36.7
 * -> 27.1-30.6 ms (PyTorch's threshold_backward 26.3-30.9), sigmoid's
 * backward from y 30.1 -> 24.2-24.9 ms on two threads.  (On that machine
 * the exp family's loops gained nothing from it either: with it they took
 * 1.0-1.2x the time without, at 10^7 and 10^8, on a noisy host; it stays
 * for them, for the KVM guest above, where it measured 2.8x.) */
#define CACT_LINE 64
#define CACT_PREFETCH_AHEAD 1024
#define CACT_BLOCK 1024
/* The prefetch's form follows the CPU.  On an Intel Xeon (2 vCPUs under
 * KVM, AVX-512 level, one thread, C loops over the element functions, the
 * fastest of 8-60 runs) short blocks of CACT_SHORT_BLOCK elements (128: 8
 * lines of floats), each prefetching its lines CACT_SHORT_AHEAD bytes
 * ahead, beat the burst above, and the light loops gain from them too
 * (every backward from y: two input streams and a short element function):
 *                             none      burst above   short blocks
 *   sigmoid  f32  10^7      9.76 ms     7.56 ms       6.50 ms
 *            f32  10^6       782 us      718 us        640 us
 *            f64  10^7      25.4 ms     21.5 ms       16.6 ms
 *   sigmoid backward from y
 *            f32  10^7      7.63 ms     5.90 ms       4.95 ms
 *            f32  10^6       304 us      335 us        290 us
 *            f64  10^7      12.0 ms     12.1 ms       11.2 ms
 *   elu backward from y
 *            f32  10^7      7.89 ms     5.99 ms       5.20 ms
 *            f32  10^6       285 us      368 us        284 us
 *   relu backward from y
 *            f32  10^7      4.93 ms     4.66 ms       4.41 ms
 * (10^7 elements lie beyond L2, 10^6 in L3; the AVX2 level alike: sigmoid's
 * backward 7.34 -> 4.93 ms).  On an AMD EPYC Zen 4 the burst slowed the
 * light loops (the figures above) and the short form was not measured, so
 * cact_prefetch_short is set at import from the CPU's vendor
 * (cact_prefetch_short_default, src/cact_dispatch.c): 1 for Intel, where
 * the exp family's loops and the light ones prefetch in short blocks; 0
 * otherwise, where the exp family's loops keep the burst above and the
 * light loops do not prefetch, exactly as before.  A hint only: the
 * results are the same bits either way. */
#define CACT_SHORT_BLOCK 128
#define CACT_SHORT_AHEAD 2048
/* Chunks shorter than CACT_SHORT_MIN elements (64 KiB of floats, data the
 * caller just wrote sits in its L1 or L2) take the other form: the short
 * blocks' prefetches cost float32 sigmoid's backward from y at 1000
 * elements in L1 242 -> 265 ns, float64's 256 -> 301. */
#define CACT_SHORT_MIN 16384
extern volatile int cact_prefetch_short;
int cact_prefetch_short_default(void);
#if defined(__GNUC__) || defined(__clang__)
#define CACT_PREFETCH(p, rw) __builtin_prefetch((p), (rw))
#else
#define CACT_PREFETCH(p, rw) ((void)0)
#endif

/* Largest number of operands of any loop (inputs + outputs). */
#define CACT_MAX_ARGS 8

/* Threads (cact_parallel.c; the pool itself is cact_pool.c). */
int cact_get_num_threads(void);
void cact_set_num_threads(int n);
int cact_get_requested_threads(void);
int cact_openmp_enabled(void);
int cact_install_fork_handler(void);

/* Run chunk kernel `kernel` of the level in use over dims[0] outer items,
 * split over threads when the work (items x work_per_item, times the kernel's
 * measured cost per item) is worth it and no operand partially overlaps the
 * output; core_span is the byte extent of a gufunc's core dimensions (0 for
 * elementwise loops).  See cact_parallel.c. */
void cact_run(int kernel, int nargs, char **args, const ptrdiff_t *dims, const ptrdiff_t *steps,
              ptrdiff_t work_per_item, ptrdiff_t core_span);
/* The same for an axis operation of the "rows" kind (every operand has the
 * one core dimension dims[1], its stride steps[nargs + k]): the work of an
 * item is its row length, and an input that is the output exactly (same
 * start, outer step and core stride: out=x) does not keep the call serial,
 * as each row reads its entries before it writes them. */
void cact_run_rows(int kernel, int nargs, char **args, const ptrdiff_t *dims,
                   const ptrdiff_t *steps, ptrdiff_t core_span);

/* cact_run for an elementwise kernel with nout outputs (the last nout of
 * the nargs operands; the fused f and f'). */
void cact_run_n(int kernel, int nargs, int nout, char **args, const ptrdiff_t *dims,
                const ptrdiff_t *steps);
/* A gufunc "(n),...->(n),..." over the elementwise kernel `kernel`: its
 * ndata data operands and nout outputs have the core dimension dims[1], the
 * parameters between them none; each outer item (row) is one call of the
 * kernel, and the rows are split over the threads as cact_run_rows does. */
void cact_run_elem_rows(int kernel, int nargs, int nout, int ndata, char **args,
                        const ptrdiff_t *dims, const ptrdiff_t *steps);

/* The kernels' measured costs (generated in cact_ufuncs.c, one per chunk
 * kernel; 0 until measured), and their names. */
extern const int cact_n_chunks;
extern volatile float cact_kernel_cost_ns[];
extern volatile unsigned cact_kernel_probes[];
extern const char *const cact_chunk_names[];
void cact_reset_kernel_costs(void);
long long cact_get_split_calls(void);
void cact_split_rule(ptrdiff_t *serial_work, ptrdiff_t *probe_work, double *thread_ns);

CACT_INLINE ptrdiff_t cact_absp(ptrdiff_t v) { return v < 0 ? -v : v; }

/* Add v to a counter shared by the threads of a call (the stats kernels: one
 * add per chunk, so relaxed order is enough: the caller reads the counters
 * after cact_run, which returns only when every chunk is done, with the
 * pool's acquire/release on the chunk count ordering the adds before it). */
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
CACT_INLINE void cact_count_add(long long *p, long long v)
{
    (void)_InterlockedExchangeAdd64((volatile long long *)p, v);
}
#else
CACT_INLINE void cact_count_add(long long *p, long long v)
{
    (void)__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}
#endif

#endif /* CACT_COMMON_H */
