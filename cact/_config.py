"""Thread controls and build/runtime introspection."""

from __future__ import annotations

import operator
import os
import platform
import sys

import numpy as np

from . import _core
from ._version import __version__


def get_num_threads() -> int:
    """Return the number of threads cact uses for large arrays.

    The value given to :func:`set_num_threads`, or, if none was given, the
    OpenMP runtime's default for the calling thread: ``OMP_NUM_THREADS`` if
    set, else the number of CPUs, reduced inside ``threadpoolctl``'s
    ``threadpool_limits``.  1 if cact was built without OpenMP, and 1 in a
    child process made by ``fork()`` (``os.fork``, multiprocessing's "fork"
    start method) after cact had run threads in the parent: the GNU OpenMP
    runtime cannot start threads there (it would hang), so cact runs serially
    in that child.
    """
    return _core.get_num_threads()


def set_num_threads(n: int) -> int:
    """Use ``n`` threads for large arrays from now on (process-wide).

    Returns the previous value of :func:`get_num_threads`, so that
    ``old = set_num_threads(1); ...; set_num_threads(old)`` restores it.
    Results are bitwise identical for every thread count.  Without OpenMP,
    and in a forked child that runs serially (see :func:`get_num_threads`),
    the value is accepted and ignored.

    Raises ``TypeError`` for a non-integer and ``ValueError`` for ``n < 1``.

    >>> import cact
    >>> old = cact.set_num_threads(1)
    >>> cact.get_num_threads()
    1
    >>> _ = cact.set_num_threads(old)
    """
    if isinstance(n, bool):
        raise TypeError("cact.set_num_threads: n must be an integer, got bool")
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(
            f"cact.set_num_threads: n must be an integer, got {type(n).__name__}"
        ) from None
    if n < 1:
        raise ValueError(f"cact.set_num_threads: n must be >= 1, got {n}")
    if n > 2**31 - 1:
        raise ValueError(f"cact.set_num_threads: n = {n} is too large")
    return _core._set_num_threads(n)


def _apply_isa_from_environment() -> None:
    """``CACT_ISA=<level>`` runs the kernels at a level below the best one (for
    tests and bug reports).  An unknown level, or one the CPU lacks, fails the
    import with the reason."""
    want = os.environ.get("CACT_ISA", "").strip().lower()
    if want:
        try:
            _core._set_isa(want)
        except (ValueError, RuntimeError) as exc:
            raise ImportError(f"cact: CACT_ISA={want!r}: {exc}") from None


def _openmp_runtime() -> str:
    """The OpenMP runtime library cact calls: its file as the compiled module
    resolved it (in a repaired wheel, the vendored copy), else the OpenMP
    libraries mapped into this process (Linux: from /proc)."""
    path = _core.openmp_library()
    if path:
        return os.path.realpath(path)
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "omp" in line.rsplit("/", 1)[-1]}
    except OSError:
        return "unknown"
    names = sorted(os.path.basename(p) for p in libs if ".so" in p)
    return ", ".join(names) or "unknown"


# _OPENMP (the specification's date, yyyymm) -> the OpenMP version
_OPENMP_VERSIONS = {
    199810: "1.0", 200203: "2.0", 200505: "2.5", 200805: "3.0", 201107: "3.1", 201307: "4.0",
    201511: "4.5", 201811: "5.0", 202011: "5.1", 202111: "5.2", 202411: "6.0",
}


def _config() -> dict:
    omp = _core.openmp_version()
    return {
        "cact": __version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "platform": f"{platform.system()} {platform.machine()}",
        "compiler": _core.compiler(),
        "compile flags": _core.build_flags(),
        "openmp": f"yes (OpenMP {_OPENMP_VERSIONS.get(omp, '?')}, _OPENMP={omp})" if omp else "no (serial build)",
        "openmp runtime": _openmp_runtime() if omp else "none",
        "threads": get_num_threads(),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "(unset)"),
        "instruction set": _core.isa(),
        "levels compiled": ", ".join(
            f"{name}{'' if ok else ' (not supported by this CPU)'}"
            for name, ok in _core.isa_levels()
        ),
        "CACT_ISA": os.environ.get("CACT_ISA", "(unset)"),
    }


def show_config(mode: str = "stdout"):
    """Print (``mode="stdout"``) or return (``mode="dicts"``) build and runtime facts.

    Version, compiler and flags, whether OpenMP is compiled in and which
    runtime is loaded, the thread count, and the instruction-set level the
    kernels use (and the ones compiled in): what a bug report or a benchmark
    header needs.
    """
    cfg = _config()
    if mode == "dicts":
        return cfg
    if mode != "stdout":
        raise ValueError(f"cact.show_config: mode must be 'stdout' or 'dicts', got {mode!r}")
    width = max(map(len, cfg))
    for k, v in cfg.items():
        print(f"{k:>{width}} : {v}")
    return None


_apply_isa_from_environment()
