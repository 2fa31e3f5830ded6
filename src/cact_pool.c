/*
 * cact_pool.c -- the threads that run cact's long loops.
 *
 * Why cact has its own threads rather than OpenMP parallel regions
 * ------------------------------------------------------------------
 * A NumPy program alternates a matrix product (OpenBLAS, its own pthreads)
 * and an activation.  With cact's loops in `#pragma omp parallel`, a dense
 * layer step (256x256 @ 256x512 float64, then tanh on the 131,072 results)
 * took 8.3-8.5 ms instead of 0.7-0.8 ms on a 2-core machine: the GNU OpenMP
 * runtime's team thread spins for a while after each region, OpenBLAS's
 * worker spins after each product, and on two cores each waits for the other
 * to be descheduled; and a parallel region always ends in a barrier, so the
 * caller also waits for a team thread that has not even been given a core
 * yet.  GOMP_SPINCOUNT=0 helps but is a process-wide setting (it would slow
 * PyTorch and every other library sharing the runtime), cannot be changed
 * once the runtime is loaded, and still leaves the barrier: README
 * "Threads next to BLAS" has the measurements.  So cact's loops run here:
 *
 * - The calling thread always works.  It publishes the job, wakes the workers
 *   and starts on its own chunks at once; when it runs out, it takes the
 *   chunks no worker has started.  It waits only for chunks that a worker has
 *   actually claimed.  A worker that has no core (BLAS threads spinning, an
 *   oversubscribed machine) therefore costs the call nothing but the wake-up:
 *   the call is never slower than the serial loop plus a few microseconds.
 * - Workers spin briefly after a job (cact_worker_spin_ns, 20 us: a
 *   following cact call, e.g. a backward after a forward, then starts
 *   without a futex round trip; while calls follow each other closely, twice
 *   their gap, at most CACT_WORKER_SPIN_MAX_NS, see cact_worker_spin) and
 *   then sleep on a condition variable; the caller spins briefly for claimed
 *   chunks (cact_done_spin_ns) before it sleeps too.  Nothing spins for
 *   longer than that, whoever else shares the cores.
 * - Each of the T threads owns a slot of CACT_POOL_PER consecutive chunks
 *   (so a thread works on the same part of an array call after call, which
 *   keeps it in that core's cache); after its own slot it takes chunks from
 *   the other slots.  Chunks are whole multiples of the caller's grain: 64
 *   items for the elementwise loops, so threads never write to the same
 *   cache line of a contiguous output, and 1 for the row operations, whose
 *   item is a whole row (with 64, ten rows of 10^5 made one chunk, which one
 *   thread ran while the other waited: softmax gained nothing from a second
 *   thread).  Every
 *   element is computed independently by the same kernel, so the result is
 *   bitwise the same whoever runs which chunk.
 * - One call at a time uses the pool, and only while it is the only call in
 *   progress.  A call made while another thread's call is running (many
 *   Python threads calling cact at once) runs on its own thread: the cores
 *   are busy anyway, nothing waits for the pool, and no worker is woken to
 *   compete with the callers for a core.
 * - fork(): the child gets no threads, so the pool is reset in the child and
 *   started again on its first threaded call.  cact never enters an OpenMP
 *   parallel region, so a child forked after any library used the OpenMP
 *   runtime is safe too.
 *
 * The OpenMP runtime is still what the thread count follows by default
 * (omp_get_max_threads(): OMP_NUM_THREADS, threadpoolctl's limits), see
 * cact_parallel.c; the threads themselves are pthreads (Win32 threads on
 * Windows).  Builds without OpenMP are serial and start no thread.
 *
 * Memory ordering.  A slot's state word is (generation << 8) | next chunk
 * index.  The caller writes the job's fields, then stores each slot's word
 * with release order; a thread claims a chunk with an acquire compare-and-swap
 * that checks the generation, and reads the job's fields only after a claim
 * succeeded, so it reads the fields of that generation, which stay unchanged
 * until every claimed chunk has been counted done (acq_rel add).  A thread
 * that wakes late finds words of another generation and claims nothing.
 */
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#include "cact_pool.h"

#include <string.h>

