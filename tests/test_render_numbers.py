"""Advice a person can follow: byte counts for people, the OOM arithmetic, fixes said once and
at most three by default, `--brief`, and a summary that counts causes. Through the real CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import tflog, tflog_json

# A TF 2.12-style GPU OOM: the allocator's warning, a shortened dump with its Stats block, then
# the op's error. The numbers agree with each other: shape[48,96,128,128] float is 48*96*128*128*4
# = 301989888 bytes = 288.00 MiB (the allocator's "rounded to"); Limit - InUse = 205520896 bytes
# (196.00 MiB) free; one sample is 6291456 bytes (6.00 MiB), so a batch of 32 would have fit.
OOM_LOG = """\
2023-05-02 14:21:07.118204: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1635] Created device /job:localhost/replica:0/task:0/device:GPU:0 with 10240 MB memory:  -> device: 0, name: NVIDIA GeForce RTX 3080 Ti, pci bus id: 0000:01:00.0, compute capability: 8.6
Epoch 1/10
2023-05-02 14:21:19.402117: W tensorflow/tsl/framework/bfc_allocator.cc:485] Allocator (GPU_0_bfc) ran out of memory trying to allocate 288.00MiB (rounded to 301989888)requested by op model/conv2d_3/Conv2D
2023-05-02 14:21:19.402301: I tensorflow/tsl/framework/bfc_allocator.cc:1039] BFCAllocator dump for GPU_0_bfc
2023-05-02 14:21:19.402330: I tensorflow/tsl/framework/bfc_allocator.cc:1046] Bin (256): \tTotal Chunks: 12, Chunks in use: 12. 3.0KiB allocated for chunks. 3.0KiB in use in bin. 1.1KiB client-requested in use in bin.
2023-05-02 14:21:19.409876: I tensorflow/tsl/framework/bfc_allocator.cc:1101] Sum Total of in-use chunks: 9.81GiB
2023-05-02 14:21:19.409889: I tensorflow/tsl/framework/bfc_allocator.cc:1103] Total bytes in pool: 10737418240 memory_limit_: 10737418240 available bytes: 0 curr_region_allocation_bytes_: 21474836480
2023-05-02 14:21:19.409901: I tensorflow/tsl/framework/bfc_allocator.cc:1108] Stats:\x20
Limit:                     10737418240
InUse:                     10531897344
MaxInUse:                  10600000000
NumAllocs:                        4711
MaxAllocSize:               1073741824
Reserved:                            0
PeakReserved:                        0
LargestFreeBlock:                    0

2023-05-02 14:21:19.410212: W tensorflow/tsl/framework/bfc_allocator.cc:497] ****************************************************************************************************
2023-05-02 14:21:19.410250: W tensorflow/core/framework/op_kernel.cc:1830] OP_REQUIRES failed at conv_ops.cc:1068 : RESOURCE_EXHAUSTED: OOM when allocating tensor with shape[48,96,128,128] and type float on /job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc
"""
OOM_LINE = 19  # the OP_REQUIRES line

# Two test rules with fixes that repeat themselves and each other.
RULES = """\
- id: zztest-gadget-overheated
  category: cudnn.init_failure
  severity: error
  title: Gadget overheated (test rule)
  priority: 90
  match: ['ZZGADGET overheated at (?P<gadget_temp>\\d+) C']
  explanation: The gadget reached {gadget_temp} C.
  fixes:
    - 'Cool the gadget: `gadgetctl fan --speed max`.'
    - 'Cool the gadget -- `gadgetctl fan --speed max`!'
    - 'Clean the gadget''s air intake.'
    - 'Move the gadget away from the window.'
    - 'Update the gadget driver to >= 525.60.13 on Linux.'
    - 'Replace the thermal paste.'
- id: zztest-gadget-throttled
  category: cudnn.version_mismatch
  severity: error
  title: Gadget throttled (test rule)
  priority: 40
  match: ['ZZGADGET throttled']
  explanation: The gadget slowed down.
  fixes:
    - 'Run `gadgetctl fan --speed max` to cool it down.'
    - 'Install a gadget driver >= 525.60.13 (the Linux minimum).'
