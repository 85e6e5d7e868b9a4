"""rules/compat/: the version-compatibility tables, the facts they derive, and their use in rules."""
from __future__ import annotations

import json
import re

import pytest

from analyzer import analyze
from analyzer.kb.compat import DERIVED_FACTS, Compat, compat, compat_dir, derived_facts, iter_records, load_tables
from analyzer.pipeline.facts import REPORT_FACTS

REFERENCE_FILES = {"tested_builds.md", "cuda_drivers.md", "library_names.md", "message_catalog.md", "tf_apis.md"}
SOURCE = re.compile(r"^(?:https://\S+|shared reference: (?P<file>[\w.]+\.md) \S.*)$")


@pytest.fixture(scope="module")
def c() -> Compat:
    return compat()


def _mm(v):
    parts = [int(x) for x in re.findall(r"\d+", str(v))[:2]]
    return tuple(parts + [0] * (2 - len(parts)))


# ---------------------------------------------------------------- the tables themselves

def test_tables_live_next_to_the_rules():
    assert {p.stem for p in compat_dir().glob("*.yaml")} == {
        "tested_builds", "cuda_drivers", "compute_capability", "library_names", "packages", "wheel_platforms"}


def test_wheel_table_says_which_machines_a_release_installs_on(c):
    """rules/compat/wheel_platforms.yaml (PyPI's file names): pip needs a wheel for the Python *and* the machine.
    Intel Macs have none after 2.16, Apple silicon none before 2.13, Linux on ARM none before 2.10."""
    py311, py312 = (3, 11), (3, 12)
    assert c.supports_python((2, 16), py312, "macos", "x86_64") and not c.supports_python((2, 17), py312, "macos", "x86_64")
    assert c.supports_python((2, 17), py312, "macos", "arm64") and not c.supports_python((2, 12), py311, "macos", "arm64")
    assert c.supports_python((2, 13), py311, "macos", "arm64")
    assert not c.supports_python((2, 9), (3, 9), "linux", "arm64") and c.supports_python((2, 9), (3, 9), "linux", "x86_64")
    assert c.supports_python((2, 17), py312, "macos")  # the CPU unknown: some Mac has it
    assert not c.supports_python((2, 10), (3, 10), "windows", "x86")  # no 32-bit wheels at all
    machine = derived_facts({"python_version": "3.12", "platform": "macos", "cpu_arch": "x86_64"})
    assert machine["machine_tf_versions"] == "2.16"
    machine = derived_facts({"python_version": "3.9", "platform": "macos", "cpu_arch": "arm64"})
    assert machine["machine_tf_versions"] == "2.13-2.20"
    assert c.tf_versions_for_python("3.12").startswith("2.16")


def test_every_record_names_its_source():
    records = list(iter_records(load_tables()))
    assert len(records) > 150
    for fname, table, rec in records:
        src = rec.get("source") if isinstance(rec, dict) else None
        assert isinstance(src, str), f"{fname}.yaml {table}: record without a source: {rec}"
        m = SOURCE.match(src)
        assert m, f"{fname}.yaml {table}: source must be a URL or 'shared reference: <file> <section>': {src!r}"
        assert m.group("file") is None or m.group("file") in REFERENCE_FILES, src


def test_versions_are_strings_not_yaml_floats():
    """`tf: 2.10` unquoted would be the float 2.1: every version field must be a string."""
    for fname, table, rec in iter_records(load_tables()):
        for key in ("tf", "cuda", "cudnn", "python", "linux", "windows", "from", "to", "family", "oldest", "below",
                    "docs_min_cc", "from_tf", "before_tf"):
            v = rec.get(key)
            if v is not None and not isinstance(v, dict):
                assert isinstance(v, str), f"{fname}.yaml {table}: {key}={v!r} must be quoted"


def test_every_tf_build_has_driver_library_and_cudnn_rows(c):
    for (platform, key), rec in c.builds.items():
        tf = f"{key[0]}.{key[1]}"
        os_name = "windows" if platform == "windows" else "linux"
        if _mm(rec["cuda"]) >= (9, 0):  # NVIDIA's driver table starts at CUDA 9.0
            assert c.min_driver(rec["cuda"], os_name), f"TF {tf} ({platform}): no {os_name} driver for CUDA {rec['cuda']}"
        row = c.lib_row_for_cuda(rec["cuda"])
        assert row is not None and row.get(os_name, {}).get("cudart"), f"TF {tf}: no library names for CUDA {rec['cuda']}"
        major = str(rec["cudnn"]).split(".")[0]
        assert any(r["cudnn"] == major and r.get(os_name) for r in c.cudnn_rows), f"TF {tf}: no cuDNN {major} name"


def test_tf_versions_are_continuous_and_windows_gpu_ends_with_2_10(c):
    linux = sorted(k for p, k in c.builds if p == "linux")
    assert linux[0] == (1, 0) and linux[-1] == (2, 21)
    assert set(linux) == {(1, m) for m in range(16)} | {(2, m) for m in range(22)}
    windows = sorted(k for p, k in c.builds if p == "windows")
    assert windows[-1] == (2, 10) and c.build("2.11.0", "windows") is None
    assert c.build_facts["native_windows_gpu_last"]["tf"] == "2.10"
    assert c.build_facts["and_cuda_extra_first"]["tf"] == "2.14"
    assert c.build_facts["and_cuda_cuda12_first"]["tf"] == "2.15"


