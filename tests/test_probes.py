"""Probes against real (tiny, fake) GPU libraries compiled with gcc from tests/clibs/.

The fake libraries go on LD_LIBRARY_PATH, which the probe subprocess inherits, so each probe
really dlopens them, calls them and sometimes crashes or hangs on them.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.confirm.probes import PROBE_NAMES, compat, run_probe

from conftest import CC, CLIBS, build  # fake GPU libraries, shared with other tests

NO_TF = {"_tf_build": {"installed": False}}  # compare with the context, even where TF is installed

needs_cc = pytest.mark.skipif(CC is None, reason="gcc is not installed, so the fake GPU libraries cannot be built")
needs_linux = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="the fake libraries are ELF shared objects found through LD_LIBRARY_PATH")






def check_shape(res, name):
    assert set(res) == {"status", "probe", "detail", "observed", "seconds"}
    assert res["probe"] == name
    assert res["status"] in ("confirmed", "refuted", "inconclusive", "skipped")
    assert isinstance(res["detail"], str) and res["detail"]
    assert isinstance(res["seconds"], float)
    json.dumps(res)  # JSON-serialisable


# ---------------------------------------------------------------- package basics

def test_probe_names():
    assert PROBE_NAMES == ("library", "cudnn_version", "cuda_version", "driver", "cudnn_handle", "gpu_alloc", "tf_op")


def test_import_is_lazy():
    code = ("import sys, analyzer.confirm.probes; print(sorted(m for m in sys.modules "
            "if m.startswith('analyzer.confirm.probes.') or m in ('tensorflow', 'ctypes')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parent.parent).stdout
    assert out.strip() == "[]"


def test_unknown_probe_is_skipped():
    res = run_probe("no_such_probe", {})
    check_shape(res, "no_such_probe")
    assert res["status"] == "skipped"


def test_bad_context_never_raises():
    res = run_probe("library", {"library": object(), "missing_libraries": "not a list"})
    check_shape(res, "library")
    res = run_probe("gpu_alloc", None)
    check_shape(res, "gpu_alloc")
    assert res["status"] == "inconclusive"


# ---------------------------------------------------------------- library

def test_library_absent_is_confirmed_and_lists_other_versions(libdir):
    build(libdir, "fake_cudart.c", "libtflogfake.so.12")
    res = run_probe("library", {"library": "libtflogfake.so.11.0"})
    check_shape(res, "library")
    assert res["status"] == "confirmed"
    assert "libtflogfake.so.11.0" in res["detail"]
    assert "cannot open shared object file" in res["detail"]
    assert "libtflogfake.so.12" in res["detail"]  # the version that is there instead
    copies = res["observed"]["libraries"][0]["other_copies"]
    assert any(c["path"] == str(libdir / "libtflogfake.so.12") and c["source"] == "LD_LIBRARY_PATH" for c in copies)


def test_library_that_loads_now_is_refuted(libdir):
    path = build(libdir, "fake_cudart.c", "libcudart.so.11.0")
    res = run_probe("library", {"missing_libraries": ["libcudart.so.11.0"]})
    check_shape(res, "library")
    assert res["status"] == "refuted"
    assert "libcudart.so.11.0 loads now" in res["detail"]
    assert str(path) in res["detail"]
    assert res["observed"]["libraries"][0]["path"] == str(path)


def test_library_one_of_several_still_missing_is_confirmed(libdir):
    build(libdir, "fake_cudart.c", "libcudart.so.11.0")
    res = run_probe("library", {"missing_libraries": ["libcudart.so.11.0", "libtflogfake_cublas.so.11"]})
    assert res["status"] == "confirmed"
    assert "libtflogfake_cublas.so.11 still fails to load" in res["detail"]
    assert "libcudart.so.11.0 loads now" in res["detail"]


def test_library_crash_is_inconclusive_and_survived(libdir):
    build(libdir, "crash.c", "libtflogcrash.so.1")
    res = run_probe("library", {"library": "libtflogcrash.so.1"})
    check_shape(res, "library")
    assert res["status"] == "inconclusive"
    assert "crashed with SIGSEGV while loading libtflogcrash.so.1" in res["detail"]
    assert res["observed"]["returncode"] < 0


def test_library_exit_in_constructor_is_inconclusive(libdir):
    build(libdir, "crash.c", "libtflogexit.so.1", EXIT_CODE=3)
    res = run_probe("library", {"library": "libtflogexit.so.1"})
    assert res["status"] == "inconclusive"
    assert "exited with status 3 while loading libtflogexit.so.1" in res["detail"]


def test_library_without_name_is_inconclusive():
    res = run_probe("library", {"tf_version": "2.5.0"})
    check_shape(res, "library")
    assert res["status"] == "inconclusive"
    assert "names no library" in res["detail"]


@needs_linux
def test_library_of_another_os_is_skipped():
    res = run_probe("library", {"library": "cudart64_110.dll"})
    assert res["status"] == "skipped"
    assert "cudart64_110.dll" in res["detail"]


# ---------------------------------------------------------------- cuDNN version

def test_cudnn_version_mismatch_is_confirmed(libdir):
    path = build(libdir, "fake_cudnn.c", "libcudnn.so.8", VERSION=8005)
    res = run_probe("cudnn_version", {"library": "libcudnn.so.8", "cudnn_runtime": "8.0.5",
                                      "cudnn_compiled": "8.1.0", **NO_TF})
    check_shape(res, "cudnn_version")
    assert res["status"] == "confirmed"
    for text in ("8.0.5", "8.1.0", "libcudnn.so.8", str(path)):
        assert text in res["detail"]
    assert res["observed"]["loaded"] == "8.0.5"
    assert res["observed"]["expected_source"] == "the log"


def test_cudnn_version_agreeing_is_refuted(libdir):
    build(libdir, "fake_cudnn.c", "libcudnn.so.8", VERSION=8102)
    res = run_probe("cudnn_version", {"cudnn_runtime": "8.0.5", "cudnn_compiled": "8.1.0", **NO_TF})
    assert res["status"] == "refuted"
    assert "8.1.2" in res["detail"] and "8.1.0" in res["detail"]
    assert "The log saw cuDNN 8.0.5" in res["detail"]  # it was different when the log was written


def test_cudnn_9_encoding(libdir):
    build(libdir, "fake_cudnn.c", "libcudnn.so.9", VERSION=90100)
    res = run_probe("cudnn_version", {"cudnn_compiled": "9.3.0", **NO_TF})
    assert res["status"] == "confirmed"
    assert "9.1.0" in res["detail"] and "9.3.0" in res["detail"]


def test_cudnn_version_from_tf_tested_builds(libdir):
    build(libdir, "fake_cudnn.c", "libcudnn.so.8", VERSION=8005)
    res = run_probe("cudnn_version", {"tf_version": "2.5.0", **NO_TF})
    assert res["status"] == "confirmed"
    assert "TensorFlow 2.5.0's tested build" in res["detail"]


def test_cudnn_version_crash_is_inconclusive(libdir):
    build(libdir, "crash.c", "libcudnn.so.8")
    res = run_probe("cudnn_version", {"cudnn_compiled": "8.1.0", **NO_TF})
    assert res["status"] == "inconclusive"
    assert "crashed with SIGSEGV while loading libcudnn.so.8" in res["detail"]


def test_cudnn_version_without_library_is_inconclusive(libdir):
    res = run_probe("cudnn_version", {"library": "libtflog_nocudnn.so.8", "cudnn_compiled": "8.1.0", **NO_TF})
    if res["status"] != "inconclusive" and res["observed"].get("library"):
        pytest.skip(f"a real cuDNN is installed here: {res['observed']['library']}")
    assert res["status"] == "inconclusive"
    assert "No cuDNN library loads here" in res["detail"]


# ---------------------------------------------------------------- CUDA runtime version

def test_cuda_version_agreeing_is_refuted(libdir):
    build(libdir, "fake_cudart.c", "libcudart.so.11.0", VERSION=11020)
    res = run_probe("cuda_version", {"library": "libcudart.so.11.0", "cuda_compiled": "11.2", **NO_TF})
    check_shape(res, "cuda_version")
    assert res["status"] == "refuted"
    assert "11.2" in res["detail"] and "libcudart.so.11.0" in res["detail"]


def test_cuda_version_mismatch_is_confirmed(libdir):
    build(libdir, "fake_cudart.c", "libcudart.so.11.0", VERSION=11020)
    res = run_probe("cuda_version", {"library": "libcudart.so.11.0", "cuda_compiled": "10.1", **NO_TF})
    assert res["status"] == "confirmed"
    assert "11.2" in res["detail"] and "10.1" in res["detail"]


# ---------------------------------------------------------------- driver

def test_driver_reports_fake_gpu_and_is_refuted(libdir):
    build(libdir, "fake_cuda.c", "libcuda.so.1", DRIVER_VERSION=12040, DEVICE_NAME='"Fake RTX 3070"',
          CC_MAJOR=8, CC_MINOR=6)
    res = run_probe("driver", {"cuda_compiled": "11.2", **NO_TF})
    check_shape(res, "driver")
    assert res["status"] == "refuted"
    assert "Fake RTX 3070" in res["detail"] and "compute capability 8.6" in res["detail"]
    assert "CUDA 12.4" in res["detail"]
    dev = res["observed"]["devices"][0]
    assert dev["memory_total"] == 8192 * 1024 * 1024 and dev["memory_free"] == 7000 * 1024 * 1024


def test_driver_too_old_is_confirmed(libdir):
    build(libdir, "fake_cuda.c", "libcuda.so.1", DRIVER_VERSION=11020)
    res = run_probe("driver", {"tf_version": "2.16.1", **NO_TF})
    assert res["status"] == "confirmed"
    assert "11.2" in res["detail"] and "12.3" in res["detail"]


def test_driver_minor_version_compat_is_refuted_with_a_note(libdir):
    build(libdir, "fake_cuda.c", "libcuda.so.1", DRIVER_VERSION=12040)
    res = run_probe("driver", {"cuda_compiled": "12.5", **NO_TF})
    assert res["status"] == "refuted"
    assert "minor-version compatibility" in res["detail"]


def test_driver_cuinit_failure_is_confirmed(libdir):
    build(libdir, "fake_cuda.c", "libcuda.so.1", INIT_RESULT=100)
    res = run_probe("driver", NO_TF)
    assert res["status"] == "confirmed"
    assert "CUDA_ERROR_NO_DEVICE (100): no CUDA-capable device is detected" in res["detail"]


def test_hung_driver_times_out_inconclusive(libdir):
    build(libdir, "fake_cuda.c", "libcuda.so.1", INIT_SLEEP=60)
    res = run_probe("driver", NO_TF, timeout=8)
    check_shape(res, "driver")
    assert res["status"] == "inconclusive"
    assert "did not finish within 8 s while calling cuInit" in res["detail"]
    assert res["seconds"] < 50


def test_driver_absent_is_inconclusive(libdir):
    res = run_probe("driver", NO_TF)
    if res["observed"].get("library", {}).get("loaded"):
        pytest.skip("a real NVIDIA driver is installed here")
    assert res["status"] == "inconclusive"
    assert "libcuda.so.1" in res["detail"]


# ---------------------------------------------------------------- cuDNN handle

def test_cudnn_handle_failure_is_confirmed(libdir):
    build(libdir, "fake_cuda.c", "libcuda.so.1")
    build(libdir, "fake_cudnn.c", "libcudnn.so.8", VERSION=8100, CREATE_STATUS=2)
    res = run_probe("cudnn_handle", {"library": "libcudnn.so.8"})
    check_shape(res, "cudnn_handle")
    assert res["status"] == "confirmed"
    assert "CUDNN_STATUS_ALLOC_FAILED" in res["detail"] and "8.1.0" in res["detail"]


def test_cudnn_handle_success_is_refuted(libdir):
    build(libdir, "fake_cuda.c", "libcuda.so.1")
    build(libdir, "fake_cudnn.c", "libcudnn.so.8", VERSION=8100, CREATE_STATUS=0)
    res = run_probe("cudnn_handle", {"library": "libcudnn.so.8"})
    assert res["status"] == "refuted"
    assert "cudnnCreate succeeds" in res["detail"]


def test_cudnn_handle_on_a_gpu_too_full_for_a_context_is_confirmed(libdir):
    """Seen on an H200 filled by another process: even cuDevicePrimaryCtxRetain fails with OOM."""
    build(libdir, "fake_cuda.c", "libcuda.so.1", CTX_RESULT=2, TOTAL_MB=8192)
    build(libdir, "fake_cudnn.c", "libcudnn.so.8", CREATE_STATUS=0)
    res = run_probe("cudnn_handle", {"library": "libcudnn.so.8"})
    assert res["status"] == "confirmed"
    assert "no memory left even for a CUDA context" in res["detail"] and "8.0 GiB" in res["detail"]
    assert "CUDA_ERROR_OUT_OF_MEMORY" in res["observed"]["context_error"]


def test_cudnn_handle_without_gpu_is_inconclusive(libdir):
    build(libdir, "fake_cuda.c", "libcuda.so.1", INIT_RESULT=100)
    build(libdir, "fake_cudnn.c", "libcudnn.so.8", CREATE_STATUS=1)
    res = run_probe("cudnn_handle", {"library": "libcudnn.so.8"})
    assert res["status"] == "inconclusive"
    assert "CUDA_ERROR_NO_DEVICE" in res["detail"]


# ---------------------------------------------------------------- GPU allocation

def test_gpu_alloc_that_fits_is_refuted(libdir):
    build(libdir, "fake_cuda.c", "libcuda.so.1", FREE_MB=7000, TOTAL_MB=8192)
    res = run_probe("gpu_alloc", {"requested_bytes": "32.00M (33554432 bytes)"})
    check_shape(res, "gpu_alloc")
    assert res["status"] == "refuted"
    assert "33554432 bytes" in res["detail"]
    assert res["observed"]["requested_bytes"] == 33554432


def test_gpu_alloc_too_big_is_confirmed(libdir):
    build(libdir, "fake_cuda.c", "libcuda.so.1", FREE_MB=7000, TOTAL_MB=8192)
    res = run_probe("gpu_alloc", {"requested_bytes": 10 * 1024 ** 3})
    assert res["status"] == "confirmed"
    assert "CUDA_ERROR_OUT_OF_MEMORY" in res["detail"] and "more than the whole card" in res["detail"]


def test_gpu_alloc_on_a_gpu_too_full_for_a_context_is_confirmed(libdir):
    build(libdir, "fake_cuda.c", "libcuda.so.1", CTX_RESULT=2, TOTAL_MB=8192)
    res = run_probe("gpu_alloc", {"requested_bytes": "32.00M (33554432 bytes)"})
    assert res["status"] == "confirmed"
    assert "no memory left even for a CUDA context" in res["detail"] and "33554432 bytes" in res["detail"]


def test_gpu_alloc_when_the_context_fails_otherwise_is_inconclusive(libdir):
    build(libdir, "fake_cuda.c", "libcuda.so.1", CTX_RESULT=999)
    res = run_probe("gpu_alloc", {"requested_bytes": "32.00M (33554432 bytes)"})
    assert res["status"] == "inconclusive"
    assert "CUDA_ERROR_UNKNOWN" in res["detail"]


def test_gpu_alloc_without_size_is_inconclusive(libdir):
    build(libdir, "fake_cuda.c", "libcuda.so.1")
    res = run_probe("gpu_alloc", {})
    assert res["status"] == "inconclusive"


# ---------------------------------------------------------------- TensorFlow op

def test_tf_op_without_tensorflow_is_inconclusive():
    import importlib.util
    if importlib.util.find_spec("tensorflow") is not None:
        pytest.skip("TensorFlow is installed here")
    res = run_probe("tf_op", {})
    check_shape(res, "tf_op")
    assert res["status"] == "inconclusive"
    assert "TensorFlow is not installed" in res["detail"]


# ---------------------------------------------------------------- compatibility rules

def test_version_decoding():
    assert compat.decode_cudnn(8005) == "8.0.5"
    assert compat.decode_cudnn(7605) == "7.6.5"
    assert compat.decode_cudnn(8907) == "8.9.7"
    assert compat.decode_cudnn(90300) == "9.3.0"
    assert compat.decode_cuda(11020) == "11.2"
    assert compat.decode_cuda(12040) == "12.4"


def test_parse_bytes():
    assert compat.parse_bytes("32.00M (33554432 bytes)") == 33554432
    assert compat.parse_bytes(33554432) == 33554432
    assert compat.parse_bytes("33554432") == 33554432
    assert compat.parse_bytes("32.00MiB") == 32 * 1024 ** 2
    assert compat.parse_bytes("3.45G") == int(3.45 * 1024 ** 3)
    assert compat.parse_bytes("lots") is None and compat.parse_bytes(None) is None


def test_cudnn_rule():
    assert not compat.cudnn_compatible("8.0.5", "8.1.0")[0]
    assert compat.cudnn_compatible("8.1.0", "8.1.0")[0]
    assert compat.cudnn_compatible("8.9.7", "8.1")[0]
    assert not compat.cudnn_compatible("9.3.0", "8.9")[0]
    assert compat.cudnn_compatible("8.9.7", "8")[0]  # TF build info may record only the major


def test_cuda_and_driver_rules():
    assert compat.cuda_runtime_compatible("11.8", "11.2")[0]
    assert not compat.cuda_runtime_compatible("12.2", "11.2")[0]
    assert not compat.cuda_runtime_compatible("10.2", "10.1")[0]
    assert compat.driver_supports("12.4", "12.2")[0] == "ok"
    assert compat.driver_supports("12.4", "12.5")[0] == "compat"
    assert compat.driver_supports("11.4", "12.3")[0] == "too_old"
    assert compat.driver_supports("10.0", "10.1")[0] == "too_old"


def test_expected_sonames():
    names = compat.tf_required_libraries("2.5.0", "11.2", "8.1")
    assert names == {"cudart": "libcudart.so.11.0", "cublas": "libcublas.so.11", "cublasLt": "libcublasLt.so.11",
                     "cufft": "libcufft.so.10", "curand": "libcurand.so.10", "cusolver": "libcusolver.so.11",
                     "cusparse": "libcusparse.so.11", "cudnn": "libcudnn.so.8"}
    assert compat.tf_required_libraries("2.4.0", "11.0", "8.0")["cusolver"] == "libcusolver.so.10"
    assert "curand" not in compat.tf_required_libraries("2.15.0", "12.2", "8.9")
    assert compat.cuda_sonames_for("10.1")["cudart"] == "libcudart.so.10.1"
    assert compat.cuda_sonames_for("10.0")["cublas"] == "libcublas.so.10.0"


# ---------------------------------------------------------------- with a stand-in TensorFlow
# tests/clibs/fake_tensorflow.py (see its docstring) lets us check that the probes read TF's
# build info and hand TF's own log back, without installing TensorFlow.



@pytest.fixture
def fake_tf(tmp_path, monkeypatch):
    pkg = tmp_path / "fake_tf" / "tensorflow"
    pkg.mkdir(parents=True)
    shutil.copy(CLIBS / "fake_tensorflow.py", pkg / "__init__.py")
    monkeypatch.syspath_prepend(str(pkg.parent))  # the parent's find_spec("tensorflow")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(pkg.parent), os.environ.get("PYTHONPATH")) if p))
    return pkg


def test_cudnn_version_uses_installed_tf_build_info(libdir, fake_tf):
    build(libdir, "fake_cudnn.c", "libcudnn.so.9", VERSION=90300)
    res = run_probe("cudnn_version", {"cudnn_compiled": "9.3.0"})  # the installed TF wins over the log
    assert res["status"] == "confirmed"
    assert "the installed TensorFlow 2.15.0" in res["detail"] and "9.3.0" in res["detail"]
    assert res["observed"]["tensorflow"]["build_info"]["cuda_version"] == "12.2"


def test_tf_op_without_gpu_returns_tf_log(fake_tf):
    res = run_probe("tf_op", {})
    assert res["status"] == "inconclusive"
    assert "sees no GPU" in res["detail"]
    assert "Cannot dlopen some GPU libraries" in res["observed"]["tf_log"]
    assert "fake TF starting" in res["observed"]["tf_log"]


def test_tf_op_failure_is_confirmed_with_tf_log(fake_tf, monkeypatch):
    monkeypatch.setenv("FAKE_TF_GPU", "1")
    res = run_probe("tf_op", {})
    assert res["status"] == "confirmed"
    assert "Failed to get convolution algorithm" in res["detail"]
    assert "Loaded runtime CuDNN library: 8.0.5" in res["observed"]["tf_log"]
    assert "growth=True" in res["observed"]["tf_log"]