#if defined(_OPENMP) && defined(_WIN32)
#define CACT_POOL_WIN32 1
#elif defined(_OPENMP) && (defined(__unix__) || defined(__APPLE__))
#define CACT_POOL_PTHREADS 1
#endif

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#include <process.h>
#else
#include <unistd.h>
#endif
#if defined(CACT_POOL_PTHREADS)
#include <pthread.h>
#include <signal.h>
#include <time.h>
#endif

/* Chunks per thread slot: enough that the caller can take over a late
 * worker's share in pieces, few enough that claiming (one compare-and-swap)
 * stays negligible.  At most 255 (8 bits of the slot word). */
#define CACT_POOL_PER 8

/* Spin bounds, in nanoseconds (see the top of the file).  A worker spins
 * for cact_worker_spin_ns after a job, or for twice the gap the pool's
 * calls have been leaving between one job's end and the next one's
 * publishing, when that covers it within CACT_WORKER_SPIN_MAX_NS (see
 * cact_worker_spin below). */
static volatile long long cact_worker_spin_ns = 20000;
static volatile long long cact_done_spin_ns = 50000;
#define CACT_WORKER_SPIN_MAX_NS 200000

/* Computed once: sysconf(_SC_NPROCESSORS_ONLN) reads a file under /sys on
 * Linux (about 8 us), and cact_get_num_threads() asks on every call. */
static volatile int cact_limit_cached = 0;

int cact_thread_limit(void)
{
    int limit = cact_limit_cached;
    if (limit > 0) {
        return limit;
    }
    long ncpu = 1;
#if defined(_WIN32)
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    ncpu = (long)si.dwNumberOfProcessors;
#elif defined(_SC_NPROCESSORS_ONLN)
    ncpu = sysconf(_SC_NPROCESSORS_ONLN);
#endif
    if (ncpu < 1) {
        ncpu = 1;
    }
    const long l = 4 * ncpu > 64 ? 4 * ncpu : 64;
    limit = (int)(l < CACT_MAX_THREADS ? l : CACT_MAX_THREADS);
    cact_limit_cached = limit; /* the same value from any thread */
    return limit;
}

#if !defined(CACT_POOL_WIN32) && !defined(CACT_POOL_PTHREADS)

/* ----------------------------------------------- serial builds: no threads */
void cact_pool_run(cact_chunk_fn fn, int nargs, char **args, ptrdiff_t n, const ptrdiff_t *dims,
                   const ptrdiff_t *steps, int nthreads, ptrdiff_t grain, long long work_ns)
{
    (void)nargs;
    (void)nthreads;
    (void)grain;
    (void)work_ns;
    fn(args, n, dims, steps);
}
void cact_pool_set_wake_costs(long long signal_ns, long long latency_ns)
{
    (void)signal_ns;
    (void)latency_ns;
}
void cact_pool_wake_costs(long long *signal_ns, long long *latency_ns, long long *skipped)
{
    *signal_ns = 0;
    *latency_ns = 0;
    *skipped = 0;
}
int cact_pool_workers(void) { return 0; }
long long cact_pool_busy_calls(void) { return 0; }
long long cact_pool_worker_chunks(void) { return 0; }
void cact_pool_set_spin(long long worker_ns, long long done_ns)
{
    (void)worker_ns;
    (void)done_ns;
}
long long cact_pool_worker_spin_ns(void) { return 0; }
int cact_pool_install_fork_handler(void) { return 0; }
/* A serial build never splits a loop, so cact_run never times a probe. */
long long cact_now_ns(void) { return 0; }

#else

/* ------------------------------------------------------------ platform */
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
typedef volatile long long cact_atomic;
/* The Interlocked functions are full barriers on every MSVC target. */
static __forceinline long long cact_load(cact_atomic *p)
{
    return InterlockedCompareExchange64(p, 0, 0);
}
static __forceinline void cact_store(cact_atomic *p, long long v) { InterlockedExchange64(p, v); }
static __forceinline int cact_cas(cact_atomic *p, long long *expected, long long desired)
{
    const long long seen = InterlockedCompareExchange64(p, desired, *expected);
    if (seen == *expected) {
        return 1;
    }
    *expected = seen;
    return 0;
}
static __forceinline long long cact_add(cact_atomic *p, long long v)
{
    return InterlockedExchangeAdd64(p, v) + v;
}
#define CACT_PAUSE() YieldProcessor()
#else
typedef long long cact_atomic;
#define cact_load(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define cact_store(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define cact_cas(p, expected, desired)                                                    \
    __atomic_compare_exchange_n((p), (expected), (desired), 0, __ATOMIC_ACQ_REL,        \
                                __ATOMIC_ACQUIRE)
