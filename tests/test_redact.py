"""Redaction: a table of secret shapes that must be masked, and TensorFlow's own lines that must not be.

The first table is what people paste without noticing (database URLs, cloud keys, passwords on
command lines and in environment dumps, host names, Windows user folders with a space); the second
half feeds every line of the real logs in the repository (and TensorFlow's own start-up output,
made here) through the masker and requires it unchanged unless it holds personal data.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from analyzer.report.redact import redact_text

from conftest import ROOT, SAMPLES

SECRETS = [
    # (text, secrets that must be gone, what must stay readable)
    ("https://bob:p%40ss!w0rd#x@registry.corp.example/simple", ["bob", "p%40ss", "w0rd", "registry.corp"], ["https://<user>:<secret>@<host>/simple"]),
    ("https://alice:hunter2:more@10.0.0.5:8443/api", ["alice", "hunter2", "10.0.0.5"], ["<user>:<secret>@"]),
    ("ssh trainer@host-a 10.1.2.3 and 192.168.0.7:8888", ["10.1.2.3", "192.168.0.7"], ["<ip>"]),
    ("DATABASE_URL=postgresql://analytics:S3cr3t@db-1.prod.internal:5432/metrics", ["analytics", "S3cr3t", "db-1"], ["postgresql://<user>"]),
    ("mongodb+srv://svc@cluster0.abcde.mongodb.net/test", ["svc@", "cluster0"], ["mongodb+srv://<user>@<host>"]),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ["wJalrXUtnFEMI", "bPxRfiCY"], ["aws_secret_access_key = <secret>"]),
    ("AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ["wJalrXUtnFEMI"], ["AWS_SECRET_ACCESS_KEY: <secret>"]),
    ("AKIAIOSFODNN7EXAMPLE", ["AKIAIOSFODNN7EXAMPLE"], ["<aws-key>"]),
    ("key=AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW", ["AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW"], []),
    ("python train.py --password x --epochs 3", ["--password x"], ["--password <secret>", "--epochs 3"]),
    ("mlflow login --password='p a s s' --api-key=abc123", ["p a s s", "abc123"], ["--api-key=<secret>"]),
    ("DB_PASSWORD: hunter2", ["hunter2"], ["DB_PASSWORD: <secret>"]),
    ("WANDB_API_KEY=0123abcd", ["0123abcd"], ["WANDB_API_KEY=<secret>"]),
    ('{"password": "p@ss word"}', ["p@ss word"], ['"password": "<secret>"']),
    # a flag is no secret (a Keras tokenizer's config in a real log, first_sight_28)
    ("config={'pad_with_end_token': True, 'api_token': 'abc123'}", ["abc123"], ["'pad_with_end_token': True"]),
    ("connecting to gpu-node-17.cluster.local and trainer.research.corp.com", ["gpu-node-17", "trainer.research"], ["connecting to <host>"]),
    ('File "C:\\Users\\John Smith\\proj\\train.py", line 3', ["John", "Smith"], ["C:\\Users\\<user>\\proj\\train.py"]),
    ("C:\\Users\\Jane Q Doe\\AppData\\Local", ["Jane", "Doe"], ["C:\\Users\\<user>\\AppData"]),
    ("/home/alice smith/venv/lib", ["alice"], ["/home/<user>/venv/lib"]),
    ("C:\\Users\\user>python", ["\\user>"], ["C:\\Users\\<user>>python"]),
    ("hf_abcdefghijklmnopqrstuvwxyz123456 ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", ["hf_abc", "ghp_ABC"], []),
    # an HTTP header's credential; a word after "Basic" is no credential (a script's comment in a real traceback,
    # first_sight_75: "# Basic Parameters")
    ("curl -H 'Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l' -H 'Authorization: Bearer abc.def-ghi_123456'",
     ["YWxhZGRpbjpvcGVuc2VzYW1l", "abc.def-ghi"], ["Basic <token>", "Bearer <token>"]),
    ("     40   # Basic Parameters", [], ["# Basic Parameters"]),
]


@pytest.mark.parametrize("text,gone,kept", SECRETS, ids=[s[0][:40] for s in SECRETS])
def test_secret_shapes_are_masked(text, gone, kept):
    out = redact_text(text)
    assert all(g not in out for g in gone), out
    assert all(k in out for k in kept), out
    assert redact_text(out) == out  # idempotent: safe to apply twice


TF_LINES = [
    # library names and versions
    "2021-03-01 12:00:01.000001: I tensorflow/stream_executor/platform/default/dso_loader.cc:49] Successfully opened dynamic library libcudnn.so.8",
    "Loaded runtime CuDNN library: 8.0.4 but source was compiled with: 8.1.0.",
    "nvidia-cudnn-cu12        9.1.0.70",
    "cudnn                     8.1.0.77             h90431f1_0    conda-forge",
    "ii  libcudnn8  8.0.4.30-1+cuda11.0  amd64  cuDNN runtime libraries",
    "tensorflow==2.15.0.post1 tensorflow.python.framework.errors_impl.ResourceExhaustedError",
    "from tensorflow.python.lib.io import file_io; tf.io.gfile.GFile; tf.data.experimental.AUTOTUNE",
    # a revision id named as one (TF's `tf_env_collect.sh`, build logs)
    "Commit hash: ea9bd9fc7409109adcd61b897abc2c8881161256",
    # a module path whose last part is a private top-level domain's name (TF's generated protos)
    "    from google.protobuf.internal import builder as _builder",
    # PCI bus ids, device names
    "pciBusID: 0000:3b:00.0 name: Tesla V100-SXM2-16GB computeCapability: 7.0",
    "Created device /job:localhost/replica:0/task:0/device:GPU:0 with 14649 MB memory:  -> device: 0, name: Tesla T4, pci bus id: 0000:00:04.0, compute capability: 7.5",
    # shapes, node names, numbers
    "OOM when allocating tensor with shape[64,256,56,56] and type float on /job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc",
    "[[node resnet50/conv2_block1_3_conv/Conv2D (defined at train.py:42) ]] [Op:__inference_train_function_1234]",
    "INFO:tensorflow:global step 124370: loss = 358068508261867004967067454537728.0000 (0.131 sec/step)",
    "undefined symbol: _ZN10tensorflow15TensorShapeBaseINS_11TensorShapeEEC2ENS_3gtl8ArraySliceIxEE",
    "See https://www.tensorflow.org/install/pip and https://docs.nvidia.com/deeplearning/cudnn/",
    "LD_LIBRARY_PATH: :/usr/local/cuda/lib64:/work/data/TensorRT-6.0.1.5/lib",  # a release in a folder's name
    # a pre-release whose last part is a top-level domain's name (pip's conflict report, TF 2.5)
    "ERROR: tensorflow 2.5.0 has requirement keras-nightly~=2.5.0.dev, but you'll have keras-nightly 2.6.0.dev2021061500 which is incompatible.",
]


@pytest.mark.parametrize("line", TF_LINES)
def test_tensorflow_lines_stay_readable(line):
    assert redact_text(line) == line


_PERSONAL = re.compile(r"(?i)users|/home/|@|host|https?://|\d+\.\d+\.\d+\.\d+\b(?!.*(?:version|cu|lib))")


def _real_lines():
    paths = sorted(SAMPLES.glob("*.log")) + sorted((ROOT / "tests" / "fixtures" / "real_logs").rglob("*.log"))
    for p in paths:
        for line in p.read_text(encoding="utf-8", errors="replace").splitlines():
            if not _PERSONAL.search(line):
                yield line


def test_real_log_lines_without_personal_data_are_unchanged():
    lines = list(_real_lines())
    assert len(lines) > 1000
    changed = [(line, redact_text(line)) for line in lines if redact_text(line) != line]
    assert not changed, changed[:5]


def test_tensorflow_start_up_output_is_unchanged():
    """TensorFlow's own start-up and placement lines, made by the TensorFlow installed here."""
    pytest.importorskip("tensorflow")
    code = "import tensorflow as tf; tf.debugging.set_log_device_placement(True); print(tf.reduce_sum(tf.ones([2, 3])))"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                       env={**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "0"})
    lines = [l for l in (p.stderr + p.stdout).splitlines() if l.strip() and not _PERSONAL.search(l)]
    assert any("tensorflow" in l.lower() or "device" in l.lower() for l in lines), p.stderr[-2000:]
    assert [redact_text(l) for l in lines] == lines


