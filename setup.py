"""Build script for cact's compiled extension, ``cact._core``.

Steps:

1. Render ``src/cact_kernels.inc``, ``src/cact_ufuncs.c`` and ``src/_fast.pxi``
   from their templates and the activation table ``cact/_table.py``
   (``src/render.py``), once, before cythonize needs them.
2. In ``build_ext``, detect OpenMP by compiling, linking and running a small test program with
   the compiler's OpenMP flag.  Environment switches:
     CACT_DISABLE_OPENMP=1   build without OpenMP (serial, e.g. for tests);
     CACT_FAIL_NO_OPENMP=1   make a missing OpenMP a build error (wheels, CI);
     CACT_OPENMP_PREFIX=DIR  an OpenMP runtime outside the compiler's search
                             path: DIR/include (omp.h) and DIR/lib (the
                             library, also put on the run-time path).  The
                             macOS wheels use it for a pinned libomp.
3. In ``build_ext``, compile everything with portable flags:
   no ``-march=native`` and no ``-ffast-math``, so a wheel runs on any CPU of
   its platform.  The kernels are compiled once more per instruction-set level
   (``src/cact_isa_*.c``) and the best level the CPU supports is chosen at
   import.  On x86-64 the AVX2 and AVX-512 files get their instruction set in
   one of two ways, chosen by ``CACT_ISA_BUILD``:
     pragma  a ``#pragma GCC target`` inside the file (the default with gcc);
     flags   per-source compiler flags added to those two files only: gcc and
             clang ``-mavx2 -mfma`` / ``-mavx512f -mavx512dq -mavx512vl
             -mavx512bw -mavx2 -mfma``, MSVC ``/arch:AVX2`` / ``/arch:AVX512``
             (the default with MSVC, which has no target pragma, and with
             clang, which ignores ``#pragma GCC target`` without a word and
             would compile those levels at the baseline; ``pragma`` is refused
             with both).
   Either way every other file keeps the platform's baseline flags.
   ``CACT_ISA_MAX=baseline|avx2`` compiles the levels up to that one only
   (default: every level; the files of the others compile to nothing): a build
   of a third or two thirds of the usual time, for checks that are not about
   the instruction sets, such as CI's serial and sanitizer builds.  Such a
   build runs anywhere but leaves speed behind on CPUs with a higher level.
4. Compile the sources side by side, as many at a time as there are CPUs
   (``build_ext -j N`` or ``CACT_BUILD_JOBS=N`` to choose; MSVC: one at a
   time), then link.
"""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

from setuptools import Extension, setup
from setuptools.modified import newer_group
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))

OPENMP_TEST = r"""
#include <omp.h>
#include <stdio.h>
int main(void) {
    int n = 0;
    #pragma omp parallel reduction(+:n)
    n += 1;
    printf("%d %d\n", n, omp_get_max_threads());
    return n >= 1 ? 0 : 1;
}
"""


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


def _openmp_flags(compiler) -> tuple[list[str], list[str]]:
    """(compile flags, link flags) for the compiler's OpenMP."""
    if compiler.compiler_type == "msvc":
        # OpenMP 2.0, runtime vcomp140.dll (vendored by delvewheel).
        cflags, ldflags = ["/openmp"], []
    elif sys.platform == "darwin":
        # Apple clang has no OpenMP of its own: the runtime (libomp) must be
        # provided, e.g. with CACT_OPENMP_PREFIX (see pyproject's cibuildwheel
        # section).
        cflags, ldflags = ["-Xpreprocessor", "-fopenmp"], ["-lomp"]
    else:
        cflags, ldflags = ["-fopenmp"], ["-fopenmp"]
    prefix = os.environ.get("CACT_OPENMP_PREFIX", "").strip()
    if prefix and compiler.compiler_type != "msvc":
        prefix = os.path.abspath(prefix)
        lib = os.path.join(prefix, "lib")
        cflags = [f"-I{os.path.join(prefix, 'include')}"] + cflags
        ldflags = [f"-L{lib}", f"-Wl,-rpath,{lib}"] + ldflags
    elif prefix:
        cflags = [f"/I{os.path.join(os.path.abspath(prefix), 'include')}"] + cflags
        ldflags = [f"/LIBPATH:{os.path.join(os.path.abspath(prefix), 'lib')}"] + ldflags
    return cflags, ldflags


