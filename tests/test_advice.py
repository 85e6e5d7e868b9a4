"""Advice that fits the machine in the log: facts per input with their provenance, fixes checked
against the compat tables. Logs here are written in the shape of real ones (TF's own messages)."""

from __future__ import annotations

import json
import re

import pytest

from analyzer import analyze
from analyzer.core.model import Report
from analyzer.kb.advice import _MOVE_TO_WSL, for_machine, misfit
from analyzer.report.render import render_text

from conftest import CORPUS, ROOT, root_finding, tflog

REAL_LOGS = sorted((ROOT / "tests" / "fixtures" / "real_logs").rglob("*.log")) + sorted((ROOT / "sample_logs").glob("*.log"))
if (CORPUS / "cases").is_dir():
    REAL_LOGS += sorted((CORPUS / "cases").glob("*.log"))


def _facts(report: Report, finding) -> dict:
    facts = dict(report.inputs[0].facts if report.inputs else report.facts)
    facts.update({k: v for k, v in finding.facts.items() if v not in (None, "", [])})
    return facts


def test_every_fix_of_every_real_log_fits_its_machine():
    """No fix shown for any real log in the repo proposes what the compat tables rule out for that
    log's Python and platform (a TF release without wheels for that Python, the Linux-only
    [and-cuda] extra on Windows, Linux-only paths on Windows, a known-bad pin), and every root cause a rule
    names has at least one fix."""
    assert len(REAL_LOGS) > 150
    checked = 0
    for path in REAL_LOGS:
        report = analyze(path=path)
        root = next((f for f in report.findings if f.severity != "info"), None)
        # a root cause a rule names comes with something to do, whatever the log leaves unknown (a fix whose facts
        # are all unknown is dropped: each rule needs one that names none, or one that fits every machine)
        assert root is None or root.rule_id == "unrecognized" or root.fixes, (path.name, root.rule_id)
        for f in report.findings:
            facts = _facts(report, f)
            # an alternative ("Or keep driver 472.12 and ...") reads as one only after the fix it is an alternative to
            assert not f.fixes or not f.fixes[0].startswith("Or "), (path.name, f.rule_id, f.fixes[0])
            for fix in f.fixes:
                checked += 1
                assert misfit(fix, facts) is None, (path.name, f.rule_id, fix)
                # a cross-check that does not go through the checker: the [and-cuda] extra has Linux
                # wheels for Python 3.9+ only (TF 2.14+); a Windows user sees it only as the way inside WSL2
                # (another machine, with its own Python)
                if "tensorflow[and-cuda]" in fix:
                    moves = facts.get("platform") == "windows" and _MOVE_TO_WSL.search(fix)
                    assert facts.get("platform") != "windows" or moves, (path.name, fix)
                    py = None if moves else re.match(r"3\.(\d+)", str(facts.get("python_version") or ""))
                    assert not py or int(py.group(1)) >= 9, (path.name, fix)
                assert "tensorflow[and-cuda]==2.16.1" not in fix, (path.name, fix)
    assert checked > 500


CUDNN_MISMATCH_PY38 = (
    "Python 3.8.10 (default, Nov 22 2023, 10:22:35)\n"
    "2021-10-14 09:12:39.913347: E tensorflow/stream_executor/cuda/cuda_dnn.cc:374] Loaded runtime CuDNN library: 8.0.4 "
    "but source was compiled with: 8.1.0.  CuDNN library needs to have matching major version and equal or higher minor version.\n"
)


def _json(tmp_path, text, *more):
    paths = []
    for i, t in enumerate((text, *more)):
        p = tmp_path / f"run{i}.log"
        p.write_text(t, encoding="utf-8")
        paths.append(p)
    out = tflog("analyze", "--format", "json", *paths)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


def test_no_and_cuda_extra_for_a_python_it_has_no_wheels_for(tmp_path):
    rep = _json(tmp_path, CUDNN_MISMATCH_PY38)
    fixes = [fx for f in rep["findings"] for fx in f["fixes"]]
    assert fixes and not any("and-cuda" in fx for fx in fixes)
    # on Python 3.11 a build with cuDNN 8.1 is still TF 2.5-2.11 (tested builds), which has no [and-cuda] extra ...
    rep = _json(tmp_path, CUDNN_MISMATCH_PY38.replace("Python 3.8.10", "Python 3.11.4"))
    assert not any("and-cuda" in fx for f in rep["findings"] for fx in f["fixes"])
    # ... and a build with cuDNN 8.9 (TF 2.15-2.17) gets the pip route
    # (as TF 2.15+ prints it: from external/local_xla, not tensorflow/stream_executor, which dates a log to TF <= 2.10)
    newer = (
        CUDNN_MISMATCH_PY38.replace("Python 3.8.10", "Python 3.11.4").replace("8.0.4", "8.6.0").replace("8.1.0", "8.9.4")
        .replace("tensorflow/stream_executor/cuda/cuda_dnn.cc:374", "external/local_xla/xla/stream_executor/cuda/cuda_dnn.cc:535")
    )
    rep = _json(tmp_path, newer)
    assert any("and-cuda" in fx for f in rep["findings"] for fx in f["fixes"])


def test_windows_logs_get_no_linux_only_fixes(tmp_path):
    rep = _json(tmp_path, (
        "C:\\Users\\me\\project> python train.py\n"
        "2022-03-01 10:00:00.000000: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic "
        "library 'cudart64_110.dll'; dlerror: cudart64_110.dll not found\n"
        "2022-03-01 10:00:01.000000: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic "
        "library 'cudnn64_8.dll'; dlerror: cudnn64_8.dll not found\n"
        "2022-03-01 10:00:01.500000: W tensorflow/core/common_runtime/gpu/gpu_device.cc:1850] Cannot dlopen some GPU libraries. "
        "Please make sure the missing libraries mentioned above are installed properly if you would like to use GPU.\n"))
    assert rep["facts"]["platform"] == "windows"
    for f in rep["findings"]:
        for fx in f["fixes"]:
            assert "and-cuda" not in fx, fx
            assert "LD_LIBRARY_PATH" not in fx or "Windows" in fx or "PATH (" in fx, fx


def test_a_missing_library_names_a_wanted_cuda_not_the_installed_one(tmp_path):
    rep = _json(tmp_path, (
        "2020-06-01 10:00:00.000000: W tensorflow/stream_executor/platform/default/dso_loader.cc:55] Could not load dynamic "
        "library 'libcudart.so.10.1'; dlerror: libcudart.so.10.1: cannot open shared object file: No such file or directory\n"
        "ii  libcudnn8   8.0.4.30-1+cuda11.0   amd64   cuDNN runtime libraries\n"))
    assert "cuda_runtime" not in rep["facts"]  # neither the missing cudart nor the cuDNN package's +cuda11.0 suffix
    assert rep["facts"]["cuda_wanted"] == "10.1" and rep["fact_provenance"]["cuda_wanted"] == "wanted"
    out = tflog("analyze", "--format", "text", tmp_path / "run0.log").stdout.decode()
    assert "wants CUDA (not loaded) 10.1" in out and "· CUDA 10.1" not in out


def test_two_logs_are_two_machines(tmp_path):
    """`tflog analyze a.log b.log` explains each log with its own facts."""
    linux = ("2021-01-01 10:00:00.000000: I tensorflow/stream_executor/platform/default/dso_loader.cc:49] Successfully opened "
             "dynamic library libcudart.so.11.0\nTensorFlow version: 2.4.1\n" + CUDNN_MISMATCH_PY38)
    windows = ("C:\\Users\\me> python train.py\nTensorFlow version: 2.12.0\nNum GPUs Available:  0\n")
    rep = _json(tmp_path, linux, windows)
    a, b = rep["inputs"]
    assert (a["facts"]["tf_version"], a["facts"]["platform"]) == ("2.4.1", "linux")
    assert (b["facts"]["tf_version"], b["facts"]["platform"]) == ("2.12.0", "windows")
    assert rep["facts"] == {}  # no machine-wide facts across two machines
    nogpu = next(f for f in rep["findings"] if f["rule_id"] == "driver-no-gpu-visible")
    assert "2.12.0" in nogpu["explanation"] and "2.4.1" not in nogpu["explanation"]
    assert all(e["input"].endswith("run1.log") for e in nogpu["evidence"])
    text = tflog("analyze", "--format", "text", *(tmp_path / f"run{i}.log" for i in (0, 1))).stdout.decode()
    assert re.search(r"Environment \(\S*run0\.log\): TensorFlow 2\.4\.1", text)
    assert re.search(r"Environment \(\S*run1\.log\): TensorFlow 2\.12\.0", text)


@pytest.mark.parametrize("fix, facts, ok", [
    ('pip install "tensorflow[and-cuda]"', {"python_version": "3.8.10", "platform": "linux"}, False),
    ('pip install "tensorflow[and-cuda]"', {"python_version": "3.11", "platform": "linux"}, True),
    ("Install TensorFlow 1.15 in a Python 3.7 environment", {"python_version": "3.12"}, False),
    ('pip install "tensorflow<2.11"', {"python_version": "3.10", "platform": "windows"}, True),
    ('pip install "tensorflow<2.11"', {"python_version": "3.12", "platform": "windows"}, False),
    ('pip install "tensorflow[and-cuda]==2.16.1"', {"python_version": "3.11", "platform": "linux"}, False),
    ("export LD_LIBRARY_PATH=/usr/local/cuda/lib64", {"platform": "windows"}, False),
    ("put its folder first in LD_LIBRARY_PATH (Linux) / PATH (Windows)", {"platform": "windows"}, True),
    # releases a fix names are alternatives: a table of them, or "this, or that"
    ("Install the CUDA runtime this TensorFlow needs: TF 2.15-2.21 CUDA 12; TF 2.4-2.14 CUDA 11.x; TF 2.1-2.3 CUDA 10.1",
     {"python_version": "3.6.9", "platform": "linux"}, True),
    ('use WSL2 with `pip install "tensorflow[and-cuda]"`, or `pip install "tensorflow<2.11"`', {"python_version": "3.8.10"}, True),
    ("Install TensorFlow 2.4-2.6 with CUDA 11.2", {"python_version": "3.12"}, False),
    # a GPU the TensorFlow a fix installs has no code for (rules/compat/compute_capability.yaml): an unpinned
    # [and-cuda] is the newest release for this Python; Maxwell (5.x) lost its SASS in 2.18, Kepler 3.5 in 2.15
    ('pip install "tensorflow[and-cuda]"', {"python_version": "3.11", "compute_capability": "5.2"}, False),
    ('pip install "tensorflow[and-cuda]"', {"python_version": "3.11", "compute_capability": "3.5"}, False),
    ('pip install "tensorflow[and-cuda]"', {"python_version": "3.11", "compute_capability": "8.6"}, True),
    ('pip install "tensorflow[and-cuda]==2.17.0"', {"python_version": "3.11", "compute_capability": "5.2"}, True),
    ('pip install "tensorflow[and-cuda]==2.17.0"', {"python_version": "3.11", "compute_capability": "3.5"}, False),
    # a fix that is not a GPU install stays, whatever the GPU (the tables list no GPU code of TF 1.x either)
    ('pip install "tensorflow==2.18.0" "numpy<2"', {"python_version": "3.11", "compute_capability": "5.2"}, True),
    ('pip install "tensorflow<2.11"', {"python_version": "3.8", "compute_capability": "3.0"}, True),
    # a Windows user told to move to WSL2 may install the [and-cuda] extra there; told to install it natively, not
    ('Use WSL2: install Ubuntu in WSL2, then `pip install "tensorflow[and-cuda]"` inside WSL2.', {"python_version": "3.11", "platform": "windows"}, True),
    ('Use WSL2: install Ubuntu in WSL2, then `pip install "tensorflow[and-cuda]"` inside WSL2.', {"python_version": "3.8.10", "platform": "windows"}, True),
    ('pip install "tensorflow[and-cuda]"  # TF >= 2.15 on Linux/WSL2', {"python_version": "3.11", "platform": "windows"}, False),
    # a wheel for the Python is not enough: one for the machine too (rules/compat/wheel_platforms.yaml)
    ('pip install "tensorflow==2.17.0"', {"python_version": "3.11", "platform": "macos", "cpu_arch": "x86_64"}, False),
    ('pip install "tensorflow==2.16.2"', {"python_version": "3.11", "platform": "macos", "cpu_arch": "x86_64"}, True),
    ('pip install "tensorflow<2.13"', {"python_version": "3.10", "platform": "macos", "cpu_arch": "arm64"}, False),
    ('pip install "tensorflow<2.13"', {"python_version": "3.10", "platform": "macos"}, True),
    ('pip install "tensorflow==2.8.0"', {"platform": "linux", "cpu_arch": "arm64"}, False),
    ('pip install "tensorflow==2.8.0"', {"python_version": "3.8", "platform": "windows", "cpu_arch": "x86"}, False),
    # NVIDIA's CUDA wheels are Linux ones: a Mac gets the Metal plugin instead
    ('pip install "tensorflow[and-cuda]"', {"python_version": "3.11", "platform": "macos"}, False),
    # a fix that makes an environment with its own Python is checked against that Python: TF 1.5 (the last build
    # without AVX) has wheels for 3.6, not 3.11; so told to a Python 3.11 user it must bring Python 3.6 along
    ("`pip install tensorflow==1.5`", {"python_version": "3.11.4", "platform": "linux"}, False),
    ("`conda create -n tf-noavx python=3.6`, then `pip install tensorflow==1.5`", {"python_version": "3.11.4"}, True),
    ("`conda create -n tf python=3.12`, then `pip install tensorflow==1.5`", {"python_version": "3.6"}, False),
    ("`py -3.7 -m venv tf1`, then `pip install tensorflow==1.15`", {"python_version": "3.11", "platform": "windows"}, True),
])
def test_misfit_reads_versions_and_platforms_from_the_fix(fix, facts, ok):
    assert (misfit(fix, facts) is None) is ok


def test_rocm_build_gets_rocm_advice_not_cuda_installs():
    """TensorFlow's ROCm build (AMD GPUs) prints the CUDA build's "Unable to load cuDNN DSO" when MIOpen is
    missing (hipTensorFlow, first_sight_36): the fix is MIOpen, and no fix installs NVIDIA's libraries."""
    log = ROOT / "tests" / "fixtures" / "real_logs" / "first_sight_36" / "cudnn-hiptensorflow-rocm17-vega-fe-libmiopen-not-loaded.log"
    rep = analyze(path=str(log)).to_dict()
    assert rep["facts"]["gpu_stack"] == "rocm"
    fixes = rep["findings"][0]["fixes"]
    assert "miopen-hip" in fixes[0] and not any("and-cuda" in f or "cudatoolkit" in f for f in fixes)
    assert misfit('pip install "tensorflow[and-cuda]"', {"gpu_stack": "rocm", "python_version": "3.11"})
    assert misfit("conda install cudatoolkit=11.2", {"gpu_stack": "rocm"}) and not misfit("conda install cudatoolkit=11.2", {})
    # ... nor tells in words to install cuDNN or CUDA (the cuDNN rule's generic fix, session 37's advice audit)
    prose = "Install the cuDNN your TensorFlow release was built with and make its library findable."
    assert misfit(prose, {"gpu_stack": "rocm"}) and not misfit(prose, {})
    assert not any(f.startswith("Install the cuDNN") for f in fixes)
    # a fix that only names a CUDA package installs nothing; TF's configure prose naming ROCm is no ROCm machine
    assert not misfit("Make it findable: $CONDA_PREFIX/lib for a conda cudatoolkit / cuda-cudart package", {"gpu_stack": "rocm"})
    configure = "Do you wish to build TensorFlow with ROCm support? [y/N]: N\nNo ROCm support will be enabled for TensorFlow.\n"
    assert "gpu_stack" not in analyze(text=configure).to_dict()["facts"]