def test_driver_table_is_monotonic_and_mvc_is_consistent(c):
    prev = None
    for key in sorted(c.ga):
        drv = tuple(int(x) for x in c.ga[key]["linux"].split("."))
        assert prev is None or drv > prev, f"CUDA {key}: minimum Linux driver not above the previous toolkit's"
        prev = drv
    for fam, rec in c.mvc.items():
        ga = c.min_driver(f"{fam}.0")
        fam_min = tuple(int(x) for x in rec["linux"].split("."))
        assert fam_min >= tuple(int(x) for x in ga.split(".")), f"CUDA {fam}.x family minimum below the {fam}.0 toolkit's"


def test_wheel_architectures_fit_the_cuda_they_were_built_with(c):
    """Every SASS/PTX target a TF wheel carries can be compiled by that release's CUDA toolkit."""
    for key, rec in c.wheels.items():
        assert ("linux", key) in c.builds, f"TF {key} in compute_capability.yaml but not in tested_builds.yaml"
        build = c.builds[("linux", key)]
        rng = c.toolkit_cc_range(build["cuda"])
        for cc in (rec.get("sass") or []) + (rec.get("ptx") or []):
            assert rng and rng[0] <= _mm(cc) <= rng[1], f"TF {key}: CC {cc} outside CUDA {build['cuda']}'s {rng}"
    assert (2, 14) not in c.wheels  # not pinned down by the sources: no guess


def test_library_names_match_what_tf_releases_ask_for(c):
    """library_names.md §3: the names each TF release dlopens, from its tested CUDA version."""
    from analyzer.confirm.probes import compat as pc

    def names(tf, windows=False):
        b = pc.tf_build(tf)
        return pc.tf_required_libraries(tf, b["cuda"], b["cudnn"], windows)

    assert names("2.3.0")["cudart"] == "libcudart.so.10.1" and "cublasLt" not in names("2.3.0")
    assert names("2.3.0", True)["cudart"] == "cudart64_101.dll" and names("2.3.0", True)["cublas"] == "cublas64_10.dll"
    assert names("2.4.0")["cusolver"] == "libcusolver.so.10" and names("2.4.0")["cublasLt"] == "libcublasLt.so.11"
    assert names("2.10.0")["cusolver"] == "libcusolver.so.11" and names("2.10.0")["curand"] == "libcurand.so.10"
    assert names("2.16.1") == {"cudart": "libcudart.so.12", "cublas": "libcublas.so.12", "cublasLt": "libcublasLt.so.12",
                               "cufft": "libcufft.so.11", "cusolver": "libcusolver.so.11", "cusparse": "libcusparse.so.12",
                               "cudnn": "libcudnn.so.8"}
    assert names("2.18.0")["cudnn"] == "libcudnn.so.9"
    assert names("1.15.0")["cublas"] == "libcublas.so.10.0"
    assert names("1.12.0")["cudart"] == "libcudart.so.9.0"


def test_probes_read_the_same_tables(c):
    from analyzer.confirm.probes import compat as pc

    assert pc.TF_BUILDS["2.3"] == ("7.6", "10.1") and pc.TF_BUILDS["2.15"] == ("8.9", "12.2")
    assert pc.TF_BUILDS["1.4"] == ("6", "8.0")
    assert pc.MIN_DRIVER_LINUX == {f"{k[0]}.{k[1]}": r["linux"] for k, r in c.ga.items()}
    assert pc.FAMILY_MIN_DRIVER_LINUX == {11: "450.80.02", 12: "525.60.13", 13: "580.65.06"}
    assert list(pc.COMPONENT_SONAMES_LINUX) == ["cudart", "cublas", "cublasLt", "cufft", "curand", "cusolver",
                                                "cusparse", "cudnn", "nvrtc"]
    assert pc.sonames("cudart")[:3] == ["libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0"]
    assert pc.sonames("cudnn", windows=True)[0] == "cudnn64_9.dll"


# ---------------------------------------------------------------- derived facts

def test_derived_fact_names_are_new_and_known_to_lint():
    from analyzer.authoring.check import ENGINE_FACTS

    assert not set(DERIVED_FACTS) & set(REPORT_FACTS)
    assert set(DERIVED_FACTS) <= ENGINE_FACTS


def test_derived_from_tf_version():
    d = derived_facts({"tf_version": "2.3.0", "platform": "linux"})
    assert d["tf_built_cuda"] == "10.1" and d["tf_built_cudnn"] == "7.6" and d["tf_python"] == "3.5-3.8"
    assert d["tf_min_driver"] == "418.39" and d["min_driver_os"] == "Linux"
    assert "tf_family_min_driver" not in d  # no minor-version compatibility before CUDA 11
    assert d["tf_cuda_archs"] == "sm_35, sm_37, sm_52, sm_60, sm_61, sm_70, compute_70"
    d = derived_facts({"tf_version": "2.5.0"})  # platform unknown: the Linux tables
    assert (d["tf_built_cuda"], d["tf_min_driver"], d["tf_family_min_driver"]) == ("11.2", "460.27.03", "450.80.02")
    d = derived_facts({"tf_version": "2.10.1", "platform": "windows"})
    assert (d["tf_built_cuda"], d["tf_min_driver"], d["tf_family_min_driver"], d["min_driver_os"]) == \
        ("11.2", "460.82", "452.39", "Windows")


