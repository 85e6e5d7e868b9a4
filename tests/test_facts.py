"""Environment facts, normalised, each with the line it came from."""
from __future__ import annotations

import pytest

from analyzer import analyze
from analyzer.core.normalize import cuda_version, cudnn_version, driver_version, library_version
from analyzer.report.render import render_text


@pytest.mark.parametrize("raw,want", [("7201", "7.2.1"), ("5110", "5.1.10"), ("8100", "8.1.0"), ("90300", "9.3.0"), ("7.0.5", "7.0.5")])
def test_cudnn_versions(raw, want):
    assert cudnn_version(raw) == want


@pytest.mark.parametrize("raw,want", [("11020", "11.2"), ("110", "11.0"), ("101", "10.1"), ("11.0", "11.0"), ("80", "8.0"), ("92", "9.2"), ("12", "12")])
def test_cuda_versions(raw, want):
    assert cuda_version(raw) == want


def test_driver_version_undoes_tf_zero_padding():
    assert driver_version("384.90.0") == "384.90" and driver_version("515.43.4") == "515.43.4"


@pytest.mark.parametrize("lib,want", [("libcudart.so.11.0", ("cudart", "11.0")), ("cudart64_110.dll", ("cudart", "11.0")),
                                      ("cudart64_101.dll", ("cudart", "10.1")), ("libcudnn.so.8", ("cudnn", "8")),
                                      ("libfoo.so.1", (None, None))])
def test_library_versions(lib, want):
    assert library_version(lib) == want


def facts_of(text):
    r = analyze(text)
    return r.facts, r.fact_evidence


def test_tf_startup_facts():
    log = """2021-09-29 15:10:14.819592: I tensorflow/stream_executor/platform/default/dso_loader.cc:53] Successfully opened dynamic library libcudart.so.11.0
2021-09-29 15:10:15.100000: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1733] Found device 0 with properties:
pciBusID: 0000:06:00.0 name: GeForce MX250 computeCapability: 6.1
coreClock: 1.582GHz coreCount: 3 deviceMemorySize: 2.00GiB deviceMemoryBandwidth: 44.76GiB/s
2021-09-29 15:10:16.000000: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcusolver.so.11'; dlerror: libcusolver.so.11: cannot open shared object file: No such file or directory
2021-09-29 15:10:17.000000: I tensorflow/stream_executor/cuda/cuda_dnn.cc:369] Loaded cuDNN version 8100
"""
    facts, ev = facts_of(log)
    assert facts["cuda_runtime"] == "11.0"
    assert facts["gpu_name"] == "GeForce MX250" and facts["compute_capability"] == "6.1"
    assert facts["gpu_memory_mb"] == "2048"
    assert facts["missing_libraries"] == ["libcusolver.so.11"]
    assert facts["loaded_libraries"] == ["libcudart.so.11.0"]
    assert facts["cudnn_runtime"] == "8.1.0"
    assert facts["platform"] == "linux"
    assert ev["gpu_name"].line == 3 and ev["cudnn_runtime"].line == 6


def test_nvidia_smi_and_nvcc_and_issue_template():
    log = """- TensorFlow version (use command below): 2.4.1
- Python version: 3.8
+-----------------------------------------------------------------------------+
| NVIDIA-SMI 470.57.02    Driver Version: 470.57.02    CUDA Version: 11.4     |
|-------------------------------+----------------------+----------------------+
|   0  NVIDIA GeForce ...  On   | 00000000:01:00.0  On |                  N/A |
| 30%   45C    P8    20W / 220W |    512MiB /  8192MiB |      3%      Default |
nvcc: NVIDIA (R) Cuda compiler driver
Cuda compilation tools, release 11.2, V11.2.152
"""
    facts, _ = facts_of(log)
    assert facts["tf_version"] == "2.4.1" and facts["python_version"] == "3.8"
    assert facts["driver_version"] == "470.57.02" and facts["driver_cuda_version"] == "11.4"
    assert facts["cuda_runtime"] == "11.2" and facts["gpu_memory_mb"] == "8192"


def test_windows_platform_and_dll_names():
    log = r"""2020-04-22 21:10:43.537143: W tensorflow/stream_executor/platform/default/dso_loader.cc:55] Could not load dynamic library 'cudart64_101.dll'; dlerror: cudart64_101.dll not found"""
    facts, _ = facts_of(log)
    assert facts["platform"] == "windows" and facts["cuda_wanted"] == "10.1" and "cuda_runtime" not in facts  # wanted, not loaded
    assert facts["missing_libraries"] == ["cudart64_101.dll"]


def test_cuda_11_runtime_name_asks_for_any_cuda_11():
    """CUDA 11 kept one runtime file name for every 11.x: a missing libcudart.so.11.0 asks for CUDA 11, and
    advice must not send the user to install CUDA 11.0 (TF 2.5-2.14 were built with 11.2-11.8)."""
    for line in (
        "2023-02-10 10:02:02.864146: W tensorflow/compiler/xla/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file: No such file or directory",
        "2021-05-20 10:00:00.123456: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'cudart64_110.dll'; dlerror: cudart64_110.dll not found",
    ):
        facts, _ = facts_of(line)
        assert facts["cuda_wanted"] == "11"
    # a runtime that loaded is the CUDA in use, named as printed
    facts, _ = facts_of(
        "2021-05-20 10:00:00.123456: I tensorflow/stream_executor/platform/default/dso_loader.cc:53] Successfully opened dynamic library libcudart.so.11.0"
    )
    assert facts["cuda_runtime"] == "11.0"
    report = analyze(text="ImportError: libcudart.so.11.0: cannot open shared object file: No such file or directory\n").to_dict()
    fixes = " ".join(report["findings"][0]["fixes"])
    assert "CUDA 11 " in fixes and "CUDA 11.0" not in fixes and "cudatoolkit=11.0" not in fixes


def test_kernel_module_driver_beats_libcuda():
    log = """I tensorflow/stream_executor/cuda/cuda_diagnostics.cc:189] libcuda reported version is: 384.111.0
I tensorflow/stream_executor/cuda/cuda_diagnostics.cc:193] kernel reported version is: 384.90.0"""
    facts, _ = facts_of(log)
    assert facts["driver_version"] == "384.90"