@pytest.mark.parametrize("text, fact, value", [
    ("### TensorFlow version\n\n2.17.0\n\n### Custom code\n\nYes\n", "tf_version", "2.17.0"),  # TF's issue template
    ("### Python version\n\n3.11\n", "python_version", "3.11"),
    ("import tensorflow as tf\nprint(tf.__version__)\n2.6.0\n", "tf_version", "2.6.0"),  # a script's own print
    ("Tensor Flow Version: 2.12.0\nKeras Version: 2.12.0\n", "tf_version", "2.12.0"),
    ("$ pip show tensorflow\nName: tensorflow\nVersion: 2.3.0\nSummary: TensorFlow is an open source machine learning framework\n",
     "tf_version", "2.3.0"),
    ("|   0  NVIDIA GeForce RTX 4050 ...  WDDM  |   00000000:01:00.0 Off |                  N/A |\n", "gpu_name",
     "NVIDIA GeForce RTX 4050..."),  # nvidia-smi on Windows: driver model instead of On/Off, name cut with "..." (kept)
    # the platform from CPython's build tag, nvidia-smi's Windows driver model, and the Linux kernel module's banner
    ("3.7.7 (default, May  6 2020, 11:45:54) [MSC v.1916 64 bit (AMD64)]\n", "platform", "windows"),
    ("|   0  NVIDIA GeForce GTX 1650  WDDM  |   00000000:01:00.0 Off |                  N/A |\n", "platform", "windows"),
    ('I x.cc:1] driver version file contents: """NVRM version: NVIDIA UNIX x86_64 Kernel Module  384.130  Wed Mar 21 2018\n',
     "platform", "linux"),
    ("NVRM version: NVIDIA UNIX aarch64 Kernel Module  540.4.0  Fri Jan 12 2024\n", "platform", "linux"),
    # Poetry's installer (an M2 Mac, pixeltable/pixeltable#15), pip asked for TF's Linux aarch64 build (tensorflow#58264)
    ("  • Installing tensorflow (2.13.0)\n", "tf_version", "2.13.0"),
    ("  - Updating tensorflow (2.12.0 -> 2.13.1)\n", "tf_version", "2.13.1"),
    # Poetry's solver (a project wanting TF 2.20 and tf2onnx, onnx/tensorflow-onnx#2409)
    ("And because tensorflow (2.20.0) depends on protobuf (>=5.28.0)\n", "tf_version", "2.20.0"),
    ("Because no versions of tensorflow match >2.20.0,<3.0.0\n", "tf_version", None),
    ('ERROR: No matching distribution found for tensorflow-cpu-aws==2.11.1; platform_system == "Linux" and (platform_machine '
     '== "arm64" or platform_machine == "aarch64")\n', "tf_version", "2.11.1"),
    # TF's loader finds TensorRT but not a library TensorRT needs (the tensorflow:latest-gpu image, tensorflow#50330)
    ("2021-06-17 20:18:13.799235: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic "
     "library 'libnvinfer.so.7'; dlerror: libnvrtc.so.11.1: cannot open shared object file: No such file or directory\n",
     "missing_libraries", ["libnvinfer.so.7", "libnvrtc.so.11.1"]),
    # the loader's "<library>: <its missing dependency>" through Java's UnsatisfiedLinkError (tensorflow/java#598)
    ("Debug: Failed to load /home/cnb/.javacpp/cache/x.jar/libtensorflow_framework.so.2: java.lang.UnsatisfiedLinkError: "
     "/home/cnb/.javacpp/cache/x.jar/libtensorflow_framework.so.2: libstdc++.so.6: cannot open shared object file: No such "
     "file or directory\n", "missing_libraries", ["libstdc++.so.6"]),
    # an interactive session asking the module by its full name (lhelontra/tensorflow-on-arm#100)
    (">>> import tensorflow\n>>> tensorflow.__version__\n'1.14.0'\n", "tf_version", "1.14.0"),
    # a requirement's marker that excludes a platform is no sign of it (the resolver's lines of an autokeras install)
    ('keras-nlp 0.14.0 depends on tensorflow-text; platform_system != "Darwin"\n', "platform", None),
    # site-packages under a root path is Linux's; under ~/ (a conda prefix on an M2 Mac, pixeltable#15) it says nothing
    ('  File "/opt/conda/lib/python3.8/site-packages/keras/engine/training.py", line 1, in fit\n', "platform", "linux"),
    ("  at ~/mambaforge/envs/pixeltable/lib/python3.9/site-packages/poetry/installation/executor.py:1\n", "platform", None),
    # pip names a marker that does not hold here
    ("Ignoring tensorflow-intel: markers 'platform_system == \"Windows\"' don't match your environment\n", "platform", None),
    # a comparison in code is no installed version
    ("Successfully installed tensorflow-2.10.0\n    assert tensorflow.__version__ >= \"2.4.0\", 'need TF 2.4'\n",
     "tf_version", "2.10.0"),
])
def test_facts_people_paste(text, fact, value):
    assert analyze(text).facts.get(fact) == value


def test_a_bare_number_is_no_version_without_its_header():
    assert "tf_version" not in analyze("Epoch 3/10\n1.5\n2.17.0\n").facts


def test_tensorflow_gpu_past_its_last_release_says_the_package_ended(tmp_path):
    """pip lists tensorflow-gpu up to 2.10.1 and 2.11 was asked for: no Python or platform stops it, the package ended
    (GPU support in `tensorflow` itself); a Windows log also gets the last native-Windows GPU build from the tables."""
    line = ("ERROR: Could not find a version that satisfies the requirement tensorflow-gpu==2.11 (from versions: 2.8.0, "
            "2.9.0, 2.10.0, 2.10.1)\nERROR: No matching distribution found for tensorflow-gpu==2.11\n")
    root = root_finding(_json(tmp_path, line))
    assert root["fixes"][0].startswith("pip offers tensorflow-gpu only up to 2.10.1 here: that package has no later release")
    win = root_finding(_json(tmp_path, "C:\\Users\\me> pip install tensorflow-gpu==2.11\n" + line))
    assert any('`pip install "tensorflow<2.11"` with CUDA 11.2' in fix for fix in win["fixes"]) and "and-cuda" not in " ".join(win["fixes"])
    # an installed TensorFlow and a request older than what pip lists: the Python stops it, not the package's end
    older = ("TensorFlow version: 2.12.0\nERROR: Could not find a version that satisfies the requirement tensorflow-gpu==2.4.0 "
             "(from versions: 2.8.0, 2.9.0, 2.10.0, 2.10.1)\nERROR: No matching distribution found for tensorflow-gpu==2.4.0\n")
    assert not any("has no later release" in fix for f in _json(tmp_path, older)["findings"] for fix in f["fixes"])


def test_an_old_pip_the_log_states_is_the_first_thing_to_fix(tmp_path):
    """pip 18.1 lists TensorFlow only up to 2.0.0b1 (the last wheels with tags it knows) and no Python is shown: the
    upgrade of pip comes first, not a guess at the Python (rasa's requirement, first_sight_44)."""
    rep = _json(tmp_path, (
        "Collecting tensorflow<2.2,>=2.1 (from rasa)\n"
        "  Could not find a version that satisfies the requirement tensorflow<2.2,>=2.1 (from rasa) (from versions: "
        "1.13.1, 1.14.0, 2.0.0a0, 2.0.0b1)\n"
        "No matching distribution found for tensorflow<2.2,>=2.1 (from rasa)\n"
        "You are using pip version 18.1, however version 20.0.2 is available.\n"))
    root = root_finding(rep)
    assert rep["facts"]["pip_version"] == "18.1"
    assert root["fixes"][0].startswith("This pip is 18.1, older than 20.3") and "pip install -U pip" in root["fixes"][0]
    # not where the tags cannot be the cause: a Windows log, or pip listing releases newer than the one asked for
    win = _json(tmp_path, "C:\\Users\\me>pip install tensorflow\n  Could not find a version that satisfies the requirement "
                          "tensorflow (from versions: )\nNo matching distribution found for tensorflow\n"
                          "You are using pip version 18.1, however version 20.0.2 is available.\n")
    assert not root_finding(win)["fixes"][0].startswith("This pip is")
    newer = _json(tmp_path, "ERROR: Could not find a version that satisfies the requirement tensorflow==2.4.0 (from versions: "
                            "2.5.0, 2.6.0)\nERROR: No matching distribution found for tensorflow==2.4.0\n"
                            "You are using pip version 20.2.4, however version 21.0 is available.\n")
    assert not any(fix.startswith("This pip is") for f in newer["findings"] for fix in f["fixes"])
    # the nag names the pip before an upgrade the log goes on to make
    upgraded = _json(tmp_path, "You are using pip version 18.1, however version 20.0.2 is available.\n"
                               "Successfully installed pip-20.0.2\n")
    assert upgraded["facts"]["pip_version"] == "20.0.2"


def test_a_package_named_after_tensorflow_is_not_tensorflow():
    """conda list's "mesh-tensorflow 0.1.19" is Mesh TensorFlow's release, not TensorFlow 0.1 (it made a false
    tensorflow-text conflict of a TF 2.5 log); NVIDIA's and Intel's builds are TensorFlow itself."""
    assert "tf_version" not in analyze("mesh-tensorflow            0.1.19           pypi_0    pypi\n").facts
    assert analyze("tensorflow 2.5.0\nmesh-tensorflow 0.1.19\n").facts["tf_version"] == "2.5.0"
    assert analyze("nvidia-tensorflow 1.15.5+nv22.12\n").facts["tf_version"] == "1.15.5+nv22.12"
    assert analyze("intel-tensorflow 2.1.0\n").facts["tf_version"] == "2.1.0"


def test_a_conflict_in_a_pasted_package_list_is_a_finding_without_a_traceback(tmp_path):
    rep = _json(tmp_path, (
        "$ pip list | grep -i -E 'tensorflow|keras|numpy'\n"
        "keras                        3.0.1\n"
        "numpy                        1.26.4\n"
        "tensorflow                   2.15.0\n"
        "tensorflow-estimator         2.15.0\n"))
    root = root_finding(rep)
    assert (root["rule_id"], root["category"]) == ("deps-package-list-conflict", "deps.version_conflict")
    assert "keras>=2.15.0,<2.16" in root["explanation"] and "keras 3.0.1" in root["explanation"]
    assert "keras==3.0.1" in rep["facts"]["packages"] and rep["facts"]["tf_version"] == "2.15.0"
    assert rep["fact_provenance"]["package_conflicts"] == "inferred"


def test_what_pip_just_installed_is_a_package_list_and_the_fix_pins_the_range_that_works(tmp_path):
    """pip's "Successfully installed" names the environment as it now is: TF 2.6.1 declared keras~=2.6, so pip pulled
    keras 2.7.0 beside it (tensorflow#52922). The conflict is found in that one line, and the fix pins the keras range
    the table holds rather than reinstalling the TensorFlow whose pin let it happen."""
    rep = _json(tmp_path, (
        "Successfully installed absl-py-0.15.0 h5py-3.1.0 keras-2.7.0 keras-preprocessing-1.1.2 numpy-1.19.5 "
        "protobuf-3.19.1 tensorboard-2.7.0 tensorflow-2.6.1 tensorflow-estimator-2.6.0 wrapt-1.12.1\n"))
    root = root_finding(rep)
    assert root["rule_id"] == "deps-package-list-conflict"
    assert {"keras==2.7.0", "tensorflow==2.6.1", "numpy==1.19.5"} <= set(rep["facts"]["packages"])
    assert "absl-py==0.15.0" not in rep["facts"]["packages"]  # (only packages whose versions must fit TF)
    assert '`pip install "tensorflow==2.6.1" "keras>=2.6.0,<2.7"`' in root["fixes"][0]


def test_a_later_install_report_replaces_what_an_earlier_one_installed(tmp_path):
    """pip run twice: the second "Successfully installed" put keras 2.6.0 back, so the environment the log leaves has no
    conflict; and a package list is compared with the TensorFlow of the same moment (the later report's)."""
    fixed = _json(tmp_path, "Successfully installed keras-2.7.0 tensorflow-2.6.1\nSuccessfully installed keras-2.6.0\n")
    assert all(f["rule_id"] != "deps-package-list-conflict" for f in fixed["findings"])
    moved = _json(tmp_path, ("Successfully installed keras-3.6.0 ml-dtypes-0.4.1 tensorflow-2.18.0\n"
                             "Successfully installed keras-2.10.0 tensorflow-2.10.1 tensorflow-text-2.10.0\n"))
    assert moved["facts"]["tf_version"] == "2.10.1"
    assert all(f["rule_id"] != "deps-package-list-conflict" for f in moved["findings"])


def test_a_package_list_that_fits_is_no_finding(tmp_path):
    rep = _json(tmp_path, "keras==2.15.0\nnumpy==1.26.4\ntensorflow==2.15.0\ntensorflow-text==2.15.0\n")
    assert all(f["rule_id"] != "deps-package-list-conflict" for f in rep["findings"])
    assert "tensorflow-text==2.15.0" in rep["facts"]["packages"]


def test_two_tensorflow_distributions_of_different_releases_are_a_conflict_and_one_release_is_not(tmp_path):
    """Intel's extension pulled `tensorflow` 2.12.0 over `intel-tensorflow` 2.11.0 (intel-extension-for-tensorflow#31):
    both install the `tensorflow` folder, which now mixes two releases. The finding names both and tells to remove
    every one of them; `tensorflow` with the `tensorflow-intel` of its own release (Windows) is how TF installs."""
    rep = _json(tmp_path, (
        "intel-extension-for-tensorflow     1.1.0\n"
        "intel-tensorflow                   2.11.0\n"
        "tensorflow                         2.12.0\n"
        "tensorflow-estimator               2.12.0\n"))
    root = root_finding(rep)
    assert (root["rule_id"], root["category"]) == ("deps-tensorflow-builds-mixed", "deps.version_conflict")
    assert "intel-tensorflow 2.11.0 and tensorflow 2.12.0" in root["explanation"]
    assert {"intel-tensorflow==2.11.0", "tensorflow==2.12.0"} <= set(rep["facts"]["packages"])
    nightly = _json(tmp_path, "tensorflow==2.15.0\ntf-nightly==2.16.0.dev20231201\n")
    assert any(f["rule_id"] == "deps-tensorflow-builds-mixed" for f in nightly["findings"])
    windows = _json(tmp_path, "tensorflow                   2.16.1\ntensorflow-intel             2.16.1\n")
    assert all(f["rule_id"] != "deps-tensorflow-builds-mixed" for f in windows["findings"])
    # TF 1.x's tensorflow beside tensorflow-gpu of another release: the CPU-build-over-GPU-build finding says more
    tf1 = _json(tmp_path, "tensorflow                   1.14.0\ntensorflow-gpu               1.15.0\n")
    assert [f["rule_id"] for f in tf1["findings"] if f["severity"] != "info"][:1] == ["deps-cpu-package-beside-gpu-package"]
    assert all(f["rule_id"] != "deps-tensorflow-builds-mixed" for f in tf1["findings"])


def test_pip_freeze_and_conda_list_lines_are_read():
    facts = analyze("numpy                     2.0.1           py311h64a7726_0    conda-forge\ntensorflow==2.12.0\n").facts
    assert {"numpy==2.0.1", "tensorflow==2.12.0"} <= set(facts["packages"])
    assert any("numpy" in c for c in facts["package_conflicts"])


def test_a_log_that_hides_the_gpus_is_told_so(tmp_path):
    """CUDA_VISIBLE_DEVICES=-1 set in the log itself explains the no-device errors that follow."""
    rep = _json(tmp_path, (
        'import os\nos.environ["CUDA_VISIBLE_DEVICES"] = "-1"\n'
        "2021-05-01 10:00:00.000000: E tensorflow/stream_executor/cuda/cuda_driver.cc:328] failed call to cuInit: "
        "CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected\n"
        "2021-05-01 10:00:00.000001: I tensorflow/stream_executor/cuda/cuda_diagnostics.cc:156] kernel driver does not "
        "appear to be running on this host (x): /proc/driver/nvidia/version does not exist\n"))
    root = root_finding(rep)
    assert root["rule_id"] == "driver-cuda-visible-devices-hidden" and root["evidence"][0]["line"] == 2
    assert "driver-cuinit-failed" in root["explains"]


MISSING_TOOLKIT = (
    "2020-09-17 11:03:26.100000: W tensorflow/stream_executor/platform/default/dso_loader.cc:59] Could not load dynamic "
    "library 'libcudart.so.10.1'; dlerror: libcudart.so.10.1: cannot open shared object file: No such file or directory\n"
    "2020-09-17 11:03:26.100100: I tensorflow/stream_executor/cuda/cudart_stub.cc:29] Ignore above cudart dlerror if you "
    "do not have a GPU set up on your machine.\n"
    "2020-09-17 11:03:29.100000: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1716] Found device 0 with properties:\n"
    "pciBusID: 0000:01:00.0 name: GeForce GTX 1080 Ti computeCapability: 6.1\n"
    "2020-09-17 11:03:29.183459: W tensorflow/stream_executor/platform/default/dso_loader.cc:59] Could not load dynamic "
    "library 'libcublas.so.10'; dlerror: libcublas.so.10: cannot open shared object file: No such file or directory\n"
    "2020-09-17 11:03:29.187641: W tensorflow/stream_executor/platform/default/dso_loader.cc:59] Could not load dynamic "
    "library 'libcudnn.so.7'; dlerror: libcudnn.so.7: cannot open shared object file: No such file or directory\n"
    "2020-09-17 11:03:29.187700: W tensorflow/core/common_runtime/gpu/gpu_device.cc:1753] Cannot dlopen some GPU "
    "libraries. Please make sure the missing libraries mentioned above are installed properly if you would like to use "
    "GPU. Follow the guide at https://www.tensorflow.org/install/gpu for how to download and setup the required libraries "
    "for your platform.\nSkipping registering GPU devices...\n"
    "Traceback (most recent call last):\n  File \"train.py\", line 9, in <module>\n"
    "    assert tf.config.list_physical_devices('GPU'), 'TensorFlow does not see the GPU'\n"
    "AssertionError: TensorFlow does not see the GPU\n")


