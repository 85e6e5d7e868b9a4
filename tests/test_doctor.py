"""`doctor` on this machine as it is, and with fake GPU libraries (tests/clibs/) on LD_LIBRARY_PATH."""
import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.confirm.doctor import render_doctor_text, run_doctor

from conftest import CC, CLIBS, build, tflog  # noqa: F401  (fake GPU libraries, shared with other tests)


def test_doctor_on_this_machine():
    d = run_doctor(timeout=60)
    json.dumps(d)
    assert set(d) >= {"tensorflow", "libraries", "driver", "gpus", "checks", "verdict"}
    assert [lib["component"] for lib in d["libraries"]] == [
        "cudart", "cublas", "cublasLt", "cufft", "curand", "cusolver", "cusparse", "cudnn", "nvrtc"]
    text = render_doctor_text(d)
    assert "CUDA libraries:" in text and "Verdict:" in text
    if not d["driver"]["found"]:
        assert not glob.glob("/dev/nvidia[0-9]*"), "a GPU device node exists but no driver was found"
        assert d["gpus"] == [] and d["verdict"] in ("no_gpu", "problems")
        assert "GPUs: none" in text and "NVIDIA driver: not found" in text


def test_doctor_main_prints_text():
    out = subprocess.run([sys.executable, "-m", "analyzer.confirm.doctor"], capture_output=True, text=True, timeout=300,
                         cwd=Path(__file__).parent.parent)
    assert out.returncode == 0, out.stderr
    assert "NVIDIA driver:" in out.stdout and "Verdict:" in out.stdout
    out = subprocess.run([sys.executable, "-m", "analyzer.confirm.doctor", "--json"], capture_output=True, text=True,
                         timeout=300, cwd=Path(__file__).parent.parent)
    assert "verdict" in json.loads(out.stdout)


def test_doctor_reports_fake_gpu(libdir):
    build(libdir, "fake_cuda.c", "libcuda.so.1", DRIVER_VERSION=12020, DEVICE_NAME='"Fake Tesla T4"',
          CC_MAJOR=7, CC_MINOR=5, FREE_MB=15000, TOTAL_MB=15360)
    cudnn = build(libdir, "fake_cudnn.c", "libcudnn.so.8", VERSION=8907)
    build(libdir, "fake_cublas.c", "libcublas.so.12", MAJOR=12, MINOR=2, PATCH=5)
    d = run_doctor(timeout=60)
    json.dumps(d)
    assert d["driver"]["found"] and d["driver"]["cuda_version"] == "12.2"
    assert d["driver"]["cuinit"] == "CUDA_SUCCESS"
    assert d["gpus"] == [{"index": 0, "name": "Fake Tesla T4", "compute_capability": "7.5",
                          "memory_total": 15360 * 1024 ** 2, "memory_free": 15000 * 1024 ** 2}]
    libs = {lib["component"]: lib for lib in d["libraries"]}
    assert {"name": "libcudnn.so.8", "path": str(cudnn), "version": "8.9.7",
            "via": "search path"} in libs["cudnn"]["loaded"]
    assert any(e["name"] == "libcublas.so.12" and e["version"] == "12.2.5" for e in libs["cublas"]["loaded"])
    gpu_check = [c for c in d["checks"] if c["check"] == "gpu"][0]
    assert gpu_check["status"] == "ok"
    text = render_doctor_text(d)
    assert "GPU 0: Fake Tesla T4, compute capability 7.5" in text
    assert "supports CUDA 12.2" in text
    assert "8.9.7" in text


def test_doctor_survives_a_crashing_library(libdir):
    build(libdir, "crash.c", "libcudnn.so.9")
    d = run_doctor(timeout=60)
    cudnn = [lib for lib in d["libraries"] if lib["component"] == "cudnn"][0]
    assert "SIGSEGV while loading libcudnn.so.9" in cudnn["error"]
    assert "SIGSEGV" in render_doctor_text(d)


def test_doctor_with_driver_that_fails(libdir):
    build(libdir, "fake_cuda.c", "libcuda.so.1", INIT_RESULT=999)
    d = run_doctor(timeout=60)
    assert d["gpus"] == [] and d["verdict"] == "problems"
    assert "CUDA_ERROR_UNKNOWN" in render_doctor_text(d)