def test_derived_facts_never_invent():
    assert derived_facts({}) == {}
    assert derived_facts({"tf_version": "3.7.0"}) == {}                      # a release the tables do not know
    assert "tf_built_cuda" not in derived_facts({"tf_version": "2.12.0", "platform": "windows"})  # CPU-only there
    assert "tf_built_cuda" not in derived_facts({"tf_version": "2.12.0", "platform": "macos"})
    assert "tf_cuda_archs" not in derived_facts({"tf_version": "2.14.0"})   # 2.14's list is not pinned down
    # the old tested-build rows give no Python: the wheels on PyPI do (wheel_platforms.yaml), all platforms merged
    assert derived_facts({"tf_version": "1.8.0"})["tf_python"] == "2.7, 3.3-3.6"
    assert "tf_python" not in derived_facts({"tf_version": "0.11.0"})       # nor any wheel the table lists
    assert "wanted_cuda" not in derived_facts({"missing_libraries": ["libcurand.so.10"]})  # CUDA 10.1 to 13.x
    # across two majors, a run of neighbouring toolkits is named (libcusolver.so.10: CUDA 10.1, 10.2 and 11.0 only)
    assert derived_facts({"missing_libraries": ["libcusolver.so.10"]})["wanted_cuda"] == "10.1-11.0"
    assert "wanted_cuda" not in derived_facts({"missing_libraries": ["libnvinfer.so.7"]})
    assert "driver_max_cuda" not in derived_facts({"driver_version": "367.48"})  # older than CUDA 9.0's minimum
    assert "python_supported" not in derived_facts({"python_version": "3.8"})    # needs tf_version too
    assert "cudnn_tf_versions" not in derived_facts({"cudnn_compiled": "4.0.7"})  # no tested build used it
    assert "cudnn_tf_versions" not in derived_facts({"cudnn_compiled": "8.1.0", "tf_version": "2.10.0"})  # the release is known


def test_a_build_cudnn_names_the_releases_built_with_it():
    """A log that states only the cuDNN TensorFlow was compiled with says which releases it can be (tested builds)."""
    facts = derived_facts({"cudnn_compiled": "8.1.0"})
    assert (facts["cudnn_tf_versions"], facts["cudnn_tf_newest"]) == ("2.5-2.11", "2.11")
    assert derived_facts({"cudnn_compiled": "9.3.0"})["cudnn_tf_versions"].startswith("2.18")
    # a cuDNN no tested build used still bounds the release: 7.5 is older than every 2.x build's from 2.1 on
    assert "cudnn_tf_versions" not in derived_facts({"cudnn_compiled": "7.5.0"})
    assert derived_facts({"cudnn_compiled": "7.5.0"})["cudnn_tf_newest"] < "2.1"


def test_wanted_cuda_from_missing_library_names():
    def wanted(*libs):
        return derived_facts({"missing_libraries": list(libs)}).get("wanted_cuda")

    assert wanted("libcudart.so.10.1") == "10.1"
    assert wanted("libcudart.so.11.0") == "11.x"
    assert wanted("cudart64_110.dll") == "11.x"
    assert wanted("cudart64_101.dll") == "10.1"
    assert wanted("libcudart.so.12") == "12.x"
    assert wanted("libcublas.so.10.0") == "10.0"
    assert wanted("libcublas.so.10") == "10.1-10.2"
    assert wanted("libcusolver.so.10", "libcublas.so.11") == "11.0"  # only CUDA 11.0 has both
    assert wanted("libcufft.so.10", "libcudart.so.11.0") == "11.x"   # the runtime's name decides
    d = derived_facts({"missing_libraries": ["libcudnn.so.8", "libcudart.so.11.0"], "tf_version": "2.3.0"})
    assert d["wanted_cudnn"] == "8" and d["missing_cuda_matches_tf"] == "no"
    d = derived_facts({"missing_libraries": ["libcudart.so.11.0"], "tf_version": "2.9.1"})
    assert d["missing_cuda_matches_tf"] == "yes"


def test_driver_max_cuda():
    assert derived_facts({"driver_version": "418.87"})["driver_max_cuda"] == "10.1"
    assert derived_facts({"driver_version": "470.57.2"})["driver_max_cuda"] == "11.4"  # TF drops the leading 0
    assert derived_facts({"driver_version": "535.104.05"})["driver_max_cuda"] == "12.2"
    assert derived_facts({"driver_version": "531.14", "platform": "windows"})["driver_max_cuda"] == "12.1"