"""
GADGET_LOG = "start\nZZGADGET overheated at 97 C\nZZGADGET throttled\n"


@pytest.fixture
def oom_log(tmp_path) -> Path:
    f = tmp_path / "train.log"
    f.write_text(OOM_LOG)
    return f


@pytest.fixture
def gadget(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "gadget.yaml").write_text(RULES)
    log = tmp_path / "gadget.log"
    log.write_text(GADGET_LOG)
    return rules, log


def text(*args) -> str:
    p = tflog("analyze", "--format", "text", *args)
    assert p.returncode in (0, 1), p.stderr.decode()
    return p.stdout.decode()


def fix_lines(out: str, title: str) -> list:
    """The 'Fix N:' lines of the root cause titled `title` in a text report."""
    block = out.split(title, 1)[1].split("\nALSO ", 1)[0].split("\nSummary:", 1)[0]
    return re.findall(r"^  Fix \d+: (.*)$", block, re.M)


def test_oom_report_gives_the_memory_numbers_for_people(oom_log):
    out = text(oom_log)
    assert out.startswith("ROOT CAUSE [error] GPU out of memory while allocating a tensor")
    why = out.split("  Why: ", 1)[1].split("  Fix 1:", 1)[0]
    assert "Requested: 288.00 MiB" in why
    assert "limit 10.00 GiB" in why and "in use 9.81 GiB" in why and "free 196.00 MiB" in why
    # the batch estimate, stated as one for this tensor
    assert "Estimate for this tensor alone" in why and "(48) is the batch" in why
    assert "6.00 MiB" in why and "at most 32" in why
    assert "Fix 1: Reduce the batch size from 48 to about 32 or less" in out
    # no raw byte counts reach a person, in the explanation or the fixes
    assert not re.search(r"\b\d{7,} bytes\b", out.split("Symptoms of this:", 1)[0].split("  Why: ", 1)[1])
    assert "10737418240" not in out.split("Symptoms of this:", 1)[0].split("  Why: ", 1)[1]
    assert "GPU memory 10.00 GiB" in out  # the environment line: 10240 MB of device memory


def test_oom_numbers_stay_exact_in_json(oom_log):
    report = tflog_json(oom_log)
    assert report["facts"]["bfc_limit_bytes"] == "10737418240" and report["facts"]["bfc_in_use_bytes"] == "10531897344"
    root = report["findings"][0]
    assert root["rule_id"] == "oom-gpu-allocating-tensor"
    facts = root["facts"]
    assert facts["oom_requested_bytes"] == str(48 * 96 * 128 * 128 * 4) == "301989888"
    assert facts["oom_free_bytes"] == str(10737418240 - 10531897344) == "205520896"
    assert facts["oom_batch"] == "48" and facts["oom_sample_bytes"] == "6291456" and facts["oom_batch_fit"] == "32"
    allocator = next(f for f in report["findings"] if f["rule_id"] == "oom-gpu-bfc-ran-out")
    assert allocator["facts"]["oom_requested_bytes"] == "301989888"  # from "(rounded to 301989888)"
    assert "288.00 MiB" in allocator["explanation"] and "196.00 MiB" in allocator["explanation"]
    assert len(root["fixes"]) > 3  # JSON keeps every fix; the text shows three


def test_oom_without_stats_or_batch_dimension_claims_nothing_it_cannot_know(tmp_path):
    f = tmp_path / "oom.log"
    f.write_text(
        "2019-04-19 19:58:29.664828: W tensorflow/core/framework/op_kernel.cc:1431] OP_REQUIRES failed at "
        "dynamic_stitch_op.cc:132 : Resource exhausted: OOM when allocating tensor with shape[1200000000] and type int32 "
        "on /job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc\n"
    )
    root = tflog_json(f)["findings"][0]
    assert root["facts"]["oom_requested_bytes"] == "4800000000"
    assert not {"oom_free_bytes", "oom_batch", "oom_batch_fit"} & set(root["facts"])
    out = text(f)
    assert "Requested: 4.47 GiB" in out and "Estimate for this tensor" not in out and "free " not in out


REAL_LOGS = Path(__file__).parent / "fixtures" / "real_logs"


def test_a_full_gpu_is_not_called_fragmented():
    """153 B free when 4 B was asked for (gpt-2-simple on Windows, first_sight_28) is a full GPU: the allocator
    rounds every request up to 256 bytes. Fragmentation (and its cuda_malloc_async fix) needs free memory that
    is real (>= 1 MiB) and at least the rounded request."""
    log = next((REAL_LOGS / "first_sight_28").glob("oom-gpu-gpt2simple-bfc-limit-3gb*.log"))
    root = tflog_json(log)["findings"][0]
    assert root["facts"]["oom_free_bytes"] == "153" and "oom_fragmented" not in root["facts"]
    assert root["fixes"][0].startswith("The memory TensorFlow may use on this GPU is full: only 153 B of 2.93 GiB")
    assert not any("fragmented" in f or "cuda_malloc_async" in f for f in root["fixes"])


@pytest.mark.parametrize(
    "log, shape",
    [
        # a Jetson Nano's 36 MB pool: the initializer of a 3x3 conv's kernel does not fit (random_op.cc)
        ("first_sight_20/oom-gpu-jetson-nano-tiny-yolo-bfc-limit-37mb.log", "[3,3,512,1024]"),
        # several processes on one Titan X: no dtype in the line, so no byte count either
        ("first_sight_30/oom-gpu-dlc-example-titanx-multiple-processes-3x3x512x512.log", "[3,3,512,512]"),
    ],
)
def test_a_kernel_shaped_tensor_is_not_read_as_a_batch(log, shape):
    """[3,3,512,1024] is a convolution kernel (height, width, in, out): a weight, its gradient or an optimizer
    slot. Advice to cut "the batch of 3" would be nonsense; the fix says when the batch matters at all."""
    root = tflog_json(REAL_LOGS / log)["findings"][0]
    assert root["rule_id"] == "oom-gpu-allocating-tensor"
    assert root["facts"]["oom_weight_shape"] == shape and "oom_batch" not in root["facts"]
    assert "convolution kernel's shape" in root["explanation"] and "is no batch size" in root["explanation"]
    assert not any("first dimension of" in fix or "Reduce the batch size from" in fix for fix in root["fixes"]), root["fixes"]
    kernel = next(fix for fix in root["fixes"] if fix.startswith(f"The tensor that failed ({shape}) is a convolution kernel"))
    assert "Conv2DBackpropFilter" in kernel and "make the model smaller" in kernel


@pytest.mark.parametrize("shape", ["[1,1,48000,512]", "[64,3,224,224]", "[3,5,512,512]", "[13,13,256,256]"])
def test_shapes_that_are_no_kernel_keep_the_batch_reading(shape):
    """A batch of one Conv1D input ([1,1,width,channels]) looks like a 1x1 kernel, and a batch of 64 images has
    no kernel's shape: neither is called a kernel."""
    from analyzer.pipeline.memory import oom_facts

    assert "oom_weight_shape" not in oom_facts({"oom_shape": shape, "oom_dtype": "float"})


