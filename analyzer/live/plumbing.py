"""The plumbing under live diagnosis (`tflog watch` and `tflog run`): raw file-descriptor writes,
kernel pipe buffers, signal handlers, and the stderr writer that shares a terminal line with the
passed-through output. None of it looks at what the bytes say; `analyzer.live.stream` does that.
"""

from __future__ import annotations

import os
import signal
import stat
import sys
import threading
from typing import Any, Callable, Dict, Optional, TextIO, cast

PIPE_SIZE = 1 << 20  # asked of the kernel for our input pipes, so a writer rarely waits on us


# --- output helpers -----------------------------------------------------------------------------


class _LineState:
    """Whether the terminal line we share with the passed-through output is unfinished.

    A notice written after an unfinished line (a `\\r` progress bar) starts with a newline so that
    it is readable; the passed-through bytes themselves are never changed.
    """

    def __init__(self) -> None:
        self.mid_line = False

    def saw(self, data: bytes) -> None:
        if data:
            self.mid_line = not data.endswith(b"\n")


class _Diag:
    """Writes diagnoses to the text stream `out`; a failing stderr only silences them.

    With `redact`, every diagnosis is masked on its way out (JSON documents and JSON lines
    value by value, so that they stay valid JSON); the passed-through output is not touched."""

    def __init__(self, out: TextIO, line_state: Optional[_LineState], redact: bool = False):
        self.out = out
        self.line_state = line_state
        self.ok = True
        self.redact = redact

    def write(self, text: str) -> None:
        if not self.ok or not text:
            return
        if self.redact:
            text = _redacted(text)
        if self.line_state is not None and self.line_state.mid_line:
            text = "\n" + text
            self.line_state.mid_line = False
        try:
            self.out.write(text)
            self.out.flush()
        except (OSError, ValueError):  # stderr closed or broken: keep passing bytes through
            self.ok = False


def _redacted(text: str) -> str:
    import json

    from analyzer.report.redact import redact_obj, redact_text

    if text.lstrip().startswith("{"):
        try:  # one JSON document (--format json)
            doc = json.loads(text)
            return json.dumps(redact_obj(doc), indent=2 if "\n " in text else None, ensure_ascii=False) + "\n"
        except ValueError:
            pass
        try:  # JSON lines (--format jsonl)
            docs = [json.loads(line) for line in text.splitlines() if line.strip()]
            return "".join(json.dumps(redact_obj(d), ensure_ascii=False) + "\n" for d in docs)
        except ValueError:
            pass
    return redact_text(text)


def _write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is out (a pipe may take part of a large write)."""
    n = os.write(fd, data)
    if n < len(data):
        view = memoryview(data)[n:]
        while view:
            view = view[os.write(fd, view) :]


def _fileno(stream) -> Optional[int]:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return None


def _grow_pipe(fd: int) -> None:
    """Ask for a bigger kernel pipe buffer (Linux): on our input, so that its writer rarely waits
    while we analyse; on our output, so that we rarely wait for its reader (fewer, larger wake-ups)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import fcntl

        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_SIZE)
    except (OSError, ImportError):
        pass  # not allowed (pipe-max-size) or not Linux: the default buffer works, just less slack


class _DiagFile:
    """A file-like view of `_Diag` for rich (its write errors stay silenced)."""

    def __init__(self, diag: _Diag):
        self._diag = diag

    @classmethod
    def of(cls, diag: _Diag) -> TextIO:
        """One, typed as the text file it stands in for (rich only writes, flushes and asks isatty)."""
        return cast(TextIO, cls(diag))

    def write(self, text: str) -> int:
        self._diag.write(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return _isatty(self._diag.out)


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


# --- pump helpers (tflog watch and tflog run) -----------------------------------------------------


def _quiet_gc() -> None:
    """Exempt everything loaded so far (the knowledge base above all) from garbage collection:
    the pump allocates a few objects per chunk, and each collection would walk them all again."""
    import gc

    gc.collect()
    gc.freeze()


def _writer(stream) -> Callable[[bytes], None]:
    def write(b: bytes) -> None:
        stream.write(b)
        flush = getattr(stream, "flush", None)
        if flush:
            flush()

    return write


def _same_file(a: Optional[int], b: Optional[int]) -> bool:
    if a is None or b is None:
        return False
    try:
        return os.path.samestat(os.fstat(a), os.fstat(b))
    except OSError:
        return False


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null so that Python's exit-time flush cannot complain about the pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass


def _install(handlers: Dict[int, Any]) -> Dict[int, Any]:
    """Install signal handlers (main thread only); returns the old ones for `_restore`."""
    old: Dict[int, Any] = {}
    if threading.current_thread() is not threading.main_thread():
        return old
    for sig, handler in handlers.items():
        try:
            old[sig] = signal.signal(sig, handler)
        except (OSError, ValueError):
            pass
    return old


def _restore(old: dict) -> None:
    for sig, handler in old.items():
        try:
            signal.signal(sig, handler)
        except (OSError, ValueError, TypeError):
            pass