def test_bfc_stats_block():
    log = """2019-03-11 09:52:43.509950: I tensorflow/core/common_runtime/bfc_allocator.cc:647] Stats: 
Limit:                 10925244416
InUse:                  7613320960
MaxInUse:               7613320960
NumAllocs:                    1234
"""  # noqa: W291 - the allocator writes "Stats: " with its trailing space
    r = analyze(log)
    assert r.facts.get("bfc_limit_bytes") == "10925244416" and r.facts.get("bfc_in_use_bytes") == "7613320960"


def test_log_without_facts_has_none():
    facts, _ = facts_of("just some text\nanother line\n")
    assert facts == {}


def test_a_wheel_pip_refused_or_a_stable_abi_one_names_no_python():
    """pip refuses a wheel for another Python ("is not a supported wheel on this platform"), and an abi3 wheel runs on
    every Python from its tag on: neither is this interpreter's version."""
    for line in (
        "ERROR: tensorflow_text-2.15.0-cp310-cp310-macosx_11_0_arm64.whl is not a supported wheel on this platform.\n",
        "  Downloading protobuf-4.21.9-cp37-abi3-manylinux2014_x86_64.whl (408 kB)\n",
    ):
        assert "python_version" not in facts_of(line)[0], line


def test_gpu_name_only_from_gpu_lines():
    facts, _ = facts_of("[  687.293890] Hardware name: Gigabyte Technology Co., Ltd. B85M-D3V/B85M-D3V, BIOS FM 08/13/2015\n")
    assert "gpu_name" not in facts
    facts, _ = facts_of("2017-05-01 10:00:00.000001: I tensorflow/core/common_runtime/gpu/gpu_device.cc:887] Found device 0 with properties: name: Tesla K80 major: 3 minor: 7 memoryClockRate (GHz) 0.8235\n")
    assert facts["gpu_name"] == "Tesla K80" and facts["compute_capability"] == "3.7"


def test_root_error_header_is_not_an_extra_unrecognized_error():
    r = analyze("""2020-01-01 10:00:00.000001: E tensorflow/stream_executor/cuda/cuda_dnn.cc:329] Could not create cudnn handle: CUDNN_STATUS_INTERNAL_ERROR
tensorflow.python.framework.errors_impl.UnknownError: 2 root error(s) found.
  (0) Unknown: Failed to get convolution algorithm. This is probably because cuDNN failed to initialize, so try looking to see if a warning log message was printed above.
""")
    assert not [f for f in r.findings if f.rule_id == "unrecognized"]
    alone = analyze("tensorflow.python.framework.errors_impl.UnknownError: 2 root error(s) found.\n")
    assert alone.root.rule_id == "unrecognized"  # with nothing explaining it, it is still shown



def test_a_wrapper_line_is_not_explained_by_a_startup_warning_before_it():
    """Keras 3 writes "Exception encountered when calling L.call()." and the layer's own message on the next line; with
    a message no rule knows, the wrapper is all there is to show, even after TF's start-up warning (TF 2.21 output)."""
    log = """I0000 00:00:1796652643.962071   29334 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.
Traceback (most recent call last):
  File "<string>", line 6, in call
ValueError: Exception encountered when calling L.call().

frobnication level must be positive

Arguments received by L.call():
  \u2022 x=tf.Tensor(shape=(1, 3), dtype=float32)
"""
    r = analyze(log)
    assert r.root.rule_id == "unrecognized" and "L.call()" in r.root.evidence[0].text
    assert "lines right after it" in r.root.explanation
    # a rule's error after the wrapper still explains it: no extra unrecognized finding
    explained = analyze(log.replace("frobnication level must be positive", "ValueError: Input 0 of layer \"dense\" is incompatible with the layer: expected axis -1 of input shape to have value 3, but received input with shape (1, 4)"))
    assert explained.root.rule_id == "input-layer-input-mismatch"
    assert not [f for f in explained.findings if f.rule_id == "unrecognized"]


@pytest.mark.parametrize("bar,harmless", [("919/Unknown 1s 2ms/step - loss: 1.0546", True), ("  7/562 [..............................] - ETA: 4s - loss: 0.8328", False)])
def test_ran_out_of_data_is_harmless_only_for_an_epoch_of_unknown_length(bar, harmless):
    """Keras learns an epoch's length by running out of data when no steps_per_epoch was given ("N/Unknown" bars,
    tensorflow/tensorflow#62963); with a known length the same warning means the epoch was cut short."""
    r = analyze(bar + "\n/usr/lib/python3.12/contextlib.py:158: UserWarning: Your input ran out of data; interrupting training. "
                "Make sure that your dataset or generator can generate at least `steps_per_epoch * epochs` batches.\n")
    ids = {f.rule_id: f.severity for f in r.findings}
    if harmless:
        assert r.facts.get("epoch_length_unknown") == "yes"
        assert ids == {"noise-keras-ran-out-of-data-unknown-length": "info"}
    else:
        assert ids.get("input-ran-out-of-data") == "warning"


