"""How the AVX2 and AVX-512 kernel files got their instruction sets
(setup.py, CACT_ISA_BUILD): a target pragma inside the file, or per-source
compiler flags.  Both modes must give the same kernels at every level; the
suite (tests/test_isa.py above all) is run under each, and
``CACT_EXPECT_ISA_BUILD=pragma|flags`` makes this file check that the build
under test is the one meant, ``CACT_EXPECT_ISA_MAX=baseline|avx2|avx512``
that its highest level compiled is (setup.py, CACT_ISA_MAX)."""

import os

import pytest

import cact
from cact import _core

CFG = cact.show_config(mode="dicts")
LEVELS = [name for name, _ in _core.isa_levels()]
EXPECT = os.environ.get("CACT_EXPECT_ISA_BUILD", "")
EXPECT_MAX = os.environ.get("CACT_EXPECT_ISA_MAX", "")


def test_build_mode_reported():
    mode = CFG["levels built by"].split(";")[0]
    if LEVELS == ["baseline"]:
        assert mode in ("baseline", "pragma", "flags"), CFG["levels built by"]
    else:
        assert mode in ("pragma", "flags"), CFG["levels built by"]
    # the per-level part is not mixed into the flags of every file
    assert "; levels:" not in CFG["compile flags"]
    assert not [f for f in CFG["compile flags"].split() if f.startswith(("-mavx", "-mfma", "/arch"))]


def test_flags_mode_names_each_file_and_its_flags():
    by = CFG["levels built by"]
    if not by.startswith("flags"):
        pytest.skip(f"levels built by {by}")
    assert "cact_isa_avx2.c: " in by and "cact_isa_avx512.c: " in by
    assert ("-mavx2 -mfma" in by) or ("/arch:AVX2" in by), by


@pytest.mark.skipif(not EXPECT, reason="CACT_EXPECT_ISA_BUILD is not set")
def test_build_mode_is_the_expected_one():
    assert CFG["levels built by"].split(";")[0] == EXPECT, CFG["levels built by"]


@pytest.mark.skipif(not EXPECT_MAX, reason="CACT_EXPECT_ISA_MAX is not set")
def test_highest_level_compiled_is_the_expected_one():
    assert LEVELS[-1] == EXPECT_MAX, LEVELS
    # the levels below it are all there, in order
    assert LEVELS == ["baseline", "avx2", "avx512"][: len(LEVELS)], LEVELS
    assert CFG["levels compiled"].split(",")[-1].strip().split()[0] == EXPECT_MAX, CFG["levels compiled"]
