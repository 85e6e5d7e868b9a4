"""`tflog run -- CMD`: run a command, pass its stdout and stderr through, diagnose both live,
and keep its exit status; when a signal killed it, add a finding that names the likely cause.

It is kept apart from `tflog watch` (the live analysis itself is `analyzer.live.stream`'s) because it
has its own pump (two pipes, a selector, a `--tee` file, signals forwarded to the child) and the
signal finding, none of which `watch` needs to import.

`tflog run` feeds the command's stdout and stderr, each split into lines by its own
`LineSplitter` (so one stream's unfinished line never corrupts the other's), into ONE input named
after the command, e.g. `<python>`. Its line numbers count whole lines in the order they were
completed: the line numbers of the `--tee` file, except where one stream's unfinished line was
interrupted by the other's output.
"""

from __future__ import annotations

import errno
import os
import re
import selectors
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, BinaryIO, Dict, List, Optional, TextIO

from analyzer.core.model import Evidence, Finding, Report
from analyzer.pipeline.reader import InputError

from .plumbing import (
    _Diag,
    _fileno,
    _grow_pipe,
    _install,
    _LineState,
    _quiet_gc,
    _restore,
    _same_file,
    _silence_stdout,
    _write_all,
    _writer,
)
from .stream import BURST_WAIT, READ_SIZE, LiveAnalysis, _one_line

SIGNAL_RULE_ID = "run-killed-by-signal"
_GPU_TEXT = re.compile(r"cu(?:da|dnn|blas|fft|solver|sparse|rand)|nccl|gpu|xla|ptxas", re.I)