#define cact_add(p, v) __atomic_add_fetch((p), (v), __ATOMIC_ACQ_REL)
#if defined(__x86_64__) || defined(__i386__)
#define CACT_PAUSE() __builtin_ia32_pause()
#elif defined(__aarch64__) || defined(__arm__)
#define CACT_PAUSE() __asm__ __volatile__("yield")
#else
#define CACT_PAUSE() ((void)0)
#endif
#endif

#if defined(CACT_POOL_WIN32)
typedef SRWLOCK cact_mutex;
typedef CONDITION_VARIABLE cact_cond;
#define cact_mutex_init(m) InitializeSRWLock(m)
#define cact_cond_init(c) InitializeConditionVariable(c)
#define cact_lock(m) AcquireSRWLockExclusive(m)
#define cact_unlock(m) ReleaseSRWLockExclusive(m)
#define cact_wait(c, m) SleepConditionVariableSRW((c), (m), INFINITE, 0)
#define cact_signal(c) WakeConditionVariable(c)
#define cact_broadcast(c) WakeAllConditionVariable(c)
long long cact_now_ns(void)
{
    static LARGE_INTEGER freq;
    LARGE_INTEGER t;
    if (freq.QuadPart == 0) {
        QueryPerformanceFrequency(&freq);
    }
    QueryPerformanceCounter(&t);
    return (long long)((double)t.QuadPart * (1e9 / (double)freq.QuadPart));
}
#else
typedef pthread_mutex_t cact_mutex;
typedef pthread_cond_t cact_cond;
#define cact_mutex_init(m) pthread_mutex_init((m), NULL)
#define cact_cond_init(c) pthread_cond_init((c), NULL)
#define cact_lock(m) pthread_mutex_lock(m)
#define cact_unlock(m) pthread_mutex_unlock(m)
#define cact_wait(c, m) pthread_cond_wait((c), (m))
#define cact_signal(c) pthread_cond_signal(c)
#define cact_broadcast(c) pthread_cond_broadcast(c)
long long cact_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}
#endif

/* ---------------------------------------------------------------- state */
#define CACT_CACHE_LINE 64

typedef struct {
    cact_atomic state; /* (generation << 8) | next chunk index in this slot */
    char pad[CACT_CACHE_LINE - sizeof(cact_atomic)];
} cact_slot;

#if defined(_MSC_VER) && !defined(__clang__)
#define CACT_ALIGNED __declspec(align(64))
#else
#define CACT_ALIGNED __attribute__((aligned(64)))
#endif

static CACT_ALIGNED cact_slot cact_slots[CACT_MAX_THREADS];

/* The job: written by the owner before it publishes the slots; read by other
 * threads only after they claimed a chunk of it. */
static struct {
    cact_chunk_fn fn;
    int nargs;
    char *args[CACT_MAX_ARGS];
    const ptrdiff_t *dims;
    const ptrdiff_t *steps;
    ptrdiff_t n;
    ptrdiff_t chunk;  /* items per chunk, a multiple of 64 */
    long long total;  /* chunks: slots x CACT_POOL_PER */
} cact_job;

static CACT_ALIGNED cact_atomic cact_done;         /* chunks of the job finished */
static CACT_ALIGNED cact_atomic cact_gen;          /* the job's generation (wake word) */
static CACT_ALIGNED cact_atomic cact_owner;        /* 1 while a call uses the pool */
static CACT_ALIGNED cact_atomic cact_nworkers;     /* workers started */
static cact_atomic cact_busy_calls;                /* calls that found the pool owned */
static cact_atomic cact_worker_chunks;             /* chunks run by workers, in all */

static cact_mutex cact_mtx;
static cact_cond cact_work_cv;  /* workers sleep here for a new generation */
static cact_cond cact_done_cv;  /* the owner sleeps here for claimed chunks */
static int cact_sleepers;       /* under cact_mtx */
static int cact_owner_waiting;  /* under cact_mtx */
static long long cact_generation; /* the owner's counter (only the owner writes) */