def test_compute_capability_support():
    def cc(cap, tf):
        return derived_facts({"compute_capability": cap, "tf_version": tf}).get("cc_supported")

    assert cc("3.0", "2.3.0") == "no"
    assert cc("5.0", "2.3.1") == "no"          # tensorflow/tensorflow#46537: no sm_50 in the 2.3 wheels
    assert cc("5.2", "2.3.1") == "yes"
    assert cc("3.7", "2.10.0") == "yes"        # sm_35 runs on 3.7
    assert cc("8.6", "2.10.0") == "ptx-jit"    # only compute_80 PTX
    assert cc("8.6", "2.16.1") == "yes"
    assert cc("9.0", "2.16.1") == "ptx-jit"
    assert cc("5.0", "2.18.0") == "no"
    assert cc("3.0", "2.14.0") == "no"         # CUDA 11.8 cannot compile for 3.0 at all
    assert cc("3.5", "2.14.0") is None         # 2.14's wheel list is not known
    assert derived_facts({"compute_capability": "5.0"})["cc_tf_versions"] == "2.4-2.13, 2.15-2.17"
    assert "cc_tf_versions" not in derived_facts({"compute_capability": "3.0"})


def test_python_support():
    d = derived_facts({"python_version": "3.12.1", "tf_version": "2.15.0"})
    assert d["python_supported"] == "no" and d["python_tf_versions"] == "2.16-2.21"
    assert derived_facts({"python_version": "3.8.10", "tf_version": "2.3.0"})["python_supported"] == "yes"
    assert derived_facts({"python_version": "2.7", "tf_version": "2.1.0"})["python_supported"] == "yes"
    assert derived_facts({"python_version": "2.7", "tf_version": "2.1.0", "platform": "windows"})["python_supported"] == "no"
    # native Windows after 2.10 has no GPU row: Python support comes from the release's (Linux) row
    assert derived_facts({"python_version": "3.11", "tf_version": "2.15.0", "platform": "windows"})["python_supported"] == "yes"
    assert derived_facts({"python_version": "3.7"})["python_tf_versions"] == "1.13-2.11"
    assert "python_tf_versions" not in derived_facts({"python_version": "3.14"})


def test_the_no_avx_release_comes_from_the_tables():
    """The "last build without AVX" a fix names is the release before the tested builds' avx_required fact, and its
    newest Python the next listed release's (1.5 has no Python range of its own): a table change moves both."""
    import copy

    tables = copy.deepcopy(load_tables())
    overview = Compat(tables).release_overview()
    assert (overview["no_avx_tf"], overview["no_avx_python"]) == ("1.5", "3.6")
    next(f for f in tables["tested_builds"]["facts"] if f["id"] == "avx_required")["tf"] = "2.0"
    overview = Compat(tables).release_overview()
    assert (overview["no_avx_tf"], overview["no_avx_python"]) == ("1.15", "3.7")
    log = "Python 3.6.9\nIllegal instruction (core dumped)\n"
    fixes = [f for x in analyze(log).findings for f in x.fixes]
    assert any("TensorFlow 1.5 (the last official build without AVX; Python <= 3.6)" in f for f in fixes), fixes
    # on a Python that release has no wheel for, the fix is not shown
    fixes = [f for x in analyze("Python 3.11.4\nIllegal instruction (core dumped)\n").findings for f in x.fixes]
    assert fixes and not any("without AVX;" in f for f in fixes), fixes


# ---------------------------------------------------------------- end to end: the rules name the versions

TF23_LOG = """\
2020-09-01 10:00:00.000000: I tensorflow/core/platform/cpu_feature_guard.cc:142] This TensorFlow binary is optimized with oneAPI Deep Neural Network Library (oneDNN) to use the following CPU instructions in performance-critical operations:  AVX2 FMA
TensorFlow version: 2.3.0
2020-09-01 10:00:00.100000: I tensorflow/stream_executor/platform/default/dso_loader.cc:48] Successfully opened dynamic library libcuda.so.1
2020-09-01 10:00:00.200000: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1716] Found device 0 with properties: 
pciBusID: 0000:01:00.0 name: GeForce RTX 2080 Ti computeCapability: 7.5
coreClock: 1.545GHz coreCount: 68 deviceMemorySize: 10.76GiB deviceMemoryBandwidth: 573.69GiB/s
2020-09-01 10:00:00.300000: W tensorflow/stream_executor/platform/default/dso_loader.cc:59] Could not load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file: No such file or directory; LD_LIBRARY_PATH: /usr/local/cuda/lib64
2020-09-01 10:00:00.400000: W tensorflow/core/common_runtime/gpu/gpu_device.cc:1753] Cannot dlopen some GPU libraries. Please make sure the missing libraries mentioned above are installed properly if you would like to use GPU. Follow the guide at https://www.tensorflow.org/install/gpu for how to download and setup the required libraries for your platform.
Skipping registering GPU devices...
"""  # noqa: W291 - TF writes "with properties: " with its trailing space