def test_confirm_probes_the_requested_bytes_and_never_prints_none(oom_log):
    p = tflog("analyze", "--confirm", "--format", "json", oom_log)
    assert p.returncode in (0, 1), p.stderr.decode()
    root = json.loads(p.stdout)["findings"][0]
    confirmation = root["confirmation"]
    assert confirmation["probe"] == "gpu_alloc"
    assert confirmation["observed"]["requested_bytes"] == 301989888
    assert "None" not in confirmation["detail"] and "does not say how many bytes" not in confirmation["detail"]
    out = text("--confirm", oom_log)
    assert "Confirmation (gpu_alloc)" in out and "(None)" not in out


def test_brief_is_the_root_cause_its_key_line_and_its_first_fix(oom_log):
    out = text("--brief", oom_log)
    lines = out.splitlines()
    assert len(lines) <= 4, out
    assert lines[0] == "Root cause: GPU out of memory while allocating a tensor (oom-gpu-allocating-tensor)"
    assert lines[1].startswith(f"  {oom_log}:{OOM_LINE}: OP_REQUIRES failed at conv_ops.cc:1068")  # without the log prefix
    assert "OOM when allocating tensor with shape[48,96,128,128]" in lines[1]
    assert lines[2].startswith("  Fix: Reduce the batch size from 48 to about 32 or less")
    assert "Summary" not in out and "Why" not in out
    md = tflog("analyze", "--brief", "--format", "markdown", oom_log).stdout.decode()
    assert md.startswith("**Root cause:** GPU out of memory while allocating a tensor (`oom-gpu-allocating-tensor`)")
    assert f"{oom_log}:{OOM_LINE}:" in md and "**Fix:** Reduce the batch size" in md and len(md.splitlines()) <= 4
    rich = tflog("analyze", "--brief", "--format", "rich", oom_log).stdout.decode()
    assert "Root cause" in rich and "Fix" in rich and "Why" not in rich


def test_brief_on_a_clean_log(tmp_path):
    f = tmp_path / "ok.log"
    f.write_text("Epoch 1/1\n10/10 [==============================] - 1s 5ms/step - loss: 0.1\n")
    assert text("--brief", f) == "No problem found.\n"


def test_brief_and_all_fixes_leave_the_machine_formats_alone(oom_log):
    plain = tflog_json(oom_log)
    assert tflog_json("--brief", oom_log)["findings"] == plain["findings"]
    assert tflog_json("--all-fixes", oom_log)["findings"] == plain["findings"]
    sarif = tflog("analyze", "--format", "sarif", "--brief", oom_log)
    assert sarif.returncode in (0, 1) and json.loads(sarif.stdout)["runs"]