/* Whether to wake sleeping workers.  Waking one is not free: the owner's
 * futex call and the time until the woken thread claims its first chunk.
 * Under a hypervisor both are large (2-core AMD EPYC Zen 4 VM, a worker
 * asleep after 200 us of the caller's work: the owner's broadcast 7-11 us,
 * the worker's first claim 20-34 us after the publishing), and a float32
 * relu of 10^5 elements, 9 us on one thread, took 24 us with the worker
 * woken.  With the owner working from the signal's end s and the worker from
 * its wake latency L, two threads finish the serial work W at
 * (W + s + L) / 2, so waking gains only when W > s + L; cact wakes sleepers
 * for W > 2 (s + L) (a quarter of the time saved at least, a margin for the
 * spread of L) and otherwise publishes the job without waking: workers
 * still spinning from the previous call take their chunks, the owner the
 * rest.  s and L are measured on every wake (each estimate falls at once to
 * a lower sample and rises by an eighth towards a higher one, as the kernel
 * costs do); nothing is skipped before the first samples, every 16th short
 * job wakes anyway to measure again, and a job of unknown work (work_ns < 0:
 * the tests' forced splits) always wakes. */
static CACT_ALIGNED cact_atomic cact_publish_ns; /* the owner's clock at publishing */
static cact_atomic cact_signal_ns;               /* the broadcast's estimate, ns */
static cact_atomic cact_latency_ns;              /* publish to first claim, ns */
static cact_atomic cact_skipped_wakes;           /* jobs published without waking */
static cact_atomic cact_job_end_ns;              /* the owner's clock at a job's end */
static cact_atomic cact_gap_ns;                  /* job end to next publishing, ns */
static long long cact_skipped;                   /* short jobs, under cact_mtx */
#define CACT_WAKE_PROBE_EVERY 16

static void cact_track(cact_atomic *est, long long sample)
{
    if (sample <= 0) {
        return;
    }
    const long long old = cact_load(est);
    /* racy read-modify-write by design: a lost update is one lost sample */
    cact_store(est, old == 0 || sample < old ? sample : old + (sample - old) / 8);
}

/* Under cact_mtx (the skip counter and the probe count with it). */
static int cact_worth_waking(long long work_ns)
{
    const long long s = cact_load(&cact_signal_ns), l = cact_load(&cact_latency_ns);
    if (work_ns < 0 || s == 0 || l == 0 || work_ns > 2 * (s + l)) {
        return 1;
    }
    /* every CACT_WAKE_PROBE_EVERY-th short job wakes anyway: the estimates
     * follow the machine (one slow wake must not keep workers asleep) */
    if (++cact_skipped % CACT_WAKE_PROBE_EVERY == 0) {
        return 1;
    }
    cact_add(&cact_skipped_wakes, 1);
    return 0;
}

/* How long a worker spins after a job.  Calls that follow each other
 * closely (a loop of cact calls with a little NumPy between them: the
 * caller refilling an array of 10^5 floats takes 13-20 us) find the worker
 * still spinning if it spins as long as the gap between them, and a
 * sleeping worker costs a wake (on a 2-vCPU KVM guest of an Intel Xeon,
 * 20 us in the caller's futex call and 52-79 us until the worker's first
 * chunk, so that a float32 sigmoid of 10^5 elements ran on one thread: 73
 * us a call against 46-49 us with the worker spinning).  A long spin is not
 * free when the gap is long: right after a NumPy matmul on both cores
 * (128x1024 @ 1024x1024 float32) a worker spinning 150 us cost the step 120
 * us of OpenBLAS's time.  So the owner measures each gap from a job's end to
 * the next job's publishing, the estimate rising at once to a longer gap
 * and falling by a quarter towards a shorter one (it follows calls that
 * stay close together: from a long gap to a spin of 100 us in 5 calls; and
 * the first long gap puts it back), and the worker spins for twice the
 * estimate (a margin for the spread) when that is at most
 * CACT_WORKER_SPIN_MAX_NS, else for cact_worker_spin_ns, its floor too. */
static long long cact_worker_spin(void)
{
    const long long floor = cact_worker_spin_ns, gap = cact_load(&cact_gap_ns);
    if (gap > 0 && 2 * gap <= CACT_WORKER_SPIN_MAX_NS && 2 * gap > floor) {
        return 2 * gap;
    }
    return floor;
}