# Forms found in real logs (first-sight batches) that were read wrongly or not at all.
@pytest.mark.parametrize(
    "log,key,want",
    [
        # release suffixes are part of the version people must quote (nightlies, post releases, own builds)
        (">>> tf.__version__\n**'2.16.0-dev20240101'**\n", "tf_version", "2.16.0-dev20240101"),
        ("TensorFlow Version: 2.20.0-dev0+selfbuilt\n", "tf_version", "2.20.0-dev0+selfbuilt"),
        ("tensorflow 2.15.0.post1 requires keras<2.16,>=2.15.0, but you have keras 3.0.3 which is incompatible.\n",
         "tf_version", "2.15.0.post1"),
        ("TF Version: 2.19.0\n", "tf_version", "2.19.0"),
        ("$ python3 -c 'import tensorflow as tf; print(tf.__version__)'\n2.6.0\n", "tf_version", "2.6.0"),
        # tensorflow-addons' own version check
        (" The versions of TensorFlow you are currently using is 2.1.0 and is not supported. \n", "tf_version", "2.1.0"),
        # print(sys.version), CPython and conda builds
        ("3.11.3 (tags/v3.11.3:f3909b8, Apr  4 2023, 23:49:59) [MSC v.1934 64 bit (AMD64)]\n", "python_version", "3.11.3"),
        ("3.12.8 | packaged by conda-forge | (main, Dec  5 2024, 14:24:40) [GCC 13.3.0]\n", "python_version", "3.12.8"),
        # R's reticulate::py_config() prints sys.version after "version:" (batch 59)
        ("version:        3.9.1 (default, Dec 11 2020, 09:29:25) [MSC v.1916 64 bit (AMD64)]\n", "python_version", "3.9.1"),
        # a more precise statement of the same version wins over the first, shorter one
        ("$ python3.10 --version\nPython 3.10.13\n", "python_version", "3.10.13"),
        ("File ~\\anaconda3\\envs\\OD\\lib\\site-packages\\object_detection-0.1-py3.10.egg\\object_detection\\utils\\ops.py:27\n",
         "python_version", "3.10"),
        ('  File "/Library/Python/2.7/site-packages/tensorflow/python/platform/app.py", line 43, in run\n',
         "python_version", "2.7"),
        # a wheel pip took for this interpreter names its Python (batch 64: tensorflow-text's macOS wheel)
        ("Processing ./text/tensorflow_text-2.16.0rc0-cp311-cp311-macosx_11_0_arm64.whl\n", "python_version", "3.11"),
        ("  Downloading numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (18.0 MB)\n",
         "python_version", "3.12"),
        ("E tensorflow/stream_executor/cuda/cuda_dnn.cc:463] possibly insufficient driver version: 384.145.0\n",
         "driver_version", "384.145"),
        # TF's issue template: print(tf.version.GIT_VERSION, tf.version.VERSION), TF 2 and TF 1 (bytes)
        ("v2.13.0-rc0-2-g1e17a41ea93 2.13.0-rc0\n", "tf_version", "2.13.0-rc0"),
        ("b'v1.12.0-0-ga6d8ffae09' 1.12.0\n", "tf_version", "1.12.0"),
        ("### TensorFlow version\n\nv2.15.0-rc1-8-g6887368d6d4 2.15.0\n", "tf_version", "2.15.0"),
        # `ls -l /usr/local/cuda/lib64/libcud*` (TF 1.x issue template): the files, not the symlinks
        ("lrwxrwxrwx 1 root root 16 Jul 18 17:20 /usr/local/cuda/lib64/libcudart.so -> libcudart.so.8.0\n"
         "-rwxr-xr-x 1 root root 394472 Jul 18 17:20 /usr/local/cuda/lib64/libcudart.so.8.0.27\n", "cuda_runtime", "8.0"),
        ("-rwxr-xr-x 1 root root 78065952 Jul 18 18:03 /usr/local/cuda/lib64/libcudnn.so.5.0.5\n", "cudnn_runtime", "5.0.5"),
        # the GPU's architecture as XLA's LLVM backend and ptxas name it
        ("LLVM ERROR: PTX version 8.5 does not support target 'sm_120' (or 'sm_120a'). Minimum required PTX version is 8.7\n",
         "compute_capability", "12.0"),
        ("ptxas fatal   : Value 'sm_89' is not defined for option 'gpu-name'\n", "compute_capability", "8.9"),
        # TF's CUDA diagnostics name the driver's library file
        ("2025-01-12 22:03:03.893195: I external/local_xla/xla/stream_executor/cuda/cuda_diagnostics.cc:197] found DLL "
         "info with resolved path: /usr/lib64/libcuda.so.565.77\n", "driver_version", "565.77"),
        # CPython's own frames on Windows carry its build folder
        ('  File "D:\\obj\\windows-release\\37amd64_Release\\msi_python\\zip_amd64\\imp.py", line 242, in load_module\n',
         "python_version", "3.7"),
        # pip's requirement with a two-part release
        ("No matching distribution found for tensorflow==1.2\n", "tf_version", "1.2"),
        # an embedded interpreter's folder (DeepFaceLab)
        ('  File "C:\\DeepFaceLab\\_internal\\python-3.6.8\\lib\\site-packages\\tensorflow\\python\\client\\session.py", line 1334\n',
         "python_version", "3.6.8"),
        # the dynamic linker, and cuDNN's own loader, name the library that is missing
        ("tensorflow_model_server: error while loading shared libraries: libcuda.so.1: cannot open shared object file: "
         "No such file or directory\n", "missing_libraries", ["libcuda.so.1"]),
        ("Could not load library libcudnn_cnn_infer.so.8. Error: libcuda.so: cannot open shared object file: No such file "
         "or directory\n", "missing_libraries", ["libcuda.so"]),
        # TF's cuDNN mismatch line cut before its second half
        ("2023-06-01 15:58:54.130390: E tensorflow/compiler/xla/stream_executor/cuda/cuda_dnn.cc:417] Loaded runtime "
         "CuDNN library: 8.1.1 but source was compiled wit\n", "cudnn_runtime", "8.1.1"),
    ],
)
def test_real_log_version_forms(log, key, want):
    assert facts_of(log)[0].get(key) == want


def test_a_pip_requirement_gives_way_to_an_installed_version():
    """pip's resolver names the release asked for; a version the log states as installed wins over it,
    wherever it appears (the requested one is kept only when nothing else states one: the Python-support
    advice needs a release to talk about)."""
    log = (
        "ERROR: Could not find a version that satisfies the requirement tensorflow==2.13.0 (from versions: 2.16.1, 2.17.0)\n"
        "ERROR: No matching distribution found for tensorflow==2.13.0\n"
    )
    report = analyze(log)
    assert report.facts["tf_version"] == "2.13.0" and report.fact_provenance["tf_version"] == "wanted"
    assert "TensorFlow 2.13.0 (asked for, not installed)" in render_text(report)
    report = analyze(log + "TF Version: 2.19.0\n")
    assert report.facts["tf_version"] == "2.19.0" and report.fact_provenance["tf_version"] == "stated"
    assert facts_of(log + "tensorflow 2.19.0\n")[0]["tf_version"] == "2.19.0"
    uv = (  # uv's report names the releases it tried, its hint the interpreter ("3.11"), the first line which 3.11
        "Using Python 3.11.13 environment at: venv\n"
        "  ╰─▶ Because tensorflow==2.10.1 has no wheels with a matching Python ABI tag (e.g., `cp311`) and ezscore==0.1.9.7"
        " depends on tensorflow==2.10.1, we can conclude that ezscore==0.1.9.7 cannot be used.\n"
        "      hint: You require CPython 3.11 (`cp311`), but we only found wheels for `tensorflow` (v2.10.1) with the"
        " following Python ABI tags: `cp37m`, `cp38`, `cp39`, `cp310`.\n"
    )
    report = analyze(uv)
    assert report.fact_provenance["tf_version"] == "wanted"
    assert report.findings[0].facts["python_version"] == "3.11.13"
    # uv's derivation joins the releases it tried with "and" (pip-windows thread in first_sight_25)
    tried = "      and tensorflow==0.12.0 is unusable because no wheels are available with a matching Python ABI, we can conclude that any of:\n"
    assert analyze(tried).fact_provenance["tf_version"] == "wanted"
    assert analyze("I use numpy 1.26 and tensorflow 2.15.0 here\n").fact_provenance.get("tf_version") != "wanted"