def test_a_missing_toolkit_is_one_cause_with_every_library_under_it(tmp_path):
    rep = _json(tmp_path, MISSING_TOOLKIT)
    roots = [f for f in rep["findings"] if f["root_cause"]]
    assert [f["rule_id"] for f in roots] == ["linkage-cudart-missing"]
    assert "toolkit" in roots[0]["title"]
    for lib in ("libcudart.so.10.1", "libcublas.so.10", "libcudnn.so.7"):
        assert lib in roots[0]["explanation"]
    explained = roots[0]["explains"]
    assert {"linkage-dlopen-cuda-library", "cudnn-dso-load-failed", "driver-gpu-assertion-failed"} <= set(explained)
    assert rep["summary"]["errors"] >= 2  # the lines are still counted, under their one cause
    text = tflog("analyze", "--format", "text", tmp_path / "run0.log").stdout.decode()
    assert "Summary: 1 root cause" in text


def test_a_gpu_newer_than_the_build_explains_the_ptx_failure(tmp_path):
    rep = _json(tmp_path, (
        "W0000 00:00:1741914573.123456   15788 gpu_device.cc:2430] TensorFlow was not built with CUDA kernel binaries "
        "compatible with compute capability 12.0a. CUDA kernels will be jit-compiled from PTX, which could take 30 minutes "
        "or longer.\n"
        "   LLVM ERROR: PTX version 8.5 does not support target 'sm_120'. Minimum required PTX version is 8.7.\n"))
    root = next(f for f in rep["findings"] if f["root_cause"])
    assert root["rule_id"] == "gpu-ptx-jit-compile" and root["severity"] == "error"
    assert "gpu-ptx-target-unsupported" in root["explains"]
    assert "CUDA 12.8" in root["explanation"]
    # an older GPU's JIT notice (a warning) does not swallow an unrelated ptxas error
    rep = _json(tmp_path, (
        "2021-02-11 10:00:00.123456: W tensorflow/core/common_runtime/gpu/gpu_device.cc:1751] TensorFlow was not built "
        "with CUDA kernel binaries compatible with compute capability 8.6. CUDA kernels will be jit-compiled from PTX, "
        "which could take 30 minutes or longer.\n"
        "tensorflow.python.framework.errors_impl.InternalError: ptxas exited with non-zero error code 65280, output: "
        "ptxas fatal   : Value 'sm_86' is not defined for option 'gpu-name'\n"))
    root = next(f for f in rep["findings"] if f["root_cause"])
    assert root["category"] == "cuda.toolchain"


def test_the_harmless_cudart_hint_is_not_a_symptom_in_a_log_with_a_gpu():
    """A V100 log whose libcudart.so.11.0 is missing: TF's 'ignore above if you have no GPU' hint is
    listed once, with the harmless lines, not under the cause as if it were part of the failure."""
    from analyzer.report.render import render_text

    report = analyze(path=str(ROOT / "tests/fixtures/real_logs/first_sight_2/cudalib-hear-v100-cudart110.log"))
    assert report.root.rule_id == "linkage-cudart-missing" and report.facts.get("gpu_name")
    text = render_text(report)
    assert "Symptoms of this" not in text
    assert text.count("TensorFlow's hint that a missing libcudart is harmless without a GPU") == 1


# TF's own lines about a missing CUDA runtime (TF < 2.13: the libcudart dlerror and its "ignore if no GPU"
# hint; TF >= 2.13: "Could not find cuda drivers on your machine, GPU will not be used").
_NO_CUDART_LINES = {
    "tf24": (
        "2021-02-10 12:57:07.427237: W tensorflow/stream_executor/platform/default/dso_loader.cc:60] Could not load "
        "dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file: No such file or directory\n"
        "2021-02-10 12:57:07.427300: I tensorflow/stream_executor/cuda/cudart_stub.cc:29] Ignore above cudart dlerror "
        "if you do not have a GPU set up on your machine.\n"
    ),
    "tf213": (
        "2023-05-05 02:37:58.234754: I tensorflow/tsl/cuda/cudart_stub.cc:28] Could not find cuda drivers on your machine, GPU will not be used.\n"
        "2023-05-05 02:37:58.271133: I tensorflow/core/platform/cpu_feature_guard.cc:182] This TensorFlow binary is "
        "optimized to use available CPU instructions in performance-critical operations.\n"
    ),
}


@pytest.mark.parametrize("era", sorted(_NO_CUDART_LINES))
@pytest.mark.parametrize(
    "cue",
    [
        ">>> print(\"Num GPUs Available: \", len(tf.config.list_physical_devices('GPU')))\nNum GPUs Available:  0\n",
        "2023-05-05 02:37:59.878527: I tensorflow/compiler/xla/stream_executor/cuda/cuda_gpu_executor.cc:996] successful "
        "NUMA node read from SysFS had negative value (-1), but there must be at least one NUMA node, so returning NUMA node zero\n",
        '  File "C:\\Users\\dell\\.conda\\envs\\tf-gpu\\lib\\site-packages\\tensorflow\\__init__.py", line 41, in <module>\n',
        "This container image and its contents are governed by the NVIDIA Deep Learning Container License.\n",
    ],
    ids=["gpu-check", "gpu-executor", "gpu-env", "cuda-container"],
)
def test_no_cuda_runtime_is_the_problem_when_the_log_shows_a_gpu_is_expected(era, cue):
    """With a sign that a GPU is expected here (the script checks for one, TF's GPU executor saw a device,
    a GPU environment, NVIDIA's CUDA container), these lines are why the GPU is not used."""
    report = analyze(_NO_CUDART_LINES[era] + cue)
    assert report.root is not None and report.root.severity in ("error", "warning")
    assert report.root.category == "cuda.library_missing"
    assert report.facts.get("gpu_expected")


@pytest.mark.parametrize("era", sorted(_NO_CUDART_LINES))
def test_no_cuda_runtime_alone_is_a_warning_and_harmless_on_a_machine_without_a_gpu(era):
    """Alone, the log cannot say whether a GPU was expected: people paste these lines mostly because their
    GPU is not used (12 of the 16 such logs in tests/fixtures/real_logs), so it is a warning that says when to ignore it; on a machine the
    log shows has no NVIDIA GPU (lspci lists only another vendor's display controller) it is harmless."""
    alone = analyze(_NO_CUDART_LINES[era])
    assert alone.root is not None and alone.root.severity == "warning"
    assert alone.root.category == "cuda.library_missing" and "ignore it" in render_text(alone)
    lspci = "00:02.0 VGA compatible controller: Intel Corporation TigerLake-LP GT2 [Iris Xe Graphics] (rev 01)\n"
    cpu_machine = analyze(lspci + _NO_CUDART_LINES[era])
    assert cpu_machine.root is None or cpu_machine.root.severity == "info"
    assert cpu_machine.facts.get("gpu_unexpected")
    # a laptop with both: the NVIDIA controller wins
    both = analyze(lspci + "01:00.0 3D controller: NVIDIA Corporation GA107M [GeForce RTX 3050 Mobile] (rev a1)\n" + _NO_CUDART_LINES[era])
    assert both.root is not None and both.root.severity in ("error", "warning")


def test_no_cuda_runtime_and_no_driver_library_is_a_cpu_only_machine():
    """TF 2.1's lines on a Windows machine with neither the CUDA runtime nor the driver's nvcuda.dll (Rasa on a CPU
    machine, batch 61): both notices are harmless together, as the driver rule already said of its own; a sign that a
    GPU is expected keeps the missing runtime the problem."""
    log = ("2020-07-07 10:13:07.378425: W tensorflow/stream_executor/platform/default/dso_loader.cc:55] Could not load dynamic "
           "library 'cudart64_101.dll'; dlerror: cudart64_101.dll not found\n"
           "2020-07-07 10:13:07.383946: I tensorflow/stream_executor/cuda/cudart_stub.cc:29] Ignore above cudart dlerror if you "
           "do not have a GPU set up on your machine.\n"
           "2020-07-07 10:13:48.806282: W tensorflow/stream_executor/platform/default/dso_loader.cc:55] Could not load dynamic "
           "library 'nvcuda.dll'; dlerror: nvcuda.dll not found\n"
           "2020-07-07 10:13:48.811558: E tensorflow/stream_executor/cuda/cuda_driver.cc:351] failed call to cuInit: UNKNOWN ERROR (303)\n")
    assert analyze(log).root is None
    gpu = analyze(log + "2020-07-07 10:13:49.000000: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1555] Found device 0 "
                  "with properties: pciBusID: 0000:01:00.0 name: GeForce GTX 1060 computeCapability: 6.1\n")
    assert gpu.root is not None and gpu.root.severity in ("error", "warning")


def test_pip_pins_name_a_release_an_index_has(tmp_path):
    """A nightly or self-built TensorFlow (2.16.0-dev20240101, 2.20.0-dev0+selfbuilt) is no version pip can
    install: a fix pins its major.minor instead (2.16.*), a published release itself (2.15.1, 2.16.0rc0)."""
    def pins(version):
        log = (f"TensorFlow version: {version}\n"
               "2024-01-10 10:00:00.000000: E external/local_xla/xla/stream_executor/cuda/cuda_dnn.cc:522] Loaded runtime "
               "CuDNN library: 8.6.0 but source was compiled with: 8.9.4.  CuDNN library needs to have matching major "
               "version and equal or higher minor version.\n")
        fixes = [fix for f in analyze(log).findings for fix in f.fixes]
        return {m for fix in fixes for m in re.findall(r'tensorflow\[and-cuda\]==([^"]+)"', fix)}

    assert pins("2.16.0-dev20240101") == {"2.16.*"}
    assert pins("2.20.0-dev0+selfbuilt") == {"2.20.*"}
    assert pins("2.15.1") == {"2.15.1"}


def test_python_advice_comes_from_the_tables():
    """The Python versions a fix names are read from rules/compat/tested_builds.yaml, never written by hand."""
    from analyzer.kb.compat import compat

    builds = compat().builds
    rows = {k: str(builds[("linux", k)]["python"]) for k in compat().tf_keys if builds.get(("linux", k), {}).get("python")}
    latest = max(rows)
    too_new = f"3.{int(rows[latest].split('-')[-1].split('.')[1]) + 1}"
    log = f"Python {too_new}.0\nERROR: Could not find a version that satisfies the requirement tensorflow (from versions: none)\n"
    fixes = [fix for f in analyze(log).findings for fix in f.fixes]
    newest = rows[latest].split("-")[-1]
    assert any(f"uv venv --python {newest}" in fix and "newer than any TensorFlow release supports" in fix for fix in fixes), fixes
    uv = ("  ╰─▶ Because tensorflow==2.10.1 has no wheels with a matching Python ABI tag (e.g., `cp311`) and ezscore==0.1.9.7 "
          "depends on tensorflow==2.10.1, we can conclude that ezscore==0.1.9.7 cannot be used.\n"
          "      hint: You require CPython 3.11 (`cp311`), but we only found wheels for `tensorflow` (v2.10.1) with the following "
          "Python ABI tags: `cp37m`, `cp38`, `cp39`, `cp310`.\n")
    fixes = [fix for f in analyze(uv).findings for fix in f.fixes]
    newest_210 = rows[(2, 10)].split("-")[-1]
    assert any(f"uv venv --python {newest_210}" in fix for fix in fixes), fixes
    assert not any("--python 3.12" in fix for fix in fixes)
    oldest = rows[latest].split("-")[0]
    too_old = f"3.{int(oldest.split('.')[1]) - 1}"
    log = f"Python {too_old}.0\nERROR: Could not find a version that satisfies the requirement tensorflow (from versions: none)\n"
    fixes = [fix for f in analyze(log).findings for fix in f.fixes]
    assert any(f"older than the newest TensorFlow ({latest[0]}.{latest[1]}) supports ({rows[latest]})" in fix for fix in fixes), fixes


def test_windows_no_gpu_advice_names_the_tables_releases_and_wsl2():
    """TF >= 2.11 on native Windows: the WSL2 route is shown (it was hidden as "Linux wheels only"), and the native
    route names the last Windows GPU build's release, CUDA, cuDNN and Python from the tested builds."""
    from analyzer.kb.compat import compat

    c = compat()
    last = c.build_facts["native_windows_gpu_last"]["tf"]
    row = c.build(last + ".0", "windows")
    log = (
        "WARNING:tensorflow:TensorFlow GPU support is not available on native Windows for TensorFlow >= 2.11. Even if "
        "CUDA/cuDNN are installed, GPU will not be used. Please use WSL2 or the TensorFlow-DirectML-Plugin\nPython 3.9.13\n"
    )
    fixes = [fix for f in analyze(log).findings for fix in f.fixes]
    assert any("inside WSL2" in fix for fix in fixes), fixes
    native = [fix for fix in fixes if "stay native" in fix]
    assert native and f"TF {last}:" in native[0] and f"cudatoolkit={row['cuda']} cudnn={row['cudnn']}" in native[0], native
    assert f"Python {row['python']}" in native[0], native


def test_no_release_with_code_for_the_gpu_is_not_proposed():
    """No TF pip release carries SASS for compute capability 12.0 (rules/compat/compute_capability.yaml): the PTX
    JIT finding does not send the user to look for one (first_sight_2's RTX 5080 log)."""
    line = ("TensorFlow was not built with CUDA kernel binaries compatible with compute capability 12.0. CUDA kernels "
            "will be jit-compiled from PTX, which could take 30 minutes or longer.\n")
    fixes = [fix for f in analyze(line).findings for fix in f.fixes]
    assert any("No TensorFlow pip release carries machine code for compute capability 12.0" in fix for fix in fixes), fixes
    assert not any("whose pip wheels carry machine code" in fix for fix in fixes)
    fixes = [fix for f in analyze(line.replace("12.0", "8.6")).findings for fix in f.fixes]
    assert any("whose pip wheels carry machine code for compute capability 8.6 (" in fix for fix in fixes), fixes


def test_an_addon_with_no_windows_release_gets_a_route_windows_can_install():
    """tensorflow-text has no native-Windows wheel after 2.10 (tested-builds fact tensorflow_text_windows_last): an
    add-on mismatch raised in tensorflow_text on Windows (first_sight_28's log, up to KerasHub's own message, which has
    a test of its own below) is not told to install "the same minor as TF", which Windows cannot; it is told the last
    pair that exists there, or WSL2."""
    from analyzer.kb.compat import compat

    last = compat().build_facts["tensorflow_text_windows_last"]["tf"]
    log = ROOT / "tests/fixtures/real_logs/first_sight_28/deps-keras-hub-tftext210-with-tf2161-dll-tflite-registrar-windows.log"
    fixes = [fix for f in analyze(log.read_text().split("TypeError")[0]).findings for fix in f.fixes]
    assert any(f'"tensorflow-text=={last}.*"' in fix for fix in fixes) and any("WSL2" in fix for fix in fixes), fixes
    assert not any("tensorflow-text 2.N" in fix for fix in fixes), fixes


def _fixes(text: str) -> list:
    return [fix for f in analyze(text).findings if f.severity != "info" for fix in f.fixes]


def test_the_and_cuda_extra_is_not_offered_for_libraries_of_an_old_cuda():
    """`tensorflow[and-cuda]` installs today's TF with CUDA 12 wheels: a log that wants CUDA 10.0's libraries (a TF
    1.13-2.0 project, by the tested builds) and names no TF would have its TF replaced; one wanting CUDA 12's keeps it."""
    line = ("2020-05-01 10:00:00.000000: W tensorflow/stream_executor/platform/default/dso_loader.cc:55] Could not load "
            "dynamic library 'libcublas.so.10.0'; dlerror: libcublas.so.10.0: cannot open shared object file: No such file or directory\n")
    assert not any("and-cuda" in fix for fix in _fixes(line)), _fixes(line)
    # (as TF 2.15+ prints it: tensorflow/stream_executor/ dates a log to TF <= 2.10)
    modern = line.replace("libcublas.so.10.0", "libcublas.so.12").replace(
        "tensorflow/stream_executor/platform/default/dso_loader.cc:55", "external/local_tsl/tsl/platform/default/dso_loader.cc:70"
    )
    assert any("and-cuda" in fix for fix in _fixes(modern)), _fixes(modern)


def test_a_release_that_has_wheels_for_the_python_is_not_met_with_python_advice():
    """pip refusing tensorflow==1.15.2 on Python 3.6.9, which 1.15 has wheels for (tested builds): an old pip, not the
    Python; the user is not told to move to the newest TensorFlow's Pythons."""
    log = ("ERROR: Could not find a version that satisfies the requirement tensorflow==1.15.2 (from versions: 1.13.1, 1.14.0, 2.0.0b1)\n"
           "ERROR: No matching distribution found for tensorflow==1.15.2\n$ python -V\nPython 3.6.9\n")
    fixes = _fixes(log)
    assert "upgrade pip first" in fixes[0], fixes
    assert not any("install a Python in that range" in fix for fix in fixes), fixes
    newer = log.replace("Python 3.6.9", "Python 3.9.7")  # 1.15 has no 3.9 wheel: the Python is the question again
    assert not any("upgrade pip first" in fix for fix in _fixes(newer)), _fixes(newer)