def test_doctor_checks_against_installed_tensorflow(libdir, tmp_path, monkeypatch):
    """With a stand-in TF 2.15 (CUDA 12.2, cuDNN 8) and a fake driver, doctor compares them."""
    pkg = tmp_path / "fake_tf" / "tensorflow"
    pkg.mkdir(parents=True)
    shutil.copy(CLIBS / "fake_tensorflow.py", pkg / "__init__.py")
    monkeypatch.syspath_prepend(str(pkg.parent))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(pkg.parent), os.environ.get("PYTHONPATH")) if p))
    build(libdir, "fake_cuda.c", "libcuda.so.1", DRIVER_VERSION=11040)
    build(libdir, "fake_cudnn.c", "libcudnn.so.8", VERSION=8907)
    d = run_doctor(timeout=60)
    assert d["tensorflow"]["version"] == "2.15.0"
    assert d["tensorflow"]["build_info"]["cuda_version"] == "12.2"
    checks = {c["check"]: c for c in d["checks"]}
    assert checks["cudnn_vs_tf"]["status"] == "ok"
    assert checks["driver_vs_tf"]["status"] == "problem" and "12.2" in checks["driver_vs_tf"]["detail"]
    if not any(e["name"] == "libcublas.so.12" for lib in d["libraries"] for e in lib["loaded"]):
        assert checks["tf_libraries"]["status"] == "problem"
        assert "libcublas.so.12" in checks["tf_libraries"]["detail"]
    text = render_doctor_text(d)
    assert "TensorFlow: 2.15.0 (CUDA build, CUDA 12.2, cuDNN 8)" in text
    assert d["verdict"] == "problems"


def test_doctor_with_real_tensorflow_reports_build_info_and_no_gpu():
    """CI installs the tensorflow extra: the real build info is read, and this machine has no GPU."""
    import importlib.util
    import json as _json

    if importlib.util.find_spec("tensorflow") is None:
        pytest.skip("the tensorflow extra is not installed")
    from conftest import tflog

    p = tflog("doctor", "--format", "json", timeout=300)
    assert p.returncode == 0, p.stderr
    d = _json.loads(p.stdout)
    import tensorflow as tf

    assert d["tensorflow"]["version"] == tf.__version__
    build = d["tensorflow"]["build_info"]
    assert build.get("is_cuda_build") is not None or "cuda_version" in build
    if not d["gpus"]:
        assert d["verdict"] in ("no_gpu", "problems", "warnings")


# --- doctor in another interpreter (tflog installed with pipx, TensorFlow in the user's venv) -----


def _venv(path, system_site: bool):
    import venv

    venv.EnvBuilder(with_pip=False, system_site_packages=system_site).create(str(path))
    return path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def test_doctor_probes_the_python_it_is_given(tmp_path):
    """A bare venv has no TensorFlow even though tflog's own Python has one: doctor says so."""
    pytest.importorskip("tensorflow")
    bare = _venv(tmp_path / "bare", system_site=False)
    p = tflog("doctor", "--format", "json", "--python", bare, timeout=300)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["python"]["executable"] == str(bare) and d["tensorflow"] == {"installed": False}
    text = tflog("doctor", "--python", bare, timeout=300).stdout.decode()
    assert f"({bare})" in text and "TensorFlow: not installed" in text


def test_doctor_follows_the_active_virtualenv(tmp_path):
    """With VIRTUAL_ENV set (an activated venv) doctor probes that env's Python: here one that
    sees the system TensorFlow."""
    tf = pytest.importorskip("tensorflow")
    env_dir = tmp_path / "user-env"
    py = _venv(env_dir, system_site=True)
    p = tflog("doctor", "--format", "json", env={**os.environ, "VIRTUAL_ENV": str(env_dir)}, timeout=300)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["python"]["executable"] == str(py)
    assert d["tensorflow"]["installed"] and d["tensorflow"]["version"] == tf.__version__


def test_doctor_python_that_does_not_run_is_one_line(tmp_path):
    p = tflog("doctor", "--python", tmp_path / "no-python")
    err = p.stderr.decode()
    assert p.returncode == 2 and err.startswith("tflog: error: --python: ") and err.count("\n") == 1, err