def test_a_library_name_cut_off_mid_line_is_not_a_missing_library():
    log = (
        "W dso_loader.cc:64] Could not load dynamic library 'libnvinfer.so.7'; dlerror: libnvinfer.so.7: cannot open shared object file\n"
        "W dso_loader.cc:64] Could not load dynamic library 'libnvinfer.so\n"
    )
    assert facts_of(log)[0]["missing_libraries"] == ["libnvinfer.so.7"]


def test_versions_from_install_trees_tuple_prints_and_metal():
    """Spack/EasyBuild install trees name the TF release; `print(tf.__version__, keras.__version__)`
    prints TF's first; tensorflow-metal names the Apple GPU."""
    from analyzer import analyze

    tree = (
        '  File "/scratch/build/external/py3-tensorflow/2.6.4-b4a2a02538720942/lib/python3.9/site-packages/'
        'tensorflow/python/client/session.py", line 1375, in _do_call\n'
    )
    assert analyze(tree).facts.get("tf_version") == "2.6.4"
    repl = ">>> print(tensorflow.__version__, keras.__version__)\n2.7.0 2.8.0\n"
    assert analyze(repl).facts.get("tf_version") == "2.7.0"
    assert analyze("Metal device set to: Apple M1\n").facts.get("gpu_name") == "Apple M1"
    assert analyze("Loaded 2.7.0 2.8.0 records\n").facts.get("tf_version") is None


@pytest.mark.parametrize("line,fact,want", [
    # Ultralytics' start-up banner
    ("Ultralytics YOLOv8.2.19 \U0001f680 Python-3.10.12 torch-2.3.0+cu121 CPU (Intel Xeon 2.00GHz)", "python_version", "3.10.12"),
    # macOS's user site (pip install --user), TensorFlow Probability's import check on TF 1.15
    ("~/Library/Python/3.6/lib/python/site-packages/tensorflow_probability/__init__.py in _ensure_tf_install()",
     "python_version", "3.6"),
    ("~/Library/Python/3.6/lib/python/site-packages/tensorflow_probability/__init__.py in _ensure_tf_install()",
     "platform", "macos"),
    ('  File "/Library/Frameworks/Python.framework/Versions/3.7/lib/python3.7/site-packages/tensorflow/__init__.py", line 98',
     "platform", "macos"),
    # a Nix build: the interpreter's store path names its release
    ("> Rewriting #!/nix/store/m51f0kclg01xdc0mjxqs5cpyaxqbqhg5-python3-3.12.3/bin/python3.12 to #!/nix/store/x", "python_version", "3.12.3"),
    # TF's device filter names the GPU inside parentheses, its capability after a comma
    ("Ignoring visible gpu device (device: 0, name: Tesla K80, compute capability: 3.7) with Cuda compute capability 3.7. "
     "The minimum required Cuda capability is 6.0.", "gpu_name", "Tesla K80"),
    # the release a pip command installs, extras and nightlies too
    ("pip install tf-nightly[and-cuda]==2.15.0.dev20231002", "tf_version", "2.15.0.dev20231002"),
    ("pip install tensorflow[and-cuda]==2.17.0", "tf_version", "2.17.0"),
    # XLA's convolution autotuner names the machine it ran on (a TF 2.15 notebook on Kaggle)
    ("2024-03-05 08:33:35.023738: E external/local_xla/xla/service/gpu/conv_algorithm_picker.cc:270] Device: Tesla P100-PCIE-16GB",
     "gpu_name", "Tesla P100-PCIE-16GB"),
    ("2024-03-05 08:33:35.023753: E external/local_xla/xla/service/gpu/conv_algorithm_picker.cc:271] Platform: Compute Capability 6.0",
     "compute_capability", "6.0"),
    ("2024-03-05 08:33:35.023769: E external/local_xla/xla/service/gpu/conv_algorithm_picker.cc:272] Driver: 12020 (535.129.3)",
     "driver_version", "535.129.3"),
    # XLA's device line on a ROCm build (ROCm/tensorflow-upstream#2026)
    ("2023-03-25 10:08:12.600101: I tensorflow/compiler/xla/service/service.cc:181]   StreamExecutor device (0): AMD Instinct MI100, "
     "AMDGPU ISA version: gfx908:sramecc+:xnack-", "gpu_name", "AMD Instinct MI100"),
    # DeepFaceLab's GPU chooser
    ("  [0] : NVIDIA GeForce GTX 1650", "gpu_name", "NVIDIA GeForce GTX 1650"),
    # nvidia-smi's table cuts a long name: the cut stays visible, not a "GTX 105" model (first_sight_9's log)
    ("|   0  GeForce GTX 105...  Off  | 00000000:01:00.0 Off |                  N/A |", "gpu_name", "GeForce GTX 105..."),
    ("|   0  Tesla T4            Off  | 00000000:00:04.0 Off |                    0 |", "gpu_name", "Tesla T4"),
    # `nvidia-smi -L`, and an environment summary of a Colab run
    ("GPU 0: Tesla T4 (UUID: GPU-1b2c3d4e-5f60-7a8b-9c0d-e1f2a3b4c5d6)", "gpu_name", "Tesla T4"),
    ("tensorflow  : 2.8.2+zzzcolab20220929150707", "tf_version", "2.8.2+zzzcolab20220929150707"),
    # DeepFaceLab's summary box, and tensorflow-directml's device (real lines of first_sight_11/12 logs)
    ("== |== [0 : GeForce GTX 1070]", "gpu_name", "GeForce GTX 1070"),
    ("2022-06-23 15:45:04.794119: I tensorflow/c/logging.cc:34] DirectML: creating device on adapter 0 (Intel(R) Iris(R) Xe Graphics)",
     "gpu_name", "Intel(R) Iris(R) Xe Graphics"),
    # pip's check names the installed flavour of a TensorFlow release (tensorflow-intel is the Windows build)
    ("tensorflow-intel 2.13.0 requires typing-extensions<4.6.0,>=3.6.6, but you have typing-extensions 4.11.0 which is incompatible.",
     "tf_version", "2.13.0"),
    ("tensorflow-macos 2.14.0 requires keras<2.15,>=2.14.0, but you have keras 3.0.0 which is incompatible.", "tf_version", "2.14.0"),
])
def test_facts_from_lines_of_other_programs(line, fact, want):
    assert analyze(line + "\n").facts.get(fact) == want