def test_a_platform_build_asked_for_elsewhere_is_named_first():
    """tensorflow-macos (Apple's macOS build) and tensorflow-intel (the Windows one) have no wheels elsewhere: the
    swap to `tensorflow` comes before the generic pip advice."""
    log = "ERROR: Could not find a version that satisfies the requirement tensorflow-macos==2.13.0 (from versions: none)\n"
    assert _fixes(log)[0].startswith("tensorflow-macos is the macOS build"), _fixes(log)
    on_mac = log + "/Users/me/miniforge3/lib/python3.10/site-packages/pip/_internal/cli/base_command.py\n"
    assert not any(fix.startswith("tensorflow-macos is the macOS build") for fix in _fixes(on_mac + "platform darwin\n"))


def test_windows_cuda_advice_names_the_cuda_its_dll_names_belong_to():
    """cudart64_101.dll is CUDA 10.1 (library names): the PATH fix names v10.1, not the last Windows GPU build's CUDA."""
    line = ("2020-06-01 10:00:00.000000: W tensorflow/stream_executor/platform/default/dso_loader.cc:55] Could not load "
            "dynamic library 'cudart64_101.dll'; dlerror: cudart64_101.dll not found\n")
    fixes = _fixes(line)
    assert any("CUDA\\v10.1\\bin" in fix for fix in fixes), fixes
    assert any("CUDA\\v11.2\\bin" in fix for fix in _fixes(line.replace("cudart64_101", "cudart64_110")))


def test_mixed_precision_is_not_offered_for_a_tensor_that_is_already_half():
    line = ("ResourceExhaustedError: OOM when allocating tensor with shape[64,192,300,300] and type {} on "
            "/job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc\n")
    assert not any("mixed precision" in fix for fix in _fixes(line.format("half")))
    assert any("mixed precision" in fix for fix in _fixes(line.format("float")))


def test_standalone_keras_in_pips_conflict_list_is_not_read_as_tensorflows_pin():
    log = ("ERROR: Cannot install -r requirements.txt (line 3) and numpy==1.19.2 because these package versions have conflicting dependencies.\n"
           "The conflict is caused by:\n    The user requested numpy==1.19.2\n    keras 2.2.4 depends on numpy>=1.9.1\n"
           "    tensorflow-gpu 1.15.4 depends on numpy<1.19.0 and >=1.16.0\n")
    fixes = _fixes(log)
    assert not any("==2.2.4" in fix for fix in fixes), fixes
    assert any("tensorflow-gpu==1.15.4" in fix for fix in fixes), fixes


def test_the_protobuf_pin_fits_the_tensorflow_in_the_log():
    """"Descriptors cannot be created directly": TF 2.9 declares protobuf < 3.20 (packages table), so its own range is
    the fix; TF 2.20 needs protobuf >= 5.28, so no pin back to 3.20 is offered; with no TF named, the 3.20.3 pin."""
    from analyzer.kb.compat import compat

    error = "TypeError: Descriptors cannot not be created directly.\n"
    fixes = _fixes(error + "Successfully installed tensorflow-2.9.1\n")
    assert f'pip install "{compat().package_requirement("protobuf", "2.9.1")}"' in fixes[0], fixes
    assert not any("protobuf==3.20.3" in fix for fix in fixes + _fixes(error + "Successfully installed tensorflow-2.20.0\n"))
    assert any("protobuf==3.20.3" in fix for fix in _fixes(error))


def test_an_unsupported_wheel_fix_names_the_wheels_own_package():
    line = "ERROR: tensorflow_text-2.12.0-cp39-cp39-macosx_11_0_arm64.whl is not a supported wheel on this platform.\n"
    assert any("pip install tensorflow_text`" in fix for fix in _fixes(line)), _fixes(line)


def test_tensorflow_addons_with_no_wheel_is_told_it_has_ended_from_the_table():
    """tensorflow-addons matches pip's "no TensorFlow build" rule, but TF's Python ranges are not its own: the fix names
    its last release, that release's TF range and the newest Python that range reaches (companion and tested-build tables)."""
    from analyzer.kb.compat import compat

    o = compat().release_overview()
    log = ("ERROR: Could not find a version that satisfies the requirement tensorflow-addons (from versions: none)\n"
           "ERROR: No matching distribution found for tensorflow-addons\n")
    first = _fixes(log)[0]
    assert f"{o['addons_last_release']}, was built for the TensorFlow releases {o['addons_last_tf']}" in first, first
    assert f"up to {o['addons_last_python']}" in first, first


def test_review_misfits_stay_mended():
    """A fresh reader's findings on this advice: tensorflow-intel is pinned as `tensorflow` in requirements; the
    addons-ended fix is not shown to a Python addons still had wheels for; a tensorflow-macos release list means a Mac."""
    conflict = ("The conflict is caused by:\n    The user requested typing-extensions==4.7.1\n"
                "    tensorflow-intel 2.12.1 depends on typing-extensions<4.6.0 and >=3.6.6\n")
    assert any("pin `tensorflow==2.12.1` (pip installs it as tensorflow-intel" in fix for fix in _fixes(conflict)), _fixes(conflict)
    addons = ("ERROR: Could not find a version that satisfies the requirement tensorflow-addons==0.8.1 (from versions: 0.9.1, 0.10.0)\n"
              "Python 3.7.3\n")
    assert not any("tensorflow-addons has ended" in fix for fix in _fixes(addons)), _fixes(addons)
    assert any("tensorflow-addons has ended" in fix for fix in _fixes(addons.replace("Python 3.7.3", "Python 3.12.1")))
    listed = ("ERROR: Could not find a version that satisfies the requirement tensorflow-macos==2.15.0 (from versions: 2.9.0, 2.12.0)\n"
              "pip 24.0 from /path/to/venv/lib/python3.10/site-packages/pip (python 3.10)\n")
    assert not any(fix.startswith("tensorflow-macos is the macOS build") for fix in _fixes(listed)), _fixes(listed)


def test_a_platform_build_spelled_with_underscores_is_still_that_build():
    """pip prints the name as the user wrote it: `tensorflow_intel==2.14.1` off Windows is tensorflow-intel too."""
    log = ("ERROR: Could not find a version that satisfies the requirement tensorflow_intel==2.14.1 (from versions: none)\n"
           "ERROR: No matching distribution found for tensorflow_intel==2.14.1\n/home/u/venv/lib/python3.11/site-packages/pip\n")
    assert _fixes(log)[0].startswith("tensorflow-intel is the Windows build"), _fixes(log)


def test_conda_python_advice_comes_from_the_tables():
    """conda's "no package for this Python": the Pythons named are the pinned release's (tested builds), or the newest
    release's range when the log's Python is newer than it, or pip's releases for a Python they support (conda's
    channels lag behind pip), never a hard-coded one."""
    from analyzer.kb.compat import compat

    builds = compat().builds
    pinned = "  - tensorflow==1.13.1 -> python[version='>=2.7,<2.8.0a0|>=3.7,<3.8.0a0|>=3.6,<3.7.0a0']\nYour python: python=3.8\n"
    fixes = _fixes("UnsatisfiableError: The following specifications were found\n" + pinned)
    assert f"pinned TensorFlow release (1.13.1) has builds for ({compat().python_ranges_for('1.13.1')})" in fixes[0], fixes
    latest = max(k for k in compat().tf_keys if builds.get(("linux", k), {}).get("python"))
    rows = str(builds[("linux", latest)]["python"])
    newest = int(rows.split("-")[-1].split(".")[1])
    fixes = _fixes(f"ResolvePackageNotFound:\n  - tensorflow\nYour python: python=3.{newest + 1}\n")
    assert f"newest TensorFlow release ({latest[0]}.{latest[1]}) supports, Python {rows}" in fixes[0], fixes
    fixes = _fixes(f"UnsatisfiableError: The following specifications were found\n  - tensorflow -> python[version='3.7.*']\nYour python: python=3.{newest}\n")
    assert fixes[0].startswith("conda's channels lag behind pip") and f"{latest[0]}.{latest[1]}" in fixes[0], fixes
    assert not any("python=3.11" in fix for fix in fixes), fixes


def test_kerashub_on_windows_is_not_pinned_to_the_last_windows_tensorflow_text():
    """tensorflow-text's last Windows release pins a TF older than Keras 3, which KerasHub needs (keras-hub#1985: TF
    2.16.1 beside tensorflow-text 2.10): the way out is WSL2, not the 2.10 pair that suits a Keras 2 project."""
    from analyzer.kb.compat import compat

    log = next((ROOT / "tests" / "fixtures" / "real_logs").rglob("deps-keras-hub-tftext210-with-tf2161-dll-tflite-registrar-windows.log"))
    fixes = _fixes(log.read_text())
    last = compat().build_facts["tensorflow_text_windows_last"]["tf"]
    assert not any(f'"tensorflow-text=={last}.*"' in fix for fix in fixes), fixes
    keras3 = compat().build_facts["keras3_first"]["tf"]
    assert any("KerasHub runs on Keras 3" in fix and f"a TensorFlow release of {keras3} or newer" in fix and "WSL2" in fix for fix in fixes), fixes
    keras2_project = log.read_text().split("TypeError")[0]  # the same DLL failure without KerasHub's message
    assert any(f'"tensorflow-text=={last}.*"' in fix for fix in _fixes(keras2_project)), _fixes(keras2_project)


def test_a_platform_build_tensorflow_asks_for_is_met_with_the_releases_pip_offers():
    """`tensorflow` on Linux aarch64 asks for tensorflow-cpu-aws of its own release (tensorflow#58264: 2.11.1 before it
    was published there): the Python is not the question; a release from pip's list is the way out."""
    log = (ROOT / "tests/fixtures/real_logs/first_sight_35/install-tf-cpu-aws-2111-graviton-no-wheel.log").read_text()
    fixes = _fixes(log)
    assert fixes[0].startswith("`tensorflow` installs its own build for this platform, tensorflow-cpu-aws"), fixes
    assert "2.11.0" in fixes[0] and not any("64-bit Python in the supported range" in fix for fix in fixes), fixes


def test_uvs_installer_hint_names_the_python_to_sync_with():
    """`uv sync` of a project pinning tensorflow==2.15.0 under Python 3.13 (fun-rec#154): uv's hint names the Python, and
    the fix names the newest Python of that release's tested builds, for `uv sync --python`."""
    from analyzer.kb.compat import compat

    log = (ROOT / "tests/fixtures/real_logs/first_sight_35/install-uv-sync-tf2150-cp313-no-wheel.log").read_text()
    newest = str(compat().builds[("linux", (2, 15))]["python"]).split("-")[-1]
    report = analyze(log)
    assert report.findings[0].rule_id == "install-uv-no-wheel-for-python"
    assert f"`uv sync --python {newest}`" in report.findings[0].fixes[0], report.findings[0].fixes


def test_a_fresh_environment_is_made_with_the_shell_of_the_logs_platform():
    """A fresh venv on Windows is activated with `tf\\Scripts\\activate`, not POSIX's `. tf/bin/activate`."""
    log = (ROOT / "tests/fixtures/real_logs/first_sight_32/win-dll-init-failed-pywrap-common-diagnostic-tf221.log").read_text()
    fixes = [fix for f in analyze(log).findings for fix in f.fixes]
    assert any("tf\\Scripts\\activate" in fix for fix in fixes) and not any("tf/bin/activate" in fix for fix in fixes), fixes


def test_a_tensorflow_before_the_keras_package_is_not_told_to_pin_keras_to_its_minor():
    """TF 1.15.2 (SketchyScene on Colab) has no `keras==1.15.*` to install: TF <= 2.5 declares no keras package
    (packages.yaml's keras rows), so the advice is tf.keras or the standalone Keras the code was written for."""
    log = (ROOT / "tests/fixtures/real_logs/first_sight_35/keras-new-vs-tf1152-internal-attr-sketchyscene-colab.log").read_text()
    fixes = _fixes(log)
    assert not any("keras==<your TF major.minor>" in fix for fix in fixes), fixes
    assert any("carries its own Keras" in fix and "from tensorflow import keras" in fix for fix in fixes), fixes


def test_a_32_bit_arm_wheel_is_not_met_with_let_pip_choose():
    """A community armv7l wheel on a Raspberry Pi: pip has no such TensorFlow to pick, and the interpreter is meant to be
    32-bit; the advice checks the platform instead."""
    log = (ROOT / "tests/fixtures/real_logs/first_sight_32/pip-unsupported-wheel-tf220-cp37-armv7l-on-py39-rpi.log").read_text()
    fixes = _fixes(log)
    assert not any("let pip choose" in fix or "interpreter is 64-bit" in fix for fix in fixes), fixes
    assert any("platform.machine()" in fix for fix in fixes), fixes
    x86 = "ERROR: tensorflow_gpu-2.10.0-cp310-cp310-win_amd64.whl is not a supported wheel on this platform.\n"
    assert any("let pip choose" in fix for fix in _fixes(x86)), _fixes(x86)


@pytest.mark.parametrize("asker, litert", [("pycoral", False), ("-r requirements.txt (line 3)", True)])
def test_litert_is_offered_only_where_nothing_requires_the_tflite_package_itself(asker, litert):
    """pycoral imports tflite-runtime by name, so LiteRT cannot stand in; a requirements file is no package."""
    log = f"ERROR: Could not find a version that satisfies the requirement tflite-runtime==2.5.0 (from {asker}) (from versions: none)\n"
    fixes = _fixes(log)
    assert any("ai-edge-litert" in fix for fix in fixes) is litert, fixes


def test_environment_variables_are_set_the_windows_way_on_windows():
    """`export X=1` is a POSIX shell's: a Windows user gets cmd's `set` and PowerShell's `$env:` (the audit of
    session 20 found TF_FORCE_GPU_ALLOW_GROWTH / TF_GPU_ALLOCATOR exports on 12 Windows logs)."""
    assert for_machine("export TF_FORCE_GPU_ALLOW_GROWTH=true  # or set_memory_growth", {"platform": "windows"}) == (
        '`set TF_FORCE_GPU_ALLOW_GROWTH=true` in cmd, `$env:TF_FORCE_GPU_ALLOW_GROWTH="true"` in PowerShell (or set_memory_growth)'
    )
    fix = "Try the asynchronous allocator: `export TF_GPU_ALLOCATOR=cuda_malloc_async` (TF >= 2.5)."
    assert for_machine(fix, {"platform": "linux"}) == fix
    assert "`set TF_GPU_ALLOCATOR=cuda_malloc_async` in cmd" in for_machine(fix, {"platform": "windows"})
    log = next((ROOT / "tests" / "fixtures" / "real_logs" / "first_sight_27").glob("oom-faceswap-cudnn-profiling-rtx3050*.log"))
    rep = analyze(path=str(log)).to_dict()
    assert rep["facts"]["platform"] == "windows"
    shown = [f for finding in rep["findings"] for f in finding["fixes"]]
    assert any("$env:TF_FORCE_GPU_ALLOW_GROWTH" in f for f in shown) and not any(re.search(r"(^|`)export TF_", f) for f in shown)


def test_cudnn_9_older_than_the_build_points_at_another_frameworks_wheel_first():
    """tested_builds.md §6: PyTorch's nvidia-cudnn-cu12 overwriting TensorFlow's gives "Loaded runtime CuDNN library:
    9.1.0 but source was compiled with: 9.3.0": the first fix restores the wheel, and no fix repeats "install cuDNN"."""
    log = next((ROOT / "tests" / "fixtures" / "real_logs" / "first_sight_30").glob("cudnn-mismatch-910-vs-930*.log"))
    fixes = analyze(path=str(log)).to_dict()["findings"][0]["fixes"]
    assert "nvidia-cudnn-cu12>=9.3.0" in fixes[0] and "separate virtual environments" in fixes[0]
    assert not any("conda install" in f for f in fixes) and sum("Install cuDNN 9.3.0" in f for f in fixes) == 0


def test_pip_goes_through_a_portable_apps_own_python():
    """ComfyUI's Windows portable build runs its own Python (python_embeded): a plain `pip install` reaches another
    Python (session 20's advice audit), so fixes name that interpreter."""
    log = ROOT / "tests" / "fixtures" / "real_logs" / "first_sight_3" / "deps-comfy-deepface-tf220-tfkeras.log"
    rep = analyze(path=str(log)).to_dict()
    assert rep["facts"]["embedded_python"] == "C:\\ComfyUI\\python_embeded"
    pips = [f for finding in rep["findings"] for f in finding["fixes"] if "pip " in f]
    assert pips and all('"C:\\ComfyUI\\python_embeded\\python.exe" -m pip ' in f for f in pips), pips
    assert for_machine("`pip install h5py`", {}) == "`pip install h5py`"