long long cact_pool_worker_spin_ns(void) { return cact_worker_spin(); }

/* The owner, at publishing: the gap since the previous job's end. */
static void cact_track_gap(long long now)
{
    const long long end = cact_load(&cact_job_end_ns);
    if (end <= 0 || now <= end) {
        return;
    }
    /* a gap beyond twice the longest spin says only "long": held there, so
     * that a few close calls after an idle second bring the spin back */
    const long long far = 2 * CACT_WORKER_SPIN_MAX_NS;
    const long long gap = now - end < far ? now - end : far, old = cact_load(&cact_gap_ns);
    cact_store(&cact_gap_ns, old == 0 || gap > old ? gap : old - (old - gap) / 4);
}

void cact_pool_set_wake_costs(long long signal_ns, long long latency_ns)
{
    cact_store(&cact_signal_ns, signal_ns);
    cact_store(&cact_latency_ns, latency_ns);
}

void cact_pool_wake_costs(long long *signal_ns, long long *latency_ns, long long *skipped)
{
    *signal_ns = cact_load(&cact_signal_ns);
    *latency_ns = cact_load(&cact_latency_ns);
    *skipped = cact_load(&cact_skipped_wakes);
}

static void cact_pool_init_sync(void)
{
    cact_mutex_init(&cact_mtx);
    cact_cond_init(&cact_work_cv);
    cact_cond_init(&cact_done_cv);
    cact_sleepers = 0;
    cact_owner_waiting = 0;
}

#if defined(CACT_POOL_WIN32)
static INIT_ONCE cact_once = INIT_ONCE_STATIC_INIT;
static BOOL CALLBACK cact_once_fn(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once;
    (void)param;
    (void)ctx;
    cact_pool_init_sync();
    return TRUE;
}
static void cact_pool_init(void) { InitOnceExecuteOnce(&cact_once, cact_once_fn, NULL, NULL); }
#else
static pthread_once_t cact_once = PTHREAD_ONCE_INIT;
static void cact_pool_init(void) { pthread_once(&cact_once, cact_pool_init_sync); }
#endif

/* ------------------------------------------------------------- the work */

/* Claim the next chunk of slot s for generation g: its index, or -1 when the
 * slot has none left for g (or belongs to another generation). */
static long long cact_claim(int s, long long g)
{
    cact_atomic *p = &cact_slots[s].state;
    long long cur = cact_load(p);
    for (;;) {
        if ((cur >> 8) != g || (cur & 0xff) >= CACT_POOL_PER) {
            return -1;
        }
        if (cact_cas(p, &cur, cur + 1)) {
            return (long long)s * CACT_POOL_PER + (cur & 0xff);
        }
    }
}

static void cact_run_chunk(long long c)
{
    const ptrdiff_t lo = (ptrdiff_t)c * cact_job.chunk;
    if (lo < cact_job.n) {
        const ptrdiff_t hi = lo + cact_job.chunk < cact_job.n ? lo + cact_job.chunk : cact_job.n;
        char *local[CACT_MAX_ARGS];
        for (int k = 0; k < cact_job.nargs; k++) {
            local[k] = cact_job.args[k] + lo * cact_job.steps[k];
        }
        cact_job.fn(local, hi - lo, cact_job.dims, cact_job.steps);
    }
}

/* Run chunks of generation g, own slot first, then the others'; returns the
 * number run.  `last` is set when this thread finished the job's last chunk. */
static long long cact_work(long long g, int own, int nslots, int *last)
{
    long long ran = 0;
    *last = 0;
    for (int i = 0; i < nslots; i++) {
        const int s = (own + i) % nslots;
        long long c;
        while ((c = cact_claim(s, g)) >= 0) {
            cact_run_chunk(c);
            ran++;
            /* cact_job.total is read after a claim of g: g's value */
            if (cact_add(&cact_done, 1) == cact_job.total) {
                *last = 1;
            }
        }
    }
    return ran;
}