SECRET_LOG = (
    "2021-03-01 12:00:01.000001: F tensorflow/core/other/thing.cc:12] Check failed: widget_count >= 0 "
    "reading /home/alice/data from postgresql://analytics:S3cr3t@db-1.prod.internal:5432/m DB_PASSWORD=hunter2\n"
)
GONE = ("alice", "S3cr3t", "hunter2", "db-1.prod", "analytics")


@pytest.mark.parametrize("fast", ["1", "0"], ids=["fast-path", "typer"])
@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "sarif", "jsonl"])
def test_analyze_redact(tmp_path, fmt, fast):
    import os

    from conftest import tflog

    log = tmp_path / "run.log"
    log.write_text(SECRET_LOG)
    env = {**os.environ, "TFLOG_FAST_CLI": fast}
    plain = tflog("analyze", log, "--format", fmt, env=env).stdout.decode()
    assert "hunter2" in plain or fmt == "sarif"  # without --redact the report has the log's own text (SARIF: no line text)
    p = tflog("analyze", log, "--format", fmt, "--redact", env=env)
    out = p.stdout.decode()
    assert p.returncode == 1 and ("Check failed" in out or fmt == "sarif"), p.stderr
    assert not [g for g in GONE if g in out], out
    if fmt in ("json", "sarif"):
        json.loads(out)