def test_tf23_missing_cudart_names_the_versions_that_work_together():
    report = analyze(TF23_LOG)
    root = report.root
    assert root is not None and root.rule_id == "linkage-cudart-missing" and root.severity == "error"
    assert "TensorFlow 2.3.0 was built for CUDA 10.1 and cuDNN 7.6" in root.explanation
    assert "belong to CUDA 11.x" in root.explanation
    assert any("CUDA 10.1" in f and "cuDNN 7.6" in f for f in root.fixes)
    assert any("418.39" in f for f in root.fixes)               # the driver CUDA 10.1 needs
    assert any("probably not 2.3.0" in f for f in root.fixes)   # the 11.0 name does not fit TF 2.3
    assert report.facts["tf_built_cuda"] == "10.1" and report.facts["wanted_cuda"] == "11.x"


def test_tf_version_from_a_site_packages_path():
    log = TF23_LOG.replace("TensorFlow version: 2.3.0\n",
                           "  File \"/home/u/.venv/lib/python3.8/site-packages/tensorflow_gpu-2.3.0.dist-info\"\n")
    report = analyze(log)
    assert report.facts["tf_version"] == "2.3.0" and report.facts["python_version"] == "3.8"
    assert report.facts["python_supported"] == "yes"
    assert "CUDA 10.1 and cuDNN 7.6" in report.root.explanation


def test_driver_too_old_names_the_minimum_driver():
    log = (
        "TensorFlow version: 2.4.1\n"
        "2021-01-10 10:00:00.100000: I tensorflow/stream_executor/platform/default/dso_loader.cc:49] Successfully opened dynamic library libcudart.so.11.0\n"
        "2021-01-10 10:00:00.200000: I tensorflow/stream_executor/cuda/cuda_diagnostics.cc:200] kernel reported version is: 418.87.0\n"
        "tensorflow.python.framework.errors_impl.InternalError: cudaGetDevice() failed. Status: CUDA driver version is insufficient for CUDA runtime version\n"
    )
    root = analyze(log).root
    assert root.rule_id == "driver-insufficient-for-runtime"
    assert "needs NVIDIA driver >= 450.51.05 on Linux" in root.explanation
    assert ">= 450.80.02" in root.explanation                 # CUDA 11 minor-version compatibility
    assert "up to 10.1" in root.explanation                   # what driver 418.87 can run
    assert any(f.startswith("Install NVIDIA driver >= 450.51.05") for f in root.fixes)
    assert any("built for CUDA 10.1 or older" in f for f in root.fixes)


def test_unsupported_gpu_names_the_architectures_and_releases():
    log = ("tensorflow version: 2.18.0\n"
           "2024-12-01 10:00:00.123456: W tensorflow/core/common_runtime/gpu/gpu_device.cc:2015] Ignoring visible gpu device "
           "(device: 0, name: Quadro K2200, pci bus id: 0000:03:00.0, compute capability: 5.0) with Cuda compute capability 5.0. "
           "The minimum required Cuda capability is 6.0.\n")
    root = analyze(log).root
    assert root.rule_id == "gpu-compute-capability-too-low"
    assert "sm_60, sm_70, sm_80, sm_89, compute_90" in root.explanation
    assert any("2.4-2.13, 2.15-2.17" in f for f in root.fixes)


def test_unsupported_python_names_the_releases_that_support_it():
    log = ("Python 3.7.3\n"
           "ERROR: Could not find a version that satisfies the requirement tensorflow==2.16.1 (from versions: 1.14.0, 2.0.0, 2.11.0)\n"
           "ERROR: No matching distribution found for tensorflow==2.16.1\n")
    root = analyze(log).root
    assert root.rule_id == "install-pip-no-matching-distribution"
    assert "support Python 3.7.3: 1.13-2.11" in root.explanation
    assert "TensorFlow 2.16.1 is built for Python 3.9-3.12" in root.explanation


def test_keras2_requirement_follows_the_tf_release():
    """Keras 2 code needs TF's own keras pin up to 2.14 and tf-keras of the same minor from 2.15."""
    def req(tf):
        return derived_facts({"tf_version": tf}).get("keras2_requirement")
    assert req("2.13.0") == "keras>=2.13.1,<2.14"   # 2.13's pin starts at 2.13.1 (the table's note)
    assert req("2.8.2") == "keras>=2.8.0rc0,<2.9"   # a templated row, filled in for the minor
    assert req("2.15.1") == "tf-keras~=2.15.0"
    assert req("2.17.0") == "tf-keras~=2.17.0"
    assert req("2.4.0") is None                     # tf.keras lived inside TF: no package to pin
    assert req("2.99.0") is None                    # a release the tables do not know


def test_keras_requirement_is_the_one_the_tf_wheel_declares():
    def req(tf):
        return derived_facts({"tf_version": tf}).get("keras_requirement")
    assert req("2.6.0") == "keras>=2.6.0,<2.7"
    assert req("2.13.0") == "keras>=2.13.1,<2.14"   # 2.13.1, not 2.13.0, as TF 2.13's metadata says
    assert req("2.16.1") == "keras>=3.0.0"
    assert req("2.4.1") is None and req("2.5.0") is None  # tf.keras lived inside TF: no keras package declared


def test_protobuf_requirement_is_the_one_the_tf_wheel_declares():
    def req(tf):
        return derived_facts({"tf_version": tf}).get("protobuf_requirement")
    assert req("2.10.1") == "protobuf>=3.9.2,<3.20"
    assert req("2.18.0").startswith("protobuf>=3.20.3,<6.0.0dev")
    assert req("2.20.0") == "protobuf>=5.28.0"
    assert req("2.3.0") is None                     # no row for it: no requirement is invented


