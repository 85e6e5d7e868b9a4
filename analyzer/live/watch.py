"""`tflog watch`: pass a pipe (`python train.py 2>&1 | tflog watch`) through unchanged while
diagnosing it on stderr.

The live analysis, the pass-through rules and what goes to stderr are `analyzer.live.stream`'s (see its
docstring); this module is only the pump: one input, read on one thread, with the handling that
only a pipe reader needs (the first Ctrl-C keeps reading, a closed stdout ends like `cat`). It is
kept apart from `tflog run` so that `watch` does not import what running a child needs.
"""

from __future__ import annotations

import errno
import os
import select
import signal
import stat
import sys
from typing import BinaryIO, Callable, Optional, TextIO

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
from .stream import BURST_WAIT, READ_SIZE, LiveAnalysis


def watch_stream(
    kb,
    fmt: str = "text",
    fail_on: str = "never",
    *,
    input: Optional[BinaryIO] = None,
    output: Optional[BinaryIO] = None,
    diag: Optional[TextIO] = None,
    redact: bool = False,
) -> int:
    """Pass `input` through to `output` unchanged while diagnosing it on `diag`.

    Returns 0, or 1 when `fail_on` is 'error'/'warning' and such a finding was made. The first
    Ctrl-C keeps reading (the writer got it too and is probably printing its traceback); a
    second one stops at once with a summary of what was seen (status 130). A closed stdout
    (`| head`) ends quietly with status 141, like `cat` killed by SIGPIPE.
    """
    real_stdout = output is None
    inp = sys.stdin.buffer if input is None else input
    out = sys.stdout.buffer if output is None else output
    err = sys.stderr if diag is None else diag
    in_fd, out_fd = _fileno(inp), _fileno(out)
    line_state = _LineState() if _same_file(out_fd, _fileno(err)) else None
    live = LiveAnalysis(kb, fmt, _Diag(err, line_state, redact), "<stdin>")
    _quiet_gc()
    read = (lambda: os.read(in_fd, READ_SIZE)) if in_fd is not None else _reader(inp)
    write = (lambda b: _write_all(out_fd, b)) if out_fd is not None else _writer(out)
    # A pipe's writer must never wait on us; a file (or BytesIO) has no writer: analyse it as we go.
    ready = None
    if in_fd is not None and _is_live_fd(in_fd):
        ready = _waiter(in_fd)
        if ready is not None:
            _grow_pipe(in_fd)
    if out_fd is not None:
        _grow_pipe(out_fd)

    interrupts = []

    def on_sigint(signum, frame):
        interrupts.append(signum)
        if len(interrupts) > 1:
            raise KeyboardInterrupt

    old = _install({signal.SIGINT: on_sigint})
    status, told, just_read = 0, False, False
    try:
        while True:
            if interrupts and not told:
                told = True
                if fmt in ("text", "rich"):
                    live.diag.write("tflog: interrupted; passing the rest of the input through (Ctrl-C again to stop now)\n")
            # Right after a read more input is probably on its way (a burst): give it a moment first.
            if live.pending and (ready is None or not ready(BURST_WAIT if just_read else 0)):
                live.step()
                just_read = False
                continue
            try:
                chunk = read()
            except OSError:  # e.g. EIO from a terminal that went away: that is the end of input
                chunk = b""
            if not chunk:
                break
            just_read = True
            try:
                write(chunk)
            except OSError as e:
                if isinstance(e, BrokenPipeError) or e.errno == errno.EPIPE:
                    if real_stdout:
                        _silence_stdout()
                    return 128 + signal.SIGPIPE  # quietly, like `cat` killed by SIGPIPE
                raise InputError(f"cannot write to standard output ({e.strerror or e})") from None
            if line_state is not None:
                line_state.saw(chunk)
            live.add("in", chunk)
    except KeyboardInterrupt:
        status = 130
    finally:
        _restore(old)
    report = live.finish(drain=not status)
    if status:
        return status
    if report is None or fail_on == "never":
        return 0
    from analyzer.core.model import exit_status

    return exit_status(report, fail_on)


def _reader(stream) -> Callable[[], bytes]:
    read1 = getattr(stream, "read1", None)
    return (lambda: read1(READ_SIZE)) if read1 else (lambda: stream.read(READ_SIZE))


def _is_live_fd(fd: Optional[int]) -> bool:
    """A pipe, socket or terminal: something whose writer we must not slow down (not a file)."""
    if fd is None:
        return False
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)


def _waiter(fd: int) -> Optional[Callable[[float], bool]]:
    """`ready(wait)`: is input waiting on `fd` (within `wait` seconds)? None if `fd` cannot be polled."""
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLPRI)
        return lambda wait: bool(poller.poll(wait * 1000))
    except (AttributeError, OSError, ValueError):  # no poll() (Windows): select() copes with a low fd
        try:
            select.select([fd], [], [], 0)
        except (OSError, ValueError):
            return None
        return lambda wait: bool(select.select([fd], [], [], wait)[0])
