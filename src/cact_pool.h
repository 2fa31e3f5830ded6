/*
 * cact_pool.h -- cact's own worker threads (see cact_pool.c).
 */
#ifndef CACT_POOL_H
#define CACT_POOL_H

#include "cact_common.h"

/* The most threads a call can use, the caller included (the pool has at most
 * CACT_MAX_THREADS - 1 workers).  cact_thread_limit() is the documented cap
 * that set_num_threads enforces, at most this. */
#define CACT_MAX_THREADS 1024

/* Run fn over n outer items on up to nthreads threads, the calling thread
 * included, and return when every item is done.  The items are cut into
 * chunks of whole multiples of grain items (64 for elementwise loops: no
 * shared cache line between threads' outputs; 1 for rows); which thread runs
 * which chunk does not change the result (every item is computed
 * independently).  work_ns: the serial time the caller estimates for the
 * whole loop (negative: unknown), which decides whether sleeping workers
 * are worth waking. */
void cact_pool_run(cact_chunk_fn fn, int nargs, char **args, ptrdiff_t n, const ptrdiff_t *dims,
                   const ptrdiff_t *steps, int nthreads, ptrdiff_t grain, long long work_ns);

/* The wake-up costs measured so far (ns: the owner's broadcast, the time from
 * publishing a job to a woken worker's first claim; 0 before any wake) and
 * the jobs published without waking a sleeping worker, whose work was
 * estimated below 2 x (signal + latency) (see cact_pool.c). */
void cact_pool_wake_costs(long long *signal_ns, long long *latency_ns, long long *skipped);
/* For the tests: set both estimates (the next wakes move them again). */
void cact_pool_set_wake_costs(long long signal_ns, long long latency_ns);

/* Statistics for show_config and the tests: workers started so far, calls
 * that ran on their own thread because another thread was using the pool,
 * chunks run by workers (not by the calling thread) in all. */
int cact_pool_workers(void);
long long cact_pool_busy_calls(void);
long long cact_pool_worker_chunks(void);

/* For bench/: the spin bounds in ns (negative: unchanged). */
void cact_pool_set_spin(long long worker_ns, long long done_ns);
/* How long a worker spins after a job now, ns (0 in a serial build). */
long long cact_pool_worker_spin_ns(void);

/* Register the fork handler (0 on success, or where none is needed). */
int cact_pool_install_fork_handler(void);

/* A monotonic clock in ns (clock_gettime / QueryPerformanceCounter). */
long long cact_now_ns(void);

/* max(64, 4 x the CPUs online), at most CACT_MAX_THREADS. */
int cact_thread_limit(void);

#endif /* CACT_POOL_H */