def test_missing_tf_keras_gets_the_tf_keras_of_the_logged_release():
    line = "ModuleNotFoundError: No module named 'tf_keras'\n"
    root = analyze("TensorFlow version: 2.17.0\n" + line).root
    assert root.rule_id == "deps-tf-keras-not-installed"
    assert any('pip install "tf-keras~=2.17.0"' in f for f in root.fixes)
    older = analyze("TensorFlow version: 2.13.0\n" + line).root
    assert not any("tf-keras~=" in f for f in older.fixes)  # no tf-keras exists for 2.13
    assert any("older" in f for f in older.fixes)


def test_report_with_derived_facts_matches_the_schema():
    jsonschema = pytest.importorskip("jsonschema")
    from conftest import ROOT

    schema = json.loads((ROOT / "analyzer" / "schema" / "report.schema.json").read_text())
    data = analyze(TF23_LOG).to_dict()
    assert "tf_built_cuda" in data["facts"]
    jsonschema.validate(data, schema)


def test_derived_facts_sit_beside_what_the_log_states():
    """The log's own build facts stay as stated; the tested-build facts are added under their own names."""
    report = analyze("TensorFlow version: 2.3.0\nCUDA_VERSION='11.0'\n")
    assert report.facts["cuda_compiled"] == "11.0"
    assert report.facts["tf_built_cuda"] == "10.1"
    assert "tf_built_cuda" not in report.fact_evidence  # evidence is for what the log says


def test_driver_fix_follows_the_runtime_when_the_build_is_not_the_official_one():
    """nvidia-tensorflow 1.15 runs CUDA 11: the official 1.15 wheel's CUDA 10.0 driver minimum would mislead."""
    log = ("- TensorFlow version:1.15\n"
           "2022-01-10 10:00:00.100000: I tensorflow/stream_executor/platform/default/dso_loader.cc:49] Successfully opened dynamic library libcudart.so.11.4\n"
           "cudaGetDevice() failed. Status: CUDA driver version is insufficient for CUDA runtime version\n")
    root = analyze(log).root
    assert root.rule_id == "driver-insufficient-for-runtime"
    assert any(f.startswith("Install NVIDIA driver >= 470.42.01") for f in root.fixes)
    assert not any(f.startswith("Install NVIDIA driver >= 410.48") for f in root.fixes)


def test_a_pip_list_cut_by_the_platform_is_told_from_one_cut_by_the_python():
    """pip's "(from versions: ...)": a list that stops below the release asked for, where the next release supports
    every Python the newest offered one supports, is the platform's limit (Intel macOS stops at 2.16.2:
    first_sight_2's three logs); a list cut by the Python, a request below the list's top, a later minor's
    pre-release in the list, or no request at all claim nothing."""
    c = compat()
    intel_mac = "2.15.0, 2.15.1, 2.16.0rc0, 2.16.1, 2.16.2"
    assert c.offered_limit(intel_mac, "2.19.0") == {"newest_offered": "2.16.2", "offered_limit": "platform"}
    assert "offered_limit" not in c.offered_limit(intel_mac, "")  # nothing asked for beyond the list
    assert "offered_limit" not in c.offered_limit("2.12.0, 2.16.1", "1.15")  # the request is below the list's top
    assert "offered_limit" not in c.offered_limit("2.3.0, 2.4.1, 2.5.0rc3", "2.6.0")  # 2.5 exists here: the list's age
    # Python 3.8's list stops at 2.13.1: 2.14 drops 3.8, so the Python stops it
    assert "offered_limit" not in c.offered_limit("2.12.0, 2.13.0, 2.13.1", "2.16.1")
    log = ("ERROR: Could not find a version that satisfies the requirement tensorflow==2.19.0 (from versions: " + intel_mac
           + ")\nERROR: No matching distribution found for tensorflow==2.19.0\n")
    fixes = [fix for f in analyze(log).findings for fix in f.fixes]
    assert any('pip install "tensorflow==2.16.2"' in fix for fix in fixes), fixes
    assert not any("Use a 64-bit Python in the supported range" in fix for fix in fixes), fixes
    # the retired tensorflow-gpu package's list stops for another reason
    fixes = [fix for f in analyze(log.replace("tensorflow==", "tensorflow-gpu==")).findings for fix in f.fixes]
    assert not any("what stops pip is this platform" in fix for fix in fixes), fixes


def test_the_release_facts_lint_trusts_are_the_ones_the_tables_give():
    """`tflog rules lint` lets a line name only RELEASE_FACTS and still count as one that always survives: every one of
    them must come from the tables in every report, and no other."""
    from analyzer.kb.compat import RELEASE_FACTS

    assert set(compat().release_overview()) == set(RELEASE_FACTS)