def test_three_fixes_by_default_all_with_all_fixes(gadget):
    rules, log = gadget
    out = text("--rules", rules, log)
    fixes = fix_lines(out, "Gadget overheated (test rule)")
    assert fixes == [
        "Cool the gadget: `gadgetctl fan --speed max`.",
        "Clean the gadget's air intake.",
        "Move the gadget away from the window.",
    ]
    assert "  (2 more fixes with --all-fixes)" in out
    # a hidden fix is not "said before": the next root cause still shows its own version of it
    assert fix_lines(out, "Gadget throttled (test rule)") == ["Install a gadget driver >= 525.60.13 (the Linux minimum)."]
    every = text("--rules", rules, "--all-fixes", log)
    assert fix_lines(every, "Gadget overheated (test rule)") == fixes + [
        "Update the gadget driver to >= 525.60.13 on Linux.",
        "Replace the thermal paste.",
    ]
    assert "more fix" not in every
    md = tflog("analyze", "--format", "markdown", "--rules", rules, log).stdout.decode()
    assert "3. Move the gadget away" in md and "4. " not in md and "2 more fixes with --all-fixes" in md
    md_all = tflog("analyze", "--format", "markdown", "--all-fixes", "--rules", rules, log).stdout.decode()
    assert "5. Replace the thermal paste." in md_all


def test_a_fix_that_says_the_same_is_shown_once(gadget):
    rules, log = gadget
    every = text("--rules", rules, "--all-fixes", log)
    # same words (case, punctuation aside) in one rule: once
    assert every.count("`gadgetctl fan --speed max`") == 1
    # the second root cause repeats the command and the driver minimum: nothing new to show
    assert fix_lines(every, "Gadget throttled (test rule)") == []
    assert "ALSO [error] Gadget throttled (test rule)" in every and "  Fix: as above." in every
    # JSON keeps what each rule says
    report = tflog_json("--rules", rules, log)
    by_id = {f["rule_id"]: f for f in report["findings"]}
    assert len(by_id["zztest-gadget-overheated"]["fixes"]) == 6 and len(by_id["zztest-gadget-throttled"]["fixes"]) == 2


def test_summary_counts_causes_and_the_symptoms_they_explain(oom_log, gadget):
    out = text(oom_log)
    summary = out.rstrip("\n").splitlines()[-1]
    assert re.match(r"Summary: 1 root cause \(explains 2 symptom lines\), 0 warnings, \d+ harmless — ", summary), summary
    assert "error(s)" not in out
    rules, log = gadget
    summary = text("--rules", rules, log).rstrip("\n").splitlines()[-1]
    assert summary.startswith("Summary: 2 root causes, 0 warnings, 0 harmless — "), summary


def test_fix_cap_is_the_same_number_in_the_cli_help_and_the_renderer():
    from analyzer.cli.analyze import MAX_FIXES as CLI_MAX
    from analyzer.report.render import MAX_FIXES

    assert CLI_MAX == MAX_FIXES == 3


@pytest.mark.parametrize(
    "value,expected",
    [
        ("512", "512 B"),
        ("221952", "216.75 KiB"),
        ("8501460992", "7.92 GiB"),
        ("32.00M (33554432 bytes)", "32.00 MiB"),
        ("196.00MiB", "196.00 MiB"),
        ("33762398024 bytes", "31.44 GiB"),
        ("GPU_0_bfc", "GPU_0_bfc"),
    ],
)
def test_bytes_format_spec(value, expected):
    from analyzer.pipeline.memory import FactText

    assert f"{FactText(value):bytes}" == expected
    assert f"{FactText(value)}" == value


@pytest.mark.parametrize("log, shape", [
    # a 3D U-Net whose batch is 1 (MultiResUNet, first_sight_36)
    ("first_sight_36/oom-gpu-multiresunet3d-batch1.log", "[1,128,128,128,32]"),
    # DexiNed with a batch of 8, whose failing tensor starts with 1 all the same (first_sight_13; lowering the batch fixed it)
    ("first_sight_13/oom-dexined-gtx1080-batch8.log", "[1,16,280,480]"),
])
def test_a_first_dimension_of_one_is_only_maybe_the_batch(log, shape):
    """A tensor whose first dimension is 1 may be a batch of one, or a tensor with its batch further in: the advice
    to make each sample smaller says "if", and the advice to lower the batch stays (first)."""
    root = tflog_json(REAL_LOGS / log)["findings"][0]
    assert root["facts"]["oom_batch_of_one"] == shape and "oom_batch_dim" not in root["facts"]
    assert root["fixes"][0].startswith("Reduce the batch size"), root["fixes"]
    assert any(fix.startswith(f"If the first dimension of {shape} is the batch, it is already 1") for fix in root["fixes"])


def test_a_one_by_one_kernel_is_not_a_batch_of_one():
    from analyzer.pipeline.memory import oom_facts

    assert "oom_batch_of_one" not in oom_facts({"oom_shape": "[1,1,1024,2048]", "oom_dtype": "float"})
