"""Log-format eras: `example_era` reads a line's era, rules declare `eras:`, lint keeps the two in step."""
from __future__ import annotations

import textwrap

import pytest

from analyzer import load_knowledge_base
from analyzer.authoring.check import check_eras, example_era, lint
from analyzer.kb.rules import ERAS, RuleError, load_rules, rules_from_data, rules_to_data

from conftest import tflog

# Real-format lines, most of them quoted in ../shared/reference/message_catalog.md (section 0).
ERA_LINES = [
    # TF <= 1.13: dso_loader.cc directly under stream_executor (dated or not), or a date before TF 1.14
    ("I tensorflow/stream_executor/dso_loader.cc:135] successfully opened CUDA library libcublas.so.8.0 locally", "tf1"),
    ("2017-12-30 21:18:14.444577: I tensorflow/stream_executor/cuda/cuda_gpu_executor.cc:892] successful NUMA node read "
     "from SysFS had negative value (-1), but there must be at least one NUMA node, so returning NUMA node zero", "tf1"),
    ("2017-08-15 15:06:22.471291: W tensorflow/core/common_runtime/bfc_allocator.cc:273] Allocator (GPU_0_bfc) ran out "
     "of memory trying to allocate 392.00MiB.  Current allocation summary follows.", "tf1"),
    # TF 1.14-2.10
    ("2021-03-13 00:00:28.101487: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load "
     "dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file", "stream_executor"),
    ("2020-08-18 14:59:02.848823: E tensorflow/stream_executor/cuda/cuda_dnn.cc:329] Could not create cudnn handle: "
     "CUDNN_STATUS_INTERNAL_ERROR", "stream_executor"),
    ("2021-09-29 15:10:14.819592: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1510] Created device "
     "/job:localhost/replica:0/task:0/device:GPU:0 with 15511 MB memory:  -> device: 0", "stream_executor"),
    # a stream_executor path in a later year is still TF <= 2.10 (the path decides, the date only picks within it)
    ("2023-11-28 16:42:02.591947: E tensorflow/stream_executor/cuda/cuda_driver.cc:328] failed call to cuInit: "
     "CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected", "stream_executor"),
    # TF 2.11-2.14
    ("2023-12-05 09:29:18.697209: E tensorflow/compiler/xla/stream_executor/cuda/cuda_dnn.cc:9342] Unable to register "
     "cuDNN factory: Attempting to register factory for plugin cuDNN when one has already been registered", "compiler_xla"),
    ("2024-06-28 00:03:52.493638: I tensorflow/tsl/cuda/cudart_stub.cc:28] Could not find cuda drivers on your machine, "
     "GPU will not be used.", "compiler_xla"),
    ("2023-05-01 10:00:00.000000: E tensorflow/core/util/util.cc:131] oneDNN supports DT_INT64 only on platforms with "
     "AVX-512. Falling back to the default Eigen-based implementation if present.", "compiler_xla"),
    # TF 2.15+ (dated TSL prefix)
    ("2025-03-14 01:09:32.786351: E external/local_xla/xla/stream_executor/cuda/cuda_fft.cc:477] Unable to register "
     "cuFFT factory: Attempting to register factory for plugin cuFFT when one has already been registered", "local_xla"),
    ("2024-01-01 10:00:00.123456: I external/local_tsl/tsl/cuda/cudart_stub.cc:31] Could not find cuda drivers on your "
     "machine, GPU will not be used.", "local_xla"),
    ("2025-03-01 10:00:00.123456: I external/local_xla/xla/tsl/cuda/cudart_stub.cc:31] Could not find cuda drivers on "
     "your machine, GPU will not be used.", "local_xla"),
    # absl prefix, basename only
    ("E0000 00:00:1741914572.807962   15788 cuda_dnn.cc:8310] Unable to register cuDNN factory: Attempting to register "
     "factory for plugin cuDNN when one has already been registered", "absl"),
    ("I0000 00:00:1787695386.314299      23 gpu_device.cc:2020] Created device /job:localhost/replica:0/task:0/device:"
     "GPU:0 with 13942 MB memory:  -> device: 0, name: Tesla T4", "absl"),
    # Windows: backslash source paths (official TF 1.x, self-built) and .dll names
    ("2018-03-23 03:03:10.326902: E C:\\tf_jenkins\\workspace\\rel-win\\M\\windows-gpu\\PY\\36\\tensorflow\\"
     "stream_executor\\cuda\\cuda_dnn.cc:385] could not create cudnn handle: CUDNN_STATUS_ALLOC_FAILED", "windows"),
    ("2021-03-13 00:00:28.101487: I tensorflow/stream_executor/platform/default/dso_loader.cc:49] Successfully opened "
     "dynamic library cudart64_110.dll", "windows"),
    ("2019-11-12 17:24:15.359932: W .\\tensorflow/core/common_runtime/gpu/gpu_host_allocator.h:44] could not allocate "
     "pinned host memory of size: 8589934592", "windows"),
    ("ImportError: Could not find 'cudart64_100.dll'. TensorFlow requires that this DLL be installed in a directory "
     "that is named in your %PATH% environment variable.", "windows"),
]

NO_ERA_LINES = [
    "tensorflow.python.framework.errors_impl.ResourceExhaustedError: OOM when allocating tensor with shape[32,64]",
    "Traceback (most recent call last):",
    "ERROR: Could not find a version that satisfies the requirement tensorflow (from versions: none)",
    "W0908 21:04:10.556662 140574602528576 deprecation_wrapper.py:119] From train.py:12: The name tf.Session is "
    "deprecated.",  # Python's absl logging names a .py file: no TF C++ era
    # tensorflow/core never moved: without a date nothing says which TF printed it
    "E tensorflow/core/common_runtime/gpu/gpu_device.cc:1510] Created device /job:localhost/replica:0/task:0/device:GPU:0",
    "14:36:39.040164: W tensorflow/compiler/tf2tensorrt/utils/py_utils.cc:38] TF-TRT Warning: Could not find TensorRT",
    # not TensorFlow's own source tree
    "2023-10-26 12:12:06.704113: E hybridbackend/tensorflow/distribute/nccl/nccl_collective.cc:461] NCCL communication "
    "aborted: unhandled system error",
]