def test_line_facts_copy_is_copy_copy():
    import copy

    from analyzer.pipeline.facts import LineFacts

    text = "2024-01-01 10:00:00.000000: I tensorflow/core/x.cc:1] Found device 0 with properties: name: Tesla T4 on Linux"
    lf = LineFacts(text, text, None, None)
    lf.platform(text)
    for original in (lf, LineFacts("Stats:", "Stats:", None, None)):
        a, b = original.copy(), copy.copy(original)
        assert [getattr(a, s) for s in LineFacts.__slots__] == [getattr(b, s) for s in LineFacts.__slots__]
        assert a is not original


def test_versions_in_a_messages_advice_are_not_this_machines():
    """TF 1.3's Windows self-check lists what each release needs (tensorflow/tensorflow#13837, #8385): those
    are requirements, not the installed TensorFlow, CUDA or cuDNN, and the DLLs it lists are not all missing."""
    log = (
        "- Could not load 'cudart64_80.dll'. The GPU version of TensorFlow\n"
        "  requires that this DLL be installed in a directory that is named in\n"
        "  your %PATH% environment variable. Download and install CUDA 8.0 from\n"
        "  this URL: https://developer.nvidia.com/cuda-toolkit\n"
        "  * TensorFlow 1.2.1 or earlier requires cuDNN 5.1. ('cudnn64_5.dll')\n"
        "  * TensorFlow 1.3 or later requires cuDNN 6. ('cudnn64_6.dll')\n"
    )
    facts, _ = facts_of(log)
    assert not {"tf_version", "cuda_runtime", "cudnn_runtime"} & set(facts)
    assert facts["missing_libraries"] == ["cudart64_80.dll"] and facts["cuda_wanted"] == "8.0"
    # the same words stating this machine's versions still count
    facts, _ = facts_of("TensorFlow 2.10.1 on Windows, CUDA 11.2, cuDNN 8.1.0\n")
    assert (facts["tf_version"], facts["cuda_runtime"], facts["cudnn_runtime"]) == ("2.10.1", "11.2", "8.1.0")
    # XLA's ptxas warning advises a CUDA release (asm_compiler.cc; first_sight_7's TF 2.11 log): no CUDA of this machine
    facts, _ = facts_of("You may not need to update to CUDA 11.1; cherry-picking the ptxas binary is often sufficient.\n")
    assert "cuda_runtime" not in facts
    facts, _ = facts_of("I upgraded to CUDA 12.2 and the error stays\n")
    assert facts["cuda_runtime"] == "12.2"
    # a package's own minimum (absl-py's setup.py, first_sight_28's Windows log on Python 3.11) is no interpreter
    for line in ("RuntimeError: Python version 2.7 or 3.4+ is required.", "ERROR: Package requires Python 3.9", "Python 3.8+ is needed"):
        facts, _ = facts_of(line + "\n")
        assert "python_version" not in facts, line
    facts, _ = facts_of("Python version: 3.10.12\n")
    assert facts["python_version"] == "3.10.12"
    facts, _ = facts_of("[OK] Your Python version is 3.11.5\n")  # LLMs-from-scratch's environment check
    assert facts["python_version"] == "3.11.5"



def test_a_later_pip_install_report_replaces_the_tensorflow_release():
    """pip installed TF 2.18.0, then tensorflow-text pulled it back to 2.10.1 (first_sight_28's Windows log): the
    environment has the release of the last "Successfully installed" report."""
    log = (
        "Successfully installed numpy-2.0.2 tensorboard-2.18.0 **tensorflow-2.18.0** tensorflow-intel-2.18.0\n"
        "Collecting tensorflow-text\n"
        "Successfully installed keras-2.10.0 tensorboard-2.10.1 **tensorflow-2.10.1**\n"
    )
    facts, _ = facts_of(log)
    assert facts["tf_version"] == "2.10.1"
    # a statement of the version in use still outranks pip's report
    facts, _ = facts_of("TensorFlow version: 2.16.1\n" + log)
    assert facts["tf_version"] == "2.16.1"


@pytest.mark.parametrize("line", [
    "No CUDA device found with minimum required compute capability 3.5",  # DeepFaceLab's check
    "RuntimeError: Device 0 does not have CUDA compute capability 3.0 or greater",  # neon's
    "Sorry, need at least compute capability 7.0+!",
])
def test_a_programs_minimum_compute_capability_is_not_the_gpus(line):
    """A program's stated minimum is not the capability of the GPU in the log: advice built on it would be wrong."""
    from analyzer import analyze

    assert analyze(line + "\n").facts.get("compute_capability") is None


@pytest.mark.parametrize("log, provenance", [
    # what pip was asked for, collects, fetches or weighs is not installed (session 20's advice audit: the Environment
    # line called these installed)
    ("(base) PS C:\\Users\\Priyanshi> pip install tensorflow==1.5\n", "wanted"),
    ("Collecting tensorflow==2.12.0\n", "wanted"),
    ("  Downloading tensorflow-2.12.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (585.9 MB)\n", "wanted"),
    ("    tensorflow-gpu 1.15.4 depends on numpy<1.19.0 and >=1.16.0\n", "wanted"),
    # once pip says it installed it, it is
    ("Collecting tensorflow==2.12.0\nSuccessfully installed tensorflow-2.12.0\n", "stated"),
    ("tensorflow 2.12.0\n", "stated"),
    ("pip uninstall tensorflow==2.10.0\n", "stated"),  # what pip uninstalls is installed
])
def test_a_release_pip_was_asked_for_is_not_called_installed(log, provenance):
    report = analyze(text=log).to_dict()
    assert report["fact_provenance"]["tf_version"] == provenance