def test_the_wheel_table_is_written_from_pypis_file_names(tmp_path):
    """scripts/wheel_table.py turns the wheel file names of PyPI's simple index into the table compat reads: final
    releases only, yanked files left out, manylinux aarch64 and macOS arm64 as arm64, macOS 'intel' as x86_64."""
    import subprocess
    import sys
    from pathlib import Path

    import yaml

    names = [
        "tensorflow-2.13.0-cp310-cp310-macosx_12_0_arm64.whl",
        "tensorflow-2.13.0-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
        "tensorflow-2.13.0-cp39-cp39-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "tensorflow-2.13.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "tensorflow-2.14.0rc0-cp310-cp310-win_amd64.whl",
        "tensorflow-2.3.0-cp35-cp35m-macosx_10_11_intel.whl",
        "tensorflow-2.3.0-cp38-cp38-win_amd64.whl",
        "tensorflow-2.13.0.tar.gz",
    ]
    files = [{"filename": n, "yanked": False} for n in names] + [{"filename": "tensorflow-2.3.0-cp37-cp37m-win_amd64.whl", "yanked": "bad"}]
    (tmp_path / "tensorflow.json").write_text(json.dumps({"files": files}))
    out = tmp_path / "wheels.yaml"
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, str(root / "scripts" / "wheel_table.py"), "--index", str(tmp_path), "--out", str(out)], check=True)
    written = yaml.safe_load(out.read_text())
    assert written["tensorflow"] == {
        "2.13": {"macos-arm64": "3.10", "linux-arm64": "3.11", "linux-x86_64": "3.9-3.10"},
        "2.3": {"macos-x86_64": "3.5", "windows-x86_64": "3.8"},
    }
    assert written["addons"] is None  # (no add-on's index in the folder: none listed)
    # an add-on's wheels (its file names spell it with underscores; tensorflow_io_gcs_filesystem is another package)
    addon = ["tensorflow_io-0.37.1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "tensorflow_io-0.37.1-cp311-cp311-macosx_12_0_arm64.whl",
             "tensorflow_io_gcs_filesystem-0.37.1-cp312-cp312-win_amd64.whl"]
    (tmp_path / "tensorflow-io.json").write_text(json.dumps({"files": [{"filename": n} for n in addon]}))
    subprocess.run([sys.executable, str(root / "scripts" / "wheel_table.py"), "--index", str(tmp_path), "--out", str(out)], check=True)
    assert yaml.safe_load(out.read_text())["addons"]["tensorflow-io"] == {
        "source": "https://pypi.org/simple/tensorflow-io/", "0.37": {"linux-x86_64": "3.12", "macos-arm64": "3.11"}}


def test_the_tested_build_facts_agree_with_pypis_files(c):
    """Two facts the tested-builds table states in words are also in PyPI's file names: the last TF with Intel macOS
    wheels and the last tensorflow-text with native-Windows ones. Both sources must say the same."""
    last_x86_mac = max(k for k, cells in c.platform_wheels.items() if "macos-x86_64" in cells)
    assert f"{last_x86_mac[0]}.{last_x86_mac[1]}" == compat().release_overview()["macos_x86_last_tf"]
    last_text_windows = max(k for k, cells in c.addon_wheels["tensorflow-text"].items() if "windows-x86_64" in cells)
    assert f"{last_text_windows[0]}.{last_text_windows[1]}" == compat().release_overview()["text_windows_last_tf"]


@pytest.mark.parametrize("facts, python, platform, arch, want", [
    # tensorflow-text 2.13: Linux and Intel macOS only (the release asked for)
    ({"requested_version": "==2.13.0"}, None, None, None,
     {"addon_release": "2.13.0", "addon_release_wheels": "linux-x86_64 (Python 3.8-3.10), macos-x86_64 (Python 3.8-3.10)"}),
    # native Windows with Python 3.7.7: the releases 2.4-2.10 had wheels for it
    ({}, "3.7.7", "windows", "x86_64", {"addon_here": "Python 3.7.7 on windows-x86_64", "addon_releases_here": "2.4-2.10"}),
    # no release for Python 3.12 on Windows: which Pythons there are
    ({}, "3.12", "windows", None, {"addon_releases_here": "none", "addon_pythons_here": "3.6-3.10"}),
])
def test_an_addon_pip_cannot_find_is_read_against_its_own_wheels(facts, python, platform, arch, want):
    from analyzer.kb.compat import finding_derived_facts

    got = finding_derived_facts({"package": "tensorflow-text", **facts}, python, platform, arch)
    assert {k: got.get(k) for k in want} == want


@pytest.mark.parametrize("requested, python, releases, pythons, fits", [
    # rasa's pin (first_sight_11): TF 2.1 only, whose wheels stop at Python 3.7
    ("<2.2,>=2.1", "3.8", "2.1", "2.7, 3.5-3.7", "no"),
    # deephyper's (first_sight_21): patch bounds still allow each minor they touch
    ("<=1.15.2,>=1.13.1", "3.8", "1.13-1.15", "2.7, 3.3-3.7", "no"),
    # "~=2.9" is 2.9 up to 2.*, not 2.9 alone; Python 3.11 has wheels of 2.12 and later
    ("~=2.9", "3.11", None, None, "yes"),
    # a range open above stops no Python by itself: its releases are not listed, but whether one fits is
    (">=1.8.0", "3.7", None, None, "yes"),
])
def test_a_requested_range_resolves_to_its_releases_and_their_pythons(requested, python, releases, pythons, fits):
    from analyzer.kb.compat import finding_derived_facts

    got = finding_derived_facts({"package": "tensorflow", "requested_version": requested}, python)
    assert got.get("requested_releases") == releases and got.get("requested_python") == pythons
    assert got["requested_fits_python"] == fits
    assert "requested_release" not in got  # (a range is no one release: the pin's fixes stay for "==X")