class CannotRun(InputError):
    """The command could not be started; `status` is what a shell exits with then
    (127 not found, 126 found but not executable), so scripts can tell it from a usage error."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def run_command(
    argv: List[str],
    kb,
    fmt: str = "text",
    tee: Optional[Path] = None,
    *,
    output: Optional[BinaryIO] = None,
    errors: Optional[BinaryIO] = None,
    diag: Optional[TextIO] = None,
    env: Optional[Dict[str, str]] = None,
    redact: bool = False,
) -> int:
    """Run `argv`, pass its stdout/stderr through to ours, diagnose both live; return its status.

    The status is the command's own (128+N when signal N killed it). SIGINT and SIGTERM sent to
    tflog are forwarded to the command (SIGINT not when it came from the terminal: the command,
    in tflog's foreground process group, got that Ctrl-C itself). PYTHONUNBUFFERED=1 is set for
    the command unless the environment sets it, so a Python program's print() output is not
    held in a block buffer because its stdout is now a pipe.
    """
    if not argv:
        raise InputError("no command to run")
    out = sys.stdout.buffer if output is None else output
    errs = sys.stderr.buffer if errors is None else errors
    text_diag = sys.stderr if diag is None else diag
    diag_fd = _fileno(text_diag)
    line_state = _LineState()
    name = f"<{os.path.basename(argv[0]) or argv[0]}>"
    live = LiveAnalysis(kb, fmt, _Diag(text_diag, line_state, redact), name, streams=("out", "err"))
    sinks = {"out": _Sink(out, diag_fd, line_state), "err": _Sink(errs, diag_fd, line_state)}
    for sink in sinks.values():
        if sink.fd is not None:
            _grow_pipe(sink.fd)
    _quiet_gc()

    tee_file = None
    if tee is not None:
        try:
            tee_file = open(tee, "wb", buffering=0)
        except OSError as e:
            raise InputError(f"cannot write --tee file {str(tee)!r}: {e.strerror or e}") from None

    child_env = dict(os.environ if env is None else env)
    child_env.setdefault("PYTHONUNBUFFERED", "1")
    forwarded = set()
    holder: Dict[str, Any] = {"child": None, "early": []}

    def forward(signum, frame):
        if signum == signal.SIGINT and _terminal_sent_it():
            return
        child = holder["child"]
        if child is None:
            holder["early"].append(signum)
            return
        forwarded.add(signum)
        try:
            child.send_signal(signum)
        except OSError:
            pass

    old = _install({signal.SIGINT: forward, signal.SIGTERM: forward})
    try:
        try:
            child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0, env=child_env)
        except FileNotFoundError:
            reason = "no such file" if os.sep in argv[0] else "command not found"
            raise CannotRun(f"cannot run {argv[0]!r}: {reason}", 127) from None
        except PermissionError:
            raise CannotRun(f"cannot run {argv[0]!r}: permission denied (not executable)", 126) from None
        except OSError as e:
            raise CannotRun(f"cannot run {argv[0]!r}: {e.strerror or e}", 126) from None
        holder["child"] = child
        for s in holder["early"]:
            forward(s, None)
        _pump_child(child, live, sinks, tee_file)
        returncode = child.wait()
    finally:
        _restore(old)
        if tee_file is not None:
            tee_file.close()
    status = 128 - returncode if returncode < 0 else returncode

    def add_signal(report: Report) -> None:
        signum = -returncode
        if returncode >= 0 or signum in (signal.SIGINT, signal.SIGPIPE) or signum in forwarded:
            return  # not killed, or killed the way the user asked for
        from analyzer.pipeline.parse import clean

        line_no, text = live.last_line
        add_signal_finding(report, signum, live.name, line_no, clean(text))

    live.finish(add_signal)
    return status


class _Sink:
    """One of our output streams: raw fd writes, and a record of whether it is still usable."""

    def __init__(self, stream, diag_fd: Optional[int], line_state: _LineState):
        self.fd = _fileno(stream)
        self.write = (lambda b: _write_all(self.fd, b)) if self.fd is not None else _writer(stream)
        self.is_stdout = stream is getattr(sys.stdout, "buffer", None)
        self.line_state = line_state if _same_file(self.fd, diag_fd) else None  # shares a terminal with diagnoses
        self.ok = True


def _pump_child(child, live: LiveAnalysis, sinks: Dict[str, _Sink], tee_file) -> None:
    """Move bytes from the child's pipes to ours (and the tee) until both pipes close."""
    sel = selectors.DefaultSelector()
    pipes = {child.stdout.fileno(): ("out", child.stdout), child.stderr.fileno(): ("err", child.stderr)}
    for fd in pipes:
        _grow_pipe(fd)
        sel.register(fd, selectors.EVENT_READ)
    tee_ok, just_read = tee_file is not None, False
    try:
        while sel.get_map():
            events = sel.select((BURST_WAIT if just_read else 0) if live.pending else None)
            if not events:
                live.step()
                just_read = False
                continue
            for key, _ in events:
                stream, pipe = pipes[key.fd]
                sink = sinks[stream]
                data = os.read(key.fd, READ_SIZE)
                just_read = True
                if not data:
                    sel.unregister(key.fd)
                    pipe.close()
                    continue
                if sink.ok:
                    try:
                        sink.write(data)
                        if sink.line_state is not None:
                            sink.line_state.saw(data)
                    except OSError as e:
                        sink.ok = False
                        if isinstance(e, BrokenPipeError) or e.errno == errno.EPIPE:
                            # Our reader went away (`| head`): end quietly, and let the command
                            # get SIGPIPE/EPIPE on its next write, as it would without tflog.
                            if sink.is_stdout:
                                _silence_stdout()
                            sel.unregister(key.fd)
                            pipe.close()
                            continue
                        live.diag.write(
                            f"tflog: cannot write the command's std{stream} ({e.strerror or e}); it is still analysed and teed\n"
                        )
                if tee_ok:
                    try:
                        tee_file.write(data)
                    except OSError as e:
                        tee_ok = False
                        live.diag.write(f"tflog: --tee file write failed ({e.strerror or e}); no longer teeing\n")
                live.add(stream, data)
    finally:
        sel.close()


def _terminal_sent_it() -> bool:
    """Is our process group the terminal's foreground group (so Ctrl-C reached the child too)?"""
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return False
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return False
    finally:
        os.close(fd)


# --- the signal finding ---------------------------------------------------------------------------

_SIGNAL_WHAT = {
    "SIGSEGV": "a segmentation fault (invalid memory access in native code)",
    "SIGABRT": "abort() in native code (a failed CHECK or an uncaught C++ exception)",
    "SIGBUS": "a bus error (invalid memory access in native code)",
    "SIGILL": "an illegal instruction (code built for a CPU feature this machine lacks, e.g. AVX)",
    "SIGFPE": "an arithmetic fault in native code",
    "SIGKILL": "SIGKILL (which cannot be caught)",
    "SIGTERM": "a request to terminate",
}


def _signame(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _gpu_related(f: Finding) -> bool:
    return (
        f.category.split(".")[0] in ("cuda", "cudnn")
        or f.category == "oom.gpu"
        or any(_GPU_TEXT.search(e.text) for e in f.evidence)
    )


def add_signal_finding(report: Report, signum: int, input_name: str, last_line: int, last_text: str) -> Finding:
    """Add a finding for a command killed by `signum`, pointing at the error that most likely caused it.

    The cause is the latest error finding (for signals other than SIGKILL, also a GPU-related
    warning: an unrecognized `E` line from CUDA is a warning). Without one, SIGKILL is most likely
    the host's out-of-memory killer (category oom.host); other signals are `unknown`.
    """
    sig = _signame(signum)
    what = _SIGNAL_WHAT.get(sig, sig)

    def last_ev(f: Finding) -> int:
        return max((e.line for e in f.evidence), default=0)

    candidates = [
        f
        for f in report.findings
        if f.rule_id != SIGNAL_RULE_ID
        and f.evidence
        and (f.severity == "error" or (signum != signal.SIGKILL and f.severity == "warning" and _gpu_related(f)))
    ]
    cause = max(candidates, key=last_ev, default=None)
    last_ev_obj = [Evidence(input_name, last_line, last_text[:2000])] if last_line > 0 else []
    if cause is None and signum == signal.SIGKILL:
        finding = Finding(
            rule_id=SIGNAL_RULE_ID,
            category="oom.host",
            severity="error",
            title="killed by SIGKILL: most likely the host's out-of-memory killer (check `dmesg | grep -i oom`)",
            confidence=0.7,
            root_cause=True,
            evidence=last_ev_obj,
            count=1,
            facts={"signal": sig},
            explanation=(
                "The command was killed by SIGKILL"
                + (f" after printing line {last_line}" if last_line else "")
                + " and nothing in its output explains why. SIGKILL cannot be caught, so the program "
                "could not print anything; on Linux it almost always comes from the kernel's "
                "out-of-memory killer when host RAM (not GPU memory) runs out."
            ),
            fixes=[
                "Confirm it: `dmesg -T | grep -i -E 'out of memory|killed process'` (or `journalctl -k`); "
                "in a container, `docker inspect` / `kubectl describe pod` shows OOMKilled.",
                "Use less host RAM: smaller batches and tf.data buffers (shuffle, prefetch, cache), "
                "stream the data set instead of loading it whole, fewer parallel readers.",
                "If it was not the OOM killer, look for a job scheduler's limit (Slurm memory/time), "
                "`timeout -s KILL`, or someone running `kill -9`.",
            ],
        )
        report.findings.insert(0, finding)
        return finding
    if cause is None:
        finding = Finding(
            rule_id=SIGNAL_RULE_ID,
            category="unknown",
            severity="error",
            title=f"killed by {sig}: {what}",
            confidence=0.6,
            root_cause=True,
            evidence=last_ev_obj,
            count=1,
            facts={"signal": sig},
            explanation=(
                f"The command died of {what}"
                + (f" after printing line {last_line}" if last_line else "")
                + "; nothing before it in the output names a cause."
            ),
            fixes=[
                "Run it again with `python -X faulthandler ...` to see the Python stack at the crash.",
                "Check that TensorFlow, CUDA, cuDNN and the NVIDIA driver fit together: `tflog doctor`.",
            ],
        )
        report.findings.insert(0, finding)
        return finding
    ev = max(cause.evidence, key=lambda e: e.line)
    category = "oom.host" if signum == signal.SIGKILL and cause.category == "oom.host" else "unknown"
    fixes = (
        [f"Fix the {cause.rule_id} finding first: {cause.fixes[0]}"]
        if cause.fixes
        else [f"Fix the error at {ev.input}:{ev.line} first; the crash most likely follows from it."]
    )
    if signum == signal.SIGKILL:
        fixes.append(
            "If that does not explain it: `dmesg -T | grep -i oom` shows whether the host's "
            "out-of-memory killer sent the SIGKILL."
        )
    else:
        fixes.append("Run it again with `python -X faulthandler ...` to see the Python stack at the crash.")
    finding = Finding(
        rule_id=SIGNAL_RULE_ID,
        category=category,
        severity="error",
        title=f"killed by {sig} after an earlier error: {_one_line(cause.title)}",
        confidence=0.7,
        root_cause=False,
        evidence=[Evidence(ev.input, ev.line, ev.text)],
        count=1,
        facts={"signal": sig},
        explanation=(
            f"The command died of {what} after this {'GPU-related ' if _gpu_related(cause) else ''}"
            f"{cause.severity} at {ev.input}:{ev.line}: {_one_line(ev.text)[:300]} "
            f"({cause.rule_id}). That is most likely the cause."
        ),
        fixes=fixes,
    )
    cause.explains.append(SIGNAL_RULE_ID)  # renderers list it under its cause
    position = {id(f): i for i, f in enumerate(report.findings)}
    by_id = {f.rule_id: f for f in report.findings if f.match != "unrecognized"}
    idx = position[id(cause)] + 1
    stack = [s for s in cause.explains if s in by_id]
    while stack:  # place it after the cause's other symptoms, as rank() would
        g = by_id[stack.pop()]
        idx = max(idx, position[id(g)] + 1)
        stack.extend(s for s in g.explains if s in by_id)
    report.findings.insert(idx, finding)
    return finding
