"""Keep a copy of what this process writes to file descriptor 2, without changing what is shown.

TensorFlow's C++ runtime writes its log straight to fd 2, past `sys.stderr`. To read it later,
fd 2 becomes a pipe whose reader thread writes every byte on to the original stderr (a terminal,
a file, or the pipe ipykernel reads for the notebook) and keeps the last bytes in memory. The
thread only copies bytes: nothing is analysed until an exception asks for the text.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Optional

KEEP = 4 << 20  # bytes of stderr kept (the newest); a diagnosis needs the recent past only


class StderrTee:
    def __init__(self, fd: int = 2, keep: int = KEEP):
        self.fd = fd
        self.keep = keep
        self._buf = bytearray()
        self._dropped = 0  # bytes dropped from the front of _buf, so marks stay valid
        self._lock = threading.Lock()
        self._saved: Optional[int] = None
        self._read_fd: Optional[int] = None
        self._thread: Optional[threading.Thread] = None
        self._busy = False
        self._stopping = False

    @property
    def active(self) -> bool:
        return self._saved is not None

    def start(self) -> StderrTee:
        """Put the pipe under fd 2; a process without a usable fd 2 is left alone."""
        try:
            _flush()
            saved = os.dup(self.fd)
            r, w = os.pipe()
            os.dup2(w, self.fd)
            os.close(w)
        except OSError:
            return self
        self._saved, self._read_fd = saved, r
        _grow(w_fd=self.fd)
        self._thread = threading.Thread(target=self._pump, name="tflog-stderr-tee", daemon=True)
        self._thread.start()
        return self

    def _pump(self) -> None:
        r, out = self._read_fd, self._saved
        assert r is not None and out is not None
        try:
            self._copy(r, out)
        finally:
            if self._saved is not None and not self._stopping:
                # this thread is ending early: give fd 2 back, or writers would block on a full pipe
                try:
                    os.dup2(out, self.fd)
                except OSError:
                    pass
            os.close(r)

    def _copy(self, r: int, out: int) -> None:
        while True:
            try:
                chunk = os.read(r, 65536)
            except OSError:
                break
            if not chunk:
                break
            self._busy = True
            _write_all(out, chunk)
            with self._lock:
                self._buf += chunk
                over = len(self._buf) - self.keep
                if over > 0:
                    del self._buf[:over]
                    self._dropped += over
            self._busy = False

    def stop(self) -> None:
        """Give fd 2 back; bytes still in the pipe are passed on before the thread ends."""
        if self._saved is None:
            return
        _flush()
        self._stopping = True
        os.dup2(self._saved, self.fd)  # closes our pipe's write end at fd 2: the reader sees EOF
        if self._thread is not None:
            self._thread.join(timeout=2)
        os.close(self._saved)
        self._saved = self._thread = None

    def mark(self) -> int:
        """A position in the captured stream; `text(since=mark)` returns what came after it."""
        self.drain()
        with self._lock:
            return self._dropped + len(self._buf)

    def text(self, since: int = 0) -> str:
        self.drain()
        with self._lock:
            start = max(0, since - self._dropped)
            return bytes(self._buf[start:]).decode("utf-8", "replace")

    def drain(self, timeout: float = 1.0) -> None:
        """Wait until what was written to fd 2 before this call has been read from the pipe."""
        if self._read_fd is None or self._saved is None:
            return
        _flush()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not self._busy and _pending(self._read_fd) == 0:
                return
            time.sleep(0.005)


def _grow(w_fd: int) -> None:
    """Ask Linux for a 1 MiB pipe, so a burst of log lines never waits for the copying thread."""
    try:
        import fcntl

        fcntl.fcntl(w_fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass


def _pending(fd: int) -> int:
    try:
        import fcntl
        import struct
        import termios

        return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
    except (ImportError, OSError):  # Windows: no FIONREAD on pipes; a short wait instead
        time.sleep(0.05)
        return 0


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except InterruptedError:
            continue
        except OSError:
            return  # the original stderr is gone: keep capturing, stop passing on
        view = view[n:]


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