def test_the_log_format_bounds_the_tensorflow_an_unpinned_extra_would_replace():
    """TF's source paths date a log (message_catalog.md: stream_executor moved under compiler/xla in 2.11, out of the
    tree in 2.15): a TF 1.x-2.10 log missing cuDNN or the CUDA runtime gets no unpinned `tensorflow[and-cuda]`, which
    would be another TensorFlow altogether."""
    old = "I tensorflow/stream_executor/dso_loader.cc:126] Couldn't open CUDA library libcudnn.so. LD_LIBRARY_PATH: \n"
    rep = analyze(text=old).to_dict()
    assert rep["facts"]["tf_at_most"] == "1.13"  # (its wording, "Couldn't open CUDA library", is older than its path: <= 2.10)
    assert not any("and-cuda" in f for finding in rep["findings"] for f in finding["fixes"])
    new = "2024-03-01 10:00:00.123456: W external/local_tsl/tsl/platform/default/dso_loader.cc:70] Could not load dynamic library 'libcudart.so.12'; dlerror: libcudart.so.12: cannot open shared object file: No such file or directory\n"
    rep = analyze(text=new).to_dict()
    assert "tf_at_most" not in rep["facts"] and any("and-cuda" in f for finding in rep["findings"] for f in finding["fixes"])


def test_a_release_with_no_wheel_for_the_machine_is_named_as_such():
    """Apple silicon, Python 3.10, tensorflow==2.12.0: 2.12 has wheels for Python 3.10, but none for macOS arm64
    (rules/compat/wheel_platforms.yaml): the fix says so and names the releases that fit, instead of 'upgrade pip'."""
    log = ("(venv) user@MacBook-Pro ~ % /opt/homebrew/bin/python3.10 -m pip install tensorflow==2.12.0\n"
           "ERROR: Could not find a version that satisfies the requirement tensorflow==2.12.0 (from versions: 2.13.0rc0, 2.13.0, 2.16.1)\n"
           "ERROR: No matching distribution found for tensorflow==2.12.0\n")
    rep = analyze(text=log).to_dict()
    assert (rep["facts"]["platform"], rep["facts"]["cpu_arch"]) == ("macos", "arm64")
    fixes = rep["findings"][0]["fixes"]
    assert fixes[0].startswith("TensorFlow 2.12.0 has no `tensorflow` wheel for macos on arm64") and "2.13-2.21" in fixes[0]
    assert not any("upgrade pip first" in f for f in fixes)


def test_a_raspberry_pi_is_not_sent_to_official_wheels_or_docker_images():
    """32-bit ARM (Raspbian's arm-linux-gnueabihf): PyPI has no tensorflow wheel for it, so a glibc too old for a
    community build is mended with a build made for that OS, not "a release whose wheel supports it" or the official
    Docker images (session 23's advice audit, first_sight_46)."""
    log = ROOT / "tests" / "fixtures" / "real_logs" / "first_sight_46" / "install-tf15-armv7-rpi3-glibc-2.23-not-found-libm.log"
    rep = analyze(path=str(log)).to_dict()
    assert rep["facts"]["cpu_arch"] == "arm32"
    fixes = rep["findings"][0]["fixes"]
    assert "no wheel for 32-bit ARM" in fixes[0] and not any("Docker" in f for f in fixes)
    x86 = analyze(text=log.read_text().replace("arm-linux-gnueabihf", "x86_64-linux-gnu")).to_dict()
    assert any("Docker" in f for f in x86["findings"][0]["fixes"])


def test_tf_keras_is_pinned_to_the_tensorflow_minor():
    """A bare `pip install tf-keras` takes the newest tf-keras, whose `tensorflow>=2.N,<2.N+1` pin replaces the user's
    TensorFlow (packages.yaml companions; session 20's second advice audit): the command names the minor."""
    fix = "Or use Keras 2: `pip install tf-keras` and `TF_USE_LEGACY_KERAS=1`."
    assert '`pip install "tf-keras~=2.16.0"`' in for_machine(fix, {"keras2_requirement": "tf-keras~=2.16.0"})
    assert '`pip install "tf-keras==<your TF major.minor>.*"`' in for_machine(fix, {})
    pinned = 'Or use Keras 2: `pip install "tf-keras==2.17.*"`.'
    assert for_machine(pinned, {"keras2_requirement": "tf-keras~=2.16.0"}) == pinned  # a pin already given stays
    shown = [f for p in (ROOT / "tests" / "fixtures" / "real_logs").rglob("*keras3*.log") for finding in analyze(path=str(p)).findings for f in finding.fixes]
    assert shown and not any("`pip install tf-keras`" in f or "`pip install tf_keras`" in f for f in shown)


def test_a_mac_without_a_gpu_is_told_about_metal_not_cuda():
    """An Apple-silicon wheel installed and no GPU listed (first_sight_2): Apple's Metal plugin, not nvidia-smi or the
    [and-cuda] extra (session 20's second advice audit)."""
    log = ROOT / "tests" / "fixtures" / "real_logs" / "first_sight_2" / "nogpubuild-macos-arm64-tf215-no-metal.log"
    rep = analyze(path=str(log)).to_dict()
    assert (rep["facts"]["platform"], rep["facts"]["cpu_arch"]) == ("macos", "arm64")
    fixes = rep["findings"][0]["fixes"]
    assert "tensorflow-metal" in fixes[0] and not any("nvidia-smi" in f or "and-cuda" in f for f in fixes)


@pytest.mark.parametrize("log", [
    # TF-TRT in the tensorflow/tensorflow:2.6.0-gpu image: TensorRT 7 is there, CUDA 11.1's NVRTC is not (first_sight_35, _39)
    "first_sight_35/cuda-tftrt-latest-gpu-container-libnvinfer7-needs-libnvrtc111-abort.log",
    "first_sight_39/cuda-tftrt-docker-libnvinfer7-needs-libnvrtc111.log",
])
def test_a_library_found_whose_dependency_is_not_asks_for_the_dependency(log):
    """dlerror naming another library than the one asked for means that one loaded far enough to need it:
    the fix installs the dependency (CUDA 11.1's NVRTC, by the compat table's file names), not TensorRT again."""
    path = ROOT / "tests" / "fixtures" / "real_logs" / log
    out = json.loads(tflog("analyze", str(path), "--format", "json").stdout)
    assert out["facts"]["needed_by"] == "libnvinfer.so.7" and out["facts"]["missing_dependency"] == "libnvrtc.so.11.1"
    assert out["facts"]["missing_dependency_cuda"] == "11.1"
    root = out["findings"][0]
    assert root["rule_id"] == "linkage-tensorrt-stub-symbol-not-found"
    assert "`libnvrtc.so.11.1`" in root["fixes"][0] and "CUDA 11.1" in root["fixes"][0]
    assert not any(fix.startswith("Install the TensorRT major version") for fix in root["fixes"])


@pytest.mark.parametrize("log, specific, generic", [
    # the driver's own limit is known: "keep driver X, use a TF built for CUDA <= Y" says what the generic one asks to look up
    ("first_sight_35/cuda-driver-insufficient-nvidia-smi-340-vs-472.log", "Keep driver 472.12", "If you cannot update the driver"),
    # the tested build of TF 2.21 is known: its CUDA and cuDNN named, not the table to read them from
    ("first_sight_8/cuda-wsl-tf221-dlopen.log", "TensorFlow 2.21.0 needs CUDA 12.5", "Install the CUDA and cuDNN versions from the tested-build table"),
    # the missing file name's CUDA is read already: no advice to read it from the file name
    ("first_sight_39/cuda-libcublas-so-9-0-missing-tf-nightly-cuda8-ldconfig.log", "Install CUDA 9.0", "Find out which CUDA version"),
    # TF 1.10.1's own Pythons are in the first fix: not again as "the release asked for has wheels for ... only"
    ("first_sight_28/pyunsup-pip-tf1101-no-dist-py37-macos-keras-import.log", "TensorFlow 1.10.1 does not support Python 3.7", "The release asked for"),
    # a GPU created with 0 MB: the fix that says its memory was taken at start, not a second "other processes" one
    ("first_sight_31/oom-ultrasinger-crepe-rtx4060-laptop-0mb-device.log", "TensorFlow created this GPU device with 0 MB", "Make sure no other process holds memory"),
])
def test_a_fix_the_log_answers_is_not_repeated_in_general_words(log, specific, generic):
    """Where the compat tables or the log answer a question, the fix that gives the answer is shown and the general
    fix that tells the user to look it up is not: the two said the same thing twice."""
    root = tflog_json_of(ROOT / "tests" / "fixtures" / "real_logs" / log)["findings"][0]
    assert any(fix.startswith(specific) or fix.startswith("Or " + specific) or specific in fix for fix in root["fixes"]), root["fixes"]
    assert not any(fix.startswith(generic) for fix in root["fixes"]), root["fixes"]


def tflog_json_of(path):
    return json.loads(tflog("analyze", str(path), "--format", "json", "--all-fixes").stdout)


def test_a_package_pinning_old_releases_gets_the_python_they_were_built_for():
    """rasa asks for tensorflow<2.2,>=2.1 on Python 3.8: the range allows TF 2.1, whose wheels stop at 3.7. The
    first fix says so and proposes Python 3.7 (or a rasa for TF 2.2-2.13), not a Python newer than 3.8."""
    root = tflog_json_of(ROOT / "tests" / "fixtures" / "real_logs" / "first_sight_11" / "pyver-rasa-py38-tf21-nodist.log")["findings"][0]
    assert root["fixes"][0].startswith("rasa asks for tensorflow<2.2,>=2.1, which allows TensorFlow 2.1 only, with wheels for Python 2.7, 3.5-3.7")
    assert "python=3.7" in root["fixes"][0] and "TensorFlow 2.2-2.13" in root["fixes"][0]
    assert not any("is older than the newest TensorFlow" in fix for fix in root["fixes"])


@pytest.mark.parametrize("log, fix_start, machines", [
    # (mediapipe-model-maker's list names TensorFlow alone: install-pip-conflict-no-tensorflow-here leads there)
    # tfx 1.12 on an M2 Mac: TF 2.11 has no macOS arm64 wheel, which the machines it lists show
    ("first_sight_14/pyver-tfx-m2-resolutionimpossible.log",
     "tfx 1.12.0 asks for TensorFlow 2.11 (tensorflow<2.12,>=2.11.0), whose wheels are for Python 3.7-3.10",
     "linux-arm64, linux-x86_64, macos-x86_64, windows-x86_64:"),
])
def test_a_resolver_conflict_names_what_the_package_pins_tensorflow_to(log, fix_start, machines):
    """pip's "The conflict is caused by:" list names the TensorFlow range a package asks for: the first fix says
    which releases that is, and which Pythons and machines have their wheels (rules/compat), before the general
    advice to read the resolver's chain."""
    root = tflog_json_of(ROOT / "tests" / "fixtures" / "real_logs" / log)["findings"][0]
    assert root["rule_id"] == "deps-resolver-unsatisfiable"
    assert root["fixes"][0].startswith(fix_start), root["fixes"][0]
    assert machines is None or machines in root["fixes"][0]


@pytest.mark.parametrize("log, wanted", [
    # tensorflow-text==2.17.0 on Windows: that release has Linux and Apple-silicon wheels only; Windows had 2.4-2.10
    ("first_sight_9/pyver-tftext-windows-no-wheel.log", "tensorflow-text 2.17.0 has wheels for linux-x86_64 (Python 3.9-3.11), macos-arm64 (Python 3.9-3.11) only"),
    # any tensorflow-text on Windows with Python 3.7.7: the releases that had a wheel for it
    ("first_sight_14/install-tftext-windows-no-wheel.log", "Releases of tensorflow-text with a wheel for Python 3.7.7 on windows-x86_64 (PyPI's files): 2.4-2.10."),
])
def test_an_addon_without_a_wheel_here_says_which_machines_and_releases_have_one(log, wanted):
    """An add-on publishes its own wheels (rules/compat/wheel_platforms.yaml's addons, from PyPI's file names): pip's
    refusal says which platforms and Pythons the release asked for has, and which releases fit this machine."""
    root = tflog_json_of(ROOT / "tests" / "fixtures" / "real_logs" / log)["findings"][0]
    assert root["rule_id"] == "install-pip-no-matching-tf-addon"
    assert any(fix.startswith(wanted) for fix in root["fixes"]), root["fixes"]
    assert not any("https://pypi.org/project/tensorflow-text/#files" in fix for fix in root["fixes"])


def test_memory_growth_is_tf1s_session_option_on_a_tf1_machine():
    """set_memory_growth came with TF 2.0 (shared reference tf_apis.md §2): a TF 1.x log, known by its version or by
    its own format (TF <= 1.12's `[[Node: ...`), is told TF 1's session option instead, once."""
    tf1 = {"tf_version": "1.15.2"}
    fix = "Enable memory growth (`tf.config.experimental.set_memory_growth(gpu, True)`) when several processes share it."
    assert "config.gpu_options.allow_growth = True" in for_machine(fix, tf1) and "set_memory_growth" not in for_machine(fix, tf1)
    assert "config.gpu_options.allow_growth" in for_machine(fix, {"tf_at_most": "1.12"})
    assert for_machine(fix, {"tf_version": "2.4.1"}) == fix and for_machine(fix, {}) == fix
    root = tflog_json_of(ROOT / "tests" / "fixtures" / "real_logs" / "first_sight_40" / "oom-csbdeep-docker-dst-tensor-not-initialized-limit-86mib.log")["findings"][0]
    assert not any("set_memory_growth" in fix for fix in root["fixes"])
    assert sum("allow_growth" in fix for fix in root["fixes"]) == 1


@pytest.mark.parametrize("fix, mended", [
    ("Set `TF_FORCE_GPU_ALLOW_GROWTH=true`, reduce the batch size.",
     "Set `config.gpu_options.allow_growth = True` in the `tf.ConfigProto()` given to the TF 1.x session, reduce the batch size."),
    ("export TF_FORCE_GPU_ALLOW_GROWTH=true  # cuBLAS needs free memory when it initialises",
     "`config.gpu_options.allow_growth = True` in the `tf.ConfigProto()` given to the TF 1.x session"),
    # the two forms were one option: the session option once
    ("Enable memory growth (`tf.config.experimental.set_memory_growth(gpu, True)` / `TF_FORCE_GPU_ALLOW_GROWTH=true`) in each process.",
     "Enable memory growth (`config.gpu_options.allow_growth = True` in the `tf.ConfigProto()` given to the TF 1.x session) in each process."),
    ("Take memory as needed: `export TF_FORCE_GPU_ALLOW_GROWTH=true` (or `tf.config.experimental.set_memory_growth(gpu, True)` for each GPU before anything runs).",
     "Take memory as needed: `config.gpu_options.allow_growth = True` in the `tf.ConfigProto()` given to the TF 1.x session."),
])
def test_the_growth_variable_is_not_offered_to_a_tensorflow_that_does_not_read_it(fix, mended):
    """TF_FORCE_GPU_ALLOW_GROWTH is read from TF 1.12 on (packages.yaml `since`: the name is in 1.12.0's library and not
    in 1.11.0's): TF 1.11 and older, known by version or by a log format no later release writes, get the session
    option; TF 1.12 and an unknown version keep the variable."""
    assert for_machine(fix, {"tf_version": "1.10.0"}) == mended
    assert for_machine(fix, {"tf_at_most": "1.4"}) == mended
    assert for_machine(fix, {"tf_version": "2.4.1"}) == fix and for_machine(fix, {}) == fix
    if "set_memory_growth" not in fix:
        assert for_machine(fix, {"tf_version": "1.12.0"}) == fix and for_machine(fix, {"tf_at_most": "1.12"}) == fix


@pytest.mark.parametrize("log, first_fix", [
    # ms2deepscore on an M1 Mac with TF 2.9 installed as tensorflow-macos: its releases ask for plain `tensorflow`
    ("first_sight_41/install-ms2deepscore-macos-m1-pip-conflict-depends-on-tensorflow.log", "See which TensorFlow releases pip can install here"),
    # mediapipe-model-maker 0.2.1.4 on Python 3.12: TF 2.10-2.15 only, Pythons up to 3.11
    ("first_sight_13/install-mediapipe-model-maker-py312-tf-lt216.log",
     "mediapipe-model-maker 0.2.1.4 asks for TensorFlow 2.10-2.15, whose wheels are for Python 3.7-3.11"),
])
def test_a_conflict_list_of_tensorflow_requirements_alone_is_a_missing_wheel(log, first_fix):
    """pip's "The conflict is caused by:" list naming only what each release of a package asks of TensorFlow means no
    TensorFlow in those ranges installs on this Python and machine: an install problem, with the ranges' Pythons and
    machines from rules/compat, and the resolver's general finding explained by it."""
    out = tflog_json_of(ROOT / "tests" / "fixtures" / "real_logs" / log)
    root = out["findings"][0]
    assert root["rule_id"] == "install-pip-conflict-no-tensorflow-here" and root["category"] == "install.python_unsupported"
    assert root["fixes"][0].startswith(first_fix), root["fixes"][0]
    assert "deps-resolver-unsatisfiable" in root["explains"]