@pytest.mark.parametrize("line, arch", [
    # the machine field of uname, not the kernel's build name: a Rosetta process on Apple silicon is x86_64
    ("Darwin MBP 23.1.0 Darwin Kernel Version 23.1.0: Mon Oct  9 21:28:12 PDT 2023; root:xnu-10002.41.9~6/RELEASE_ARM64_T6020 x86_64", "x86_64"),
    ("Darwin MBP 23.1.0 Darwin Kernel Version 23.1.0: Mon Oct  9 21:28:12 PDT 2023; root:xnu-10002.41.9~6/RELEASE_ARM64_T6020 arm64", "arm64"),
    # pip's usual wheel names join two platform tags with a dot (first_sight_35's tensorflow-cpu-aws log has such lines)
    ("  Downloading numpy-1.26.4-cp310-cp310-manylinux_2_17_aarch64.manylinux2014_aarch64.whl (14.2 MB)", "arm64"),
    ("  Downloading tensorflow-2.16.1-cp311-cp311-macosx_10_15_x86_64.whl (259.6 MB)", "x86_64"),
    ("Python 3.7.4 (tags/v3.7.4:e09359112e, Jul  8 2019, 19:29:22) [MSC v.1916 32 bit (Intel)] on win32", "x86"),
    ("OSError: /usr/lib/aarch64-linux-gnu/libgomp.so.1: cannot allocate memory in static TLS block", "arm64"),
    # 32-bit ARM (Raspberry Pi OS): PyPI has no tensorflow wheel for it, so a fix must not send the user to one
    ("ImportError: /lib/arm-linux-gnueabihf/libm.so.6: version `GLIBC_2.23' not found (required by x.so)", "arm32"),
    ("Processing ./tensorflow-2.4.0-cp37-none-linux_armv7l.whl", "arm32"),
])
def test_the_cpu_a_wheel_must_fit_is_read_from_machine_output(line, arch):
    assert facts_of(line)[0]["cpu_arch"] == arch


def test_prerelease_words_and_mac_volume_paths():
    """Facts the second advice audit of session 20 found wrong: a pre-release spelled out ("2.0.0-alpha0", as
    bert-as-service prints tf.__version__) kept whole, and a path on a Mac's external volume read as macOS, not Linux."""
    assert facts_of("UserWarning: Tensorflow 2.0.0-alpha0 is not tested! It may or may not work.")[0]["tf_version"] == "2.0.0-alpha0"
    path = '  File "/Volumes/Data/anaconda3/lib/python3.8/site-packages/deepchem/models/x.py", line 3, in <module>'
    assert facts_of(path)[0]["platform"] == "macos"


def test_dlerror_naming_another_library_is_a_missing_dependency():
    """The loader's dlerror names the library that did not load: another name than the one asked for is a library
    that one needs (the one asked for is there); the same name is the library itself missing."""
    facts, _ = facts_of(
        "2021-12-30 23:19:23.161255: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libnvinfer.so.7'; dlerror: libnvrtc.so.11.1: cannot open shared object file: No such file or directory"
    )
    assert (facts["needed_by"], facts["missing_dependency"]) == ("libnvinfer.so.7", "libnvrtc.so.11.1")
    facts, _ = facts_of(
        "2021-06-01 10:00:00.123456: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic library 'libnvinfer.so.7'; dlerror: libnvinfer.so.7: cannot open shared object file: No such file or directory"
    )
    assert "needed_by" not in facts and "missing_dependency" not in facts


@pytest.mark.parametrize("lines, platform", [
    # a drive with a forward slash, as Python prints paths (DAS on Windows, first_sight_40)
    (["INFO:das.train:Will save to F:/Ava/Experiment_2/training_set.res/20220705_144815."], "windows"),
    # c:/Users/ is a Windows home, not macOS' /Users/ (first_sight_11)
    (["  File \"c:/Users/kluse/Documents/train.py\", line 3, in <module>"], "windows"),
    # macOS' loader: a bare .so is a Python extension there too, so its own words decide (first_sight_7)
    (["unable to open file: libtensorflow_io.so, from paths: ['.../myenv/lib/python3.12/site-packages/tensorflow_io/python/ops/libtensorflow_io.so']",
      "caused by: [\"dlopen(.../myenv/lib/python3.12/site-packages/tensorflow_io/python/ops/libtensorflow_io.so, 0x0006): symbol not found in flat namespace '__ZN10tensorflow6tensor6ConcatE'\"]"],
     "macos"),
    # pip lists releases of tensorflow-macos, which has macOS wheels only; the venv's path says nothing (first_sight_12)
    (["ERROR: Could not find a version that satisfies the requirement tensorflow-macos==2.15.0 (from versions: 2.9.0, 2.9.1, 2.12.0)",
      "pip 24.0 from /path/to/my/venv/lib/python3.10/site-packages/pip (python 3.10)"], "macos"),
    # an egg built for macOS in the path (first_sight_28)
    (["/xxx/venv/lib/python3.6/site-packages/tensorflow-2.0.0b1-py3.6-macosx-10.14-x86_64.egg/tensorflow/python/framework/dtypes.py:516: FutureWarning: Passing (type, 1)"], "macos"),
    # WSL's view of a Windows drive is a Linux path: its /Users/ is no macOS hint (the review's case)
    (['  File "/mnt/c/Users/bob/proj/train.py", line 3, in <module>'], "linux"),
    # a versioned shared library is Linux's own
    (["ImportError: libcudart.so.11.0: cannot open shared object file: No such file or directory"], "linux"),
    # a bare .so alone still says Unix, read as Linux until a stronger hint says otherwise
    (["ImportError: /opt/venv/lib/python3.9/site-packages/tensorflow_io/libtensorflow_io.so: undefined symbol: _ZN3foo"], "linux"),
    # conda's subdir of this machine, in its unsatisfiable-package report (first_sight_48)
    (["  - feature:/win-64::__cuda==8.0=0"], "windows"),
    (["  - https://conda.anaconda.org/conda-forge/osx-arm64"], "macos"),
    # apt, Debian's and Ubuntu's package manager (first_sight_48)
    (["Reading package lists... Done"], "linux"),
    # first_sight_49: .NET's COM error code; a PowerShell prompt behind a conda env; Apple's linker; a starred-out
    # home folder beside a Linux-looking /usr/lib/java in the JVM's search path
    (["DllNotFoundException: Unable to load DLL 'tensorflow': (Exception from HRESULT: 0x8007007E)"], "windows"),
    (["(py310) PS > poetry add tensorflow tensorflow-text"], "windows"),
    (["ld: library not found for -ltensorflow"], "macos"),
    (["Cause: java.lang.UnsatisfiedLinkError: no jnitensorflow in java.library.path: [/Users/******/Library/Java/Extensions, /usr/lib/java, .]"], "macos"),
])
def test_platform_from_the_strongest_hint(lines, platform):
    facts, _ = facts_of("\n".join(lines) + "\n")
    assert facts.get("platform") == platform


