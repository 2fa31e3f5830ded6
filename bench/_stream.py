"""The memory-stream limit for bench/bench.py: ``x *= 1`` in C with OpenMP.

A tiny C helper is compiled when the benchmark starts (``cc -O3 -fopenmp
-shared``, with ``-march=native -mprefer-vector-width=512`` when the compiler
accepts them, so that the loop uses the widest vectors of this CPU, as cact's
best kernel level does)
into a temporary directory and loaded with ctypes; it is not part of cact.

``stream``   ``x[i] = x[i] * a`` with ``a = 1`` passed at run time (so that
             the compiler cannot drop the loop): one read and one write per
             element, the traffic of an in-place forward function.
``stream2``  ``g[i] = g[i] * a + y[i] * b`` with ``a = 1``, ``b = 0``: two reads
             and one write, the traffic of an in-place backward function.

Both leave the data unchanged (for finite ``y``), so they run on the
benchmark's own buffers.  The C function repeats the loop ``reps`` times
and times itself (``clock_gettime``), so no Python call overhead is
included: at small n this is the bandwidth of the cache, which no call from
Python reaches.  It runs with 1 thread and with the benchmark's thread count
(``num_threads(t)``, static schedule); the faster counts.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import tempfile

import numpy as np

from _timing import Timed

_SRC = r"""
#include <stddef.h>
#include <time.h>

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

#define STREAM(T, SUF)                                                          \
double stream_##SUF(T *restrict x, long n, T a, int threads, long reps) {       \
    double t0 = now_ns();                                                       \
    for (long r = 0; r < reps; r++) {                                           \
        if (threads > 1) {                                                      \
            _Pragma("omp parallel for simd schedule(static) num_threads(threads)") \
            for (long i = 0; i < n; i++) x[i] = x[i] * a;                       \
        } else {                                                                \
            _Pragma("omp simd")                                                 \
            for (long i = 0; i < n; i++) x[i] = x[i] * a;                       \
        }                                                                       \
        __asm__ __volatile__("" ::: "memory");                                  \
    }                                                                           \
    return (now_ns() - t0) / (double)reps;                                      \
}                                                                               \
double stream2_##SUF(T *restrict g, const T *restrict y, long n, T a, T b,     \
                     int threads, long reps) {                                  \
    double t0 = now_ns();                                                       \
    for (long r = 0; r < reps; r++) {                                           \
        if (threads > 1) {                                                      \
            _Pragma("omp parallel for simd schedule(static) num_threads(threads)") \
            for (long i = 0; i < n; i++) g[i] = g[i] * a + y[i] * b;            \
        } else {                                                                \
            _Pragma("omp simd")                                                 \
            for (long i = 0; i < n; i++) g[i] = g[i] * a + y[i] * b;            \
        }                                                                       \
        __asm__ __volatile__("" ::: "memory");                                  \
    }                                                                           \
    return (now_ns() - t0) / (double)reps;                                      \
}

STREAM(float, f32)
STREAM(double, f64)
"""


class StreamLib:
    """The compiled helper; ``StreamLib.build()`` returns None when no compiler works."""

    def __init__(self, lib: ctypes.CDLL, flags: str, compiler: str):
        self.lib = lib
        self.flags = flags
        self.compiler = compiler
        self.funcs = {}
        for suf, ct in (("f32", ctypes.c_float), ("f64", ctypes.c_double)):
            f1 = getattr(lib, f"stream_{suf}")
            f1.restype = ctypes.c_double
            f1.argtypes = [ctypes.c_void_p, ctypes.c_long, ct, ctypes.c_int, ctypes.c_long]
            f2 = getattr(lib, f"stream2_{suf}")
            f2.restype = ctypes.c_double
            f2.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long, ct, ct, ctypes.c_int,
                           ctypes.c_long]
            self.funcs[suf] = (f1, f2)

    @classmethod
    def build(cls) -> "StreamLib | None":
        cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
        if not cc:
            return None
        tmp = tempfile.mkdtemp(prefix="cact-bench-stream-")
        src = os.path.join(tmp, "stream.c")
        with open(src, "w") as f:
            f.write(_SRC)
        for flags in (["-O3", "-march=native", "-mprefer-vector-width=512", "-fopenmp"],
                      ["-O3", "-march=native", "-fopenmp"], ["-O3", "-fopenmp"]):
            so = os.path.join(tmp, "stream" + str(len(flags)) + ".so")
            cmd = [cc, *flags, "-shared", "-fPIC", "-o", so, src]
            try:
                r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            except (OSError, subprocess.SubprocessError):
                continue
            if r.returncode == 0:
                try:
                    lib = ctypes.CDLL(so)
                except OSError:
                    continue
                shutil.rmtree(tmp, ignore_errors=True)  # (the loaded library stays mapped)
                try:
                    ver = subprocess.run([cc, "--version"], capture_output=True, text=True,
                                         timeout=30).stdout.splitlines()[0]
                except (OSError, subprocess.SubprocessError, IndexError):
                    ver = cc
                return cls(lib, " ".join(flags), ver)
        shutil.rmtree(tmp, ignore_errors=True)
        return None

    def describe(self, threads: int) -> str:
        th = "1 thread" if threads == 1 else f"best of 1 and {threads} threads"
        return (f"x *= 1 (stream) and g = g*1 + y*0 (stream2, backward rows) in C, "
                f"{self.compiler}, {self.flags}, {th}, timed inside C")

    def timed(self, label: str, x: np.ndarray, threads: int, y: np.ndarray | None = None) -> "CTimed":
        suf = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}[x.dtype]
        f1, f2 = self.funcs[suf]
        assert x.flags.c_contiguous and x.flags.writeable
        n = x.size
        if y is None:
            def run(reps):
                return f1(x.ctypes.data, n, 1.0, threads, reps)
        else:
            assert y.flags.c_contiguous and y.size == n and y.dtype == x.dtype

            def run(reps):
                return f2(x.ctypes.data, y.ctypes.data, n, 1.0, 0.0, threads, reps)
        return CTimed(label, run)


class CTimed(Timed):
    """A ``Timed`` whose sample is timed inside C (``run(reps)`` -> ns per rep)."""

    __slots__ = ()

    def __init__(self, label, run):
        super().__init__(label, run, None)

    def sample(self, k: int, overhead: int) -> float:
        return float(self.call(int(k)))
