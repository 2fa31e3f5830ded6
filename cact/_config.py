"""Thread controls and build/runtime introspection."""

from __future__ import annotations

import os
import platform
import sys

import numpy as np

from . import _core
from ._api import _integer
from ._version import __version__


class _DefaultCount(int):
    """What :func:`set_num_threads` returns when cact was following the
    runtime's default: the count as an ``int`` that, passed back to
    :func:`set_num_threads`, returns to following the default."""

    __slots__ = ()


def get_num_threads() -> int:
    """Return the number of threads cact uses for large arrays.

    The value given to :func:`set_num_threads`, or, if none was given (or
    ``set_num_threads(None)`` returned to the default), the OpenMP runtime's
    default for the calling thread: ``OMP_NUM_THREADS`` if set, else the
    number of CPUs, reduced inside ``threadpoolctl``'s ``threadpool_limits``.
    At most :func:`thread_limit`.  1 if cact was built without OpenMP.
    """
    return _core.get_num_threads()


def thread_limit() -> int:
    """The most threads cact will use: ``max(64, 4 * the number of CPUs)``,
    at most 1024.  :func:`set_num_threads` refuses more, and a larger
    ``OMP_NUM_THREADS`` is capped to it."""
    return _core.thread_limit()


def set_num_threads(n: int | None) -> int:
    """Use ``n`` threads for large arrays from now on (process-wide).

    ``n=None`` returns to the default: follow ``OMP_NUM_THREADS`` and
    ``threadpoolctl``'s limits, as before any call.

    Returns the previous value of :func:`get_num_threads`.  Passing that value
    back restores the previous *setting*: if cact was following the default,
    ``old = set_num_threads(1); ...; set_num_threads(old)`` makes it follow
    the default again (later ``threadpool_limits`` apply), rather than pinning
    today's count.  Results are bitwise identical for every thread count.
    Without OpenMP the value is accepted and ignored.

    Raises ``TypeError`` for a non-integer and ``ValueError`` for ``n < 1``
    or ``n > thread_limit()``.

    >>> import cact
    >>> old = cact.set_num_threads(1)
    >>> cact.get_num_threads()
    1
    >>> _ = cact.set_num_threads(old)
    """
    if n is None or isinstance(n, _DefaultCount):
        n = 0
    else:
        n = _integer("set_num_threads", "n", n, 1, "an integer or None",
                     " (or None for the default)")
        limit = _core.thread_limit()
        if n > limit:
            raise ValueError(
                f"cact.set_num_threads: n = {n} is more than cact's limit of {limit} threads "
                f"(max(64, 4 x the {os.cpu_count()} CPUs)); more threads than cores only "
                "add overhead")
    previous = _core.get_num_threads()
    was_default = _core._requested_threads() == 0
    _core._set_num_threads(n)
    return _DefaultCount(previous) if was_default else previous


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


def _pool_description() -> str:
    if not _core.openmp_version():
        return "none (serial build)"
    st = _core.pool_stats()
    follows = ("pinned by set_num_threads" if _core._requested_threads()
               else "follows the OpenMP runtime's default")
    return (f"cact's own ({st['workers']} workers started, limit {_core.thread_limit()} "
            f"threads; count {follows})")


def _build_flags() -> tuple[str, str]:
    """(the flags of every compile command, how the AVX2 / AVX-512 kernel
    files got their instruction sets): setup.py records both in one string,
    the second part after "; levels: " (pragma, or flags and each file's)."""
    flags, sep, levels = _core.build_flags().partition("; levels: ")
    return flags, levels if sep else "unknown"


def _config() -> dict:
    omp = _core.openmp_version()
    flags, levels_by = _build_flags()
    return {
        "cact": __version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "platform": f"{platform.system()} {platform.machine()}",
        "compiler": _core.compiler(),
        "compile flags": flags,
        "openmp": f"yes (OpenMP {_OPENMP_VERSIONS.get(omp, '?')}, _OPENMP={omp})" if omp else "no (serial build)",
        "openmp runtime": _openmp_runtime() if omp else "none",
        "threads": get_num_threads(),
        "thread pool": _pool_description(),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "(unset)"),
        "instruction set": _core.isa(),
        "levels compiled": ", ".join(
            f"{name}{'' if ok else ' (not supported by this CPU)'}"
            for name, ok in _core.isa_levels()
        ),
        "levels built by": levels_by,
        "CACT_ISA": os.environ.get("CACT_ISA", "(unset)"),
        # the loops' prefetch, set from the CPU's vendor (src/cact_common.h):
        # part of what a benchmark ran
        "prefetch": ("short blocks, 2 KiB ahead (exp family, backward from y; float64 log_softmax_backward's rows)"
                     if _core._prefetch_short() else "1 KiB ahead of 1024-element blocks (exp family)"),
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