#if defined(CACT_POOL_WIN32)
static unsigned __stdcall cact_worker(void *arg)
#else
static void *cact_worker(void *arg)
#endif
{
    const int own = (int)(ptrdiff_t)arg;
    long long seen = cact_load(&cact_gen);
    for (;;) {
        /* Wait for a new generation: spin a little, then sleep. */
        long long g = cact_load(&cact_gen);
        if (g == seen) {
            const long long spin = cact_worker_spin();
            const long long t0 = cact_now_ns();
            for (unsigned i = 1; (g = cact_load(&cact_gen)) == seen; i++) {
                CACT_PAUSE();
                if ((i & 63) == 0 && cact_now_ns() - t0 > spin) {
                    break;
                }
            }
        }
        if (g == seen) {
            int slept = 0;
            cact_lock(&cact_mtx);
            while ((g = cact_load(&cact_gen)) == seen) {
                cact_sleepers++;
                cact_wait(&cact_work_cv, &cact_mtx);
                cact_sleepers--;
                slept = 1;
            }
            cact_unlock(&cact_mtx);
            if (slept) {
                /* from the owner's publishing to this thread's first claim
                 * (a wake for an older generation reads a later t0: <= 0,
                 * not counted) */
                cact_track(&cact_latency_ns, cact_now_ns() - cact_load(&cact_publish_ns));
            }
        }
        seen = g;
        int last;
        const int nslots = (int)cact_load(&cact_nworkers) + 1;
        const long long ran = cact_work(g, own, nslots, &last);
        if (ran > 0) {
            cact_add(&cact_worker_chunks, ran);
        }
        if (last) {
            cact_lock(&cact_mtx);
            if (cact_owner_waiting) {
                cact_signal(&cact_done_cv);
            }
            cact_unlock(&cact_mtx);
        }
    }
#if defined(CACT_POOL_WIN32)
    return 0;
#else
    return NULL;
#endif
}

/* Start workers until there are `want` (the owner calls this); returns the
 * number there are, fewer if the system would not create more threads. */