def test_watch_and_run_redact_diagnoses_only(tmp_path):
    from conftest import tflog

    p = tflog("watch", "--redact", "--format", "jsonl", input=SECRET_LOG.encode())
    assert p.stdout.decode() == SECRET_LOG  # the pipe's own bytes pass through untouched
    err = p.stderr.decode()
    assert "Check failed" in err and not [g for g in GONE if g in err], err
    [json.loads(line) for line in err.splitlines() if line.startswith("{")]  # still JSON lines

    log = tmp_path / "run.log"
    log.write_text(SECRET_LOG)
    p = tflog("run", "--redact", "--", sys.executable, "-c", f"import sys; sys.stderr.write(open({str(log)!r}).read())")
    assert p.stderr.decode().count("hunter2") == 1  # the command's own stderr, once; not in the diagnoses
    assert "Check failed" in p.stderr.decode().split(SECRET_LOG, 1)[1]


def test_check_redact_keeps_paths(tmp_path):
    from conftest import tflog

    log = tmp_path / "alice.log"
    log.write_text("E tensorflow/core/x.cc:1] boom for alice@gpu-box.corp.example with DB_PASSWORD=hunter2\n")
    p = tflog("check", "--redact", "--fail-on", "never", log)
    out = p.stdout.decode()
    assert str(log) in out and "hunter2" not in out, out


def test_a_random_token_is_masked_but_a_camelcase_name_is_not():
    # a C++ kernel name in TF's launch error (a batch-13 log), and a made-up token of the same length
    assert redact_text("GpuLaunchKernel( SwapDimension1And2InTensor3UsingTiles<T, kNumThreads>") == \
        "GpuLaunchKernel( SwapDimension1And2InTensor3UsingTiles<T, kNumThreads>"
    assert "Xq7Lm2Pz9Kd4Rt8Wv1Bn6Hc3Fg5Js0YaUeOiQw" not in redact_text("key Xq7Lm2Pz9Kd4Rt8Wv1Bn6Hc3Fg5Js0YaUeOiQw")


def test_a_build_id_in_a_library_file_name_is_no_secret():
    # tensorflow-directml-plugin names its DLL by its build (a batch-14 log)
    line = "Successfully opened dynamic library D:/venv/lib/site-packages/tensorflow-plugins/directml/directml.0de2b4431c6572ee74152a7ee0cd3fb1534e4a95.dll"
    assert redact_text(line) == line
    assert "0de2b4431c6572ee74152a7ee0cd3fb1534e4a95" not in redact_text("api_token 0de2b4431c6572ee74152a7ee0cd3fb1534e4a95")
