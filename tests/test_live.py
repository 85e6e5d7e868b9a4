"""`tflog watch` and `tflog run`: live diagnosis with byte-exact pass-through.

Real subprocesses and pipes, no mocks: what matters here is timing, bytes and exit statuses as a
shell user sees them. Key lines are ones any knowledge base treats predictably: an `F`-level TF
line is always an error finding; re-emission is tested with a private rules folder.
"""
from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from conftest import ROOT, tflog

TFLOG = [sys.executable, "-m", "analyzer"]
KEY = b"2021-03-01 12:00:01.000001: F tensorflow/core/other/thing.cc:12] Check failed: widget_count >= 0 (-1 vs. 0)\n"

RULES = """\
- id: zztest-widget-jammed
  category: cudnn.init_failure
  severity: error
  title: Widget jammed (test rule)
  priority: 40
  match: ['ZZWIDGET jammed']
  explanation: The widget jammed.
  fixes: [Unjam the widget.]
- id: zztest-widget-too-old
  category: cudnn.version_mismatch
  severity: error
  title: Widget firmware too old (test rule)
  priority: 90
  match: ['ZZWIDGET firmware (?P<widget_fw>[\\d.]+) is too old']
  explains: [zztest-widget-jammed]
  explanation: Widget firmware {widget_fw} is too old, which jams the widget.
  fixes: ['Upgrade the widget firmware from {widget_fw}.']
"""


class Collector:
    """Reads a pipe in a thread, keeping (arrival time, bytes), so a test can wait for content."""

    def __init__(self, pipe):
        self.fd = pipe.fileno()
        self.parts = []
        self.done = threading.Event()
        self.cond = threading.Condition()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                chunk = b""
            with self.cond:
                if chunk:
                    self.parts.append((time.time(), chunk))
                else:
                    self.done.set()
                self.cond.notify_all()
            if not chunk:
                return

    @property
    def data(self) -> bytes:
        with self.cond:
            return b"".join(c for _, c in self.parts)

    def wait_for(self, predicate, timeout: float = 30.0):
        """Wait until predicate(data) is true; returns the arrival time of the chunk that made it so."""
        deadline = time.time() + timeout
        with self.cond:
            while True:
                data = b""
                for t, c in self.parts:
                    data += c
                    if predicate(data):
                        return t
                if self.done.is_set() or time.time() > deadline:
                    raise AssertionError(f"timed out; got {b''.join(c for _, c in self.parts)[-2000:]!r}")
                self.cond.wait(0.05)

    def wait_closed(self, timeout: float = 60.0) -> bytes:
        assert self.done.wait(timeout), "pipe not closed in time"
        return self.data


def events(stderr: bytes):
    """All jsonl events; every line tflog writes in jsonl mode must be one."""
    return [json.loads(line) for line in stderr.splitlines() if line.strip()]


def tflog_events(stderr: bytes):
    """The jsonl events among a command's own stderr lines."""
    return [json.loads(line) for line in stderr.splitlines() if line.startswith(b'{"event": ')]


def new_events_about(text: str):
    def pred(data: bytes) -> bool:
        for line in data.split(b"\n")[:-1]:
            ev = json.loads(line)
            if ev["event"] == "new" and any(text in e["text"] for e in ev["evidence"]):
                return True
        return False
    return pred


@pytest.fixture
def rules_dir(tmp_path):
    d = tmp_path / "rules"
    d.mkdir()
    (d / "zztest.yaml").write_text(RULES)
    return d


# --- tflog watch -------------------------------------------------------------------------------------

GEN = '''\
import sys, time
from pathlib import Path

d = Path(sys.argv[1])
HEAD, PARTIAL, KEY, TAIL = {parts!r}
out = sys.stdout.buffer

def put(b):
    out.write(b)
    out.flush()

def wait_for(name):
    deadline = time.time() + 60
    while not (d / name).exists():
        if time.time() > deadline:
            sys.exit("gen.py: timed out waiting for " + name)
        time.sleep(0.01)

for line in HEAD:
    put(line)
    time.sleep(0.02)
put(PARTIAL)
wait_for("go1")
put(KEY)
(d / "t_key.tmp").write_text(repr(time.time()))
(d / "t_key.tmp").rename(d / "t_key")
wait_for("go2")
put(TAIL)
'''