@pytest.mark.parametrize("line, version", [
    # pyenv's folder names the interpreter's release (gpt-2-simple on Python 3.9.4, first_sight_41)
    ('  File "/root/.pyenv/versions/3.9.4/lib/python3.9/site-packages/gpt_2_simple/__init__.py", line 1, in <module>', "3.9.4"),
    ('  File "C:\\Users\\u\\.pyenv\\pyenv-win\\versions\\3.10.11\\lib\\site-packages\\tensorflow\\__init__.py", line 1', "3.10.11"),
    # a virtualenv pyenv keeps under versions/ has a name, not a release: the site-packages path's minor stays
    ('  File "/home/u/.pyenv/versions/myenv/lib/python3.8/site-packages/x.py", line 1, in <module>', "3.8"),
])
def test_python_release_from_a_pyenv_path(line, version):
    facts, _ = facts_of(line + "\n")
    assert facts["python_version"] == version


def test_a_drive_letter_needs_a_path_start():
    """`/srv/d:/data` (a Docker volume) is no Windows drive; `F:/Ava` at a word's start is."""
    facts, _ = facts_of("docker run -v /srv/d:/data tensorflow/tensorflow:2.6.0-gpu\n")
    assert facts.get("platform") != "windows"


def test_pip_show_and_macos_loader_name_what_is_installed_and_what_is_missing():
    """`pip show`'s "Name:" / "Version:" pair is an installed package (first_sight_48's ocrd log: tensorflow beside
    tensorflow-gpu), and macOS' "Library not loaded:" names the library that is missing."""
    facts, _ = facts_of("Name: tensorflow-gpu\nVersion: 1.15.4\nSummary: TensorFlow\nName: tensorflow\nVersion: 1.15.4\n")
    assert facts["packages"] == ["tensorflow-gpu==1.15.4", "tensorflow==1.15.4"] and facts["tf_version"] == "1.15.4"
    facts, _ = facts_of("Name: protobuf\nVersion: 3.20.3\n")
    assert facts["packages"] == ["protobuf==3.20.3"] and "tf_version" not in facts
    facts, _ = facts_of("dlopen(/x/libtensorflow_jni.dylib, 1): Library not loaded: @rpath/libtensorflow_framework.1.dylib\n")
    assert facts["missing_libraries"] == ["libtensorflow_framework.1.dylib"]


def test_rocm_builds_stream_executor_and_hip_codes_name_the_gpu_stack():
    line = "E tensorflow/stream_executor/rocm/rocm_driver.cc:601] failed to allocate 7.35G (7889485824 bytes) from device: hipError_t(1002)\n"
    assert facts_of(line)[0]["gpu_stack"] == "rocm"


def test_a_solvers_candidate_python_is_not_this_machines():
    """libmamba's tree lists the Pythons a package could be installed with ("python 3.6.* , which can be installed"):
    candidates, not the environment's Python (first_sight_49)."""
    assert "python_version" not in facts_of("  │     │  └─ python 3.6.* , which can be installed;\n")[0]
    assert facts_of("Python version: 3.11\n")[0]["python_version"] == "3.11"


def test_tf1_short_oom_line_gets_its_device_from_the_node_line_after_it():
    """TF 1.x's "OOM when allocating tensor with shape[...]" names no device; the `[[Node: ...]]` line after it does
    (`_device=".../device:GPU:0"`), and that is the device the OOM happened on (real TF 1.5 ODAPI lines)."""
    oom = ("2018-03-13 21:59:44.914750: W tensorflow/core/framework/op_kernel.cc:1192] Resource exhausted: OOM when allocating "
           "tensor with shape[1,5095,3729,3]\n"
           '\t [[Node: unstack_2 = Unpack[T=DT_FLOAT, axis=0, num=24, _device="/job:localhost/replica:0/task:0/device:GPU:0"]'
           "(prefetch_queue_Dequeue/_3249)]]\n")
    root = analyze(oom).root
    assert root.facts["oom_device"] == "GPU:0" and root.facts["node"] == "unstack_2"
    far = oom.replace("\t [[Node", "one\ntwo\nthree\nfour\nfive\n\t [[Node")  # a node line far after names another op
    assert "oom_device" not in analyze(far).root.facts


def test_a_short_oom_line_whose_node_ran_on_the_cpu_is_the_hosts_memory():
    """The node line's `_device` decides GPU or host for a short OOM line: TF 0.x's `.../cpu:0` (with its shape
    written as the proto's dims, issue 576's MNIST example in a 3 GB VM, batch 57) and TF 1.x's `device:CPU:0`
    (batch 51) are the host's memory; a GPU OOM earlier in the same log stays the GPU's."""
    tf0 = ("W tensorflow/core/kernels/conv_ops.cc:178] Resource exhausted: OOM when allocating tensor with shapedim "
           "{ size: 5000 } dim { size: 28 } dim { size: 28 } dim { size: 32 }\n"
           '\t [[Node: Conv2D_2 = Conv2D[T=DT_FLOAT, padding="SAME", strides=[1, 1, 1, 1], use_cudnn_on_gpu=true, '
           '_device="/job:localhost/replica:0/task:0/cpu:0"](Const_4, Variable)]]\n')
    root = analyze(tf0).root
    assert root.category == "oom.host"
    assert root.facts["oom_device"] == "CPU:0" and root.facts["oom_shape"] == "[5000,28,28,32]"
    assert analyze(tf0.replace("/cpu:0", "/gpu:0")).root.category == "oom.gpu"
    # only the first node line tells: TF 1.x lists the failed op's node, then the _Recv nodes it waited on (on the CPU)
    recv = '\t [[Node: x/_1231 = _Recv[client_terminated=false, _device="/job:localhost/replica:0/task:0/cpu:0"]()]]\n'
    assert analyze(tf0.replace("/cpu:0", "/gpu:0") + recv).root.category == "oom.gpu"
    gpu_first = ("Resource exhausted: OOM when allocating tensor with shape[64,512]\n"
                 '\t [[Node: d = MatMul[T=DT_FLOAT, _device="/job:localhost/replica:0/task:0/device:GPU:0"](a, b)]]\n'
                 + "\n" * 10 + tf0)
    found = {f.rule_id: f for f in analyze(gpu_first).findings}
    gpu, host = found["oom-gpu-allocating-tensor"], found["oom-host-allocating-tensor"]
    assert [e.line for e in gpu.evidence] == [1] and gpu.facts["oom_shape"] == "[64,512]" and gpu.facts["node"] == "d"
    assert [e.line for e in host.evidence] == [13] and host.facts["oom_shape"] == "[5000,28,28,32]"
    assert host.facts["node"] == "Conv2D_2"


