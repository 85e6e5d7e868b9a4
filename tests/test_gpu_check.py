"""scripts/gpu_check.sh, the check of the confirmation probes on a real GPU (docs/gpu-check.md).

Here there is no GPU, so the script must run cleanly and report every GPU case as skipped; its
small logs must be diagnosed with the rules whose probes the cases exercise. The script's GPU
path is also driven end to end against the gcc-built stand-in libraries of tests/clibs/ (a fake
libcuda with one GPU, cuDNN 9, CUDA 13 runtime and cuBLAS), so a mistake in it shows here and not
only on the one GPU run it gets.
"""
from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CC, ROOT, build, tflog_json

SCRIPT = ROOT / "scripts" / "gpu_check.sh"
LOGS = ROOT / "scripts" / "gpu_check_logs"
BASH = shutil.which("bash")
STATUSES = {"confirmed", "refuted", "inconclusive", "skipped"}

pytestmark = pytest.mark.skipif(BASH is None or not sys.platform.startswith("linux"),
                                reason="the GPU check is a bash script for Linux")


def has_gpu() -> bool:
    try:
        lib = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    n = ctypes.c_int()
    return lib.cuInit(0) == 0 and lib.cuDeviceGetCount(ctypes.byref(n)) == 0 and n.value > 0


def list_cases() -> list:
    p = subprocess.run([BASH, str(SCRIPT), "--list-cases"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def run_script(out: Path, env: dict, timeout: float = 150):
    start = time.monotonic()
    p = subprocess.run([BASH, str(SCRIPT), str(out)], capture_output=True, text=True, env=env, timeout=timeout,
                       cwd=ROOT)
    return p, time.monotonic() - start


def script_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("OUT", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES")}
    env["GPU_CHECK_PYTHON"] = sys.executable  # the interpreter that has tflog's dependencies
    env.update(extra)
    return env


def hide_tensorflow(tmp: Path) -> str:
    """A `tensorflow` that fails to import: the probes then trust the log, as on the GPU machine (no TF)."""
    pkg = tmp / "no_tf" / "tensorflow"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('raise ImportError("TensorFlow hidden by tests/test_gpu_check.py")\n')
    return str(pkg.parent)


def test_script_syntax():
    p = subprocess.run([BASH, "-n", str(SCRIPT)], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr


def test_case_table_names_logs_that_exist():
    cases = list_cases()
    assert len({c["id"] for c in cases}) == len(cases)
    for c in cases:
        assert (LOGS / c["log"]).is_file(), c
        assert c["expected"] in ("confirmed", "refuted", None)
    used = {c["log"] for c in cases}
    assert used == {p.name for p in LOGS.glob("*.log")}  # no log lies there unused
    assert {c["probe"] for c in cases} == {"library", "cudnn_version", "cuda_version", "driver", "cudnn_handle", "gpu_alloc"}
    for probe in ("library", "cudnn_version", "cuda_version", "driver", "cudnn_handle", "gpu_alloc"):
        assert {c["expected"] for c in cases if c["probe"] == probe} >= {"confirmed", "refuted"}, probe  # healthy and failing


@pytest.mark.parametrize("log", sorted(p.name for p in LOGS.glob("*.log")))
def test_each_log_is_diagnosed_with_the_rule_whose_probe_its_cases_exercise(log, kb):
    cases = [c for c in list_cases() if c["log"] == log]
    report = tflog_json(LOGS / log)
    found = {f["rule_id"]: f for f in report["findings"]}
    wanted = {(c["rule"], c["probe"]) for c in cases}
    if log == "library_missing.log":  # library_one_hidden targets the rule of the library it hides
        wanted |= {("linkage-cudart-missing", "library"), ("linkage-dlopen-cuda-library", "library")}
    for rule_id, probe in wanted:
        assert rule_id in found, f"{log} is not diagnosed as {rule_id}: {sorted(found)}"
        assert found[rule_id]["severity"] != "info", f"{rule_id} is harmless in {log}, so --confirm skips its probe"
        assert kb.by_id[rule_id].probe == probe, f"{rule_id} runs the {kb.by_id[rule_id].probe} probe, not {probe}"


def test_without_gpu_every_case_is_skipped_and_doctor_still_runs(tmp_path):
    if has_gpu():
        pytest.skip("this machine has a GPU; the no-GPU path cannot be shown here")
    out = tmp_path / "out"
    p, seconds = run_script(out, script_env())
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    assert seconds < 90
    summary = json.loads((out / "summary.json").read_text())
    assert summary["gpu"]["present"] is False and summary["gpu"]["why"]
    ids = [c["id"] for c in list_cases()]
    assert [c["id"] for c in summary["cases"]] == ids
    for c in summary["cases"]:
        assert c["ran"] is False and c["got"] == "skipped" and c["reason"] == "no GPU", c
    assert summary["totals"] == {"cases": len(ids), "right": 0, "wrong": 0, "not_run": len(ids), "observed": 0}
    assert summary["doctor"]["valid_json"] is True
    doctor = json.loads((out / "doctor.json").read_text())
    assert doctor == summary["doctor"]["output"]
    assert doctor["verdict"] in ("ok", "warnings", "problems", "no_gpu") and doctor["driver"]["found"] is False
    md = (out / "summary.md").read_text()
    assert "no GPU" in md and all(i in md for i in ids)
    assert (out / "gpu_check.log").is_file()


@pytest.mark.skipif(CC is None, reason="gcc is not installed, so the stand-in GPU libraries cannot be built")
def test_gpu_path_against_stand_in_libraries(tmp_path):
    """The whole GPU path (library discovery, log rewriting, hidden library, hog) on tests/clibs' fakes."""
    lib = tmp_path / "lib"
    build(lib, "fake_cuda.c", "libcuda.so.1", DRIVER_VERSION=13000, DEVICE_NAME='"Fake H200"', CC_MAJOR=9, CC_MINOR=0,
          FREE_MB=7000, TOTAL_MB=8192)
    build(lib, "fake_cudnn.c", "libcudnn.so.9", VERSION=91002)
    build(lib, "fake_cudart.c", "libcudart.so.13", VERSION=13000)
    build(lib, "fake_cublas.c", "libcublas.so.13", MAJOR=13, MINOR=0, PATCH=2)
    out = tmp_path / "out"
    env = script_env(LD_LIBRARY_PATH=str(lib),
                     PYTHONPATH=os.pathsep.join(p for p in (hide_tensorflow(tmp_path), os.environ.get("PYTHONPATH")) if p))
    p, seconds = run_script(out, env)
    summary = json.loads((out / "summary.json").read_text())
    log = p.stdout[-3000:] + p.stderr[-2000:]
    assert summary["gpu"]["present"] is True, log
    chosen = summary["stack"]["chosen"]
    assert chosen["cudnn"]["version"] == "9.10.2" and chosen["cudart"]["version"] == "13.0", chosen
    cases = {c["id"]: c for c in summary["cases"]}
    for cid, c in cases.items():
        if c["hog"]:
            # the fake driver's free memory never shrinks, so the hog cannot fill it: reported, not run
            assert c["ran"] is False and c["reason"].startswith("the memory hog"), c
        elif cid == "driver_gpus_hidden":
            assert c["ran"] is True and c["got"] in STATUSES, c  # the fake libcuda ignores CUDA_VISIBLE_DEVICES
        else:
            assert c["ran"] is True and c["rule_found"] is True, c
            assert c["right"] is True, (cid, c.get("expected"), c.get("got"), c.get("detail"), c.get("reason"))
    assert cases["library_one_hidden"]["setup"]["hidden"] == "libcudnn.so.9"
    assert "libcudnn.so.9" in cases["library_all_present"]["log_text"]
    assert "9.11.0" in cases["cudnn_version_too_old"]["log_text"]
    assert cases["gpu_alloc_larger_than_gpu"]["setup"]["requested_bytes"] > 8192 * 2**20
    assert summary["hog"]["stopped"] is True
    assert p.returncode == 1  # driver_gpus_hidden is wrong with the fake driver
    assert seconds < 90