HEAD = [
    b"2021-03-01 12:00:00.000001: I tensorflow/core/platform/cpu_feature_guard.cc:142] This TensorFlow binary is "
    b"optimized with oneAPI Deep Neural Network Library (oneDNN) to use the following CPU instructions: AVX2 FMA\n",
    b"Epoch 1/3\n",
    b"100/100 [==============================] - 1s 5ms/step - loss: 0.6931 - accuracy: 0.5000\n",
    b"\x1b[32mcoloured\x1b[0m line\r\n",
]
PARTIAL = b"Epoch 2/3\n 10/100 [==>...........................] - ETA: 1s - loss: 0.6900\r"
TAIL = (b"\xff\xfe\x00 binary junk \x80\x81\xc3\x28\n"
        b"progress 10%\rprogress 50%\rprogress 100%\n"
        b"final line without newline")


def test_watch_diagnoses_live_and_passes_every_byte_through(tmp_path):
    """python gen.py | tflog watch: the partial line shows at once, the diagnosis comes while gen runs."""
    gen = tmp_path / "gen.py"
    gen.write_text(GEN.format(parts=(HEAD, PARTIAL, KEY, TAIL)))
    producer = subprocess.Popen([sys.executable, str(gen), str(tmp_path)], stdout=subprocess.PIPE)
    watch = subprocess.Popen(TFLOG + ["watch", "--format", "jsonl"], cwd=ROOT, stdin=producer.stdout,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    producer.stdout.close()
    out, err = Collector(watch.stdout), Collector(watch.stderr)
    try:
        before_key = b"".join(HEAD) + PARTIAL
        # Nothing is held back: the unfinished progress line is passed through before its line ends.
        out.wait_for(lambda d: d == before_key, timeout=30)
        (tmp_path / "go1").touch()
        t_diag = err.wait_for(new_events_about("widget_count"), timeout=30)
        while not (tmp_path / "t_key").exists():  # gen.py writes it just after the key line
            time.sleep(0.01)
        t_key = float((tmp_path / "t_key").read_text())
        assert t_diag - t_key < 5.0, f"diagnosis took {t_diag - t_key:.2f}s"
        assert producer.poll() is None, "the diagnosis must come while the producer is still running"
        (tmp_path / "go2").touch()
        stdout, stderr = out.wait_closed(), err.wait_closed()
        assert watch.wait(timeout=60) == 0
        assert producer.wait(timeout=60) == 0
    finally:
        for p in (producer, watch):
            if p.poll() is None:
                p.kill()

    assert stdout == before_key + KEY + TAIL  # byte for byte: junk, \r bars, no final newline
    evs = events(stderr)
    key_ev = next(e for e in evs if e["event"] == "new" and "widget_count" in e["evidence"][0]["text"])
    assert key_ev["severity"] == "error"
    assert key_ev["evidence"][0]["input"] == "<stdin>"
    assert key_ev["evidence"][0]["line"] == before_key.count(b"\n") + 1  # the \r-joined line of the key
    assert set(finding_fields()) <= set(key_ev)
    assert evs[-1]["event"] == "summary"
    assert evs[-1]["inputs"][0]["lines"] == (stdout.count(b"\n") + 1)
    assert any(f["severity"] == "error" for f in evs[-1]["findings"])


def finding_fields():
    from analyzer.core.model import Finding

    return Finding("r", "c", "error", "t").to_dict().keys()


@pytest.mark.parametrize("fmt", ["text", "jsonl"])
def test_watch_reemits_a_finding_when_its_root_cause_appears(rules_dir, fmt):
    """A symptom first reported as the root cause is re-emitted once the real cause shows up."""
    watch = subprocess.Popen(TFLOG + ["watch", "--format", fmt, "--rules", str(rules_dir)], cwd=ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = Collector(watch.stdout), Collector(watch.stderr)
    fed = b"step 1 ok\nZZWIDGET jammed at step 2\n"
    try:
        os.write(watch.stdin.fileno(), fed)
        err.wait_for(lambda d: b"zztest-widget-jammed" in d, timeout=30)
        more = b"step 3\nZZWIDGET firmware 1.2 is too old\n"
        os.write(watch.stdin.fileno(), more)
        fed += more
        err.wait_for(lambda d: b"zztest-widget-too-old" in d and d.endswith(b"\n"), timeout=30)
        watch.stdin.close()
        stdout, stderr = out.wait_closed(), err.wait_closed()
        assert watch.wait(timeout=60) == 0
    finally:
        if watch.poll() is None:
            watch.kill()
    assert stdout == fed
    if fmt == "jsonl":
        evs = [(e["event"], e.get("rule_id"), e.get("root_cause")) for e in events(stderr)]
        assert evs[0] == ("new", "zztest-widget-jammed", True)
        assert ("new", "zztest-widget-too-old", True) in evs
        assert ("updated", "zztest-widget-jammed", False) in evs
        too_old = next(e for e in events(stderr) if e.get("rule_id") == "zztest-widget-too-old")
        assert too_old["fixes"] == ["Upgrade the widget firmware from 1.2."]
        assert evs[-1][0] == "summary"
    else:
        text = stderr.decode()
        lines = text.splitlines()
        assert lines[0] == "tflog: [error] Widget jammed (test rule) (zztest-widget-jammed) at <stdin>:2"
        assert lines[1] == "tflog:   fix: Unjam the widget."
        assert "tflog: [error] Widget firmware too old (test rule) (zztest-widget-too-old) at <stdin>:4" in lines
        assert "tflog:   fix: Upgrade the widget firmware from 1.2." in lines
        assert any(l.startswith("tflog: [error] Widget jammed (test rule) (zztest-widget-jammed) at <stdin>:2 "
                                "(updated: now explained by zztest-widget-too-old") for l in lines)
        summary = text[text.index("tflog: summary"):]
        assert summary.splitlines()[1].startswith("ROOT CAUSE [error] Widget firmware too old")


@pytest.mark.parametrize("fmt", ["json", "markdown", "rich"])
def test_watch_final_report_formats(fmt):
    data = b"hello\n" + KEY + b"bye"
    p = tflog("watch", "--format", fmt, input=data, cwd=ROOT)
    assert p.returncode == 0
    assert p.stdout == data
    err = p.stderr.decode()
    if fmt == "json":
        report = json.loads(err)  # stderr is exactly one JSON document
        assert report["findings"][0]["evidence"][0]["line"] == 2
        assert {k: report["inputs"][0][k] for k in ("name", "lines", "bytes")} == {"name": "<stdin>", "lines": 3, "bytes": len(data)}
        assert report["inputs"][0]["facts"] == report["facts"]
    elif fmt == "markdown":
        assert "### Root cause" in err and "tflog: [" not in err
    else:
        assert "tflog: [error]" in err and "at <stdin>:2" in err and "Summary:" in err


def test_watch_fail_on():
    assert tflog("watch", input=KEY, cwd=ROOT).returncode == 0
    assert tflog("watch", "--fail-on", "error", input=KEY, cwd=ROOT).returncode == 1
    assert tflog("watch", "--fail-on", "error", input=b"all good\n", cwd=ROOT).returncode == 0


class ExplodingKB:
    """The real knowledge base, except that any lookup about a line containing 'tflogboom' raises.

    A proxy rather than a hand-made fake, so it keeps working while the engine's use of the
    knowledge base changes: whatever method is handed the line's text blows up.
    """

    def __init__(self, real):
        self._real = real
        self.keywords = list(real.keywords) + ["tflogboom"]

    def __getattr__(self, name):
        attr = getattr(self._real, name)
        if not callable(attr):
            return attr

        def wrapper(*args, **kwargs):
            if any(isinstance(a, str) and "tflogboom" in a.lower() for a in args):
                raise RuntimeError("rule exploded")
            return attr(*args, **kwargs)
        return wrapper


@pytest.mark.parametrize("via", ["bytesio", "pipe"])
def test_watch_keeps_passing_through_when_analysis_fails(tmp_path, via, kb):
    from analyzer.live.watch import watch_stream

    data = b"line 1\nline 2 tflogboom\n" + KEY + b"\xff\xfe junk\n" + b"x" * 300_000 + b"\nno newline"
    diag = io.StringIO()
    if via == "bytesio":
        out = io.BytesIO()
        status = watch_stream(ExplodingKB(kb), fmt="text", fail_on="error", input=io.BytesIO(data), output=out, diag=diag)
        passed = out.getvalue()
    else:
        r, w = os.pipe()
        threading.Thread(target=lambda: (os.write(w, data), os.close(w)), daemon=True).start()
        with open(r, "rb", buffering=0) as inp, open(tmp_path / "out", "wb") as outf:
            status = watch_stream(ExplodingKB(kb), fmt="jsonl", fail_on="error", input=inp, output=outf, diag=diag)
        passed = (tmp_path / "out").read_bytes()
    assert status == 0
    assert passed == data
    assert diag.getvalue() == "tflog: analysis stopped (RuntimeError: rule exploded); output continues unanalysed\n"


class SlowKB(ExplodingKB):
    """The real knowledge base, but every lookup about a 'tflogslow' line takes 10 ms."""

    def __init__(self, real):
        super().__init__(real)
        self.keywords = list(real.keywords) + ["tflogslow"]

    def __getattr__(self, name):
        attr = getattr(self._real, name)
        if not callable(attr):
            return attr

        def wrapper(*args, **kwargs):
            if any(isinstance(a, str) and "tflogslow" in a.lower() for a in args):
                time.sleep(0.01)
            return attr(*args, **kwargs)
        return wrapper


class StampedIO(io.StringIO):
    """A diagnostics stream that remembers when each piece was written."""

    def __init__(self):
        super().__init__()
        self.stamps = []

    def write(self, text):
        self.stamps.append((time.time(), text))
        return super().write(text)


def test_watch_error_line_jumps_the_queue_when_analysis_lags(kb):
    """Two seconds of slow lines are waiting: the key line that follows is still diagnosed at once."""
    from analyzer.live.watch import watch_stream

    slow = b"".join(b"step %d tflogslow\n" % i for i in range(200))
    r, w = os.pipe()
    t_key = []

    def produce():
        os.write(w, slow)
        time.sleep(0.3)
        os.write(w, KEY)
        t_key.append(time.time())
        time.sleep(0.3)
        os.write(w, b"after\n")
        os.close(w)

    threading.Thread(target=produce, daemon=True).start()
    diag = StampedIO()
    with open(r, "rb", buffering=0) as inp, open(os.devnull, "wb") as out:
        assert watch_stream(SlowKB(kb), fmt="jsonl", input=inp, output=out, diag=diag) == 0
    t_diag = next(t for t, text in diag.stamps if '"new"' in text and "widget_count" in text)
    assert t_diag - t_key[0] < 1.0, f"{t_diag - t_key[0]:.2f}s"
    summary = json.loads(diag.getvalue().splitlines()[-1])
    assert summary["inputs"][0]["lines"] == 202
    assert not summary["warnings"]  # the slow lines were analysed too, after the key line
    key = next(f for f in summary["findings"] if "widget_count" in f["evidence"][0]["text"])
    assert key["evidence"][0]["line"] == 201


def test_watch_closed_stdout_ends_quietly():
    """`... | tflog watch | head -c 10`: status 141 like cat, no traceback, no summary."""
    watch = subprocess.Popen(TFLOG + ["watch"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    err = Collector(watch.stderr)
    try:
        os.write(watch.stdin.fileno(), b"first line\n")
        assert watch.stdout.read(10) == b"first line"
        watch.stdout.close()
        deadline = time.time() + 30
        while watch.poll() is None and time.time() < deadline:
            try:
                os.write(watch.stdin.fileno(), b"more\n" * 1000)
            except BrokenPipeError:
                break
            time.sleep(0.01)
        assert watch.wait(timeout=30) == 141
    finally:
        if watch.poll() is None:
            watch.kill()
    assert err.wait_closed() == b""


def test_watch_first_ctrl_c_keeps_reading_second_stops():
    """The writer got the same Ctrl-C and is probably printing its traceback: keep passing it through."""
    watch = subprocess.Popen(TFLOG + ["watch"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
    out, err = Collector(watch.stdout), Collector(watch.stderr)
    try:
        os.write(watch.stdin.fileno(), b"training...\n")
        out.wait_for(lambda d: d == b"training...\n")
        watch.send_signal(signal.SIGINT)
        err.wait_for(lambda d: b"interrupted" in d)
        os.write(watch.stdin.fileno(), b"Traceback (most recent call last):\n" + KEY)
        out.wait_for(lambda d: d.endswith(KEY))
        assert watch.poll() is None
        watch.send_signal(signal.SIGINT)
        assert watch.wait(timeout=30) == 130
    finally:
        if watch.poll() is None:
            watch.kill()
    stderr = err.wait_closed().decode()
    assert "Traceback" not in stderr.replace("Traceback (most recent", "")  # no Python traceback of ours
    assert "tflog: summary" in stderr


def test_watch_memory_stays_bounded_on_a_flood(tmp_path):
    """64 MB of progress lines at pipe speed: every byte passes, memory stays bounded, nothing waits on analysis."""
    line = b"Epoch 1/10 123/1875 [=====>......] - ETA: 3s - loss: 0.3452 - accuracy: 0.9167\n"
    data = line * (64_000_000 // len(line)) + KEY
    probe = ("import resource, subprocess, sys\n"
             "p = subprocess.run(sys.argv[1:])\n"
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
             "sys.exit(p.returncode)\n")
    t0 = time.time()
    p = subprocess.run([sys.executable, "-c", probe] + TFLOG + ["watch", "--format", "jsonl"], cwd=ROOT,
                       input=data, capture_output=True, timeout=300)
    elapsed = time.time() - t0
    assert p.returncode == 0
    assert p.stdout == data
    *lines, maxrss = p.stderr.splitlines()
    assert int(maxrss) < 250_000, f"max RSS {int(maxrss) // 1024} MB"
    summary = json.loads(lines[-1])
    assert summary["event"] == "summary"
    assert summary["inputs"][0]["lines"] == data.count(b"\n")
    # The key line came last, in a flood: it is analysed (its finding is there), whatever was skipped.
    assert any("widget_count" in f["evidence"][0]["text"] for f in summary["findings"])
    assert elapsed < 120


# --- tflog run ---------------------------------------------------------------------------------------

CHILD = '''\
import os, sys, time
steps = [("out", b"out 1\\n"), ("err", b"err 1 \\xff\\xfe\\n"), ("out", b"progress 10%\\r"),
         ("out", b"progress 100%\\n"), ("err", b"err 2 no newline yet "), ("err", b"done\\n"),
         ("out", b"\\x00\\x01 binary\\n"), ("out", b"last out, no newline")]
for stream, data in steps:
    os.write(1 if stream == "out" else 2, data)
    time.sleep(0.2)  # two pipes: only time orders what is read from them
sys.exit(int(sys.argv[1]))
'''


@pytest.mark.parametrize("code", [0, 3])
def test_run_keeps_status_separates_streams_and_tees(tmp_path, code):
    child = tmp_path / "child.py"
    child.write_text(CHILD)
    tee = tmp_path / "combined.log"
    p = tflog("run", "--format", "jsonl", "--tee", tee, "--", sys.executable, child, code, cwd=ROOT)
    assert p.returncode == code
    out = b"out 1\nprogress 10%\rprogress 100%\n\x00\x01 binary\nlast out, no newline"
    err = b"err 1 \xff\xfe\nerr 2 no newline yet done\n"
    assert p.stdout == out
    assert p.stderr.startswith(err)
    tail = events(p.stderr[len(err):])
    assert [e["event"] for e in tail] == ["summary"]
    assert tail[0]["inputs"][0]["name"] == f"<{os.path.basename(sys.executable)}>"
    assert tee.read_bytes() == (b"out 1\nerr 1 \xff\xfe\nprogress 10%\rprogress 100%\nerr 2 no newline yet "
                                b"done\n\x00\x01 binary\nlast out, no newline")


def test_run_killed_by_sigkill_points_at_the_oom_killer():
    code = "import os; print('epoch 1', flush=True); os.kill(os.getpid(), 9)"
    p = tflog("run", "--", sys.executable, "-c", code, cwd=ROOT)
    assert p.returncode == 137
    assert p.stdout == b"epoch 1\n"
    err = p.stderr.decode()
    notice = next(l for l in err.splitlines() if "run-killed-by-signal" in l)
    assert notice.startswith("tflog: [error] killed by SIGKILL: most likely the host's out-of-memory killer")
    assert "dmesg" in notice and notice.endswith(f"at <{os.path.basename(sys.executable)}>:1 (stdout)")  # its last words, on stdout

    p = tflog("run", "--format", "jsonl", "--", sys.executable, "-c", code, cwd=ROOT)
    summary = events(p.stderr)[-1]
    assert summary.pop("event") == "summary"
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(summary, json.loads((ROOT / "analyzer" / "schema" / "report.schema.json").read_text()))
    assert summary["findings"][0]["rule_id"] == "run-killed-by-signal"
    assert summary["findings"][0]["category"] == "oom.host"
    assert summary["findings"][0]["root_cause"] is True


def test_run_crash_after_a_cuda_error_points_at_that_line(tmp_path):
    """SIGABRT after a cuDNN `F` line: the signal finding cites that line, as a consequence of it."""
    code = textwrap.dedent("""\
        import os, sys, time
        print("loading data", flush=True)
        time.sleep(0.3)
        sys.stderr.write("2021-03-01 12:00:01.000001: F tensorflow/stream_executor/cuda/cuda_dnn.cc:12] "
                         "Check failed: widget_count >= 0 (-1 vs. 0)\\n")
        sys.stderr.flush()
        time.sleep(0.3)  # two pipes: only time orders what is read from them
        print("cleaning up", flush=True)
        os.abort()
    """)
    p = tflog("run", "--format", "jsonl", "--", sys.executable, "-c", code, cwd=tmp_path)
    assert p.returncode == 128 + signal.SIGABRT
    evs = tflog_events(p.stderr)
    sig = next(e for e in evs if e.get("rule_id") == "run-killed-by-signal")
    assert sig["event"] == "new" and sig["severity"] == "error"
    assert sig["evidence"][0]["line"] == 2 and "cuda_dnn.cc" in sig["evidence"][0]["text"]
    assert "SIGABRT" in sig["title"]
    summary = evs[-1]
    assert summary.pop("event") == "summary"
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(summary, json.loads((ROOT / "analyzer" / "schema" / "report.schema.json").read_text()))
    cause = next(f for f in summary["findings"] if "run-killed-by-signal" in f["explains"])
    assert cause["evidence"][0]["line"] == 2


def test_run_command_that_cannot_start_exits_like_a_shell(tmp_path):
    """127 for a command not found, 126 for one that is not executable: what `sh -c` gives."""
    p = tflog("run", "--", "tflog-no-such-command-xyz", "--flag", cwd=ROOT)
    sh = subprocess.run(["sh", "-c", "tflog-no-such-command-xyz --flag"], capture_output=True)
    assert p.returncode == sh.returncode == 127
    assert p.stdout == b""
    assert p.stderr == b"tflog: error: cannot run 'tflog-no-such-command-xyz': command not found\n"
    p = tflog("run", "--", str(tmp_path / "missing.sh"), cwd=ROOT)
    assert p.returncode == 127 and b"no such file" in p.stderr
    script = tmp_path / "train.sh"
    script.write_text("echo hi\n")  # not executable
    p = tflog("run", "--", str(script), cwd=ROOT)
    sh = subprocess.run(["sh", "-c", str(script)], capture_output=True)
    assert p.returncode == sh.returncode == 126
    assert p.stderr.decode().startswith("tflog: error: cannot run ") and p.stderr.count(b"\n") == 1


@pytest.mark.parametrize("sig,expected", [(signal.SIGTERM, 7), (signal.SIGINT, 5)])
def test_run_forwards_sigterm_and_sigint(sig, expected):
    code = textwrap.dedent("""\
        import signal, sys, time
        signal.signal(signal.SIGTERM, lambda *a: (print("got SIGTERM", flush=True), sys.exit(7)))
        try:
            print("ready", flush=True)
            time.sleep(60)
        except KeyboardInterrupt:
            print("got SIGINT", flush=True)
            sys.exit(5)
    """)
    run = subprocess.Popen(TFLOG + ["run", "--", sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, start_new_session=True)  # no terminal: tflog must forward
    out, err = Collector(run.stdout), Collector(run.stderr)
    try:
        out.wait_for(lambda d: d == b"ready\n")
        run.send_signal(sig)
        assert run.wait(timeout=30) == expected
    finally:
        if run.poll() is None:
            run.kill()
    name = "SIGTERM" if sig == signal.SIGTERM else "SIGINT"
    assert out.wait_closed() == f"ready\ngot {name}\n".encode()
    assert b"Traceback" not in err.wait_closed()


def test_run_keeps_passing_through_when_analysis_fails(tmp_path, kb):
    from analyzer.live.run import run_command

    code = "import sys; print('a'); print('tflogboom'); sys.stderr.write('e\\n'); print('b' * 100000); sys.exit(3)"
    diag = io.StringIO()
    with open(tmp_path / "out", "wb") as out, open(tmp_path / "err", "wb") as err:
        status = run_command([sys.executable, "-c", code], ExplodingKB(kb), fmt="text", tee=tmp_path / "tee",
                             output=out, errors=err, diag=diag)
    assert status == 3
    assert (tmp_path / "out").read_bytes() == b"a\ntflogboom\n" + b"b" * 100000 + b"\n"
    assert (tmp_path / "err").read_bytes() == b"e\n"
    assert diag.getvalue() == "tflog: analysis stopped (RuntimeError: rule exploded); output continues unanalysed\n"


def test_run_real_tensorflow_on_this_machine(tmp_path):
    """TensorFlow's own start-up messages (no GPU here) are diagnosed, citing the real line numbers."""
    tf_python = os.environ.get("TFLOG_TF_PYTHON")  # a separate TF venv, as for tests/fixtures/make_real_tf_logs.py
    if not tf_python:
        pytest.importorskip("tensorflow")
        tf_python = sys.executable
    code = "import tensorflow as tf; print(tf.config.list_physical_devices('GPU')); import sys; sys.exit(4)"
    tee = tmp_path / "tf.log"
    p = tflog("run", "--format", "jsonl", "--tee", tee, "--", tf_python, "-c", code, cwd=ROOT, timeout=600)
    assert p.returncode == 4
    diag = tflog_events(p.stderr)
    found = [e for e in diag if e["event"] in ("new", "updated")]
    if not found and b"PhysicalDevice" in p.stdout:
        pytest.skip("TensorFlow found a GPU here; nothing to diagnose")
    assert found, p.stderr.decode(errors="replace")
    assert diag[-1]["event"] == "summary"
    lines = tee.read_bytes().decode("utf-8", "replace").split("\n")
    for e in found:
        for ev in e["evidence"]:
            assert ev["input"] == f"<{os.path.basename(tf_python)}>"
            assert ev["text"] in lines[ev["line"] - 1], (ev, lines[ev["line"] - 1])
    assert any(re.search(r"cuda|gpu|cuInit", ev["text"], re.I) for e in found for ev in e["evidence"])