@pytest.mark.parametrize("line, fact, value", [
    # gpustat's table (a Horovod job's log, batch 52)
    ("[0] Tesla K80        | 59'C,   0 % | 10949 / 11439 MB | ubuntu(10909M)", "gpu_name", "Tesla K80"),
    # a library whose name holds a version before .so (batch 52: tflite_model_maker on a Kaggle TPU VM)
    ("ImportError: libusb-1.0.so.0: cannot open shared object file: No such file or directory", "missing_libraries", ["libusb-1.0.so.0"]),
    # the dynamic linker's line as a thread posted it, stopping at the library (batch 52: TF Serving on SageMaker)
    ("tensorflow_model_server: error while loading shared libraries: libcuda.so.1", "missing_libraries", ["libcuda.so.1"]),
])
def test_batch_52s_fact_forms(line, fact, value):
    assert analyze(text=line + "\n").to_dict()["facts"].get(fact) == value


def test_a_library_name_alone_is_no_missing_library():
    """The near miss: a library named without the loader's words is not one that could not be loaded."""
    assert "missing_libraries" not in analyze(text="ImportError: libfoo.so\nloaded libusb-1.0.so.0\n").to_dict()["facts"]


def test_nvidia_smi_q_reports_driver_and_gpu_and_its_cuda_is_the_drivers():
    """Batch 55 (a WSL2 machine's `nvidia-smi -q` before a conda error): its column-aligned "Driver Version : 527.56" and
    "Product Name : ..." were not read, and its "CUDA Version : 12.0" (the driver's CUDA) was taken for the runtime."""
    facts, _ = facts_of(
        "==============NVSMI LOG==============\n"
        "Driver Version                            : 527.56\n"
        "CUDA Version                              : 12.0\n"
        "    Product Name                          : NVIDIA GeForce RTX 3070 Laptop GPU\n"
    )
    assert (facts["driver_version"], facts["gpu_name"], facts["driver_cuda_version"]) == ("527.56", "NVIDIA GeForce RTX 3070 Laptop GPU", "12.0")
    assert "cuda_runtime" not in facts


def test_cuda_samples_device_line_names_the_gpu_but_not_its_architecture():
    """Batch 60: the CUDA samples' 'GPU Device 0: "GeForce GTX 1650" with compute capability 7.5' names the GPU; newer
    samples print the architecture in its place ("Turing"), which is no GPU name."""
    facts, _ = facts_of('GPU Device 0: "GeForce GTX 1650" with compute capability 7.5\n')
    assert (facts["gpu_name"], facts["compute_capability"]) == ("GeForce GTX 1650", "7.5")
    assert "gpu_name" not in facts_of('GPU Device 0: "Turing" with compute capability 7.5\n')[0]


@pytest.mark.parametrize("line, value", [
    # Windows' per-user install folder as pasted, lower-cased (ML-Agents' mlagents-learn, batch 61)
    ("WARNING:tensorflow:From c:\\users\\me\\appdata\\local\\programs\\python\\python38\\lib\\site-packages\\tensorflow\\python\\compat\\v2_compat.py:96: disable_resource_variables is deprecated", "3.8"),
    # a 32-bit Python's folder (no TensorFlow wheel exists for it, batch 61)
    ('  File "C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python37-32\\lib\\site-packages\\tensorflow\\python\\pywrap_tensorflow.py", line 18, in swig_import_helper', "3.7"),
    ('  File "C:\\Python310\\lib\\site-packages\\keras\\__init__.py", line 3, in <module>', "3.10"),
])
def test_windows_python_install_folders_name_the_python(line, value):
    assert analyze(text=line + "\n").to_dict()["facts"].get("python_version") == value


def test_a_folder_merely_named_like_python_is_not_read_as_one():
    assert analyze(text="saved to /home/me/python3x/run1/model.h5\n").to_dict()["facts"].get("python_version") is None


def test_tfs_windows_build_path_names_the_python_its_wheel_was_built_for():
    """TF 1.x's Windows wheels print their build machine's path in every C++ log line; PY\\36 is the Python the
    wheel was built for, the only one it installs on (batch 62)."""
    line = ("2019-02-19 16:30:57.231075: I C:\\tf_jenkins\\home\\workspace\\rel-win\\M\\windows\\PY\\36\\tensorflow\\core\\"
            "kernels\\shuffle_dataset_op.cc:121] Shuffle buffer filled.\n")
    assert analyze(text=line).to_dict()["facts"].get("python_version") == "3.6"


def test_an_oom_on_a_gpus_bfc_allocator_names_that_gpu():
    """TF names the BFC allocator of GPU N GPU_N_bfc: a log with only "Allocator (GPU_1_bfc) ran out of memory"
    (JAX's vendored TF, batch 62) still says which device ran out."""
    line = ("2022-08-05 10:00:26.833817: W external/org_tensorflow/tensorflow/core/common_runtime/bfc_allocator.cc:479] "
            "Allocator (GPU_1_bfc) ran out of memory trying to allocate 9.00MiB (rounded to 9437184)requested by op \n")
    root = analyze(text=line).root
    assert root is not None and root.category == "oom.gpu" and root.facts.get("oom_device") == "GPU:1"
