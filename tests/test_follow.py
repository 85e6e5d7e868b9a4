"""`tflog watch --follow FILE` against a writer that appends, rotates and truncates the file, as
a Slurm job or logrotate does, and the live notices that must (not) interrupt the user's stream."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")

ONEDNN = "I0000 00:00:1741914570.100000   15788 port.cc:153] oneDNN custom operations are on. You may see slightly different numerical results due to floating-point round-off errors from different computation orders. To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.\n"
CUDNN = "E0000 00:00:1741914572.807962   15788 cuda_dnn.cc:522] Loaded runtime CuDNN library: 9.1.0 but source was compiled with: 9.3.0.  CuDNN library needs to have matching major version and equal or higher minor version.\n"
MATMUL = "tensorflow.python.framework.errors_impl.InvalidArgumentError: Matrix size-incompatible: In[0]: [32,784], In[1]: [512,10] [Op:MatMul]\n"
RANK = "ValueError: Input 0 of layer conv2d is incompatible with the layer: expected min_ndim=4, found ndim=3. Full shape received: (28, 28, 1)\n"


def _wait(pred, what: str, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Follower:
    def __init__(self, tmp: Path, log: Path, *args: str):
        self.out, self.err = tmp / "out", tmp / "err"
        self.p = subprocess.Popen(
            [sys.executable, "-m", "analyzer", "watch", "--follow", str(log), "--format", "text", *args],
            stdout=self.out.open("wb"),
            stderr=self.err.open("wb"),
        )

    def stdout(self) -> str:
        return self.out.read_text(errors="replace")

    def stderr(self) -> str:
        return self.err.read_text(errors="replace")

    def stop(self) -> int:
        self.p.send_signal(signal.SIGINT)
        return self.p.wait(timeout=60)


def _append(path: Path, text: str) -> None:
    with path.open("a") as f:
        f.write(text)
        f.flush()


def test_follow_survives_rotation_and_truncation(tmp_path):
    log = tmp_path / "job.log"
    fol = Follower(tmp_path, log)
    _wait(lambda: "waiting for" in fol.stderr(), "the wait notice for a file that is not there yet")

    # generation 1: appears, grows line by line, a line arrives in two pieces
    _append(log, "Epoch 1/3\n" + ONEDNN + "step 1\n")
    _append(log, CUDNN[:40])
    time.sleep(0.3)
    _append(log, CUDNN[40:])
    _wait(lambda: "cudnn-version-mismatch" in fol.stderr(), "the cuDNN diagnosis")
    assert "job.log:4" in fol.stderr(), fol.stderr()  # its line in the followed file

    # generation 2: logrotate moves it away and the job reopens a new file
    _append(log, "last line of the old file, no newline")
    log.rename(tmp_path / "job.log.1")
    _append(log, "new file line 1\n" + MATMUL)
    _wait(lambda: "input-matmul-size-mismatch" in fol.stderr(), "the MatMul diagnosis after rotation")
    err = fol.stderr()
    assert "was rotated" in err and "its line 1 is line 6 here" in err, err
    assert "job.log:7" in err, err  # line 2 of the new file = line 7 here

    # generation 3: truncated in place (`> job.log`), then written again
    with log.open("w") as f:
        f.write(RANK)
    _wait(lambda: "was truncated" in fol.stderr(), "the truncation notice")
    _wait(lambda: "input-layer-input-mismatch" in fol.stderr(), "the diagnosis after truncation")
    assert "its line 1 is line 8 here" in fol.stderr()

    status = fol.stop()
    assert status == 0
    out, err = fol.stdout(), fol.stderr()
    # stdout is every byte of every generation, in order, unchanged (like tail -F)
    expected = "Epoch 1/3\n" + ONEDNN + "step 1\n" + CUDNN + "last line of the old file, no newline" + "new file line 1\n" + MATMUL + RANK
    assert out == expected
    # the harmless oneDNN line did not interrupt the stream; it is in the summary
    live, summary = err.split("tflog: summary", 1)
    assert "oneDNN" not in live and "harmless" not in live.lower()
    assert "oneDNN" in summary


def test_follow_fail_on_error_and_bad_path(tmp_path):
    log = tmp_path / "run.log"
    log.write_text(MATMUL)
    fol = Follower(tmp_path, log, "--fail-on", "error")
    _wait(lambda: "input-matmul-size-mismatch" in fol.stderr(), "the diagnosis of a file that already exists")
    assert fol.stop() == 1
    p = subprocess.run([sys.executable, "-m", "analyzer", "watch", "--follow", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "is a directory" in p.stderr and "Traceback" not in p.stderr


def test_watch_keeps_harmless_notices_for_the_summary(tmp_path):
    data = ONEDNN + "Epoch 1/1\n" + CUDNN
    p = subprocess.run([sys.executable, "-m", "analyzer", "watch", "--format", "text"], input=data, capture_output=True, text=True, timeout=60)
    assert p.stdout == data
    live, summary = p.stderr.split("tflog: summary", 1)
    assert "[error]" in live and "cudnn-version-mismatch" in live
    assert "[harmless]" not in live and "oneDNN" in summary


def test_run_names_the_stream_of_each_line(tmp_path):
    code = "import sys; print('epoch 1', flush=True); sys.stderr.write(" + repr(CUDNN) + "); sys.stderr.flush(); print('epoch 2', flush=True)"
    p = subprocess.run([sys.executable, "-m", "analyzer", "run", "--format", "text", "--", sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    live = p.stderr.split("tflog: summary", 1)[0]
    assert re.search(r"cudnn-version-mismatch\) at <python[\d.]*>:[23] \(stderr\)", live), p.stderr