def test_a_conflict_list_naming_another_package_stays_a_version_conflict():
    """The same list with another package's requirement in it (NumPy here) may be two packages disagreeing: the
    TensorFlow line is then only noted, and the resolver's finding leads."""
    text = (
        "ERROR: Cannot install foo==1.0 and numpy==1.19.0 because these package versions have conflicting dependencies.\n\n"
        "The conflict is caused by:\n    foo 1.0 depends on tensorflow>=2.4\n    The user requested numpy==1.19.0\n"
    )
    report = analyze(text=text).to_dict()
    assert report["findings"][0]["rule_id"] == "deps-resolver-unsatisfiable"
    assert [f["severity"] for f in report["findings"] if f["rule_id"] == "install-pip-conflict-no-tensorflow-here"] == ["info"]


def test_posix_commands_become_cmds_on_windows():
    """cmd has no grep or cp (the third advice audit found both shown on Windows): a Windows log gets findstr and copy,
    with the alternatives of grep -E as findstr's space-separated words, and backslashes in the copied path."""
    windows = {"platform": "windows"}
    grep = 'paste `pip list | grep -i -E "^(keras|tensorflow|tf-keras)"` and the whole traceback.'
    assert for_machine(grep, windows) == 'paste `pip list | findstr /i "keras tensorflow tf-keras"` and the whole traceback.'
    cp = "From models/research: `cp object_detection/packages/tf2/setup.py . && python -m pip install .`"
    assert for_machine(cp, windows) == "From models/research: `copy object_detection\\packages\\tf2\\setup.py . && python -m pip install .`"
    assert for_machine(grep, {"platform": "linux"}) == grep and for_machine(cp, {}) == cp
    logs = sorted((ROOT / "tests" / "fixtures" / "real_logs").rglob("odapi-win-py35-model-main-labelmap-pb2.log"))
    fixes = [f for finding in tflog_json_of(logs[0])["findings"] for f in finding["fixes"]]
    assert not any("`cp " in f or "| grep" in f for f in fixes)


PIP_CONFLICTS = ROOT / "tests" / "data" / "pip_conflicts"  # pip's own wording; the packages made up (a review's cases)


def test_two_packages_asking_for_disjoint_tensorflow_ranges_are_a_version_conflict():
    """old-pkg wants TF 2.3-2.4, keras-cv TF >= 2.13: no release is in both, so no Python or machine helps (the
    ranges' intersection, not each range's wheels, decides): the resolver's finding leads, with no "create an
    environment with Python 3.8" advice."""
    out = tflog_json_of(PIP_CONFLICTS / "two-packages-disjoint-tf-ranges.log")
    assert out["facts"]["tf_required_overlap"] == "no"
    root = out["findings"][0]
    assert root["rule_id"] == "deps-resolver-unsatisfiable"
    assert not any("create an environment with Python" in fix for f in out["findings"] for fix in f["fixes"])


def test_a_users_own_tensorflow_pin_against_a_packages_range_is_a_version_conflict():
    root = tflog_json_of(PIP_CONFLICTS / "user-tf-pin-vs-package-range.log")["findings"][0]
    assert root["rule_id"] == "deps-pip-user-tf-pin-outside-package-range" and root["category"] == "deps.version_conflict"
    assert root["fixes"][0].startswith("Drop your TensorFlow pin")


def test_a_dependency_of_another_library_is_not_tensorrts():
    """cuDNN missing its own sub-library beside a TensorRT that is absent: TF-TRT's abort still asks for TensorRT."""
    text = (
        "2022-01-01 10:00:00.000000: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudnn.so.8'; dlerror: libcudnn_ops_infer.so.8: cannot open shared object file: No such file or directory\n"
        "2022-01-01 10:00:00.000000: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libnvinfer.so.7'; dlerror: libnvinfer.so.7: cannot open shared object file: No such file or directory\n"
        "2022-01-01 10:00:01.000000: F tensorflow/compiler/tf2tensorrt/stub/nvinfer_stub.cc:49] getInferLibVersion symbol not found.\n"
    )
    trt = [f for f in analyze(text=text).to_dict()["findings"] if f["rule_id"] == "linkage-tensorrt-stub-symbol-not-found"][0]
    assert trt["fixes"][0].startswith("Install the TensorRT major version") and not any("libcudnn_ops_infer" in f for f in trt["fixes"])


def test_a_poetry_resolution_failure_gets_poetrys_advice_in_either_direction():
    """Poetry's "version solving failed" (TF 2.15's [and-cuda] pins NCCL below what jax[cuda12] needs, first_sight_23):
    loosen pyproject.toml and lock again, not pip; and no fix that says only "an older TensorFlow" where a newer one's
    pin is what fits."""
    logs = sorted((ROOT / "tests" / "fixtures" / "real_logs").rglob("deps-poetry-tf-and-cuda-2150-nccl-vs-jax-cuda12.log"))
    out = tflog_json_of(logs[0])
    root = out["findings"][0]
    assert out["facts"]["resolver"] == "poetry"
    assert any(fix.startswith("Poetry: loosen the versions in pyproject.toml") for fix in root["fixes"])
    assert not any("`pip install <package> tensorflow`" in fix for fix in root["fixes"])
    assert not any("use an older TensorFlow" in fix for fix in root["fixes"])


def test_the_last_build_without_avx_is_offered_with_the_python_it_needs(tmp_path):
    """A CPU without AVX on Python 3.11: TF 1.5, the last official build without AVX, has no wheel for 3.11, so the
    route is shown as one that needs an environment with Python 3.6 (compat tables), not as a plain pip install;
    on Python 3.6 the plain install."""
    line = "F tensorflow/core/platform/cpu_feature_guard.cc:37] The TensorFlow library was compiled to use AVX instructions, but these aren't available on your machine.\nAborted (core dumped)\n"
    fixes = {}
    for py in ("3.11.4", "3.6.9"):
        log = tmp_path / f"avx-{py}.log"
        log.write_text(f"Python {py} (main)\n" + line)
        fixes[py] = " ".join(next(f for f in analyze(path=log).findings if f.severity != "info").fixes)
    assert "python=3.6" in fixes["3.11.4"] and "pip install tensorflow==1.5" in fixes["3.11.4"]
    assert "not this Python 3.11.4" in fixes["3.11.4"]
    assert "`pip install tensorflow==1.5`, Python <= 3.6" in fixes["3.6.9"] and "conda create" not in fixes["3.6.9"]


@pytest.mark.parametrize("tf, wanted, unwanted", [
    # tensorflow-io's README pairs (rules/compat/packages.yaml): 0.33.0-0.34.0 for TF 2.13, the newest taken
    ("2.13.1", 'pip install "tensorflow-io==0.34.0"', "has no release"),
    # none after 0.37.1 (TF 2.16): a newer TensorFlow is told so, and given the last pair
    ("2.18.0", '"tensorflow==2.16.*" "tensorflow-io==0.37.1"', "tensorflow-io==0.34"),
    # before TF 2.6 the file systems were TensorFlow's own: no tensorflow-io to install
    ("2.5.0", "still has its own S3/HDFS support", "pip install"),
])
def test_a_missing_file_system_names_the_tensorflow_io_made_for_the_logs_tensorflow(tmp_path, tf, wanted, unwanted):
    log = tmp_path / "s3.log"
    log.write_text(
        f"TensorFlow version: {tf}\ntensorflow.python.framework.errors_impl.UnimplementedError: "
        "File system scheme 's3' not implemented (file: 's3://bucket/train.tfrecord')\n"
    )
    root = next(f for f in analyze(path=log).findings if f.severity != "info")
    assert root.rule_id == "deps-filesystem-in-tensorflow-io"
    text = " ".join(root.fixes)
    assert wanted in text and unwanted not in text, text


def test_tensorflow_io_is_offered_only_where_its_wheels_fit(tmp_path):
    """tensorflow-io has no native-Windows wheel after 0.31 (the wheel table, from PyPI): a Windows user with TF 2.13 is
    told that, not given `pip install tensorflow-io==0.34.0`; nor given the last pair (0.37.1) with TF 2.17."""
    for tf in ("2.13.0", "2.17.0"):
        log = tmp_path / f"s3-win-{tf}.log"
        log.write_text(
            "Python 3.10.11 (tags/v3.10.11:7d4cc5a, Apr  5 2023) [MSC v.1929 64 bit (AMD64)] on win32\n"
            f"TensorFlow version: {tf}\ntensorflow.python.framework.errors_impl.UnimplementedError: "
            "File system scheme 's3' not implemented (file: 's3://bucket/train.tfrecord')\n"
        )
        text = " ".join(next(f for f in analyze(path=log).findings if f.severity != "info").fixes)
        assert "pip install" not in text and "WSL2" in text, text


def test_nccl_ops_missing_on_linux_get_tf1s_lazy_registration_not_windows_advice(tmp_path):
    """TF 1.x registers tf.contrib.nccl's ops when that module is loaded: a graph imported before does not find them on
    Linux too (TF's own message says so); only a Windows log is told to move to Linux / WSL2."""
    log = tmp_path / "nccl.log"
    log.write_text(
        '  File "/usr/local/lib/python3.5/dist-packages/tensorflow/python/training/saver.py", line 1686, in import_meta_graph\n'
        "tensorflow.python.framework.errors_impl.NotFoundError: Op type not registered 'NcclAllReduce' in binary running on gpu-box.\n"
    )
    root = next(f for f in analyze(path=log).findings if f.severity != "info")
    assert root.rule_id == "nccl-windows-no-kernel"
    text = " ".join(root.fixes)
    assert "import tensorflow.contrib.nccl" in text and "WSL2" not in text, text


def test_tensorflow_probability_too_new_for_tensorflow_names_the_tfp_made_for_it(tmp_path):
    """TFP's own check ("requires TensorFlow version >= 2.16; Detected an installation of version 2.13.0"): the TFP
    release whose minimum is TF 2.13 is 0.21 (its __init__.py), so the fix pins it rather than saying "see the notes"."""
    log = tmp_path / "tfp.log"
    log.write_text(
        "ImportError: This version of TensorFlow Probability requires TensorFlow version >= 2.16; "
        "Detected an installation of version 2.13.0. Please upgrade TensorFlow to proceed.\n"
    )
    root = next(f for f in analyze(path=log).findings if f.severity != "info")
    assert any('"tensorflow-probability==0.21.*"' in fix for fix in root.fixes), root.fixes
    # TFP for TF >= 2.16 imports tf_keras: its [tf] extra brings it (packages.yaml, TFP 0.24's setup.py)
    log.write_text(
        "ImportError: This version of TensorFlow Probability requires TensorFlow version >= 2.18; "
        "Detected an installation of version 2.16.1. Please upgrade TensorFlow to proceed.\n"
    )
    root = next(f for f in analyze(path=log).findings if f.severity != "info")
    assert any('"tensorflow-probability[tf]==0.24.*"' in fix for fix in root.fixes), root.fixes


@pytest.mark.parametrize("line, lead", [
    # three times the values: RGB images where one channel was configured (LaneNet, first_sight_43)
    ("Input to reshape is a tensor with 470016 values, but the requested shape has 156672", "The data holds 3 times"),
    # a third: grayscale where three channels were configured
    ("Input to reshape is a tensor with 65536 values, but the requested shape has 196608", "The reshape asks for 3 times"),
    # another whole ratio: mostly a batch size written into the reshape (the last, smaller batch)
    ("Input to reshape is a tensor with 16384 values, but the requested shape has 32768", "The data and the reshape differ by a whole factor"),
    # no small whole ratio: the general advice, and no loss-function advice for a reshape
    ("Input to reshape is a tensor with 4096 values, but the requested shape has 6000", "Print `next(iter(dataset))`"),
])
def test_a_reshapes_value_ratio_says_what_the_data_and_the_shape_disagree_on(tmp_path, line, lead):
    log = tmp_path / "reshape.log"
    log.write_text(f"tensorflow.python.framework.errors_impl.InvalidArgumentError: {line}\n")
    root = next(f for f in analyze(path=log).findings if f.severity != "info")
    assert root.fixes[0].startswith(lead), root.fixes
    assert not any("sparse_categorical_crossentropy" in fix for fix in root.fixes)


def test_tensorflow_keras_missing_under_tf_2_6_to_2_15_names_the_keras_that_tf_pins(tmp_path):
    """TF 2.12 with `tensorflow.keras` unimportable after a Keras upgrade: the fix pins TF 2.12's own Keras range (the
    compat table), not a generic "install the release the code was written for"; TF 2.16 (Keras 3) is not told so."""
    text = ("    from tensorflow.keras.preprocessing.text import Tokenizer\n"
            "ModuleNotFoundError: No module named 'tensorflow.keras'\n")
    root = root_finding(_json(tmp_path, text + "tensorflow                   2.12.0\n"))
    assert '`pip install "keras>=2.12.0,<2.13"`' in root["fixes"][0]
    newer = root_finding(_json(tmp_path, text + "tensorflow                   2.16.1\n"))
    assert not any("serves `tensorflow.keras`" in fix for fix in newer["fixes"])
    # TF 2.15's Keras 2 pin is the keras package, not the tf-keras keras2_requirement names: no such fix there; nor for a
    # submodule a release removed (tensorflow.keras.wrappers under 2.12), where the right Keras may be installed
    edge = root_finding(_json(tmp_path, text + "tensorflow                   2.15.0\n"))
    assert not any("serves `tensorflow.keras`" in fix for fix in edge["fixes"])
    gone = "ModuleNotFoundError: No module named 'tensorflow.keras.wrappers'\ntensorflow                   2.12.0\n"
    sub = root_finding(_json(tmp_path, gone))
    assert not any("serves `tensorflow.keras`" in fix for fix in sub["fixes"])


def test_an_installed_tensorflow_in_pips_conflict_list_is_no_missing_wheel(tmp_path):
    """pip's list of TensorFlow requirements alone reads as "no release has a wheel here", unless the list names the
    TensorFlow installed here ("tensorflow 2.14.0 (Installed)"): then the machine has its wheel and the requirements
    disagree (pose-pipeline beside tensorflow[and-cuda], first_sight_45)."""
    head = ("ERROR: Cannot install pose-pipeline==2025.5.2 and tensorflow[and-cuda]==2.14.0 because these package versions "
            "have conflicting dependencies.\n\nThe conflict is caused by:\n    pose-pipeline 2025.5.2 depends on tensorflow>=2.14.0\n")
    installed = _json(tmp_path, head + "    tensorflow[and-cuda] 2.14.0 depends on tensorflow 2.14.0 (Installed)\n")
    assert root_finding(installed)["category"] == "deps.version_conflict"
    assert all(f["severity"] == "info" for f in installed["findings"] if f["rule_id"] == "install-pip-conflict-no-tensorflow-here")
    alone = _json(tmp_path, head)
    assert root_finding(alone)["category"] == "install.python_unsupported"


@pytest.mark.parametrize("line, lead", [
    # the RNN data descriptor carries the mask's sequence lengths: all-padding rows or pre-padding (first_sight_30, _43)
    ("F tensorflow/stream_executor/cuda/cuda_dnn.cc:1058] Check failed: cudnnSetRNNDataDescriptor(data_desc.get(), data_type, "
     "layout, max_seq_length, batch_size, data_size, seq_lengths_array, (void*)&padding_fill) == CUDNN_STATUS_SUCCESS (3 vs. 0)",
     "cuDNN rejected the sequence lengths"),
    # a tensor descriptor with status 3 (BAD_PARAM): a 0-sized dimension (first_sight_22's spatial size 0)
    ("F tensorflow/stream_executor/cuda/cuda_dnn.cc:318] Check failed: cudnnSetTensorNdDescriptor(handle_.get(), elem_type, "
     "nd, dims.data(), strides.data()) == CUDNN_STATUS_SUCCESS (3 vs. 0)", "Check the batch that fails"),
    # a math-type setter: the loaded cuDNN is not the one TF was built for (first_sight_43's source build)
    ("F tensorflow/stream_executor/cuda/cuda_dnn.cc:1186] Check failed: cudnnSetRNNMatrixMathType(rnn_desc.get(), math_type) "
     "== CUDNN_STATUS_SUCCESS (3 vs. 0)", "The call that failed, cudnnSetRNNMatrixMathType"),
])
def test_a_failed_cudnn_call_gets_the_advice_its_call_points_to(tmp_path, line, lead):
    log = tmp_path / "cudnn.log"
    log.write_text(line + "\n")
    root = next(f for f in analyze(path=log).findings if f.severity != "info")
    assert root.fixes[0].startswith(lead), root.fixes


def test_an_undefined_tensorflow_symbol_with_a_cxx11_string_names_the_abi_flag(tmp_path):
    """A custom op built with the C++11 string ABI against a TensorFlow built without it: the missing TensorFlow symbol
    takes a std::__cxx11 string. The fix is TF's own compile flags, not reinstalling TensorFlow (first_sight_43)."""
    log = tmp_path / "op.log"
    log.write_text("tensorflow.python.framework.errors_impl.NotFoundError: /home/u/ops/zero_out.so: undefined symbol: "
                   "_ZN10tensorflow12OpDefBuilder4AttrENSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE\n")
    root = next(f for f in analyze(path=log).findings if f.severity != "info")
    assert "get_compile_flags" in root.fixes[0] and "_GLIBCXX_USE_CXX11_ABI" in root.fixes[0]
    assert not any(fix.startswith("Remove every TensorFlow copy") for fix in root.fixes)


