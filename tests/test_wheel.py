"""Checks of an installed cact (a repaired wheel, or a build from the sdist).

They run where the installer asks for them with environment variables
(pyproject's cibuildwheel test-environment, tools/check_wheels.sh, .ci/run)
and are skipped otherwise:

``CACT_EXPECT_INSTALLED=1``
    cact is imported from the environment's site-packages, not from a source
    tree, and the installed metadata has cact's one version.
``CACT_EXPECT_OPENMP=bundled``
    OpenMP is compiled in, the runtime cact calls is the copy bundled in the
    installed wheel (auditwheel, delocate, delvewheel), and the distribution
    carries that runtime's license text (LICENSES/).
``CACT_EXPECT_OPENMP=yes`` / ``no``
    OpenMP is compiled in (runtime from the system) / a serial build.
"""

from __future__ import annotations

import os
import sysconfig
from importlib import metadata

import pytest

import cact
from cact import _core

INSTALLED = os.environ.get("CACT_EXPECT_INSTALLED", "") == "1"
OPENMP = os.environ.get("CACT_EXPECT_OPENMP", "")

#: license texts (in LICENSES/) of each runtime, by the start of its file name
RUNTIME_LICENSES = {
    "libgomp": ["libgomp-GPL-3.0.txt", "libgomp-GCC-exception-3.1.txt"],
    "libomp": ["libomp-Apache-2.0-WITH-LLVM-exception.txt"],
    "vcomp": ["vcomp140.txt"],
}


def _under(path: str, folder: str) -> bool:
    path = os.path.normcase(os.path.realpath(path))
    folder = os.path.normcase(os.path.realpath(folder))
    return path.startswith(folder + os.sep)


def _site_dirs() -> list[str]:
    paths = sysconfig.get_paths()
    return [paths["platlib"], paths["purelib"]]


@pytest.mark.skipif(not INSTALLED, reason="CACT_EXPECT_INSTALLED is not set")
def test_imported_from_site_packages():
    for module in (cact, _core):
        assert any(_under(module.__file__, d) for d in _site_dirs()), (
            f"{module.__name__} comes from {module.__file__}, not from {_site_dirs()}")
    assert not os.path.exists(os.path.join(os.path.dirname(cact.__file__), "..", "setup.py"))
    assert metadata.version("cact") == cact.__version__


@pytest.mark.skipif(OPENMP not in ("yes", "no"), reason="CACT_EXPECT_OPENMP is not yes/no")
def test_openmp_as_expected():
    cfg = cact.show_config(mode="dicts")
    assert cfg["openmp"].startswith(OPENMP), cfg["openmp"]
    if OPENMP == "no":
        assert cfg["openmp runtime"] == "none" and cact.get_num_threads() == 1


@pytest.mark.skipif(OPENMP != "bundled", reason="CACT_EXPECT_OPENMP is not 'bundled'")
def test_openmp_runtime_is_bundled_with_its_license():
    cfg = cact.show_config(mode="dicts")
    assert cfg["openmp"].startswith("yes"), cfg["openmp"]
    runtime = _core.openmp_library()
    assert runtime, "cannot tell which OpenMP library cact calls"
    site = os.path.dirname(os.path.dirname(os.path.abspath(cact.__file__)))
    assert _under(runtime, site) and not _under(runtime, os.path.join(site, "numpy")), (
        f"the OpenMP runtime {runtime} is not bundled with cact in {site}")
    name = os.path.basename(runtime).lower()
    texts = [t for prefix, ts in RUNTIME_LICENSES.items() if name.startswith(prefix) for t in ts]
    assert texts, f"no license text is known for the runtime {name}"
    dist = metadata.distribution("cact")
    files = {f.name: f for f in dist.files or [] if "licenses" in f.parts}
    for text in texts:
        assert text in files, f"{text} is not in cact's installed dist-info/licenses"
        assert os.path.getsize(files[text].locate()) > 500