static int cact_grow(int want)
{
    int have = (int)cact_load(&cact_nworkers);
    while (have < want) {
        void *arg = (void *)(ptrdiff_t)(have + 1); /* its slot */
#if defined(CACT_POOL_WIN32)
        uintptr_t h = _beginthreadex(NULL, 512 * 1024, cact_worker, arg,
                                     STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
        if (h == 0) {
            break;
        }
        CloseHandle((HANDLE)h);
#else
        pthread_attr_t attr;
        pthread_t tid;
        sigset_t all, old;
        if (pthread_attr_init(&attr) != 0) {
            break;
        }
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 512 * 1024);
        /* Workers block every signal, so signals go to the program's threads. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        const int rc = pthread_create(&tid, &attr, cact_worker, arg);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        pthread_attr_destroy(&attr);
        if (rc != 0) {
            break;
        }
#endif
        have++;
        cact_store(&cact_nworkers, (long long)have);
    }
    return have;
}

/* Calls inside cact_pool_run, the pool's owner and the ones running
 * serially beside it.  A call that starts while another is in progress runs
 * serially even when the pool is free again: with several Python threads
 * calling cact, each caller keeps a core busy by itself, and a pool worker
 * woken on top of them only competes for a core with a caller (on two cores,
 * two callers of float32 sigmoid at 10^5 reached 0.75-0.87x the throughput
 * of one, the owner waiting for a preempted worker's chunk). */
static cact_atomic cact_callers;

static void cact_pool_run_owned(cact_chunk_fn fn, int nargs, char **args, ptrdiff_t n,
                                const ptrdiff_t *dims, const ptrdiff_t *steps, int nthreads,
                                ptrdiff_t grain, long long work_ns);

void cact_pool_run(cact_chunk_fn fn, int nargs, char **args, ptrdiff_t n, const ptrdiff_t *dims,
                   const ptrdiff_t *steps, int nthreads, ptrdiff_t grain, long long work_ns)
{
    long long free_ = 0;
    if (nthreads > CACT_MAX_THREADS) {
        nthreads = CACT_MAX_THREADS;
    }
    if (nthreads < 2) {
        fn(args, n, dims, steps);
        return;
    }
    const long long others = cact_add(&cact_callers, 1) - 1;
    if (others > 0 || !cact_cas(&cact_owner, &free_, 1)) {
        cact_add(&cact_busy_calls, 1);
        fn(args, n, dims, steps);
    }
    else {
        cact_pool_run_owned(fn, nargs, args, n, dims, steps, nthreads, grain, work_ns);
        cact_store(&cact_owner, 0);
    }
    cact_add(&cact_callers, -1);
}

/* The job of the pool's owner (cact_owner held by the caller). */
static void cact_pool_run_owned(cact_chunk_fn fn, int nargs, char **args, ptrdiff_t n,
                                const ptrdiff_t *dims, const ptrdiff_t *steps, int nthreads,
                                ptrdiff_t grain, long long work_ns)
{
    cact_pool_init();
    const int workers = cact_grow(nthreads - 1);
    const int nslots = workers + 1 < nthreads ? workers + 1 : nthreads;
    if (nslots < 2) {
        fn(args, n, dims, steps);
        return;
    }

    /* The job: nslots x CACT_POOL_PER chunks of a multiple of grain items. */
    const long long total = (long long)nslots * CACT_POOL_PER;
    const ptrdiff_t per = (n + (ptrdiff_t)total - 1) / (ptrdiff_t)total;
    const ptrdiff_t chunk = (per + grain - 1) / grain * grain;
    cact_job.fn = fn;
    cact_job.nargs = nargs;
    memcpy(cact_job.args, args, (size_t)nargs * sizeof(char *));
    cact_job.dims = dims;
    cact_job.steps = steps;
    cact_job.n = n;
    cact_job.chunk = chunk;
    cact_job.total = total;
    const long long g = ++cact_generation;
    cact_store(&cact_done, 0);
    for (int s = 0; s < nslots; s++) {
        cact_store(&cact_slots[s].state, g << 8);
    }
    const long long published = cact_now_ns();
    cact_track_gap(published);
    cact_store(&cact_publish_ns, published);
    cact_lock(&cact_mtx);
    cact_store(&cact_gen, g);
    if (cact_sleepers > 0 && cact_worth_waking(work_ns)) {
        const long long t0 = cact_now_ns();
        cact_broadcast(&cact_work_cv);
        cact_track(&cact_signal_ns, cact_now_ns() - t0);
    }
    cact_unlock(&cact_mtx);

    /* Work, then wait for the chunks that workers claimed. */
    int last;
    cact_work(g, 0, nslots, &last);
    if (cact_load(&cact_done) < total) {
        const long long spin = cact_done_spin_ns;
        const long long t0 = cact_now_ns();
        for (unsigned i = 1; cact_load(&cact_done) < total; i++) {
            CACT_PAUSE();
            if ((i & 63) == 0 && cact_now_ns() - t0 > spin) {
                break;
            }
        }
        if (cact_load(&cact_done) < total) {
            cact_lock(&cact_mtx);
            cact_owner_waiting = 1;
            while (cact_load(&cact_done) < total) {
                cact_wait(&cact_done_cv, &cact_mtx);
            }
            cact_owner_waiting = 0;
            cact_unlock(&cact_mtx);
        }
    }
    cact_store(&cact_job_end_ns, cact_now_ns());
}

int cact_pool_workers(void) { return (int)cact_load(&cact_nworkers); }

long long cact_pool_busy_calls(void) { return cact_load(&cact_busy_calls); }

long long cact_pool_worker_chunks(void) { return cact_load(&cact_worker_chunks); }

/* For bench/: change the spin bounds (negative: leave as is). */
void cact_pool_set_spin(long long worker_ns, long long done_ns)
{
    if (worker_ns >= 0) {
        cact_worker_spin_ns = worker_ns;
    }
    if (done_ns >= 0) {
        cact_done_spin_ns = done_ns;
    }
}

#if defined(CACT_POOL_PTHREADS)
/* In a forked child only the forking thread exists: forget the workers (the
 * next threaded call starts new ones) and every lock and wait state, which
 * threads of the parent may have held at the moment of the fork. */
static void cact_pool_atfork_child(void)
{
    cact_store(&cact_nworkers, 0);
    cact_store(&cact_owner, 0);
    cact_store(&cact_callers, 0); /* callers in other threads of the parent */
    cact_pool_init_sync();
}
#endif

int cact_pool_install_fork_handler(void)
{
#if defined(CACT_POOL_PTHREADS)
    static int installed = 0;
    if (!installed) {
        if (pthread_atfork(NULL, NULL, cact_pool_atfork_child) != 0) {
            return -1;
        }
        installed = 1;
    }
#endif
    return 0;
}

#endif