def test_tensorflows_own_requirement_in_the_conflict_is_the_pin_to_install(tmp_path):
    """pip's conflict list with TensorFlow's own requirement on the package the user pinned: the fix installs that range
    beside that TensorFlow (pip's ", " and " and " joins read as one specifier set), or moves TensorFlow."""
    rep = _json(tmp_path, (
        "ERROR: Cannot install numpy==1.24.2 and tensorflow==2.12.0 because these package versions have conflicting dependencies.\n\n"
        "The conflict is caused by:\n    The user requested numpy==1.24.2\n    tensorflow 2.12.0 depends on numpy<1.24 and >=1.22\n"))
    root = root_finding(rep)
    assert '`pip install "tensorflow==2.12.0" "numpy<1.24,>=1.22"`' in root["fixes"][0]
    # another package on the other side: no such pin (the two requirements are not on one package)
    other = _json(tmp_path, (
        "ERROR: Cannot install torch==2.5.1 and tensorflow-intel==2.12.1 because these package versions have conflicting dependencies.\n\n"
        "The conflict is caused by:\n    torch 2.5.1 depends on sympy==1.13.1\n    tensorflow-intel 2.12.1 depends on typing-extensions<4.6.0, >=3.6.6\n"))
    assert not any("requires typing-extensions" in fix for f in other["findings"] for fix in f["fixes"])


@pytest.mark.parametrize("line, tf_at_most", [
    # message_catalog.md's wordings later releases changed: each names the last release that printed it, and is more
    # precise than the source path on its line (tensorflow/stream_executor/: <= 2.10)
    ("E tensorflow/stream_executor/cuda/cuda_dnn.cc:343] Loaded runtime CuDNN library: 7.0.5 but source was compiled with: 7.2.1.  "
     "CuDNN library major and minor version needs to match or have higher minor version in case of CuDNN 7.0 or later version.", "2.3"),
    ("I tensorflow/stream_executor/dso_loader.cc:135] successfully opened CUDA library libcublas.so.8.0 locally", "1.13"),
    ("E tensorflow/stream_executor/cuda/cuda_dnn.cc:385] could not create cudnn handle: CUDNN_STATUS_INTERNAL_ERROR", "1.10"),
    ("E tensorflow/stream_executor/cuda/cuda_dnn.cc:385] Could not create cudnn handle: CUDNN_STATUS_INTERNAL_ERROR", "2.10"),
    ("E tensorflow/stream_executor/cuda/cuda_dnn.cc:378] Loaded runtime CuDNN library: 7101 (compatibility version 7100) but source "
     "was compiled with 7003 (compatibility version 7000).", "1.9"),
    ("W tensorflow/core/framework/op_kernel.cc:993] Resource exhausted: OOM when allocating tensor with shape[90,1,1,1792]", "1.4"),
    # (batch 50: the shape written with spaces, first_sight_50/oom-faceswap-gtx660-2gb-shape-3x3x128x256)
    ("Resource exhausted: OOM when allocating tensor with shape[3, 3, 128, 256]", "1.4"),
    # TF ~1.12's node lines that still list the op's attributes (message_catalog.md §6.3; batch 50's faceswap and
    # Object Detection API logs), with and without the Python line that built the node
    ("\t [[{{node training_1/Adam/mul_43}} = Mul[T=DT_FLOAT, _device=\"/job:localhost/replica:0/task:0/device:GPU:0\"]"
     "(Adam/beta_1/read, training_1/Adam/Variable_1/read)]]", "1.12"),
    ("\t [[node fa/convolution (defined at D:\\faceswap\\plugins\\extract\\align\\fan.py:208)  = Conv2D[T=DT_FLOAT, "
     "data_format=\"NCHW\"](fa/Pad, fa/conv1/weight)]]", "1.12"),
])
def test_old_message_wordings_bound_the_tensorflow_release(line, tf_at_most):
    """Session 24's advice audit: TF 1.x logs known only by their wording (no version line) were told TF 2's APIs."""
    assert analyze(text="2018-01-01 10:00:00.000000: " + line + "\n").to_dict()["facts"].get("tf_at_most") == tf_at_most


@pytest.mark.parametrize("line", [
    "\t [[{{node dense/MatMul}}]]",  # TF 1.13 on: the node's name only
    "\t [[node model/dense/MatMul (defined at /app/train.py:12) ]]",  # TF ~2.2-2.8
    "W tensorflow/core/framework/op_kernel.cc:1767] OP_REQUIRES failed at matmul_op.cc:480 : Resource exhausted: OOM when "
    "allocating tensor with shape[1024,4096] and type float on /job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc",
])
def test_later_node_and_oom_lines_say_nothing_of_the_release(line):
    """The near misses of the era markers above: the node and OOM lines later releases print bound nothing."""
    assert "tf_at_most" not in analyze(text=line + "\n").to_dict()["facts"]


@pytest.mark.parametrize("fix", [
    "export TF_FORCE_GPU_ALLOW_GROWTH=true  # or tf.config.experimental.set_memory_growth(gpu, True) for each GPU before any op runs",
    "export TF_FORCE_GPU_ALLOW_GROWTH=true  # or tf.config.experimental.set_memory_growth(gpu, True)",
])
def test_the_growth_call_in_a_commands_note_is_tf1s_session_option_on_tf1(fix):
    """Batch 50's advice audit: a fix that is the command, with TF 2's call as the other option in its note, kept
    that call for a TF 1.12-1.15 log (which reads the variable, but has no set_memory_growth)."""
    mended = for_machine(fix, {"tf_at_most": "1.12"})
    assert mended.startswith("export TF_FORCE_GPU_ALLOW_GROWTH=true  # or ") and "set_memory_growth" not in mended
    assert "config.gpu_options.allow_growth = True" in mended
    assert for_machine(fix, {"tf_version": "2.4.1"}) == fix and for_machine(fix, {}) == fix


def test_build_info_is_the_tested_build_table_before_tf_2_3():
    """tf.sysconfig.get_build_info() exists from TF 2.3 (packages.yaml `since`, tf_apis.md §1): an older TensorFlow's
    build is named by the tested-build table instead."""
    fix = 'Check it: `python -c "import tensorflow as tf; print(tf.sysconfig.get_build_info())"` for the version TF expects.'
    old = for_machine(fix, {"tf_at_most": "1.9"})
    assert "get_build_info" not in old and "https://www.tensorflow.org/install/source#gpu" in old
    assert for_machine("Install it (`tf.sysconfig.get_build_info()` names it).", {"tf_version": "2.2.0"}) == (
        "Install it (the tested-build table at https://www.tensorflow.org/install/source#gpu names it).")
    assert for_machine(fix, {"tf_version": "2.3.0"}) == fix and for_machine(fix, {}) == fix


@pytest.mark.parametrize("feature, flag", [("AVX2", "avx2"), ("SSE4.1", "sse4_1"), ("AVX", "avx")])
def test_a_missing_cpu_feature_is_checked_by_its_own_flag(feature, flag):
    """Session 24's advice audit: an AVX2 or SSE4.1 refusal was told to grep for `avx`; the fix greps for the flag
    the message names, as /proc/cpuinfo spells it, and a build needing more than AVX is not the official wheel (which
    tells CPUs with AVX2 and FMA that it does not use them), so the official wheel is the way, not TF 1.5."""
    log = (f"2018-04-20 17:20:03.915545: F tensorflow/core/platform/cpu_feature_guard.cc:36] The TensorFlow library was "
           f"compiled to use {feature} instructions, but these aren't available on your machine.\nAborted (core dumped)\n")
    fixes = analyze(text=log).to_dict()["findings"][0]["fixes"]
    assert any(f"grep -o -w {flag} /proc/cpuinfo" in f for f in fixes)
    assert any("install the official wheel" in f for f in fixes) == (feature == "AVX2")
    assert any("Last resort: TensorFlow 1.5" in f for f in fixes) == (feature != "AVX2")


def test_linuxs_memory_report_is_task_manager_on_windows():
    fix = "Check free RAM and swap (`free -h`); other processes may leave less."
    assert "Task Manager" in for_machine(fix, {"platform": "windows"}) and for_machine(fix, {"platform": "linux"}) == fix


def test_a_gpu_newer_than_the_cuda_tensorflow_loads_is_not_sent_to_install_that_cuda():
    """Session 24's advice audit: an A40 (CC 8.6, first compiled for by CUDA 11.1: compute_capability.yaml) with a
    TensorFlow that loads CUDA 10.1 was told to install CUDA 10.1; the fix says that runtime has no code for it. A
    CUDA 11 runtime name (libcudart.so.11.0, any 11.x) is no such case."""
    log = ROOT / "tests" / "fixtures" / "real_logs" / "first_sight_48" / "cuda-imc-denoise-a40-singularity-libcudart-so-10-1-missing.log"
    fixes = analyze(path=str(log)).to_dict()["findings"][0]["fixes"]
    assert fixes[0].startswith("This GPU (compute capability 8.6) needs CUDA 11.1 or newer")
    line = ("2021-09-29 15:10:14.819592: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic "
            "library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file: No such file or directory\n"
            "name: NVIDIA A40 major: 8 minor: 6\n")
    assert not any("needs CUDA" in f for f in analyze(text=line).to_dict()["findings"][0]["fixes"])


@pytest.mark.parametrize(
    "line, first_fix",
    [
        ("AttributeError: module 'keras.preprocessing.sequence' has no attribute 'pad_sequences'", "`from keras.utils import pad_sequences`"),
        ("ImportError: cannot import name 'Adam' from 'keras.optimizers' (/usr/lib/python3/site-packages/keras/optimizers.py)",
         "`from tensorflow.keras.optimizers import Adam`"),
        ("AttributeError: module 'keras.engine' has no attribute 'Layer'", "`from keras.layers import Layer`"),
        ("ModuleNotFoundError: No module named 'keras.wrappers'", "`pip install scikeras`"),
        ("ModuleNotFoundError: No module named 'keras.layers.merge'", "Keras 2.9-2.15 and 3"),
    ],
)
def test_a_keras_name_that_moved_gets_its_new_import_first(line, first_fix):
    """Session 24's advice audit: code written for another Keras (pad_sequences, Mask R-CNN's KE.Layer) was told to
    reinstall the Keras of its TensorFlow, which does not bring the name back; packages.yaml keras_moved (read at the
    keras-team/keras tags) names the Keras releases without it and the import that works."""
    fixes = analyze(text=line + "\n").to_dict()["findings"][0]["fixes"]
    assert first_fix in fixes[0], fixes


KERAS_TRACEBACK = """Traceback (most recent call last):
  File "train.py", line 3, in <module>
    from keras.models import load_model
  File "/opt/venv/lib/python3.8/site-packages/PKG/backend.py", line 291, in <module>
    keras.utils.get_custom_objects().update(custom_objects)
AttributeError: module 'keras.utils' has no attribute 'get_custom_objects'
"""


@pytest.mark.parametrize("package, inside_keras", [("keras/engine", True), ("bert4keras", False)])
def test_a_keras_error_read_through_its_traceback_keeps_the_missing_name(package, inside_keras):
    """Batch 50's advice audit: a Keras error matched through its traceback (frames in keras/) lost the name its
    message reads, so the moved-name table went unread; and `keras/*` also took bert4keras/'s frames as Keras's."""
    rep = analyze(text=KERAS_TRACEBACK.replace("PKG", package)).to_dict()
    root = rep["findings"][0]
    assert root["rule_id"] == "family-keras"
    assert root["fixes"][0].startswith("`keras.utils.get_custom_objects` does not exist in Keras 2.6-2.8"), root["fixes"]
    assert ("raised inside Keras" in root["explanation"]) is inside_keras, root["explanation"]


def test_a_keras_name_no_table_row_knows_gets_no_invented_move():
    fixes = analyze(text="AttributeError: module 'keras.layers' has no attribute 'Dense3D'\n").to_dict()["findings"][0]["fixes"]
    assert fixes and not any("does not exist in Keras" in f for f in fixes)


def test_a_pin_below_a_release_names_its_pythons_when_the_log_does_not():
    """Session 24's advice audit: "pin TensorFlow below 2.16" went to a Python 3.12 user, for whom pip has no 2.15;
    with no Python in the log the fix says which Pythons the release it allows has wheels for (wheel table)."""
    fix = 'Or pin TensorFlow below 2.16 (`pip install "tensorflow<2.16"`), whose tf.keras is Keras 2.'
    assert for_machine(fix, {}).endswith("TensorFlow 2.15 has wheels for Python 3.9-3.11 only.")
    assert for_machine(fix, {"python_version": "3.10"}) == fix  # known Python: misfit decides, nothing added
    assert for_machine('`pip install "tensorflow>=2.16"`', {}) == '`pip install "tensorflow>=2.16"`'


def test_a_used_up_pool_is_not_called_fragmented():
    """Session 24's advice audit: a BFC dump whose Stats say in use 6.88 GiB of a 6.88 GiB limit was told "if the
    in-use total is well below the limit, memory is fragmented"; a pool at >= 95% of its limit (oom_pool_full) is
    used up, and the fragmentation fix is left out."""
    log = ROOT / "tests" / "fixtures" / "real_logs" / "first_sight_48" / "oom-bert-run-classifier-finetune-bfc-limit-7392346112.log"
    finding = analyze(path=str(log)).to_dict()["findings"][0]
    assert finding["category"] == "oom.gpu" and not any("fragment" in f for f in finding["fixes"])
    half = log.read_text().replace("InUse:                  7392346112", "InUse:                  3696173056")
    assert half != log.read_text()
    assert any("fragment" in f for f in analyze(text=half).to_dict()["findings"][0]["fixes"])


def test_the_cudnn_mismatch_explanation_says_which_side_is_older():
    """'A second, older cuDNN comes first' is true only where the loaded cuDNN is the older: a newer one (the
    exact-version era, or another major) is explained as such (real lines of TF 1.x and 2.x builds)."""
    newer = ("2018-06-12 10:11:12.123456: E C:\\tf_jenkins\\workspace\\rel-win\\M\\windows-gpu\\PY\\36\\tensorflow\\stream_executor"
             "\\cuda\\cuda_dnn.cc:396] Loaded runtime CuDNN library: 7101 (compatibility version 7100) but source was compiled with 7003 "
             "(compatibility version 7000).  If using a binary install, upgrade your CuDNN library to match.\n")
    older = ("2022-06-01 09:00:01.123456: E tensorflow/stream_executor/cuda/cuda_dnn.cc:361] Loaded runtime CuDNN library: 8.0.5 but "
             "source was compiled with: 8.1.0.  CuDNN library needs to have matching major version and equal or higher minor version.\n")
    why_newer = analyze(newer).root.explanation
    why_older = analyze(older).root.explanation
    assert "older cuDNN comes first" in why_older and "newer one" not in why_older
    assert "older cuDNN comes first" not in why_newer and "the newer one, of the same major version" in why_newer


def test_a_cudnn_status_error_is_explained_by_its_own_status_only():
    """cuDNN's status decides the story (invalid parameters, no implementation, a kernel that failed): a log
    that names one status gets that paragraph, not the other two (real TF 1.x and 2.x lines)."""
    bad = analyze("F tensorflow/stream_executor/cuda/cuda_dnn.cc:444] could not set cudnn tensor descriptor: CUDNN_STATUS_BAD_PARAM\n")
    coded = analyze("2019-03-01 10:00:00.000000: F tensorflow/stream_executor/cuda/cuda_dnn.cc:542] Check failed: "
                    "cudnnSetTensorNdDescriptor(handle_.get(), elem_type, nd, dims.data(), strides.data()) == CUDNN_STATUS_SUCCESS (3 vs. 0)\n")
    for report in (bad, coded):
        why = report.root.explanation
        assert "CUDNN_STATUS_BAD_PARAM: the tensor" in why, why
        assert "CUDNN_STATUS_NOT_SUPPORTED:" not in why and "CUDNN_STATUS_EXECUTION_FAILED:" not in why


