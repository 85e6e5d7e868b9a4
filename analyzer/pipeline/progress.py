"""What the log shows as a run goes on, for the HTML report's pictures: the loss values of Keras
progress lines (`- loss: 0.2961`) and of a training loop's own prints (`loss=0.31`, `Loss 0.31`),
and the bins of the GPU allocator's dump after an out-of-memory (`Bin (256): Total Chunks: ...`).

Most lines never reach the rules (the prefilter skips them), so this looks at whole blocks, and
only at blocks that mention "loss" or "Bin (". What it keeps is bounded: at most MAX_POINTS loss
values, evenly thinned as a long run goes on, plus the first value that is NaN or Inf, always; the
bins of the last dump only (at most MAX_BINS).
"""

from __future__ import annotations

import re
from typing import List, Optional

from analyzer.core.cache import compile_re
from analyzer.core.model import LossPoint, MemoryBin

from .memory import parse_bytes

MAX_POINTS = 2000
MAX_BINS = 64
_BIN = compile_re(
    rb"Bin \((\d+)\):\s*Total Chunks: (\d+), Chunks in use: (\d+)\. ([\d.]+ ?[KMGTP]?i?B) allocated for chunks\. "
    rb"([\d.]+ ?[KMGTP]?i?B) in use in bin"
)
# `loss` on its own (not val_loss, total_loss), then ":", "=" or a space, then a number, nan or inf.
_LOSS = compile_re(
    rb"(?<![\w.])loss(?:\s*[:=]\s*|\s+)([-+]?(?:nan|inf(?:inity)?)|[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)",
    re.I,
)


class LossCollector:
    """Feed it blocks; `points()` is the bounded curve, `first_nonfinite` the first NaN/Inf."""

    def __init__(self) -> None:
        self._points: List[LossPoint] = []
        self._stride = 1  # keep one value in `_stride` once thinned
        self._seen = 0
        self.first_nonfinite: Optional[LossPoint] = None

    def feed(self, input_name: str, data: bytes, first_line: int, newline: bytes = b"\n") -> None:
        if b"oss" not in data:
            return
        pos, line = 0, first_line
        for m in _LOSS.finditer(data):
            raw = m.group(1)
            finite = raw[-1:].isdigit() or raw[-1:] == b"."
            if finite and self._seen % self._stride:  # thinned out: count it, skip the work
                self._seen += 1
                continue
            line += data.count(newline, pos, m.start())
            pos = m.start()
            value = float(raw)
            point = LossPoint(input_name, line, value, self._seen + 1)
            if not finite and self.first_nonfinite is None:
                self.first_nonfinite = point
            self._add(point)

    def _add(self, point: LossPoint) -> None:
        self._seen += 1
        if (self._seen - 1) % self._stride:
            return  # a NaN/Inf past the first, thinned out like any value
        self._points.append(point)
        if len(self._points) >= MAX_POINTS:
            self._points = self._points[::2]
            self._stride *= 2

    def points(self) -> List[LossPoint]:
        """The curve in log order, with the first NaN/Inf in it even when thinning had dropped it."""
        out = list(self._points)
        if self.first_nonfinite is not None and self.first_nonfinite not in out:
            out.append(self.first_nonfinite)
            out.sort(key=lambda p: p.step)
        return out


class BinCollector:
    """The bins of the allocator's last dump: a bin no larger than the one before starts a new dump."""

    def __init__(self) -> None:
        self.bins: List[MemoryBin] = []

    def feed(self, data: bytes) -> None:
        if b"Bin (" not in data:
            return
        for m in _BIN.finditer(data):
            allocated = parse_bytes(m.group(4).decode())
            in_use = parse_bytes(m.group(5).decode())
            if allocated is None or in_use is None:
                continue
            b = MemoryBin(int(m.group(1)), int(m.group(2)), int(m.group(3)), allocated, in_use)
            if self.bins and b.size <= self.bins[-1].size:
                self.bins = []
            if len(self.bins) < MAX_BINS:
                self.bins.append(b)