@pytest.mark.parametrize("line,era", ERA_LINES, ids=lambda x: x[:40] if len(x) > 20 else x)
def test_example_era_reads_the_era_of_each_format(line, era):
    assert example_era(line) == era


@pytest.mark.parametrize("line", NO_ERA_LINES, ids=lambda x: x[:40])
def test_lines_without_a_tf_cpp_prefix_have_no_era(line):
    assert example_era(line) is None


def test_the_date_picks_the_era_of_paths_that_never_moved():
    line = "{}: W tensorflow/core/common_runtime/gpu/gpu_device.cc:1] Cannot dlopen some GPU libraries."
    assert example_era(line.format("2019-06-17 10:00:00.000000")) == "tf1"
    assert example_era(line.format("2019-06-18 10:00:00.000000")) == "stream_executor"
    assert example_era(line.format("2022-11-18 10:00:00.000000")) == "compiler_xla"
    assert example_era(line.format("2023-11-14 10:00:00.000000")) == "local_xla"


def test_every_era_has_a_description_and_every_builtin_claim_is_an_era():
    assert all(isinstance(d, str) and d for d in ERAS.values())
    kb = load_knowledge_base()
    assert {e for r in kb.rules for e in r.eras} <= set(ERAS)
    assert sum(1 for r in kb.rules if r.eras) >= 50


def test_eras_survive_the_on_disk_cache_form():
    kb = load_knowledge_base()
    again = rules_from_data(rules_to_data(kb))
    assert {r.id: r.eras for r in again.rules} == {r.id: r.eras for r in kb.rules}


RULE = """
- id: my-widget-broke
  category: cuda.runtime_fault
  severity: error
  title: The widget broke
  match: ['widget (?P<widget>\\w+) broke down']
  explanation: Widget {{widget}} broke.
  fixes: ['Replace widget {{widget}}.']
  references: [https://example.org/widget]
  eras: {eras}
  examples:
    match:
      - '2020-05-01 10:00:00.123456: E tensorflow/stream_executor/cuda/cuda_driver.cc:1] widget alpha broke down'
      - 'E0000 00:00:1741914572.807962   15788 cuda_driver.cc:1] widget alpha broke down'
    no_match: ['widget alpha is fine']
"""


def write(tmp_path, eras: str):
    d = tmp_path / "rules"
    d.mkdir(exist_ok=True)
    (d / "mine.yaml").write_text(textwrap.dedent(RULE.format(eras=eras)))
    return d


def problems_of(d):
    kb = load_rules([d])
    return check_eras(kb.get("my-widget-broke"), kb)


def test_claims_matching_the_examples_are_clean(tmp_path):
    assert problems_of(write(tmp_path, "[stream_executor, absl]")) == []


def test_a_claimed_era_without_an_example_is_reported(tmp_path):
    problems = problems_of(write(tmp_path, "[stream_executor, absl, local_xla]"))
    assert len(problems) == 1 and "claims era 'local_xla'" in problems[0] and "\n" not in problems[0]


def test_an_example_in_an_unclaimed_era_is_reported(tmp_path):
    problems = problems_of(write(tmp_path, "[stream_executor]"))
    assert len(problems) == 1 and "example in era 'absl'" in problems[0] and "E0000" in problems[0]


def test_a_rule_without_eras_must_claim_its_examples_eras(tmp_path):
    d = write(tmp_path, "[]")
    problems = problems_of(d)
    assert len(problems) == 2 and all("does not claim" in p for p in problems)


def test_lint_cli_names_rule_and_era(tmp_path):
    d = write(tmp_path, "[stream_executor, absl, windows]")
    p = tflog("rules", "lint", "--rules", d)
    out = p.stdout.decode()
    assert p.returncode == 1
    line = next(l for l in out.splitlines() if "my-widget-broke" in l)
    assert ": eras: " in line and "'windows'" in line
    assert not any(l for l in out.splitlines() if ": eras: " in l and "my-widget-broke" not in l)  # built-ins clean


@pytest.mark.parametrize("eras,expect", [
    ("[tf2]", "'tf2' is not an era"),
    ("[absl, absl]", "an era is listed twice"),
    ("absl-era", "'absl-era' is not an era"),
    ("{absl: 1}", "expected a list of strings"),
])
def test_bad_eras_name_file_rule_and_field(tmp_path, eras, expect):
    d = write(tmp_path, eras)
    with pytest.raises(RuleError) as e:
        load_rules([d])
    msg = str(e.value)
    assert str(d / "mine.yaml") in msg and "rule my-widget-broke: field 'eras'" in msg and expect in msg


@pytest.mark.parametrize("command", [("rules", "lint"), ("analyze",)])
def test_unknown_era_via_cli_is_one_line_exit_2(tmp_path, command):
    d = write(tmp_path, "[tf2]")
    log = tmp_path / "a.log"
    log.write_text("hello\n")
    p = tflog(*command, "--rules", d, *([log] if command == ("analyze",) else []))
    err = p.stderr.decode()
    assert p.returncode == 2
    assert err.startswith("tflog: error: ") and "field 'eras'" in err and err.count("\n") == 1


def test_builtin_lint_has_no_era_problems():
    kb = load_knowledge_base()
    assert [str(p) for p in lint(kb) if p.check == "eras"] == []