def test_a_gpu_mostly_taken_before_tensorflow_started_is_said_first_for_its_oom():
    """TF 1.x prints the memory free when it finds the GPU: 496 MiB of 12 GiB free means another process held it,
    so the OOM's first fix is to free the GPU, not a smaller batch; a GPU that was free gets no such fix
    (real TF 0.12 and TF 1.x device lines, both forms)."""
    device = ("I tensorflow/core/common_runtime/gpu/gpu_init.cc:102] Found device 0 with properties:\nname: GeForce GTX TITAN X\n"
              "major: 5 minor: 2 memoryClockRate (GHz) 1.076\npciBusID 0000:06:00.0\nTotal memory: 12.00GiB\nFree memory: 496.40MiB\n")
    oom = "W tensorflow/core/framework/op_kernel.cc:909] Resource exhausted: OOM when allocating tensor with shape[6272,1024]\n"
    taken = analyze(device + oom)
    assert (taken.facts["gpu_free_mb"], taken.facts["gpu_memory_mb"]) == ("496", "12288")
    assert taken.root.fixes[0].startswith("Only 496.00 MiB of this GPU's 12.00 GiB was free when TensorFlow found it")
    free = analyze(device.replace("Free memory: 496.40MiB", "Free memory: 11.61GiB") + oom)
    assert not any("was free when TensorFlow found it" in fix for fix in free.root.fixes)
    newer = analyze("I tensorflow/core/common_runtime/gpu/gpu_device.cc:1030] Found device 0 with properties: \nname: GeForce GTX 1080 "
                    "major: 6 minor: 1 memoryClockRate(GHz): 1.7335\npciBusID: 0000:01:00.0\ntotalMemory: 7.92GiB freeMemory: 190.31MiB\n" + oom)
    assert newer.facts["gpu_free_mb"] == "190" and newer.root.fixes[0].startswith("Only 190.00 MiB of this GPU's 7.92 GiB")


@pytest.mark.parametrize("log", [
    "first_sight_50/deps-darkflow-yolo-tf2-no-module-tensorflow-contrib.log",
    "first_sight_50/deps-rtvc-tf2-no-module-tensorflow-contrib-seq2seq.log",
])
def test_tf_contrib_is_not_offered_compat_v1_and_its_tf1_pin_names_the_gpu_package(log):
    """Batch 50's advice audit: five tf.contrib logs were told first to import tensorflow.compat.v1, which has no
    contrib, and given a CPU-only 1.15 pin. The last TF 1.x release (tested_builds.yaml) comes first, with its GPU
    package, CUDA, cuDNN and Python; porting is the other way."""
    root = tflog_json_of(ROOT / "tests" / "fixtures" / "real_logs" / log)["findings"][0]
    assert root["rule_id"] == "deps-tf1-api-on-tf2"
    assert not any("disable_v2_behavior" in fix for fix in root["fixes"]), root["fixes"]
    first = root["fixes"][0]
    assert '"tensorflow-gpu==1.15.*"' in first and "CUDA 10.0" in first and "cuDNN 7.4" in first and "Python 3.7" in first
    assert any("tf_slim" in fix for fix in root["fixes"][1:])


def test_tf1_code_without_contrib_keeps_the_compat_v1_quick_fix():
    """The near miss: a TF 1 call that compat.v1 does keep (tf.Session) is still told the quick fix."""
    rep = analyze(text="AttributeError: module 'tensorflow' has no attribute 'Session'\n").to_dict()
    fixes = rep["findings"][0]["fixes"]
    assert "disable_v2_behavior" in fixes[0] and not any("tensorflow-gpu==" in fix for fix in fixes)


def test_ptxas_fix_names_the_cuda_the_gpu_needs_when_the_loaded_one_is_older():
    """Batch 50's advice audit: a TF 2.4 Windows log (CUDA 11.0) on an RTX 3070 (compute capability 8.6, first in
    CUDA 11.1: compute_capability.yaml) was told to put CUDA 11.0's ptxas first on PATH, the one that cannot compile
    for it; the thread's fix was CUDA 11.1's."""
    log = ROOT / "tests" / "fixtures" / "real_logs" / "first_sight_50" / "toolchain-tf24rc-rtx3070-windows-subprocess-4294967295-ptxas.log"
    fixes = analyze(path=str(log)).to_dict()["findings"][0]["fixes"]
    assert fixes[0].startswith("This GPU (compute capability 8.6) needs a ptxas from CUDA 11.1 or newer") and "v11.1" in fixes[0]
    assert not any("v11.0" in fix for fix in fixes)
    bare = analyze(text="SubProcess ended with return code: 4294967295\n").to_dict()["findings"][0]["fixes"]
    assert bare[0].startswith("Put the bin folder of the CUDA toolkit this TensorFlow was built with")


@pytest.mark.parametrize("line, first_cuda", [
    ("nvcc fatal: unsupported GPU architecture 'compute_86'", "Build with CUDA 11.1 or newer"),  # TF 1.10 for an RTX 3060 (#51088)
    ("nvcc fatal   : Unsupported gpu architecture 'compute_120'", "Build with CUDA 12.8 or newer"),
    # an architecture older than the table's first row: the general advice, no invented release
    ("nvcc fatal   : Unsupported gpu architecture 'compute_35'", "Build with a CUDA toolkit that knows the architecture"),
])
def test_nvcc_refusing_an_architecture_names_the_first_toolkit_that_knows_it(line, first_cuda):
    """Batch 50's advice audit: the fix pointed the user at a file in tflog's repository for the CUDA that first
    compiles for the architecture; it is read from compute_capability.yaml and stated."""
    fixes = analyze(text=line + "\n").to_dict()["findings"][0]["fixes"]
    assert fixes[0].startswith(first_cuda) and "rules/compat" not in fixes[0], fixes


def test_a_failed_cudnn_convolution_is_not_given_recurrent_layer_advice():
    """Batch 50's advice audit: a CUDNN_STATUS_EXECUTION_FAILED in cudnnConvolutionBackwardData was told which Keras
    LSTM/GRU settings cuDNN needs; a convolution's call gets a convolution's advice, a recurrent one keeps its own."""
    log = ROOT / "tests" / "fixtures" / "real_logs" / "first_sight_50" / "cudnn-status-exec-failed-conv-backprop-data-custom-regularizer.log"
    fixes = analyze(path=str(log)).to_dict()["findings"][0]["fixes"]
    assert "cudnnConvolutionBackwardData" in fixes[0] and not any("LSTM" in fix for fix in fixes), fixes
    rnn = ("E tensorflow/stream_executor/cuda/cuda_dnn.cc:82] CUDNN_STATUS_EXECUTION_FAILED\n"
           "in tensorflow/stream_executor/cuda/cuda_dnn.cc(1777): 'cudnnRNNForwardTraining( cudnn.handle(), rnn_desc.handle(), "
           "model_dims.seq_length, input_desc.handles(), input_data.opaque()'\n")
    assert any("LSTM/GRU" in fix for fix in analyze(text=rnn).to_dict()["findings"][0]["fixes"])


@pytest.mark.parametrize("path, lib_folder", [
    ("/usr/local/cuda/lib:/usr/local/cuda/lib:", True),  # batch 50: CUDA 11.4 installed, the path names lib/
    ("/usr/local/cuda/lib64:/usr/local/nvidia/lib:", False),
    ("/usr/local/cuda/targets/x86_64-linux/lib:", False),  # a toolkit's own lib folder under targets/
])
def test_a_library_path_naming_cudas_lib_folder_is_told_lib64(path, lib_folder):
    """Batch 50's advice audit: a path naming /usr/local/cuda/lib was read as "the wrong CUDA is installed", though
    every CUDA 11.x has libcudart.so.11.0 (library_names.md): Linux toolkits keep their libraries in lib64."""
    line = ("W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudart.so.11.0'; "
            f"dlerror: libcudart.so.11.0: cannot open shared object file: No such file or directory; LD_LIBRARY_PATH: {path}\n")
    root = analyze(text=line).to_dict()["findings"][0]
    assert root["rule_id"] == "linkage-cudart-missing"
    assert root["fixes"][0].startswith("Put the toolkit's `lib64` folder on the library path") is lib_folder, root["fixes"]
    assert ("keeps its libraries in `lib64`" in root["explanation"]) is lib_folder


@pytest.mark.parametrize("uname, kernel", [
    ("Linux PROJEKT 5.4.72-microsoft-standard-WSL2 #1 SMP Wed Oct 28 23:40:43 UTC 2020 x86_64 x86_64 x86_64 GNU/Linux", "5.4.72"),
    ("Linux DESKTOP-1 4.19.104-microsoft-standard #1 SMP Wed Feb 19 06:37:35 UTC 2020 x86_64 GNU/Linux", "4.19.104"),
    ("Linux DESKTOP-1 5.15.90.1-microsoft-standard-WSL2 #1 SMP Fri Jan 27 02:56:13 UTC 2023 x86_64 GNU/Linux", "5.15.90"),
    ("Linux DESKTOP-1 4.4.0-19041-Microsoft #488-Microsoft Mon Sep 01 13:43:00 PST 2020 x86_64 GNU/Linux", None),  # WSL 1
])
def test_wsl2s_kernel_decides_what_a_missing_libd3d12_means(uname, kernel):
    """Batch 50's advice audit: a WSL 2 log whose uname shows kernel 5.4.72 was told it may be WSL 1 or a kernel from
    before GPU support (4.19.121) and to run `wsl --update` first; with a GPU-capable kernel the Windows side is left."""
    rep = analyze(text=uname + "\nImportError: libd3d12.so: cannot open shared object file: No such file or directory\n").to_dict()
    assert rep["facts"].get("wsl_kernel") == kernel
    root = rep["findings"][0]
    assert root["rule_id"] == "gpu-wsl-d3d12-missing"
    capable = kernel is not None and tuple(map(int, kernel.split("."))) >= (4, 19, 121)
    assert ("WSL 1 instead of WSL 2" in root["explanation"]) is not capable
    assert any("wsl --update" in fix for fix in root["fixes"]) is not capable


def test_a_gpu_mostly_taken_at_start_is_a_warning_even_without_an_error_line():
    """Batch 50's advice audit: a TF 0.12 log whose only sign is `Free memory: 381.44MiB` of 11.90GiB (another
    process held the GPU, the thread's cause) was "No problem found"; half the card free or more is no finding."""
    log = ROOT / "tests" / "fixtures" / "real_logs" / "first_sight_50" / "oom-tf012-titanx-gpu-occupied-dst-tensor-not-initialized.log"
    root = analyze(path=str(log)).to_dict()["findings"][0]
    assert (root["rule_id"], root["severity"]) == ("oom-gpu-taken-at-start", "warning")
    assert root["explanation"].startswith("Only 381.00 MiB of this GPU's 11.90 GiB was free") and "nvidia-smi" in root["fixes"][0]
    healthy = "name: GeForce GTX 1070 major: 6 minor: 1 memoryClockRate(GHz): 1.7715\ntotalMemory: 8.00GiB freeMemory: 6.63GiB\n"
    assert not analyze(text=healthy).to_dict()["findings"] or all(
        f["rule_id"] != "oom-gpu-taken-at-start" for f in analyze(text=healthy).to_dict()["findings"])
    taken = healthy.replace("freeMemory: 6.63GiB", "freeMemory: 1.20GiB") + (
        "W tensorflow/core/common_runtime/bfc_allocator.cc:267] Allocator (GPU_0_bfc) ran out of memory trying to allocate 2.00GiB.\n")
    findings = analyze(text=taken).to_dict()["findings"]
    assert findings[0]["rule_id"] == "oom-gpu-bfc-ran-out" and "oom-gpu-taken-at-start" in findings[0]["explains"]
    # a Jetson's GPU shares the system's memory: little free at start is its normal (first_sight_18's TX1 log)
    jetson = ROOT / "tests" / "fixtures" / "real_logs" / "first_sight_18" / "benign-jetson-tx1-arm64-numa.log"
    assert not any(f["rule_id"] == "oom-gpu-taken-at-start" for f in analyze(path=str(jetson)).to_dict()["findings"])


def test_the_no_avx_fallback_on_windows_minds_the_logs_python():
    """Batch 50's advice audit: a Windows Python 3.8 log was offered TensorFlow 1.5, the last official build
    without AVX, which has wheels for Python <= 3.6 only (wheel_platforms.yaml)."""
    log = ROOT / "tests" / "fixtures" / "real_logs" / "first_sight_50" / "install-tf22-win-py38-dll-initialization-routine-failed.log"
    fixes = analyze(path=str(log)).to_dict()["findings"][0]["fixes"]
    assert "not this Python 3.8" in fixes[0], fixes
    line = "ImportError: DLL load failed: A dynamic link library (DLL) initialization routine failed.\n"
    assert any("1.5 (Python <= 3.6)" in fix for fix in analyze(text=line).to_dict()["findings"][0]["fixes"])


@pytest.mark.parametrize("log, avx, avx2, first", [
    ("first_sight_50/cpu-tfjs-node-kvm-processor-no-avx-illegal-instruction.log", "no", "no", "The CPU's flags in this log (/proc/cpuinfo) list no AVX"),
    ("first_sight_48/install-rocm-docker-illegal-instruction-e3-1245v2-no-avx2.log", "yes", "no", "The CPU's flags in this log (/proc/cpuinfo) list AVX but not AVX2"),
])
def test_an_illegal_instruction_reads_the_cpu_flags_the_log_already_shows(log, avx, avx2, first):
    """Batch 50's advice audit: a log holding /proc/cpuinfo's flags line was still told to grep /proc/cpuinfo for AVX;
    the line answers it (AVX missing: no official build since 1.6 runs; AVX without AVX2: the build assumed AVX2)."""
    rep = analyze(path=str(ROOT / "tests" / "fixtures" / "real_logs" / log)).to_dict()
    assert (rep["facts"].get("cpu_avx"), rep["facts"].get("cpu_avx2")) == (avx, avx2)
    fixes = rep["findings"][0]["fixes"]
    assert fixes[0].startswith(first) and not any("grep -o -w" in fix for fix in fixes), fixes
    if avx == "yes":
        assert not any("Without AVX" in fix for fix in fixes)


def test_ncclcomminitrank_unhandled_cuda_error_asks_whether_nccl_was_built_for_this_cuda():
    """Batch 50's advice audit (G7): a Horovod job on a TF 1.x / CUDA 8.0 stack with NCCL built for CUDA 9.0 failed with
    'unhandled cuda error'; the Why named the GPU but no fix addressed NCCL's CUDA build."""
    log = ROOT / "tests" / "fixtures" / "real_logs" / "first_sight_50" / "nccl-horovod-ncclcomminitrank-unhandled-cuda-error-nccl-cuda9-vs-cuda8.log"
    fixes = analyze(path=str(log)).to_dict()["findings"][0]["fixes"]
    assert fixes[1].startswith('With "unhandled cuda error": check that the NCCL installed was built for the CUDA'), fixes
    other = analyze(text="NCCL operation ncclCommInitRank(&nccl_comm, size, nccl_id, rank) failed: unhandled system error\n").to_dict()
    assert not any("built for the CUDA" in fix for fix in other["findings"][0]["fixes"])


def test_a_newer_numpys_module_names_both_things_that_ask_for_it():
    """Batch 50's advice audit (G4): a one-line `No module named 'numpy.core._multiarray_umath'` from a community ARM
    TensorFlow wheel built against NumPy 1.16 was explained as a pickle only; the log cannot tell the two apart."""
    root = analyze(text="ImportError: No module named 'numpy.core._multiarray_umath'\n").to_dict()["findings"][0]
    assert root["rule_id"] == "deps-numpy-file-from-newer-numpy"
    assert "a file written with that newer NumPy" in root["explanation"] and "a compiled package built against" in root["explanation"]


def test_an_intel_gpus_allocator_is_not_given_cuda_only_fixes():
    """Batch 52 (Intel Extension for TensorFlow): its BFC allocator's line is read, but the CUDA allocator variable, the
    Volta wording and nvidia-smi do not fit an Intel GPU."""
    line = "E itex/core/devices/bfc_allocator.cc:101] Allocator ran out of memory trying to allocate 10529419660 Bytes (rounded to 10529419776 Bytes)\n"
    root = analyze(text=line).to_dict()["findings"][0]
    assert root["rule_id"] == "oom-gpu-bfc-ran-out" and root["fixes"]
    assert not any(w in fix for fix in root["fixes"] for w in ("cuda_malloc_async", "nvidia-smi", "Volta")), root["fixes"]


@pytest.mark.parametrize("tf, want, unwanted", [
    # TF 2.6-2.15 declares the keras package of its own minor, 2.16 and later Keras 3 (rules/compat/packages.yaml)
    ("2.6.0", '`python -m pip install "keras>=2.6.0,<2.7"`', "tensorflow.keras.models"),
    ("2.16.1", '`python -m pip install "keras>=3.0.0"`', "keras==2."),
    # TF <= 2.5 declares none: the code's standalone-Keras imports are what fails
    ("2.4.1", "from tensorflow.keras.models import", "pip install \"keras"),
    # a release the tables do not know yet: the general fix, not none
    ("2.99.0", "See which TensorFlow the interpreter has", "keras>=2.6"),
])
def test_a_missing_keras_package_is_the_keras_of_the_tensorflow_in_the_log(tmp_path, tf, want, unwanted):
    """`No module named 'keras'` under a TensorFlow the log states: the fix installs the keras that TensorFlow's wheel
    declares (conda's TF 2.6 without it: tensorflow/addons#2679), or, before TF 2.6 had one, imports tf.keras."""
    out = _json(tmp_path, f"tensorflow                   {tf}\nModuleNotFoundError: No module named 'keras'\n")
    root = root_finding(out)
    assert root["rule_id"] == "deps-keras-not-installed"
    assert any(want in fix for fix in root["fixes"]) and not any(unwanted in fix for fix in root["fixes"])