def test_a_pinned_release_stays_one_release():
    from analyzer.kb.compat import finding_derived_facts

    got = finding_derived_facts({"package": "tensorflow", "requested_version": "==1.15.0"}, "3.8")
    assert got["requested_release"] == "1.15.0" and got["requested_fits_python"] == "no" and "requested_releases" not in got
    assert finding_derived_facts({"package": "tensorflow", "requested_version": "~=2.4.1"}, "3.8")["requested_release"] == "2.4.1"


def test_the_first_arm64_releases_rules_name_are_pypis(c):
    """Rule texts say TensorFlow has Apple-silicon wheels from 2.13 and Linux-ARM ones from 2.10
    (install-pip-conflict-no-tensorflow-here, install-illegal-instruction): PyPI's files must say the same."""
    first = {plat: min(k for k, cells in c.platform_wheels.items() if plat in cells) for plat in ("macos-arm64", "linux-arm64")}
    assert first == {"macos-arm64": (2, 13), "linux-arm64": (2, 10)}
    rules = (compat_dir().parent / "install.yaml").read_text()
    assert "for Apple silicon from TF 2.13" in rules and "for ARM CPUs elsewhere from TF 2.10" in rules


def test_a_pinned_releases_pythons_are_its_wheels_where_pypi_lists_them():
    """pip installs wheels, so a release's Pythons are its wheels' (rules/compat/wheel_platforms.yaml, written from PyPI)
    before its tested build's row: TF 1.15's tested builds say Python 3.3-3.7, but its wheels are 2.7 and 3.5-3.7."""
    from analyzer.kb.compat import finding_derived_facts

    got = finding_derived_facts({"package": "tensorflow", "requested_version": "==1.15.0"}, "3.8")
    assert got["requested_python"] == "2.7, 3.5-3.7" and got["requested_fits_python"] == "no"


def test_a_releases_pythons_are_none_where_it_has_no_wheel_for_the_machine():
    """tf_python is the Pythons of the release's wheels for this platform and CPU: TF 2.9 has no Linux aarch64 wheel
    (PyPI's files; the first came with 2.10), so none, not the tested build's 3.7-3.10; on x86_64 Linux its wheels'."""
    from analyzer.kb.compat import derived_facts

    assert "tf_python" not in derived_facts({"tf_version": "2.9.0", "platform": "linux", "cpu_arch": "arm64"})
    assert derived_facts({"tf_version": "2.9.0", "platform": "linux"})["tf_python"] == "3.7-3.10"


def test_keras_moved_looks_up_names_submodules_and_parent_modules(c):
    """packages.yaml keras_moved: a name missing from a module, a submodule imported as a name, and a module under a
    module that is gone (keras.engine.base_layer in Keras 3) each find their row; a name no row lists finds none."""
    assert c.keras_moved("keras.preprocessing.sequence", "pad_sequences")["keras_moved_in"] == "2.9-2.15"
    assert c.keras_moved("keras.utils", "np_utils")["keras_moved_what"] == "keras.utils.np_utils"
    assert c.keras_moved("keras.engine.base_layer")["keras_moved_what"] == "keras.engine"
    assert c.keras_moved("keras.engine", "Layer")["keras_moved_in"] == "2.6-2.15"
    assert c.keras_moved("keras.layers", "Dense") == {} and c.keras_moved("tensorflow.keras.utils", "to_categorical") == {}
    # the moved module imported as a name (Keras 1's `merge`): no name inside it to suggest, so none is made up
    assert "import merge" not in c.keras_moved("keras.layers", "merge")["keras_moved_use"]
    assert c.keras_moved("keras.layers.merge", "Concatenate")["keras_moved_use"].startswith("`from keras.layers import Concatenate`")


@pytest.mark.parametrize("tf, numpy", [
    ("2.9.3", "numpy>=1.20,<2"),  # the wheel declares no upper bound; known_bad: NumPy 2 with TF <= 2.17 fails
    ("2.14.0", "numpy>=1.23.5,<2"),
    ("2.15.0", "numpy>=1.23.5,<2.0.0"),  # the wheel's own cap stays as it is
    ("2.6.0", "numpy~=1.19.2"),  # ~= is bounded already
    ("2.21.0", "numpy>=1.26.0"),  # no known_bad entry for this release: nothing invented
])
def test_a_requirement_without_an_upper_bound_is_capped_where_known_bad_says_it_breaks(c, tf, numpy):
    """Batch 50's advice audit: a pip fix restored TF 2.9's `numpy>=1.20` and let NumPy 2 in, which known_bad says
    breaks every TF <= 2.17."""
    assert c.package_requirement("numpy", tf) == numpy
