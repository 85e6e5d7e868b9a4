"""`tflog watch --follow FILE`: follow a growing log file like `tail -F`, diagnosing it live.

For jobs whose output goes to a file rather than a pipe (Slurm's `--output`, a Kubernetes log
file, `nohup`): the new bytes of the file are passed through to stdout unchanged and analysed as
`tflog watch` analyses a pipe (`analyzer.live.stream`). As `tail -F`, it

- waits for the file when it does not exist yet;
- notices rotation (the path now names another file: `mv run.log run.log.1` and a new `run.log`):
  it reads what was still unread in the old file, then follows the new one from its start;
- notices truncation (the file became shorter than what was read: `> run.log`, `truncate`):
  it reads the file again from its start.

Line numbers count the lines followed since tflog started, over all generations of the file; when
a new generation starts, a notice on stderr says at which line, so `run.log:1240` can be found.
It runs until Ctrl-C (or SIGTERM), which ends it with the summary: the normal way to stop.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import BinaryIO, Callable, Optional, TextIO, Tuple

from analyzer.pipeline.reader import InputError

from .plumbing import _Diag, _fileno, _install, _quiet_gc, _restore, _write_all, _writer
from .stream import READ_SIZE, LiveAnalysis

POLL = 0.2  # seconds between looks at a file that did not grow


def _identity(st: os.stat_result) -> Tuple[int, int]:
    return st.st_dev, st.st_ino


def follow_file(
    kb,
    path: str,
    fmt: str = "text",
    fail_on: str = "never",
    *,
    output: Optional[BinaryIO] = None,
    diag: Optional[TextIO] = None,
    poll: float = POLL,
    should_stop: Optional[Callable[[], bool]] = None,
) -> int:
    """Follow `path` until Ctrl-C/SIGTERM (or `should_stop()`); returns 0, or 1 by `fail_on`."""
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory (give the log file inside it)")
    out = sys.stdout.buffer if output is None else output
    err = sys.stderr if diag is None else diag
    out_fd = _fileno(out)
    write = (lambda b: _write_all(out_fd, b)) if out_fd is not None else _writer(out)
    notice = _Diag(err, None)
    live = LiveAnalysis(kb, fmt, notice, path)
    _quiet_gc()
    stops = []
    old = _install({signal.SIGINT: lambda s, f: stops.append(s), signal.SIGTERM: lambda s, f: stops.append(s)})
    f: Optional[BinaryIO] = None
    ident: Tuple[int, int] = (0, 0)
    pos = 0
    waiting_said = False
    say = fmt in ("text", "rich")

    fed = {"newlines": 0, "ends_line": True}

    def pump(stream: BinaryIO) -> int:
        """Pass on and queue what is readable now; the number of bytes read."""
        chunk = stream.read(READ_SIZE)
        if chunk:
            write(chunk)
            live.add("in", chunk)
            fed["newlines"] += chunk.count(b"\n")
            fed["ends_line"] = chunk.endswith(b"\n")
        return len(chunk or b"")

    def new_generation(why: str) -> None:
        """The file starts anew: end its last line for the analysis and say where line 1 is."""
        if not fed["ends_line"]:
            live.add("in", b"\n")  # the analysis only: the old file's unfinished line is not joined to the new one
            fed["newlines"] += 1
            fed["ends_line"] = True
        if say:
            notice.write(f"tflog: {path} {why}; its line 1 is line {fed['newlines'] + 1} here\n")

    try:
        while not stops and not (should_stop and should_stop()):
            if f is None:
                try:
                    f = open(path, "rb", buffering=0)
                    ident, pos = _identity(os.fstat(f.fileno())), 0
                    if waiting_said:
                        new_generation("appeared")
                except FileNotFoundError:
                    if say and not waiting_said:
                        notice.write(f"tflog: waiting for {path} to appear\n")
                    waiting_said = True
                    time.sleep(poll)
                    continue
                except OSError as e:
                    raise InputError(f"{path}: cannot open ({e.strerror or e})") from None
            n = pump(f)
            if n:
                pos += n
                continue
            if live.pending:  # the file is quiet: analysis catches up
                live.step()
                continue
            try:
                st: Optional[os.stat_result] = os.stat(path)
            except FileNotFoundError:
                st = None  # moved away, its successor not there yet: keep the old file open
            if st is not None and _identity(st) != ident:
                while pump(f):  # the writer's last bytes into the old file
                    pass
                f.close()
                f = None
                try:
                    f = open(path, "rb", buffering=0)
                    ident, pos = _identity(os.fstat(f.fileno())), 0
                    new_generation("was rotated (a new file is at its path)")
                except FileNotFoundError:
                    waiting_said = True  # gone again: wait for the next one
                continue
            if st is not None and st.st_size < pos:
                f.seek(0)
                pos = 0
                new_generation("was truncated; reading it from the start")
                continue
            time.sleep(poll)
    finally:
        _restore(old)
        if f is not None:
            f.close()
    report = live.finish(drain=True)
    if report is None or fail_on == "never":
        return 0
    from analyzer.core.model import exit_status

    return exit_status(report, fail_on)
