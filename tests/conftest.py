"""Shared helpers: run the real `tflog` command in a subprocess, load the real knowledge base."""
from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_logs"
CORPUS = ROOT.parent / "shared" / "dev_corpus"
CLIBS = Path(__file__).parent / "clibs"
CC = shutil.which("gcc") or shutil.which("cc")


def pytest_configure(config):
    """The tests, and every tflog they start, keep their caches in a folder of this run's own: a test that
    patches the engine in-process must not leave line classes built under its patch in the store a user's
    (or another run's) tflog reads, and no answer here may depend on what ~/.cache/tflog holds. A folder
    set by TFLOG_CACHE_DIR, or TFLOG_NO_CACHE, is left as it is."""
    if not os.environ.get("TFLOG_CACHE_DIR") and not os.environ.get("TFLOG_NO_CACHE"):
        folder = os.environ["TFLOG_CACHE_DIR"] = tempfile.mkdtemp(prefix="tflog-tests-cache-")
        atexit.register(shutil.rmtree, folder, True)  # (registered first, so run last: after the stores write at exit)


def tflog(*args, input: bytes = None, cwd=None, env=None, timeout=120):
    """Run `python -m analyzer ARGS` exactly as a user would; returns CompletedProcess (bytes)."""
    return subprocess.run([sys.executable, "-m", "analyzer", *map(str, args)], input=input,
                          capture_output=True, cwd=cwd, env=env, timeout=timeout)


def tflog_json(*args, **kw) -> dict:
    p = tflog("analyze", "--format", "json", *args, **kw)
    assert p.returncode in (0, 1), p.stderr.decode()
    return json.loads(p.stdout)


@pytest.fixture(scope="session")
def kb():
    from analyzer import load_knowledge_base

    return load_knowledge_base()


def root_finding(report: dict) -> dict:
    """A JSON report's first finding that is not info: the root cause it names."""
    return next(f for f in report["findings"] if f["severity"] != "info")


def without_input_names(report: dict) -> dict:
    """The report with input names blanked, to compare reports of the same text read by different routes."""
    report = json.loads(json.dumps(report))
    for i in report["inputs"]:
        i["name"] = ""
    for ev in report["fact_evidence"].values():
        ev["input"] = ""
    for f in report["findings"]:
        for ev in f["evidence"]:
            ev["input"] = ""
    return report


def build(libdir: Path, source: str, soname: str, **defines) -> Path:
    """Compile tests/clibs/<source> into libdir/<soname> with -D<NAME>=<value> for each define."""
    libdir.mkdir(parents=True, exist_ok=True)
    out = libdir / soname
    cmd = [CC, "-shared", "-fPIC", "-O0", "-o", str(out), f"-Wl,-soname,{soname}", str(CLIBS / source)]
    cmd += [f"-D{k}={v}" for k, v in defines.items()]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    return out


@pytest.fixture
def libdir(tmp_path, monkeypatch):
    """An empty directory first on LD_LIBRARY_PATH for the probe subprocesses (fake GPU libraries go here)."""
    if CC is None:
        pytest.skip("gcc is not installed, so the fake GPU libraries cannot be built")
    if not sys.platform.startswith("linux"):
        pytest.skip("the fake libraries are ELF shared objects found through LD_LIBRARY_PATH")
    d = tmp_path / "lib"
    d.mkdir()
    monkeypatch.setenv("LD_LIBRARY_PATH", os.pathsep.join(p for p in (str(d), os.environ.get("LD_LIBRARY_PATH")) if p))
    return d