def _detect_openmp(compiler) -> tuple[list[str], list[str]] | None:
    cflags, ldflags = _openmp_flags(compiler)
    tmp = tempfile.mkdtemp(prefix="cact-openmp-")
    try:
        src = os.path.join(tmp, "test_openmp.c")
        with open(src, "w") as f:
            f.write(OPENMP_TEST)
        objs = compiler.compile([src], output_dir=tmp, extra_postargs=cflags)
        exe = os.path.join(tmp, "test_openmp")
        compiler.link_executable(objs, exe, extra_postargs=ldflags)
        if compiler.compiler_type == "msvc":
            exe += ".exe"
        out = subprocess.run([exe], capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError(out.stderr)
        print(f"cact: OpenMP found ({' '.join(cflags)}): test program says {out.stdout.strip()}")
        return cflags, ldflags
    except Exception as exc:  # any compile, link or run failure means "no OpenMP"
        print(f"cact: OpenMP not usable with {' '.join(cflags)}: {exc}")
        return None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _base_flags(compiler) -> list[str]:
    if compiler.compiler_type == "msvc":
        return ["/O2"]
    # -O3: the element functions are inlined and the contiguous loops
    #      vectorised where the code allows.
    # -fno-trapping-math: lets the compiler evaluate both sides of a select
    #      (x > 0 ? x : alpha * x); it changes no result, only which FP flags
    #      may be raised, and cact clears those after every loop anyway.
    # CACT_OPT=-O1 (or -O2, -Og, -O0) in place of -O3: for sanitizer and
    #      debugging builds only (tools/sanitize.sh: the ASan build of a
    #      kernel file takes half the time; the loops are not vectorised).
    opt = os.environ.get("CACT_OPT", "").strip() or "-O3"
    if opt not in ("-O0", "-Og", "-O1", "-O2", "-O3"):
        raise RuntimeError(f"cact: CACT_OPT={opt!r}: use one of -O0, -Og, -O1, -O2, -O3")
    return [opt, "-fno-trapping-math"]


# The kernel files that get an instruction set of their own, and its flags per
# compiler family, in CACT_ISA_BUILD=flags mode (see the module docstring).
ISA_SOURCES = {
    "src/cact_isa_avx2.c": {"unix": ["-mavx2", "-mfma"], "msvc": ["/arch:AVX2"]},
    "src/cact_isa_avx512.c": {
        "unix": ["-mavx512f", "-mavx512dq", "-mavx512vl", "-mavx512bw", "-mavx2", "-mfma"],
        "msvc": ["/arch:AVX512"],
    },
}


def _is_clang(compiler) -> bool:
    """Whether the C compiler is clang (also when it is called cc or gcc, as
    on macOS): its predefined macros, from ``-dM -E``."""
    if compiler.compiler_type == "msvc":
        return False
    cmd = list(getattr(compiler, "compiler_so", ["cc"]))
    n = next((i for i, arg in enumerate(cmd) if arg.startswith("-")), len(cmd))
    try:  # the program, and a launcher such as ccache before it
        out = subprocess.run(cmd[:n] + ["-dM", "-E", "-x", "c", os.devnull],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return "__clang__" in out.stdout


def _targets_x86_64(plat_name: str) -> bool:
    """Whether the extension is built for x86-64 only (the levels exist only
    there; a macOS universal2 build also has an arm64 slice)."""
    arch = plat_name.rsplit("-", 1)[-1].lower()
    if sys.platform == "darwin" and "arm64" in os.environ.get("ARCHFLAGS", ""):
        return False
    return arch in ("x86_64", "amd64")


def _isa_build_mode(compiler, plat_name: str) -> str:
    """CACT_ISA_BUILD: 'pragma' or 'flags' (see the module docstring), or
    'baseline' where there are no other levels to build."""
    want = os.environ.get("CACT_ISA_BUILD", "").strip().lower()
    if want not in ("", "pragma", "flags"):
        raise RuntimeError(f"cact: CACT_ISA_BUILD={want!r}: use 'pragma' or 'flags'")
    if not _targets_x86_64(plat_name):
        return "baseline"
    no_pragma = ("MSVC" if compiler.compiler_type == "msvc"
                 else "clang" if _is_clang(compiler) else None)
    if no_pragma and want == "pragma":
        raise RuntimeError(
            f"cact: CACT_ISA_BUILD=pragma: {no_pragma} does not apply #pragma GCC target, so "
            "the AVX2 and AVX-512 levels would be baseline code; use CACT_ISA_BUILD=flags "
            "(the default with this compiler)"
        )
    return want or ("flags" if no_pragma else "pragma")


ISA_MAX = {"baseline": [("CACT_NO_DISPATCH", "1")], "avx2": [("CACT_NO_AVX512", "1")], "avx512": []}


def _isa_max_macros() -> list[tuple[str, str]]:
    """The macros of CACT_ISA_MAX (see the module docstring)."""
    want = os.environ.get("CACT_ISA_MAX", "").strip().lower() or "avx512"
    if want not in ISA_MAX:
        raise RuntimeError(f"cact: CACT_ISA_MAX={want!r}: use one of {', '.join(ISA_MAX)}")
    if want != "avx512":
        print(f"cact: instruction-set levels up to {want} only (CACT_ISA_MAX)")
    return ISA_MAX[want]


def _compiler_flags(compiler) -> list[str]:
    """The flags the compiler object puts on every compile command."""
    if compiler.compiler_type == "msvc":
        if not getattr(compiler, "initialized", True):
            try:
                compiler.initialize()
            except Exception:  # recorded as far as known; the build goes on
                return []
        return [f for f in getattr(compiler, "compile_options", []) if f != "/nologo"]
    return list(getattr(compiler, "compiler_so", [])[1:])


class BuildExt(build_ext):
    def build_extensions(self):
        # (the generated sources were rendered by extensions(), before cythonize)
        openmp = None
        if _env_flag("CACT_DISABLE_OPENMP"):
            print("cact: OpenMP disabled by CACT_DISABLE_OPENMP")
        else:
            openmp = _detect_openmp(self.compiler)
            if openmp is None and _env_flag("CACT_FAIL_NO_OPENMP"):
                raise RuntimeError(
                    "cact: CACT_FAIL_NO_OPENMP is set but the compiler has no usable OpenMP; "
                    "install an OpenMP runtime (libgomp / libomp) or unset the variable"
                )
        cflags = _base_flags(self.compiler)
        ldflags: list[str] = []
        libraries: list[str] = []
        if openmp is not None:
            cflags += openmp[0]
            ldflags += openmp[1]
            if sys.platform.startswith("linux"):
                # dladdr() (cact_openmp_library) is in libdl, and the pool's
                # pthread_create in libpthread, before glibc 2.34
                libraries += ["dl", "pthread"]
        self.isa_mode = _isa_build_mode(self.compiler, self.plat_name)
        family = "msvc" if self.compiler.compiler_type == "msvc" else "unix"
        self.isa_flags = ({src: flags[family] for src, flags in ISA_SOURCES.items()}
                          if self.isa_mode == "flags" else {})
        print(f"cact: instruction-set levels by {self.isa_mode}"
              + "".join(f"; {os.path.basename(src)}: {' '.join(f)}"
                        for src, f in self.isa_flags.items()))
        # Recorded for show_config: every flag of the compile command line,
        # the interpreter's (CFLAGS of sysconfig and the environment) and
        # ours, for every source file, then how the per-level kernel files
        # get their instruction sets (cact/_config.py reads that part).
        flags_text = " ".join(_compiler_flags(self.compiler) + cflags)
        flags_text += f"; levels: {self.isa_mode}" + "".join(
            f"; {os.path.basename(src)}: {' '.join(f)}" for src, f in self.isa_flags.items())
        macros = [("CACT_BUILD_FLAGS", '"' + flags_text.replace('"', "") + '"')]
        if self.isa_mode == "flags":
            macros.append(("CACT_ISA_FLAGS_FROM_BUILD", "1"))
        macros += _isa_max_macros()
        for ext in self.extensions:
            ext.extra_compile_args = list(ext.extra_compile_args or []) + cflags
            ext.extra_link_args = list(ext.extra_link_args or []) + ldflags
            ext.libraries = list(ext.libraries or []) + libraries
            ext.define_macros = list(ext.define_macros or []) + macros
        super().build_extensions()

    def _jobs(self, n_sources: int) -> int:
        """How many sources to compile at once: ``build_ext -j N`` (setuptools'
        ``parallel`` option) or ``CACT_BUILD_JOBS``, else the CPUs this
        process may run on; never more than there are sources."""
        jobs = os.environ.get("CACT_BUILD_JOBS") or self.parallel
        if jobs in (None, "", True):
            try:
                jobs = len(os.sched_getaffinity(0))
            except (AttributeError, OSError):
                jobs = os.cpu_count() or 1
        try:
            jobs = int(jobs)
        except ValueError:
            raise RuntimeError(f"cact: CACT_BUILD_JOBS must be an integer, not {jobs!r}") from None
        return max(1, min(jobs, n_sources))

    def build_extension(self, ext):
        """Compile the sources here, several at a time, the per-level kernel
        files with their own flags; then link as usual.

        setuptools compiles an extension's sources one after the other, with
        one set of flags for all of them.  The three per-level kernel files
        take most of the build (about 20 s each with gcc -O3, against 11 s for
        the Cython module and under a second for the rest), so compiling them
        side by side nearly halves the build on two cores, and every pip
        install of the sdist, CI step and sanitizer build pays it.

        Each source is compiled with the same public ``compile`` call that
        ``build_extension`` makes (same macros, include directories, flags and
        dependencies, plus the level's flags in the ``flags`` mode), from a
        thread pool: the unix compilers' ``compile`` spawns one process per
        object and ``mkpath`` tolerates a folder made meanwhile (NumPy's
        distutils compiled in parallel the same way).  MSVC's ``compile``
        initialises the compiler on its first call, so there the sources go
        one at a time.  The objects go to the link as ``extra_objects`` and the
        extension's own lists are restored afterwards.

        Per-source flags: a whole file compiled with AVX flags is safe to link
        next to baseline code as long as no function it defines can be picked
        for a baseline caller: cact's headers define static inline functions
        only.  A non-static inline function of a system header (a COMDAT,
        which the linker may take from any object) could be; an MSVC build
        should be checked for that (its C runtime headers have a few such
        wrappers).
        """
        ext_path = self.get_ext_fullpath(ext.name)
        if not (self.force or newer_group(list(ext.sources) + list(ext.depends), ext_path,
                                          "newer")):
            return super().build_extension(ext)  # up to date: it says so and skips
        own = [src for src in ext.sources if src.replace(os.sep, "/") in self.isa_flags]
        jobs = self._jobs(len(ext.sources))
        if jobs > 1 and self.compiler.compiler_type != "msvc":
            # every source, the slowest (the kernel files) first
            own = sorted(ext.sources, key=lambda src: "cact_isa_" not in src)
        if not own:
            return super().build_extension(ext)

        def compile_one(src):
            return self.compiler.compile(
                [src],
                output_dir=self.build_temp,
                macros=list(ext.define_macros) + [(m,) for m in ext.undef_macros],
                include_dirs=ext.include_dirs,
                debug=self.debug,
                extra_postargs=list(ext.extra_compile_args or [])
                + self.isa_flags.get(src.replace(os.sep, "/"), []),
                depends=ext.depends,
            )

        if jobs > 1 and len(own) > 1 and self.compiler.compiler_type != "msvc":
            print(f"cact: compiling {len(own)} sources, {jobs} at a time")
            with ThreadPoolExecutor(jobs) as pool:
                objects = [obj for objs in pool.map(compile_one, own) for obj in objs]
        else:
            objects = [obj for src in own for obj in compile_one(src)]
        saved = ext.sources, ext.extra_objects, ext.depends
        ext.sources = [src for src in ext.sources if src not in own]
        ext.extra_objects = list(ext.extra_objects or []) + objects
        ext.depends = list(ext.depends) + own  # still what the module is built from
        try:
            super().build_extension(ext)
        finally:
            ext.sources, ext.extra_objects, ext.depends = saved


def extensions():
    import numpy
    from Cython.Build import cythonize

    ext = Extension(
        "cact._core",
        sources=[
            "src/_core.pyx",
            "src/cact_ufuncs.c",
            "src/cact_parallel.c",
            "src/cact_pool.c",
            "src/cact_dispatch.c",
            # the kernels, once per instruction-set level (a target pragma
            # inside, or per-source flags: BuildExt.build_extension)
            "src/cact_isa_baseline.c",
            "src/cact_isa_avx2.c",
            "src/cact_isa_avx512.c",
        ],
        include_dirs=[numpy.get_include(), "src"],
        # The C API of the oldest NumPy cact supports (dependencies: numpy>=2.0),
        # whatever NumPy builds it: older headers default to an older target,
        # under which src/cact_gufunc.h would not see PyUFuncObject's _loops.
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_2_0_API_VERSION"),
                       ("NPY_TARGET_VERSION", "NPY_2_0_API_VERSION")],
        # every header (a new family header is listed in src/cact_elements.h
        # only), then the generated kernels and what they are rendered from
        depends=sorted(f"src/{n}" for n in os.listdir(os.path.join(HERE, "src")) if n.endswith(".h")) + [
            "src/cact_kernels.inc",
            "src/cact_kernels.inc.tp",
            "src/cact_ufuncs.c.tp",
            "cact/_table.py",
        ],
    )
    # The generated kernel file must exist before setuptools checks sources.
    sys.path.insert(0, os.path.join(HERE, "src"))
    try:
        runpy.run_path(os.path.join(HERE, "src", "render.py"))["render"]()
    finally:
        sys.path.pop(0)
    return cythonize(
        [ext],
        compiler_directives={
            "language_level": 3,
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
        },
    )


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExt})
