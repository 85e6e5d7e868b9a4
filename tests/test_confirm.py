"""`tflog analyze --confirm` end to end: the diagnosis from the log is tested against real
(tiny, gcc-built) libraries on LD_LIBRARY_PATH and the verdict lands in the report."""
from __future__ import annotations

import importlib.util
import json
import os

import pytest

from conftest import CC, build, tflog

pytestmark = pytest.mark.skipif(CC is None, reason="gcc is not installed")

MISSING = ("2021-06-01 10:00:00.000001: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] "
           "Could not load dynamic library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file: No such file or directory\n"
           "2021-06-01 10:00:00.000002: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1734] Found device 0 with properties:\n"
           "pciBusID: 0000:00:04.0 name: Tesla T4 computeCapability: 7.5\n")
MISMATCH = ("2021-06-01 10:00:00.000001: E tensorflow/stream_executor/cuda/cuda_dnn.cc:362] Loaded runtime CuDNN library: "
            "8.0.5 but source was compiled with: 8.1.0.  CuDNN library needs to have matching major version and equal or higher minor version.\n")


def confirm(tmp_path, log: str, libdir) -> dict:
    f = tmp_path / "run.log"
    f.write_text(log)
    env = {**os.environ, "LD_LIBRARY_PATH": str(libdir)}
    p = tflog("analyze", "--confirm", "--format", "json", f, env=env, timeout=300)
    assert p.returncode in (0, 1), p.stderr
    report = json.loads(p.stdout)
    return next(x for x in report["findings"] if x["confirmation"])


def test_missing_library_is_confirmed_then_refuted_once_installed(tmp_path):
    libdir = tmp_path / "lib"
    libdir.mkdir()
    f = confirm(tmp_path, MISSING, libdir)
    assert f["category"] == "cudnn.missing" and f["confirmation"]["status"] == "confirmed"
    assert "libcudnn.so.8" in f["confirmation"]["detail"]
    build(libdir, "fake_cudnn.c", "libcudnn.so.8", VERSION=8100)
    f = confirm(tmp_path, MISSING, libdir)
    assert f["confirmation"]["status"] == "refuted", f["confirmation"]


def test_version_mismatch_confirmed_by_the_loaded_library(tmp_path):
    libdir = tmp_path / "lib"
    build(libdir, "fake_cudnn.c", "libcudnn.so.8", VERSION=8005)
    f = confirm(tmp_path, MISMATCH, libdir)
    assert f["category"] == "cudnn.version_mismatch"
    c = f["confirmation"]
    assert c["status"] == "confirmed" and "8.0.5" in c["detail"]
    if importlib.util.find_spec("tensorflow") is None:  # else the installed TF's own build is the reference
        assert "8.1" in c["detail"]


def test_crashing_library_is_inconclusive_and_tflog_survives(tmp_path):
    libdir = tmp_path / "lib"
    build(libdir, "crash.c", "libcudnn.so.8")
    f = confirm(tmp_path, MISSING, libdir)
    assert f["confirmation"]["status"] == "inconclusive" and "SIGSEGV" in f["confirmation"]["detail"]
